"""The segment compiler: a JSON rule tree to one Django `Q` over Party.

A tree is a group `{"all": [...]}` / `{"any": [...]}` (nested freely, up to MAX_DEPTH) or a
rule `{"field": ..., "op": ..., "value": ...}` (some fields take an extra `"days"` window).
Every fact about other tables (tags, addresses, consent, leads, interactions, invoices,
orders) becomes an `Exists` or a `Subquery` correlated on the party, so one SQL statement
counts a segment of any size; nothing is evaluated in a Python loop over parties.

A bad tree raises SegmentInvalid with a stable code naming the path of the rule:
`segment.bad_rule` (not a group or a rule), `segment.unknown_field`, `segment.bad_operator`,
`segment.bad_value`, `segment.too_deep`, `segment.too_large`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import (
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .errors import SegmentInvalid

MAX_DEPTH = 8
MAX_RULES = 200
DEFAULT_WINDOW_DAYS = 365
PARTY_KINDS = ("organization", "person")
LANGUAGES = ("", "en", "zh-hans")


def _fail(code: str, path: str, message: str):
    raise SegmentInvalid(f"{path}: {message}", code=code, field=path)


# -- value checks ---------------------------------------------------------------------------


def _text(value, path):
    if not isinstance(value, str) or not value.strip() or len(value) > 200 or "\x00" in value:
        _fail("segment.bad_value", path, "a non-empty text of at most 200 characters")
    return value.strip()


def _texts(value, path):
    if not isinstance(value, list) or not value or len(value) > 500:
        _fail("segment.bad_value", path, "a non-empty list of texts")
    return [_text(v, path) for v in value]


def _bool(value, path):
    if not isinstance(value, bool):
        _fail("segment.bad_value", path, "true or false")
    return value


def _int(value, path, *, low=0, high=100_000):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail("segment.bad_value", path, f"a whole number from {low} to {high}")
    return value


def _number(value, path) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        _fail("segment.bad_value", path, "a number")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        _fail("segment.bad_value", path, "a number")
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        _fail("segment.bad_value", path, "a finite number")
    return number


def _date(value, path) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        _fail("segment.bad_value", path, "a date YYYY-MM-DD")


def _choice(value, path, choices):
    if value not in choices:
        _fail("segment.bad_value", path, f"one of {', '.join(map(str, choices))}")
    return value


# -- field compilers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    ops: tuple[str, ...]
    compile: object  # fn(ctx, op, value, rule, path) -> Q
    label: str = ""


class Context:
    def __init__(self, company, today: dt.date):
        self.company = company
        self.today = today

    def since(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)


def _text_field(name):
    def compile_(ctx, op, value, rule, path):
        if op == "is_set":
            return ~Q(**{name: ""})
        if op == "not_set":
            return Q(**{name: ""})
        text = _text(value, path)
        lookup = {
            "eq": "iexact",
            "ne": "iexact",
            "contains": "icontains",
            "startswith": "istartswith",
        }
        q = Q(**{f"{name}__{lookup[op]}": text})
        return ~q if op == "ne" else q

    return Field(("eq", "ne", "contains", "startswith", "is_set", "not_set"), compile_)


def _choice_field(name, choices, *, upper=False):
    def compile_(ctx, op, value, rule, path):
        if op == "in":
            values = _texts(value, path)
            values = [v.upper() if upper else v for v in values]
            for v in values:
                if choices is not None:
                    _choice(v, path, choices)
            return Q(**{f"{name}__in": values})
        v = value.upper() if upper and isinstance(value, str) else value
        if choices is not None:
            _choice(v, path, choices)
        else:
            v = _text(v, path)
        q = Q(**{name: v})
        return ~q if op == "ne" else q

    return Field(("eq", "ne", "in"), compile_)


def _bool_field(name):
    def compile_(ctx, op, value, rule, path):
        return Q(**{name: _bool(value, path)})

    return Field(("is",), compile_)


def _created_at(ctx, op, value, rule, path):
    day = _date(value, path)
    return Q(created_at__date__lt=day) if op == "before" else Q(created_at__date__gte=day)


def _tag(ctx, op, value, rule, path):
    from tandem.parties.models import Party

    name = _text(value, path)
    has = Exists(Party.tags.through.objects.filter(party_id=OuterRef("pk"), tag__name__iexact=name))
    return Q(has) if op == "has" else ~Q(has)


def _address(attr):
    def compile_(ctx, op, value, rule, path):
        from tandem.parties.models import Address

        if op == "in":
            values = _texts(value, path)
            if attr == "country":
                values = [v.upper() for v in values]
                cond = Q(country__in=values)
            else:
                cond = Q()
                for v in values:
                    cond |= Q(city__iexact=v)
        else:
            text = _text(value, path)
            cond = Q(country=text.upper()) if attr == "country" else Q(city__iexact=text)
        exists = Exists(Address.objects.filter(cond, party_id=OuterRef("pk")))
        return ~Q(exists) if op == "ne" else Q(exists)

    return Field(("eq", "ne", "in"), compile_)


def consent_granted(purpose: str, channel: str = "email", party_ref: str = "pk"):
    """A boolean expression: the party's consent in force (its latest party-level row for
    `purpose` and `channel`, by time then id) is granted. One index probe per party
    (mkt_consent_key, LIMIT 1) on SQLite and PostgreSQL alike; a party without any row is
    not granted (the missing row reads as "")."""
    from django.db.models import CharField
    from django.db.models.lookups import Exact

    from .models import Consent

    latest = (
        Consent.objects.filter(
            party_id=OuterRef(party_ref), contact__isnull=True, purpose=purpose, channel=channel
        )
        .order_by("-at", "-pk")
        .values("state")[:1]
    )
    state = Coalesce(Subquery(latest, output_field=CharField()), Value(""))
    return Exact(state, Value("granted"))


def _consent(ctx, op, value, rule, path):
    purpose = _text(value, path)
    channel_path = path.removesuffix(".value") + ".channel"
    channel = _choice(rule.get("channel", "email"), channel_path, ("email", "sms", "phone"))
    q = Q(consent_granted(purpose, channel))
    return q if op == "granted" else ~q


def _lead_source(ctx, op, value, rule, path):
    from tandem.crm.models import Lead
    from tandem.crm.models.pipeline import Source

    values = _texts(value, path) if op == "in" else [_text(value, path)]
    for v in values:
        _choice(v, path, Source.values)
    return Q(Exists(Lead.objects.filter(matched_party_id=OuterRef("pk"), source__in=values)))


def _last_interaction(ctx, op, value, rule, path):
    from tandem.crm.models import Interaction

    touched = Interaction.objects.filter(party_id=OuterRef("pk"))
    if op == "never":
        return ~Q(Exists(touched))
    days = _int(value, path)
    since = timezone.now() - dt.timedelta(days=days)
    recent = Exists(touched.filter(occurred_at__gte=since))
    if op == "within_days":
        return Q(recent)
    return Q(Exists(touched)) & ~Q(recent)  # older_than_days: touched, but not since


def _owner(ctx, op, value, rule, path):
    from tandem.crm.models import Lead, Opportunity

    user_id = _int(value, path, low=1, high=2**31 - 1)
    return Q(Exists(Opportunity.objects.filter(party_id=OuterRef("pk"), owner_id=user_id))) | Q(
        Exists(Lead.objects.filter(matched_party_id=OuterRef("pk"), owner_id=user_id))
    )


def _window(rule, path) -> int:
    days_path = path.removesuffix(".value") + ".days"
    return _int(rule.get("days", DEFAULT_WINDOW_DAYS), days_path, low=1, high=36_500)


def _posted_customer_lines(ctx, days):
    from tandem.accounting.models import InvoiceLine

    return InvoiceLine.objects.filter(
        invoice__party_id=OuterRef("pk"),
        invoice__kind="customer_invoice",
        invoice__state="posted",
        invoice__date__gte=ctx.since(days),
    )


def _bought_product(ctx, op, value, rule, path):
    product = _int(value, path, low=1, high=2**62)
    bought = Exists(_posted_customer_lines(ctx, _window(rule, path)).filter(product_id=product))
    return Q(bought) if op == "eq" else ~Q(bought)


def category_tree_ids(company, root_id: int) -> list[int]:
    """The category and every descendant (one query for the company's categories)."""
    from tandem.catalog.models import ProductCategory

    children: dict = {}
    for pk, parent in ProductCategory.objects.filter(company=company).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent, []).append(pk)
    ids, todo = [], [root_id]
    while todo:
        pk = todo.pop()
        ids.append(pk)
        todo.extend(children.get(pk, []))
    return ids


