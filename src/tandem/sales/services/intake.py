"""Channel intake: many orders in one call, idempotent per (company, channel, reference).

A shop on a channel pushes thousands of orders in the first minutes of a sale (issue 20).
`sales_orders_intake` takes them as a list and answers one result per order: created, the
existing order for a re-sent identical one, or an error with a stable code (a re-sent order
whose body differs, a reference twice in the batch, an unknown customer or product, any
refusal of the quotation rules). The good ones land; nothing of a bad one is written.

It is set-based: the references, customers, products, payment terms, tax rules, invoice
policies and prices of the whole batch are read in a fixed number of queries (prices once
per customer and date), the quotation numbers come from one numbering call per year (the
same gapless numbers, in the same order, as one call per order), and orders, lines and
their taxes are written with one insert each. The quotations are the same rows the
one-at-a-time `sales_order_create` makes from the same input; the equivalence test holds
the two paths to identical books and stock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as date_type
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import TaxScope
from tandem.accounting.services.tax_defaults import default_taxes
from tandem.accounting.services.taxes import accounting_settings
from tandem.catalog.models import Product
from tandem.catalog.services.pricing import prices_for
from tandem.core import events
from tandem.core.errors import DomainError, InvalidReference, ValidationFailed
from tandem.core.services import sequence_next_many
from tandem.parties.models import Party, PaymentTerm

from ..models import SalesOrder, SalesOrderLine, SalesOrderLog
from ._common import lock, text
from .orders import (
    _check_lines,
    _clean_header,
    _confirm_locked,
    _finish_lines,
    _policies,
    _totals,
    net_price,
)

MAX_BATCH = 1000
ORDER_KEYS = (
    "party",
    "channel",
    "external_reference",
    "lines",
    "order_date",
    "commitment_date",
    "note",
)
LINE_KEYS = ("product", "quantity", "unit_price", "discount", "description")


class BatchTooLarge(ValidationFailed):
    code = "sales.batch_too_large"
    title = _("Batch too large")


class BatchDuplicateReference(ValidationFailed):
    code = "sales.batch_duplicate_ref"
    title = _("Reference twice in the batch")


class BatchReferenceConflict(DomainError):
    code = "sales.batch_ref_conflict"
    status = 409
    title = _("Reference already used by another order")


class BatchReferenceMissing(ValidationFailed):
    code = "sales.batch_ref_missing"
    title = _("External reference missing")


@dataclass
class IntakeResult:
    """One order of a batch: `status` created, existing or error."""

    index: int
    status: str
    order: SalesOrder | None = None
    error: DomainError | None = None
    extra: dict = field(default_factory=dict)


# -- the body's fingerprint ----------------------------------------------------------------


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, date_type):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return value.strip()
    return value


def intake_digest(order: Mapping) -> str:
    """SHA-256 of the order as sent: the same order re-sent, in any key order, gives the same."""
    body = {k: order.get(k) for k in ORDER_KEYS if order.get(k) not in (None, "")}
    body["lines"] = [
        {k: line.get(k) for k in LINE_KEYS if line.get(k) not in (None, "")}
        for line in order.get("lines") or []
        if isinstance(line, Mapping)
    ]
    for line in body["lines"]:  # "2" and "2.00" are the same quantity
        for key in ("quantity", "unit_price", "discount"):
            if key in line:
                with contextlib.suppress(InvalidOperation, ValueError):
                    line[key] = Decimal(str(line[key]))
    raw = json.dumps(_plain(body), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


# -- intake --------------------------------------------------------------------------------


def _refs(company, orders: Sequence[Mapping], results: dict[int, IntakeResult]) -> dict:
    """Reference checks of the batch; returns {index: (channel, reference, digest)}."""
    keys: dict[int, tuple[str, str, str]] = {}
    seen: dict[tuple[str, str], int] = {}
    for index, data in enumerate(orders):
        try:
            if not isinstance(data, Mapping):
                raise ValidationFailed(f"orders.{index}: not an order", field=f"orders.{index}")
            unknown = set(data) - set(ORDER_KEYS)
            if unknown:
                raise ValidationFailed(
                    f"unknown fields {', '.join(sorted(unknown))}", field=f"orders.{index}"
                )
            channel = text(data.get("channel"), field="channel", max_length=30)
            reference = text(
                data.get("external_reference"), field="external_reference", max_length=100
            )
            if not reference:
                raise BatchReferenceMissing(
                    gettext("Every order of a batch needs an external reference."),
                    field="external_reference",
                )
            if (channel, reference) in seen:
                raise BatchDuplicateReference(
                    gettext("%(ref)s is already order %(index)s of this batch.")
                    % {"ref": f"{channel or '-'} {reference}", "index": seen[(channel, reference)]},
                    field="external_reference",
                    extra={"first_index": seen[(channel, reference)]},
                )
        except DomainError as exc:
            results[index] = IntakeResult(index, "error", error=exc)
            continue
        seen[(channel, reference)] = index
        keys[index] = (channel, reference, intake_digest(data))
    if not keys:
        return keys
    existing = {
        (channel, reference): (pk, digest)
        for pk, channel, reference, digest in SalesOrder.objects.filter(
            company=company,
            channel__in={c for c, _r, _d in keys.values()},
            external_reference__in={r for _c, r, _d in keys.values()},
        ).values_list("pk", "channel", "external_reference", "intake_digest")
    }
    for index, (channel, reference, digest) in list(keys.items()):
        found = existing.get((channel, reference))
        if found is None:
            continue
        del keys[index]
        pk, stored = found
        if stored and stored == digest:
            results[index] = IntakeResult(index, "existing", extra={"order_id": pk})
        else:
            results[index] = IntakeResult(
                index,
                "error",
                error=BatchReferenceConflict(
                    gettext("%(ref)s is order %(id)s, which was sent with another body.")
                    % {"ref": f"{channel or '-'} {reference}", "id": pk},
                    field="external_reference",
                    extra={"existing_id": pk},
                ),
            )
    return keys


def _resolve(company, orders, keys) -> tuple[dict, dict]:
    """The batch's customers and products, one query each."""
    party_ids, product_ids = set(), set()
    for index in keys:
        data = orders[index]
        if isinstance(data.get("party"), int):
            party_ids.add(data["party"])
        for line in data.get("lines") or []:
            if isinstance(line, Mapping) and isinstance(line.get("product"), int):
                product_ids.add(line["product"])
    parties = Party.objects.filter(company=company).in_bulk(party_ids) if party_ids else {}
    products = (
        Product.objects.filter(company=company).select_related("uom").in_bulk(product_ids)
        if product_ids
        else {}
    )
    return parties, products


