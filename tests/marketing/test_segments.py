"""The segment compiler: rule trees to one SQL statement over parties, checked against a
brute-force Python filter, the ERP facts on worked examples, and the refusals."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.errors import ValidationFailed
from tandem.crm.models import Interaction, Lead
from tandem.marketing import services
from tandem.marketing.models import Segment, SegmentMember
from tandem.marketing.segments import compile_rules
from tandem.parties.models import Address, Party, Tag

NAMES = ["Ada", "Bo", "Chen", "Dana", "Eli", "Fang", "Gus", "Hua"]
COUNTRIES = ["CN", "US", "DE", ""]
CITIES = ["Beijing", "Shanghai", "Boston", "Berlin"]
TAGS = ["vip", "wholesale", "tea"]
PURPOSES = ["newsletter", "offers"]
SOURCES = ["web_form", "referral", "event"]


# -- a random population and its brute-force twin -----------------------------------------


def _population(company, seed: int, size: int = 40):
    rng = random.Random(seed)
    tags = {name: Tag.objects.create(company=company, name=name) for name in TAGS}
    now = timezone.now()
    facts = {}
    for i in range(size):
        name = f"{rng.choice(NAMES)} {rng.choice(NAMES)} {i}"
        email = rng.choice(["", f"p{i}@example.com", f"p{i}@mail.cn"])
        party = Party.objects.create(
            company=company,
            name=name,
            email=email,
            kind=rng.choice(["organization", "person"]),
            is_customer=rng.random() < 0.7,
            is_supplier=rng.random() < 0.3,
            country=rng.choice(COUNTRIES),
            language=rng.choice(["", "en", "zh-hans"]),
            currency_id="CNY",
        )
        mine = rng.sample(TAGS, rng.randint(0, 2))
        party.tags.set([tags[t] for t in mine])
        addresses = []
        for _a in range(rng.randint(0, 2)):
            country, city = rng.choice(COUNTRIES[:3]), rng.choice(CITIES)
            Address.objects.create(
                company=company, party=party, kind="other", country=country, city=city
            )
            addresses.append((country, city))
        consent = {}
        for purpose in PURPOSES:
            for _c in range(rng.randint(0, 3)):  # a history; the last row counts
                state = rng.choice(["granted", "withdrawn"])
                services.consent_record(
                    company=company, party=party, state=state, purpose=purpose, source="test"
                )
                consent[purpose] = state
        sources = rng.sample(SOURCES, rng.randint(0, 2))
        for source in sources:
            Lead.objects.create(company=company, name="L", source=source, matched_party=party)
        touches = [rng.randint(1, 400) for _t in range(rng.randint(0, 2))]
        for days in touches:
            Interaction.objects.create(
                company=company, kind="call", party=party, occurred_at=now - timedelta(days=days)
            )
        facts[party.pk] = {
            "name": name,
            "email": email,
            "kind": party.kind,
            "is_customer": party.is_customer,
            "is_supplier": party.is_supplier,
            "country": party.country,
            "language": party.language,
            "tags": set(mine),
            "addresses": addresses,
            "consent": consent,
            "sources": set(sources),
            "touch_days": touches,
        }
    return facts


def _brute(rule, f) -> bool:
    if "all" in rule:
        return all(_brute(r, f) for r in rule["all"])
    if "any" in rule:
        return any(_brute(r, f) for r in rule["any"])
    field, op, value = rule["field"], rule["op"], rule.get("value")
    if field in ("name", "email"):
        text = f[field].lower()
        if op == "is_set":
            return text != ""
        if op == "not_set":
            return text == ""
        v = value.lower()
        return {
            "eq": text == v,
            "ne": text != v,
            "contains": v in text,
            "startswith": text.startswith(v),
        }[op]
    if field in ("kind", "country", "language"):
        if op == "in":
            return f[field] in value
        return (f[field] == value) == (op == "eq")
    if field in ("is_customer", "is_supplier"):
        return f[field] == value
    if field == "tag":
        return (value in f["tags"]) == (op == "has")
    if field == "address.country":
        hit = (
            any(c == value for c, _city in f["addresses"])
            if op != "in"
            else any(c in value for c, _city in f["addresses"])
        )
        return not hit if op == "ne" else hit
    if field == "address.city":
        hit = any(city.lower() == value.lower() for _c, city in f["addresses"])
        return not hit if op == "ne" else hit
    if field == "consent":
        return (f["consent"].get(value) == "granted") == (op == "granted")
    if field == "lead.source":
        return value in f["sources"]
    if field == "last_interaction":
        if op == "never":
            return not f["touch_days"]
        recent = any(d <= value for d in f["touch_days"])  # value days, touches days ago
        return recent if op == "within_days" else (bool(f["touch_days"]) and not recent)
    raise AssertionError(field)


LEAVES = st.one_of(
    st.builds(
        lambda op, v: {"field": "name", "op": op, "value": v},
        st.sampled_from(["contains", "startswith", "eq", "ne"]),
        st.sampled_from(NAMES + ["ada bo 1", "x"]),
    ),
    st.sampled_from([{"field": "email", "op": "is_set"}, {"field": "email", "op": "not_set"}]),
    st.builds(
        lambda op, v: {"field": "email", "op": op, "value": v},
        st.sampled_from(["contains"]),
        st.sampled_from(["mail.cn", "example", "p1"]),
    ),
    st.builds(
        lambda op, v: {"field": "kind", "op": op, "value": v},
        st.sampled_from(["eq", "ne"]),
        st.sampled_from(["organization", "person"]),
    ),
    st.builds(
        lambda v: {"field": "country", "op": "in", "value": v},
        st.lists(st.sampled_from(["CN", "US", "DE"]), min_size=1, max_size=2),
    ),
    st.builds(
        lambda f, v: {"field": f, "op": "is", "value": v},
        st.sampled_from(["is_customer", "is_supplier"]),
        st.booleans(),
    ),
    st.builds(
        lambda op, v: {"field": "tag", "op": op, "value": v},
        st.sampled_from(["has", "has_not"]),
        st.sampled_from(TAGS),
    ),
    st.builds(
        lambda op, v: {"field": "address.country", "op": op, "value": v},
        st.sampled_from(["eq", "ne"]),
        st.sampled_from(["CN", "US", "DE"]),
    ),
    st.builds(
        lambda op, v: {"field": "address.city", "op": op, "value": v},
        st.sampled_from(["eq", "ne"]),
        st.sampled_from(CITIES + ["beijing"]),
    ),
    st.builds(
        lambda op, v: {"field": "consent", "op": op, "value": v},
        st.sampled_from(["granted", "not_granted"]),
        st.sampled_from(PURPOSES),
    ),
    st.builds(lambda v: {"field": "lead.source", "op": "eq", "value": v}, st.sampled_from(SOURCES)),
    st.builds(
        lambda op, v: {"field": "last_interaction", "op": op, "value": v},
        st.sampled_from(["within_days", "older_than_days"]),
        st.sampled_from([30, 100, 365]),
    ),
    st.just({"field": "last_interaction", "op": "never"}),
)
TREES = st.recursive(
    LEAVES,
    lambda children: st.builds(
        lambda key, items: {key: items},
        st.sampled_from(["all", "any"]),
        st.lists(children, min_size=0, max_size=4),
    ),
    max_leaves=12,
)


@pytest.mark.parametrize("seed", [1, 2])
def test_compiled_segments_agree_with_a_brute_force_filter(company, seed):
    """Given a random population (tags, addresses, consent histories, leads, touches),
    when random rule trees are compiled to SQL, then each selects exactly the parties a
    plain Python filter over the same facts selects."""
    facts = _population(company, seed)

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(tree=TREES)
    def check(tree):
        rules = tree if ("all" in tree or "any" in tree) else {"all": [tree]}
        got = set(
            services.segment_parties(company=company, rules=rules).values_list("pk", flat=True)
        )
        want = {pk for pk, f in facts.items() if _brute(rules, f)}
        assert got == want, rules

    check()


def test_a_segment_count_is_one_statement(company, party):
    """Given a tree over every kind of fact, when counted, then one SQL query runs."""
    party("Ada", consent=["newsletter"])
    rules = {
        "all": [
            {"field": "consent", "op": "granted", "value": "newsletter"},
            {"field": "tag", "op": "has_not", "value": "vip"},
            {"field": "revenue", "op": "gte", "value": 0},
            {"field": "overdue_invoice", "op": "is", "value": False},
            {"field": "days_since_last_order", "op": "never"},
            {
                "any": [
                    {"field": "address.city", "op": "eq", "value": "Beijing"},
                    {"field": "country", "op": "in", "value": ["CN", "US"]},
                    {"field": "name", "op": "contains", "value": "Ada"},
                ]
            },
        ]
    }
    with CaptureQueriesContext(connection) as queries:
        assert services.segment_parties(company=company, rules=rules).count() == 1
    assert len(queries) == 1


# -- ERP facts on a worked example ----------------------------------------------------------


def test_erp_facts_bought_revenue_overdue(company, party, tea, invoice):
    """Given Ada bought 3 teas (600.00 untaxed, due long ago and unpaid) and Bo bought
    nothing, then bought.product / revenue / overdue select Ada alone; a draft invoice
    counts for nothing."""
    ada, bo = party("Ada"), party("Bo")
    today = timezone.localdate()
    invoice(
        ada,
        [(tea, "3", "200")],
        date=today - timedelta(days=10),
        due_date=today - timedelta(days=5),
    )
    invoice(bo, [(tea, "9", "200")], post=False)

    def members(rule):
        return set(services.segment_parties(company=company, rules={"all": [rule]}))

    assert members({"field": "bought.product", "op": "eq", "value": tea.pk}) == {ada}
    assert members({"field": "bought.product", "op": "ne", "value": tea.pk}) == {bo}
    assert members({"field": "bought.category", "op": "eq", "value": 10**9}) == set()
    assert members({"field": "revenue", "op": "gte", "value": "600"}) == {ada}
    assert members({"field": "revenue", "op": "gt", "value": "600"}) == set()
    assert members({"field": "revenue", "op": "between", "value": [0, 599.99]}) == {bo}
    assert members({"field": "overdue_invoice", "op": "is", "value": True}) == {ada}
    assert members({"field": "overdue_invoice", "op": "is", "value": False}) == {bo}


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "code", "path"),
    [
        (
            {"all": [{"field": "shoe_size", "op": "eq", "value": 1}]},
            "segment.unknown_field",
            "rules.all[0].field",
        ),
        (
            {"any": [{"all": [{"field": "tag", "op": "gte", "value": "x"}]}]},
            "segment.bad_operator",
            "rules.any[0].all[0].op",
        ),
        (
            {"all": [{"field": "revenue", "op": "gte", "value": "lots"}]},
            "segment.bad_value",
            "rules.all[0].value",
        ),
        (
            {"all": [{"field": "revenue", "op": "gte", "value": 1, "days": 0}]},
            "segment.bad_value",
            "rules.all[0].days",
        ),
        (
            {"all": [{"field": "kind", "op": "eq", "value": "robot"}]},
            "segment.bad_value",
            "rules.all[0].value",
        ),
        ({"all": [{"field": "tag", "op": "has"}]}, "segment.bad_value", "rules.all[0].value"),
        ({"all": "tag"}, "segment.bad_rule", "rules.all"),
        ({"all": [], "any": []}, "segment.bad_rule", "rules"),
        ([1, 2], "segment.bad_rule", "rules"),
        (
            {"all": [{"field": "name", "op": "eq", "value": "a", "extra": 1}]},
            "segment.bad_rule",
            "rules.all[0]",
        ),
    ],
)
def test_bad_trees_are_refused_with_a_code_and_the_rule_path(company, rules, code, path):
    with pytest.raises(ValidationFailed) as caught:
        compile_rules(rules, company=company)
    assert caught.value.code == code
    assert caught.value.field == path


def test_a_tree_deeper_than_the_limit_is_refused(company):
    tree = {"field": "name", "op": "contains", "value": "a"}
    for _level in range(12):
        tree = {"all": [tree]}
    with pytest.raises(ValidationFailed) as caught:
        compile_rules(tree, company=company)
    assert caught.value.code == "segment.too_deep"


def test_a_bad_segment_writes_nothing(company):
    with pytest.raises(ValidationFailed):
        services.segment_create(
            company=company, name="Bad", rules={"all": [{"field": "x", "op": "eq", "value": 1}]}
        )
    assert Segment.objects.count() == 0


def test_static_segment_freezes_what_the_rules_select(company, party):
    """Given Ada and Bo with newsletter consent, when a static segment is made from the
    rules, then later parties do not join it."""
    ada, bo = party("Ada", consent=["newsletter"]), party("Bo", consent=["newsletter"])
    rules = {"all": [{"field": "consent", "op": "granted", "value": "newsletter"}]}
    static = services.segment_create(company=company, name="Frozen", kind="static", rules=rules)
    dynamic = services.segment_create(company=company, name="Live", rules=rules)
    cy = party("Cy", consent=["newsletter"])
    assert set(services.segment_members(segment=static)) == {ada, bo}
    assert set(services.segment_members(segment=dynamic)) == {ada, bo, cy}
    assert SegmentMember.objects.filter(segment=static).count() == 2


def test_preview_counts_and_lists_the_first_members(company, party):
    for name in ("Cy", "Ada", "Bo"):
        party(name, country="CN")
    party("Dan", country="US")
    preview = services.segment_preview(
        company=company, rules={"all": [{"field": "country", "op": "eq", "value": "cn"}]}, limit=2
    )
    assert preview["count"] == 3
    assert [m["name"] for m in preview["members"]] == ["Ada", "Bo"]


def test_money_value_is_decimal_exact(company, party, tea, invoice):
    ada = party("Ada")
    invoice(ada, [(tea, "1", "0.10")])
    invoice(ada, [(tea, "2", "0.10")])
    hit = services.segment_parties(
        company=company, rules={"all": [{"field": "revenue", "op": "gte", "value": "0.30"}]}
    )
    assert list(hit) == [ada]
    assert Decimal("0.30") == Decimal("0.1") * 3


def test_rfm_rules_read_the_active_analytics_scores(company, party):
    """rfm.r/f/m and rfm.band select on the scores of the active RFM run only (analytics
    computes them; marketing reads them)."""
    from tandem.analytics.models import ModelRun, PartyScore
    from tandem.marketing.segments import compile_rules

    ada, bo, cy = party("Ada"), party("Bo"), party("Cy")
    active = ModelRun.objects.create(company=company, name="rfm", state="active")
    old = ModelRun.objects.create(company=company, name="rfm", state="superseded")

    def score(run, who, r, f, m, band):
        PartyScore.objects.create(
            company=company,
            run=run,
            party=who,
            recency_days=10,
            frequency=3,
            monetary=Decimal("100"),
            r=r,
            f=f,
            m=m,
            band=band,
        )

    score(active, ada, 5, 4, 5, "champions")
    score(active, bo, 2, 1, 1, "at risk")
    score(old, cy, 5, 5, 5, "champions")  # a replaced run does not count

    def names(rule):
        qs = compile_rules(rule, company=company).apply(Party.objects.filter(company=company))
        return sorted(qs.values_list("name", flat=True))

    assert names({"field": "rfm.r", "op": "gte", "value": 4}) == ["Ada"]
    assert names({"field": "rfm.m", "op": "lte", "value": 2}) == ["Bo"]
    assert names({"field": "rfm.f", "op": "eq", "value": 1}) == ["Bo"]
    assert names({"field": "rfm.band", "op": "in", "value": ["champions", "at risk"]}) == [
        "Ada",
        "Bo",
    ]
    with pytest.raises(ValidationFailed) as refused:
        compile_rules({"field": "rfm.r", "op": "gte", "value": 6}, company=company)
    assert refused.value.code == "segment.bad_value"