def _bought_category(ctx, op, value, rule, path):
    category = _int(value, path, low=1, high=2**62)
    ids = category_tree_ids(ctx.company, category) if ctx.company is not None else [category]
    lines = _posted_customer_lines(ctx, _window(rule, path)).filter(product__category_id__in=ids)
    return Q(Exists(lines)) if op == "eq" else ~Q(Exists(lines))


def revenue_subquery(since: dt.date):
    """Net invoiced revenue (untaxed, company currency) of the party's posted customer
    invoices minus credit notes dated from `since`."""
    from tandem.accounting.models import Invoice

    money = DecimalField(max_digits=18, decimal_places=2)
    base = Invoice.objects.filter(
        party_id=OuterRef("pk"), state="posted", date__gte=since
    ).order_by()
    invoiced = (
        base.filter(kind="customer_invoice")
        .values("party_id")
        .annotate(total=Sum(F("untaxed_amount") * F("rate"), output_field=money))
        .values("total")
    )
    credited = (
        base.filter(kind="customer_credit_note")
        .values("party_id")
        .annotate(total=Sum(F("untaxed_amount") * F("rate"), output_field=money))
        .values("total")
    )
    zero = Value(Decimal("0"), output_field=money)
    return Coalesce(Subquery(invoiced, output_field=money), zero) - Coalesce(
        Subquery(credited, output_field=money), zero
    )