def _order_of(company, data, parties, products, user, terms) -> tuple[SalesOrder, list]:
    """The unsaved order and its input lines with rows for ids (errors as the API's)."""
    party = parties.get(data.get("party")) if isinstance(data.get("party"), int) else None
    if party is None:
        raise InvalidReference("party: no such customer", field="party")
    lines = []
    raw_lines = data.get("lines") or []
    if not isinstance(raw_lines, list):
        raise ValidationFailed("lines: a list", field="lines")
    for index, line in enumerate(raw_lines):
        if not isinstance(line, Mapping):
            raise ValidationFailed(f"lines.{index}: not a line", field=f"lines.{index}")
        unknown = set(line) - set(LINE_KEYS)
        if unknown:
            raise ValidationFailed(
                f"lines.{index}: unknown fields {', '.join(sorted(unknown))}",
                field=f"lines.{index}",
            )
        pid = line.get("product")
        product = products.get(pid) if isinstance(pid, int) else None
        if product is None:
            raise InvalidReference(
                f"lines.{index}.product: no such product", field=f"lines.{index}.product"
            )
        row = {k: v for k, v in line.items() if v is not None}
        row["product"] = product
        lines.append(row)
    order = SalesOrder(company=company, created_by=user if getattr(user, "pk", None) else None)
    header = {"party": party}
    for name in ("channel", "external_reference", "order_date", "commitment_date", "note"):
        if data.get(name) is not None:
            header[name] = data[name]
    _clean_header(company, header, order)
    order.currency_id = party.currency_id
    order.payment_term_id = party.payment_term_id
    order.prepaid = terms.get(party.payment_term_id) == 0
    if getattr(user, "pk", None):
        order.salesperson = user
    return order, lines


