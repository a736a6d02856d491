"""The service part of the demo company (`tandem demo`), loaded by tandem.demo after the CRM
part, so it can use the demo's parties, products, orders and invoices.

A support team on a Shanghai calendar with the PRC holidays, four SLA policies, and 150
(small) or 1,500 tickets over the last 60 days across channels and states. The tickets are
built in memory along a simulated timeline (first reply, waiting, resolution, closing) and
written in bulk; their SLA fields come from the same engine as live tickets. Then a lot of a
compressor received from a supplier and delivered to three customers, two complaints about
it, and the quality issue they make.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.core.calendars import add_business_seconds, business_calendar_create
from tandem.core.models import BusinessCalendar, Company, User
from tandem.core.services import membership_grant, sequence_next

from .demo_tools import load_service_tools_demo
from .models import (
    KbArticle,
    MessageKind,
    ServiceTeam,
    SlaPolicy,
    Ticket,
    TicketMessage,
    TicketState,
    TicketTransition,
)
from .services import (
    kb_article_create,
    quality_action_add,
    sla_policy_create,
    team_create,
    ticket_create,
    ticket_quality_issue,
)
from .services.sla import compute

SUBJECTS = [
    ("Delivery arrived damaged", "送货时包装破损"),
    ("Invoice amount does not match the order", "发票金额与订单不符"),
    ("Where is my order?", "我的订单到哪了？"),
    ("Request for a copy of the VAT invoice", "申请补开增值税发票"),
    ("Product stopped working after a week", "产品使用一周后故障"),
    ("Wrong item delivered", "发错货了"),
    ("Change the delivery address", "修改收货地址"),
    ("Question about the warranty", "关于保修的问题"),
    ("Missing parts in the box", "箱内缺少配件"),
    ("Price list for next quarter", "下季度价格表"),
]
POLICIES = [  # priority, first response, resolution (business hours)
    ("low", "8", "40"),
    ("normal", "4", "24"),
    ("high", "2", "12"),
    ("urgent", "1", "4"),
]
AGENTS = [("zhou.min", "Zhou", "Min"), ("sun.li", "Sun", "Li")]


def _agents(company) -> list[User]:
    out = []
    for username, first, last in AGENTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@demo.tandem.invalid",
                default_company=company,
            )
            user.set_unusable_password()
            user.save()
        membership_grant(user=user, company=company, roles=["service"])
        out.append(user)
    return out


def _pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _tickets(company, rng, team, calendar, policies, agents, parties, count, now):
    customers = [p for p in parties if getattr(p, "is_customer", False)] or list(parties)
    tickets, logs, threads = [], [], []
    for _ in range(count):
        opened = now - timedelta(minutes=rng.randint(30, 60 * 24 * 60))
        opened = opened.replace(second=0, microsecond=0)
        priority = _pick(rng, [("low", 2), ("normal", 6), ("high", 2), ("urgent", 1)])
        policy = policies[priority]
        party = rng.choice(customers) if customers else None
        subject_en, subject_zh = rng.choice(SUBJECTS)
        ticket = Ticket(
            company=company,
            number=sequence_next(
                company=company,
                code="service:ticket",
                on_date=timezone.localdate(opened),
                prefix="T{year}-",
            ),
            subject=subject_zh if rng.random() < 0.5 else subject_en,
            party=party,
            customer_email=(getattr(party, "email", "") or "")[:254],
            channel=_pick(rng, [("email", 5), ("phone", 2), ("portal", 2), ("api", 1)]),
            priority=priority,
            team=team,
            assignee=rng.choice(agents),
            policy=policy,
            opened_at=opened,
            state=TicketState.NEW,
        )
        log = [(TicketState.NEW, opened)]
        thread = [(MessageKind.INBOUND, opened, ticket.subject)]
        first_target = int(policy.first_response_hours * 3600)
        # most first replies land well within the target, some late
        delay = int(first_target * rng.lognormvariate(-0.9, 0.8))
        replied = add_business_seconds(calendar, opened, max(delay, 300))
        if replied < now:
            ticket.first_response_at = replied
            log.append((TicketState.OPEN, replied))
            thread.append((MessageKind.REPLY, replied, "已收到，我们正在处理。"))
            moment = replied
            if rng.random() < 0.3:  # waits on the customer for a while
                log.append((TicketState.WAITING_CUSTOMER, replied))
                back = replied + timedelta(hours=rng.randint(2, 96))
                if back < now:
                    log.append((TicketState.OPEN, back))
                    thread.append((MessageKind.INBOUND, back, "补充信息见附件。"))
                    moment = back
            if log[-1][0] == TicketState.OPEN:
                target = int(policy.resolution_hours * 3600)
                work = int(target * rng.lognormvariate(-0.8, 0.7))
                done = add_business_seconds(calendar, moment, max(work, 600))
                if done < now:
                    log.append((TicketState.RESOLVED, done))
                    thread.append((MessageKind.REPLY, done, "问题已解决，如有疑问请回复。"))
                    ticket.resolved_at = done
                    ticket.rating = _pick(rng, [(5, 5), (4, 4), (3, 2), (2, 1), (1, 1), (None, 4)])
                    closed = done + timedelta(days=3)
                    if closed < now:
                        log.append((TicketState.CLOSED, closed))
                        ticket.closed_at = closed
        ticket.state = log[-1][0]
        tickets.append(ticket)
        logs.append(log)
        threads.append(thread)
    return tickets, logs, threads


@transaction.atomic
def load_service_demo(
    *, company: Company, parties: list, products: list, rng: random.Random, size: str
) -> None:
    if ServiceTeam.objects.filter(company=company).exists():
        return
    now = timezone.now()
    calendar = BusinessCalendar.objects.filter(company=company, name="Support hours").first()
    if calendar is None:
        calendar = business_calendar_create(
            company=company,
            name="Support hours",
            time_zone=company.time_zone or "Asia/Shanghai",
            country="CN",
            week={str(d): [["09:00", "12:00"], ["13:00", "18:00"]] for d in range(5)},
        )
    agents = _agents(company)
    team = team_create(
        company=company,
        name="Customer care",
        calendar=calendar,
        support_address="support@demo.tandem.invalid",
        lead=agents[0],
        members=agents,
    )
    policies = {}
    for priority, first, resolution in POLICIES:
        policies[priority] = sla_policy_create(
            company=company,
            name=f"{priority.title()} priority",
            priority=priority,
            first_response_hours=Decimal(first),
            resolution_hours=Decimal(resolution),
            calendar=calendar,
            pause_states=["waiting_customer"],
            warn_percent=80,
        )
    policies = {
        p.priority: p for p in SlaPolicy.objects.filter(company=company).select_related("calendar")
    }
    count = 150 if size == "small" else 1500
    tickets, logs, threads = _tickets(
        company, rng, team, calendar, policies, agents, parties, count, now
    )
    teams = {team.pk: team}
    for ticket, log in zip(tickets, logs, strict=True):
        rows = [TicketTransition(to_state=state, at=at) for state, at in log]
        for field, value in compute(ticket, ticket.policy, rows, now, teams).items():
            setattr(ticket, field, value)
        ticket.sla_check_at = None  # the demo schedules nothing; a refresh picks them up
    Ticket.objects.bulk_create(tickets, batch_size=500)
    transitions, messages = [], []
    for ticket, log, thread in zip(tickets, logs, threads, strict=True):
        previous = ""
        for state, at in log:
            transitions.append(
                TicketTransition(
                    company=company, ticket=ticket, from_state=previous, to_state=state, at=at
                )
            )
            previous = state
        for kind, at, body in thread:
            messages.append(
                TicketMessage(
                    company=company,
                    ticket=ticket,
                    kind=kind,
                    author=ticket.assignee if kind == MessageKind.REPLY else None,
                    from_address=ticket.customer_email if kind == MessageKind.INBOUND else "",
                    subject=ticket.subject,
                    body=body,
                    at=at,
                )
            )
    TicketTransition.objects.bulk_create(transitions, batch_size=1000)
    TicketMessage.objects.bulk_create(messages, batch_size=1000)
    _kb(company, agents[0])
    _quality(company, rng, team, parties, agents[0])
    # the agent's tools (canned responses, macros, escalations, a split) on these tickets
    load_service_tools_demo(company=company, now=now)


def _kb(company, user):
    if KbArticle.objects.filter(company=company).exists():
        return
    kb_article_create(
        company=company,
        title="How to request a VAT invoice",
        body="Send the order number and your company's tax ID to support.",
        language="en",
        public=True,
        user=user,
    )
    kb_article_create(
        company=company,
        title="如何申请增值税专用发票",
        body="请将订单号和贵公司税号发送至客服邮箱。",
        language="zh-hans",
        public=True,
        user=user,
    )


def _quality(company, rng, team, parties, user):
    """A compressor lot from a supplier, delivered to three customers; two complain."""
    from tandem.catalog.services import product_create
    from tandem.inventory import services as inventory
    from tandem.inventory.models import Lot, Warehouse

    warehouse = Warehouse.objects.filter(company=company, active=True).order_by("pk").first()
    suppliers = [p for p in parties if getattr(p, "is_supplier", False)]
    customers = [p for p in parties if getattr(p, "is_customer", False)]
    if warehouse is None or not suppliers or len(customers) < 3:
        return
    product = product_create(
        company=company,
        sku="SRV-C200",
        name="Compressor C-200",
        valuation="fifo",
        tracking="lot",
        cost_price=Decimal("850"),
    )
    receipt = inventory.transfer_create(
        company=company,
        kind="receipt",
        warehouse=warehouse,
        party=suppliers[0],
        origin="PO/C200",
        moves=[
            {
                "product": product,
                "quantity": Decimal(12),
                "unit_cost": Decimal(850),
                "lot_name": "C200-2611",
            }
        ],
    )
    inventory.transfer_done(transfer=inventory.transfer_confirm(transfer=receipt))
    lot = Lot.objects.get(product=product, name="C200-2611")
    buyers = rng.sample(customers, 3)
    for buyer, qty in zip(buyers, (5, 4, 3), strict=True):
        delivery = inventory.transfer_create(
            company=company,
            kind="delivery",
            warehouse=warehouse,
            party=buyer,
            moves=[{"product": product, "quantity": Decimal(qty), "lot": lot}],
        )
        delivery = inventory.transfer_assign(transfer=inventory.transfer_confirm(transfer=delivery))
        inventory.transfer_done(transfer=delivery)
    issue = None
    for buyer in buyers[:2]:
        ticket = ticket_create(
            company=company,
            subject="压缩机噪音异常",
            channel="phone",
            priority="high",
            party=buyer,
            team=team,
            lot=lot,
            defect_code="NOISE",
            body="客户反映压缩机运行噪音大。",
            user=user,
        )
        issue = ticket_quality_issue(ticket=ticket, user=user)
    quality_action_add(
        issue=issue,
        kind="corrective",
        description="Inspect the remaining units of lot C200-2611 with the supplier",
        owner=user,
        due_date=timezone.localdate() + timedelta(days=14),
    )