def _revenue(ctx, op, value, rule, path):
    days = _window(rule, path)
    # annotated by name so a tree may hold several revenue rules (each its own window)
    ctx.annotations[f"_mkt_rev_{days}"] = revenue_subquery(ctx.since(days))
    name = f"_mkt_rev_{days}"
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            _fail("segment.bad_value", path, "a list of two numbers [low, high]")
        low, high = _number(value[0], path), _number(value[1], path)
        return Q(**{f"{name}__gte": low, f"{name}__lte": high})
    number = _number(value, path)
    return Q(**{f"{name}__{op}": number})


def _overdue(ctx, op, value, rule, path):
    from tandem.accounting.models import Invoice

    overdue = Exists(
        Invoice.objects.filter(
            party_id=OuterRef("pk"),
            kind="customer_invoice",
            state="posted",
            residual_amount__gt=0,
            due_date__lt=ctx.today,
        )
    )
    return Q(overdue) if _bool(value, path) else ~Q(overdue)


def _orders():
    from tandem.sales.models import SalesOrder

    return SalesOrder.objects.filter(party_id=OuterRef("pk"), state__in=("confirmed", "done"))


def _days_since_order(ctx, op, value, rule, path):
    if op == "never":
        return ~Q(Exists(_orders()))
    days = _int(value, path)
    recent = Exists(_orders().filter(order_date__gte=ctx.since(days)))
    if op == "lte":
        return Q(recent)
    return Q(Exists(_orders())) & ~Q(recent)  # gte: has ordered, not within `days`


def _rfm_scores():
    """The active RFM run's stored scores (tandem.analytics computes them nightly; read
    only here)."""
    from tandem.analytics.models import PartyScore

    return PartyScore.objects.filter(party_id=OuterRef("pk"), run__state="active", run__name="rfm")


def _rfm_score(letter):
    def compile_(ctx, op, value, rule, path):
        score = _int(value, path, low=1, high=5)
        lookup = {"eq": "", "gte": "__gte", "lte": "__lte"}[op]
        return Q(Exists(_rfm_scores().filter(**{f"{letter}{lookup}": score})))

    return Field(("eq", "gte", "lte"), compile_)


def _rfm_band(ctx, op, value, rule, path):
    values = _texts(value, path) if op == "in" else [_text(value, path)]
    return Q(Exists(_rfm_scores().filter(band__in=values)))