def _defaults(company, product_ids, party_ids) -> dict:
    """{party id: {product id: default taxes}}: the products read once, a party's own rule
    applied only for the parties that have one."""
    from tandem.accounting.models import PartyTaxRule

    base = default_taxes(company=company, products=list(product_ids), scope=TaxScope.SALE)
    ruled = set(
        PartyTaxRule.objects.filter(company=company, party_id__in=party_ids).values_list(
            "party_id", flat=True
        )
    )
    found = {pid: base for pid in party_ids if pid not in ruled}
    for pid in ruled:
        found[pid] = default_taxes(
            company=company, products=list(product_ids), scope=TaxScope.SALE, party=pid
        )
    return found


@transaction.atomic
def sales_orders_intake(
    *, company, orders: Sequence[Mapping], user=None, confirm: bool = False
) -> list[IntakeResult]:
    """Quotations for a batch of channel orders (ids, as a connector sends them).

    Each order: `party` (id), `channel`, `external_reference` (required), `lines`
    (`product` id, `quantity`, optional `unit_price`, `discount`, `description`), optional
    `order_date`, `commitment_date`, `note`. `confirm=True` confirms the new ones too
    (`sales_orders_confirm`). At most `MAX_BATCH` orders (`sales.batch_too_large`).
    """
    orders = list(orders)
    if not orders:
        raise ValidationFailed("orders: at least one", field="orders")
    if len(orders) > MAX_BATCH:
        raise BatchTooLarge(
            gettext("At most %(max)s orders in one batch.") % {"max": MAX_BATCH}, field="orders"
        )
    results: dict[int, IntakeResult] = {}
    keys = _refs(company, orders, results)
    parties, products = _resolve(company, orders, keys)
    terms = dict(
        PaymentTerm.objects.filter(
            pk__in={p.payment_term_id for p in parties.values() if p.payment_term_id}
        ).values_list("pk", "due_days")
    )
    staged = {}
    for index in keys:
        try:
            order, lines = _order_of(company, orders[index], parties, products, user, terms)
            staged[index] = (order, lines, _check_lines(company, lines))
        except DomainError as exc:
            results[index] = IntakeResult(index, "error", error=exc)
    product_ids = {p.pk for _o, _l, checked in staged.values() for p, _q, _u in checked}
    defaults = _defaults(company, product_ids, {o.party_id for o, _l, _c in staged.values()})
    policies = _policies(company, product_ids) if product_ids else {}
    rounding = accounting_settings(company).tax_rounding
    # prices: one pass per customer and date (the inputs `price_for` depends on)
    groups = defaultdict(list)
    for index, (order, _lines, _checked) in staged.items():
        groups[(order.party_id, order.currency_id, order.order_date)].append(index)
    quotes = {}
    for members in groups.values():
        first = staged[members[0]][0]
        flat = prices_for(
            company=company,
            lines=[row for index in members for row in staged[index][2]],
            party=first.party,
            on_date=first.order_date,
            currency=first.currency_id,
        )
        at = 0
        for index in members:
            size = len(staged[index][2])
            quotes[index] = flat[at : at + size]
            at += size
    good = []
    for index, (order, lines, checked) in staged.items():
        try:
            built = _finish_lines(
                order,
                lines,
                checked,
                quotes[index],
                defaults[order.party_id],
                policies,
                user=user,
            )
            _totals(order, built, rounding=rounding)
        except DomainError as exc:
            results[index] = IntakeResult(index, "error", error=exc)
            continue
        order.intake_digest = keys[index][2]
        good.append((index, order, built))
    good.sort(key=lambda item: item[0])  # numbers follow the order of the batch
    try:
        with transaction.atomic():
            _write(company, good, user=user)
    except IntegrityError as exc:
        # a concurrent call wrote one of these references after our check: nothing of this
        # batch is kept, and sent again it answers those orders as existing
        raise BatchReferenceConflict(
            gettext("Another call created some of these orders at the same time; send again."),
            code="sales.batch_concurrent",
        ) from exc
    for index, order, _built in good:
        results[index] = IntakeResult(index, "created", order=order)
    existing_ids = [r.extra["order_id"] for r in results.values() if r.status == "existing"]
    if existing_ids:
        found = SalesOrder.objects.in_bulk(existing_ids)
        for result in results.values():
            if result.status == "existing":
                result.order = found[result.extra["order_id"]]
    if confirm and good:
        confirmed = sales_orders_confirm(orders=[order for _i, order, _b in good], user=user)
        by_pk = {order.pk: (order, error) for order, error in confirmed}
        for index, order, _built in good:
            locked, error = by_pk[order.pk]
            results[index].order = locked
            if error is not None:
                results[index].error = error
    return [results[index] for index in range(len(orders))]