FIELDS: dict[str, Field] = {
    "name": _text_field("name"),
    "email": _text_field("email"),
    "kind": _choice_field("kind", PARTY_KINDS),
    "is_customer": _bool_field("is_customer"),
    "is_supplier": _bool_field("is_supplier"),
    "active": _bool_field("active"),
    "country": _choice_field("country", None, upper=True),
    "language": _choice_field("language", LANGUAGES),
    "created_at": Field(("before", "after"), _created_at),
    "tag": Field(("has", "has_not"), _tag),
    "address.country": _address("country"),
    "address.city": _address("city"),
    "consent": Field(("granted", "not_granted"), _consent),
    "lead.source": Field(("eq", "in"), _lead_source),
    "last_interaction": Field(("within_days", "older_than_days", "never"), _last_interaction),
    "owner": Field(("eq",), _owner),
    "bought.product": Field(("eq", "ne"), _bought_product),
    "bought.category": Field(("eq", "ne"), _bought_category),
    "revenue": Field(("gte", "lte", "gt", "lt", "between"), _revenue),
    "overdue_invoice": Field(("is",), _overdue),
    "days_since_last_order": Field(("gte", "lte", "never"), _days_since_order),
    "rfm.r": _rfm_score("r"),
    "rfm.f": _rfm_score("f"),
    "rfm.m": _rfm_score("m"),
    "rfm.band": Field(("eq", "in"), _rfm_band),
}
NO_VALUE_OPS = {"is_set", "not_set", "never"}
RULE_KEYS = {"field", "op", "value", "days", "channel"}


class Compiled:
    """A compiled tree: `apply(qs)` filters a Party queryset."""

    def __init__(self, q: Q, annotations: dict):
        self.q = q
        self.annotations = annotations

    def apply(self, qs):
        if self.annotations:
            qs = qs.annotate(**self.annotations)
        return qs.filter(self.q)


def compile_rules(rules, *, company=None, today: dt.date | None = None) -> Compiled:
    """Compile a rule tree (an empty tree or `{}` means every party)."""
    ctx = Context(company, today or timezone.localdate())
    ctx.annotations = {}
    ctx.count = 0
    if rules in (None, {}):
        return Compiled(Q(), {})
    q = _node(ctx, rules, "rules", 0)
    return Compiled(q, ctx.annotations)


def _node(ctx, node, path, depth) -> Q:
    if depth > MAX_DEPTH:
        _fail("segment.too_deep", path, f"groups nest at most {MAX_DEPTH} deep")
    if not isinstance(node, dict):
        _fail("segment.bad_rule", path, "a group {all|any: [...]} or a rule {field, op, value}")
    groups = [k for k in ("all", "any") if k in node]
    if groups:
        if len(node) != 1:
            _fail("segment.bad_rule", path, "a group has exactly one key, all or any")
        key = groups[0]
        children = node[key]
        if not isinstance(children, list):
            _fail("segment.bad_rule", f"{path}.{key}", "a list of rules")
        q = Q()
        for index, child in enumerate(children):
            part = _node(ctx, child, f"{path}.{key}[{index}]", depth + 1)
            if key == "all":
                q &= part
            else:
                q = part if index == 0 else q | part
        if not children:
            # an empty "all" matches everybody, an empty "any" nobody; an empty Q() would
            # vanish inside an OR, so both are explicit
            q = ~Q(pk__in=[]) if key == "all" else Q(pk__in=[])
        return q
    ctx.count += 1
    if ctx.count > MAX_RULES:
        _fail("segment.too_large", path, f"at most {MAX_RULES} rules")
    unknown = set(node) - RULE_KEYS
    if "field" not in node or "op" not in node or unknown:
        _fail("segment.bad_rule", path, "a rule has field, op and value")
    name, op = node["field"], node["op"]
    field = FIELDS.get(name) if isinstance(name, str) else None
    if field is None:
        _fail("segment.unknown_field", f"{path}.field", f"unknown field {name!r}")
    if op not in field.ops:
        _fail(
            "segment.bad_operator",
            f"{path}.op",
            f"{name} takes {', '.join(field.ops)}, not {op!r}",
        )
    if op not in NO_VALUE_OPS and "value" not in node:
        _fail("segment.bad_value", f"{path}.value", "a value is required")
    return field.compile(ctx, op, node.get("value"), node, f"{path}.value")