def _write(company, good: list, *, user) -> None:
    """Numbers, orders, lines, line taxes and price-floor logs: one statement each."""
    if not good:
        return
    by_year = defaultdict(list)
    for _index, order, _built in good:
        by_year[order.order_date.year].append(order)
    for members in by_year.values():
        numbers = sequence_next_many(
            company=company,
            code="SQ",
            count=len(members),
            on_date=members[0].order_date,
            prefix="SQ/{year}/",
        )
        for order, value in zip(members, numbers, strict=True):
            order.quotation_number = value
    orders = SalesOrder.objects.bulk_create([order for _i, order, _b in good])
    if orders and orders[0].pk is None:  # backends without RETURNING
        raise RuntimeError("the batch intake needs a database that returns inserted keys")
    rows = []
    for _index, order, built in good:
        for line, taxes, _list in built:
            line.order = order
            rows.append((line, taxes))
    lines = SalesOrderLine.objects.bulk_create([line for line, _t in rows])
    through = SalesOrderLine.taxes.through
    through.objects.bulk_create(
        [
            through(salesorderline_id=line.pk, tax_id=tax.pk)
            for line, (_l, taxes) in zip(lines, rows, strict=True)
            for tax in taxes
        ]
    )
    if user is not None:
        SalesOrderLog.objects.bulk_create(
            [
                SalesOrderLog(
                    company_id=line.company_id,
                    order=line.order,
                    action="price_below_floor",
                    detail=f"{line.product.sku}: "
                    f"{net_price(line.unit_price, line.discount):.6f} < {line.price_floor}",
                    user=user,
                )
                for line in lines
                if net_price(line.unit_price, line.discount) < line.price_floor
            ]
        )


# -- confirm -------------------------------------------------------------------------------


@transaction.atomic
def sales_orders_confirm(*, orders: Sequence[SalesOrder], user=None) -> list[tuple]:
    """Confirm many orders: [(order, error or None)], in the order given.

    The orders and their customers are locked once, in primary-key order; each order is
    then confirmed as `sales_order_confirm` does (credit check, number, delivery,
    reservation) under its own savepoint, so one refusal leaves the others confirmed. An
    order over its customer's credit limit stays on hold with its exception, as one at a
    time, and comes back with `credit.limit_exceeded`.
    """
    from ..errors import CreditLimitExceeded

    orders = list(orders)
    locked = lock(SalesOrder, [o.pk for o in orders])
    lock(Party, {row.party_id for row in locked.values()})
    company_rows = {o.company_id: o.company for o in orders if "company" in o._state.fields_cache}
    answers = {}
    for pk in sorted(locked):
        row = locked[pk]
        if row.company_id in company_rows:
            row.company = company_rows[row.company_id]
        try:
            with transaction.atomic():
                hold = _confirm_locked(row, user=user, override_credit=False)
        except DomainError as exc:
            answers[pk] = (row, exc)
            continue
        if hold is not None:
            answers[pk] = (
                row,
                CreditLimitExceeded(
                    f"{row}: {hold.detail}", extra={"exception_id": hold.pk, "order_id": row.pk}
                ),
            )
            continue
        events.publish(
            "sales_order.confirmed",
            order_id=row.pk,
            company_id=row.company_id,
            number=row.number,
            party_id=row.party_id,
            total=str(row.total_amount),
            currency=row.currency_id,
        )
        answers[pk] = (row, None)
    missing = [o for o in orders if o.pk not in locked]
    for order in missing:
        answers[order.pk] = (order, InvalidReference("order: no such order", field="orders"))
    return [answers[o.pk] for o in orders]
