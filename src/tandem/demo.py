"""The demo data set: a coherent trading company, deterministic by seed, loaded in bulk.

`small` is for a first look (about 80 parties, 60 products); `large` is for measuring
(10,000 parties, 2,000 products). Bulk writes skip the audit trail on purpose: history
starts with the first change a user makes.

The sales demo replays a year of orders under a demo clock, so the fiscal years of that year
are opened first and the opening stock is received (under the same clock) a week before the
history starts; every document and entry then carries the date it would have had.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker
from stdnum.cn import uscc

from tandem.accounting.models import Tax
from tandem.accounting.services import chart_install, default_taxes_set, party_tax_rule_set
from tandem.accounting.services.invoices import invoice_create, invoice_post
from tandem.accounting.services.payments import payment_create, payment_post
from tandem.analytics.demo import load_analytics_demo
from tandem.catalog.models import (
    PriceList,
    PriceListItem,
    Product,
    ProductCategory,
    Uom,
)
from tandem.catalog.services.pricing import company_today
from tandem.core.models import Company, ExchangeRate, User
from tandem.core.services import company_create, membership_grant
from tandem.crm.demo import load_crm_demo
from tandem.demo_profile import demo_profile
from tandem.hr.demo import load_hr_demo
from tandem.inventory.demo import load_inventory_demo
from tandem.manufacturing.demo import load_manufacturing_demo
from tandem.marketing.demo import load_marketing_demo
from tandem.parties.models import Address, Contact, Party, PaymentTerm, Tag
from tandem.purchasing.demo import load_purchasing_demo
from tandem.sales.demo import (
    demo_clock,
    fiscal_years_ensure,
    history_start,
    load_sales_demo,
    local_moment,
)
from tandem.service.demo import load_service_demo

SIZES = {"small": (80, 60), "large": (10_000, 2_000)}
CN_CITIES = [
    ("北京市", "北京市", "100020", "110105"),
    ("上海市", "上海市", "200120", "310115"),
    ("广东省", "深圳市", "518000", "440305"),
    ("广东省", "广州市", "510000", "440106"),
    ("浙江省", "杭州市", "310000", "330106"),
    ("江苏省", "苏州市", "215000", "320505"),
    ("四川省", "成都市", "610000", "510107"),
    ("湖北省", "武汉市", "430000", "420106"),
    ("福建省", "厦门市", "361000", "350203"),
    ("山东省", "青岛市", "266000", "370202"),
]
FOREIGN = [
    ("US", "en_US", "USD"),
    ("DE", "de_DE", "EUR"),
    ("GB", "en_GB", "GBP"),
    ("JP", "ja_JP", "JPY"),
    ("SG", "en_US", "SGD"),
]
TAGS = [
    ("VIP", "#b42318"),
    ("Wholesale", "#1769aa"),
    ("Retail", "#12703a"),
    ("Key account", "#9a6700"),
    ("Overseas", "#6941c6"),
    ("New", "#475467"),
]
TERMS = [("Immediate", 0), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60)]
CATEGORIES = {
    "Electronics": ["Laptops", "Monitors", "Accessories"],
    "Office supplies": ["Paper", "Writing", "Furniture"],
    "Packaging": ["Boxes", "Tape & film"],
    "Raw materials": ["Metals", "Plastics", "Cable"],
    "Services": ["Installation", "Support"],
}
PRODUCT_WORDS = {
    "Laptops": ("Laptop", ['14"', '15.6"', 'Pro 16"', 'Air 13"'], "unit", "goods"),
    "Monitors": ("Monitor", ['24" FHD', '27" QHD', '32" 4K', '34" curved'], "unit", "goods"),
    "Accessories": (
        "",
        ["USB-C hub", "Wireless mouse", "Keyboard", "Docking station", "Webcam", "Headset"],
        "unit",
        "goods",
    ),
    "Paper": ("Copy paper", ["A4 80g", "A3 80g", "A4 70g"], "unit", "consumable"),
    "Writing": (
        "",
        ["Gel pen 0.5", "Marker set", "Notebook A5", "Sticky notes"],
        "dozen",
        "consumable",
    ),
    "Furniture": ("", ["Office chair", "Standing desk", "Filing cabinet"], "unit", "goods"),
    "Boxes": ("Carton", ["S 30x20x15", "M 40x30x25", "L 60x40x40"], "unit", "consumable"),
    "Tape & film": ("", ["Packing tape 48mm", "Stretch film 500mm"], "unit", "consumable"),
    "Metals": ("", ["Aluminium sheet 2mm", "Copper wire 1.5mm", "Steel rod 10mm"], "kg", "goods"),
    "Plastics": ("", ["ABS pellets", "PP granules", "PET flakes"], "kg", "goods"),
    "Cable": ("", ["Cat6 cable", "Power cable 3x2.5", "Fibre patch"], "m", "goods"),
    "Installation": ("", ["On-site installation", "Network cabling work"], "hour", "service"),
    "Support": ("", ["Support contract", "Remote support"], "hour", "service"),
}


def _uscc(rng: random.Random, division: str) -> str:
    body = "91" + division + "".join(rng.choice("0123456789") for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _cn_mobile(rng: random.Random) -> str:
    return (
        "+86"
        + rng.choice(["138", "139", "150", "186", "177", "135"])
        + "".join(rng.choice("0123456789") for _ in range(8))
    )


def _company(code, name, currency, country, tz) -> Company:
    return Company.objects.filter(code=code).first() or company_create(
        code=code, name=name, currency=currency, country=country, time_zone=tz
    )


def _users(company: Company) -> None:
    for username, roles in [
        ("li.na", ["sales"]),
        ("zhang.wei", ["warehouse"]),
        ("wang.fang", ["accountant"]),
        ("chen.jie", ["purchasing"]),
        ("viewer", ["readonly"]),
    ]:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username, email=f"{username}@demo.tandem.invalid", default_company=company
            )
            user.set_unusable_password()
            user.save()
        membership_grant(user=user, company=company, roles=roles)


def demo_parties(company, rng, fakers, count) -> list[Party]:
    """`count` parties of `company`: the first thing the demo draws from its seed."""
    terms = {
        name: PaymentTerm.objects.get_or_create(
            company=company, name=name, defaults={"due_days": days}
        )[0]
        for name, days in TERMS
    }
    tags = {
        name: Tag.objects.get_or_create(company=company, name=name, defaults={"color": color})[0]
        for name, color in TAGS
    }
    cn = fakers["zh_CN"]
    parties, contacts, addresses, tag_links = [], [], [], []
    plans = []
    for index in range(count):
        foreign = rng.random() < 0.3
        is_supplier = rng.random() < 0.2
        is_customer = not is_supplier or rng.random() < 0.25
        person = not foreign and not is_supplier and rng.random() < 0.1
        if foreign:
            country, locale, currency = rng.choice(FOREIGN)
            fake = fakers[locale]
            name = fake.company() if not person else fake.name()
            party = Party(
                company=company,
                kind="organization",
                name=name[:200],
                is_customer=is_customer,
                is_supplier=is_supplier,
                email=f"office{index}@{fake.domain_name()}",
                country=country,
                currency_id=currency,
                website=f"https://www.{fake.domain_name()}",
                credit_limit=Decimal(rng.choice([0, 20000, 50000, 100000])),
                payment_term=terms[rng.choice(["Net 30", "Net 60"])],
            )
            plans.append((party, fake, country, None))
        else:
            province, city, postcode, division = rng.choice(CN_CITIES)
            name = cn.name() if person else cn.company()
            party = Party(
                company=company,
                kind="person" if person else "organization",
                name=name,
                is_customer=is_customer,
                is_supplier=is_supplier,
                email=f"contact{index}@{cn.free_email_domain()}",
                phone=_cn_mobile(rng),
                country="CN",
                currency_id="CNY",
                tax_id="" if person else _uscc(rng, division),
                credit_limit=Decimal(rng.choice([0, 50000, 200000, 500000])),
                payment_term=terms[rng.choice(["Immediate", "Net 15", "Net 30"])],
            )
            plans.append((party, cn, "CN", (province, city, postcode)))
        parties.append(party)
    Party.objects.bulk_create(parties, batch_size=1000)

    tag_through = Party.tags.through
    for party, fake, country, cn_place in plans:
        if party.kind == "organization":
            for position in range(rng.randint(1, 3)):
                contacts.append(
                    Contact(
                        company=company,
                        party=party,
                        name=fake.name(),
                        is_primary=position == 0,
                        job_title=rng.choice(["采购经理", "财务", "总经理", "仓库主管"])
                        if cn_place
                        else rng.choice(["Purchasing manager", "Accountant", "CEO", "Logistics"]),
                        email=f"p{party.pk}.{position}@{fake.domain_name()}",
                        phone=_cn_mobile(rng) if cn_place else "",
                    )
                )
        for kind in ("billing", "shipping"):
            if cn_place:
                province, city, postcode = cn_place
                addresses.append(
                    Address(
                        company=company,
                        party=party,
                        kind=kind,
                        street=cn.street_address(),
                        city=city,
                        state=province,
                        postal_code=postcode,
                        country="CN",
                        is_default=True,
                    )
                )
            else:
                addresses.append(
                    Address(
                        company=company,
                        party=party,
                        kind=kind,
                        street=fake.street_address()[:200],
                        city=fake.city()[:100],
                        postal_code=fake.postcode()[:20],
                        country=country,
                        is_default=True,
                    )
                )
        chosen = {"Overseas"} if country != "CN" else set()
        if rng.random() < 0.15:
            chosen.add(rng.choice(["VIP", "Key account"]))
        if party.is_customer:
            chosen.add(rng.choice(["Wholesale", "Retail", "Retail"]))
        tag_links.extend(tag_through(party_id=party.pk, tag_id=tags[t].pk) for t in chosen)
    Contact.objects.bulk_create(contacts, batch_size=2000)
    Address.objects.bulk_create(addresses, batch_size=2000)
    tag_through.objects.bulk_create(tag_links, batch_size=5000)
    return parties


def _products(company, rng, count) -> list[Product]:
    uoms = {u.name: u for u in Uom.objects.filter(company=company)}
    leaves = {}
    for root_name, children in CATEGORIES.items():
        root, _ = ProductCategory.objects.get_or_create(
            company=company, name=root_name, parent=None
        )
        for child in children:
            leaves[child], _ = ProductCategory.objects.get_or_create(
                company=company,
                name=child,
                parent=root,
                defaults={"valuation": "average" if root_name != "Electronics" else "fifo"},
            )
    variants = [
        (leaf, prefix, variant, uom, kind)
        for leaf, (prefix, names, uom, kind) in PRODUCT_WORDS.items()
        for variant in names
    ]
    products = []
    for index in range(count):
        leaf, prefix, variant, uom_name, kind = variants[index % len(variants)]
        series = index // len(variants)
        name = " ".join(p for p in [prefix, variant] if p) + (
            f" · series {series + 1}" if series else ""
        )
        cost = Decimal(rng.randint(200, 500000)) / 100
        if kind == "service":
            cost = Decimal(rng.choice([80, 120, 200]))
        price = (cost * Decimal(rng.choice(["1.25", "1.35", "1.5", "1.8"]))).quantize(
            Decimal("0.01")
        )
        products.append(
            Product(
                company=company,
                sku=f"SKU-{index + 1:05d}",
                name=name[:200],
                type=kind,
                category=leaves[leaf],
                uom=uoms[uom_name],
                purchase_uom=uoms[uom_name],
                list_price=price,
                cost_price=cost,
                valuation=leaves[leaf].valuation,
                barcode=_ean13(rng) if kind != "service" else "",
                tracking="serial" if leaf == "Laptops" else "lot" if leaf == "Plastics" else "none",
                weight=Decimal(rng.randint(1, 5000)) / 1000 if kind != "service" else Decimal(0),
                can_be_purchased=kind != "service",
            )
        )
    Product.objects.bulk_create(products, batch_size=1000)
    return products


# PRC VAT by category: goods 13 %, installation (a construction service) 9 %, other
# services 6 %; purchases carry the same input VAT.
CATEGORY_VAT = {
    "Electronics": "13%",
    "Office supplies": "13%",
    "Packaging": "13%",
    "Raw materials": "13%",
    "Installation": "9%",
    "Support": "6%",
}


def _default_taxes(company, parties) -> None:
    """Default output and input VAT per category; export customers invoiced at 0 %."""
    taxes = {(t.scope, t.name): t for t in Tax.objects.filter(company=company)}
    if not taxes:
        return
    for category in ProductCategory.objects.filter(company=company, name__in=CATEGORY_VAT):
        rate = CATEGORY_VAT[category.name]
        default_taxes_set(
            company=company,
            target=category,
            taxes=[taxes[("sale", f"销项税 {rate}")]],
            purchase_taxes=[taxes[("purchase", f"进项税 {rate}")]],
        )
    zero = taxes[("sale", "销项税 0%")]
    mappings = [(taxes[("sale", f"销项税 {rate}")], zero) for rate in ("13%", "9%", "6%")]
    for party in parties:
        if party.is_customer and party.country != "CN":
            party_tax_rule_set(company=company, party=party, mappings=mappings)


def _ean13(rng: random.Random) -> str:
    body = "69" + "".join(rng.choice("0123456789") for _ in range(10))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _price_lists(company, rng, products, parties) -> None:
    today = date.today()
    standard = PriceList.objects.create(
        company=company, name="Standard CNY", currency_id="CNY", is_default=True
    )
    wholesale = PriceList.objects.create(company=company, name="Wholesale CNY", currency_id="CNY")
    export = PriceList.objects.create(
        company=company, name="Export USD", currency_id="USD", is_default=True
    )
    items = []
    sellable = [p for p in products if p.type != "service"]
    for product in sellable[: max(10, len(sellable) // 2)]:
        items.append(
            PriceListItem(
                company=company,
                price_list=standard,
                product=product,
                min_quantity=Decimal(0),
                unit_price=product.list_price,
            )
        )
        for min_qty, factor in [(10, "0.95"), (100, "0.90")]:
            items.append(
                PriceListItem(
                    company=company,
                    price_list=wholesale,
                    product=product,
                    min_quantity=Decimal(min_qty),
                    unit_price=(product.list_price * Decimal(factor)).quantize(Decimal("0.01")),
                )
            )
        items.append(
            PriceListItem(
                company=company,
                price_list=export,
                product=product,
                min_quantity=Decimal(0),
                unit_price=(product.list_price / Decimal("7.10")).quantize(Decimal("0.01")),
                valid_from=today - timedelta(days=30),
                valid_to=today + timedelta(days=335),
            )
        )
    PriceListItem.objects.bulk_create(items, batch_size=2000)
    wholesale_parties = Party.objects.filter(company=company, tags__name="Wholesale")
    wholesale.parties.add(*wholesale_parties.values_list("pk", flat=True))


def _rates(company, rng) -> None:
    today = date.today()
    base = {
        "USD": Decimal("7.10"),
        "EUR": Decimal("7.75"),
        "GBP": Decimal("9.02"),
        "JPY": Decimal("0.0480"),
        "SGD": Decimal("5.30"),
    }
    rows = []
    for days_back in range(30, -1, -1):
        for code, rate in base.items():
            drift = Decimal(rng.randint(-150, 150)) / Decimal(10000)
            rows.append(
                ExchangeRate(
                    company=company,
                    currency_id=code,
                    date=today - timedelta(days=days_back),
                    rate=(rate * (1 + drift)).quantize(Decimal("0.000001")),
                )
            )
    ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True)


@transaction.atomic
def _invoices(company, rng, parties, products, count) -> int:
    """Posted customer invoices of the last months: some paid, some part-paid, some overdue."""
    customers = [p for p in parties if p.is_customer and p.currency_id == company.currency_id]
    goods = [p for p in products if p.can_be_sold and p.list_price > 0]
    if not customers or not goods:
        return 0
    today = timezone.localdate()
    made = 0
    for number in range(count):
        party = rng.choice(customers)
        on = today - timedelta(days=rng.randint(0, 150))  # the fiscal years exist (load_demo)
        lines = [
            {"product": product, "quantity": Decimal(rng.randint(1, 20))}
            for product in rng.sample(goods, k=min(len(goods), rng.randint(1, 3)))
        ]
        invoice = invoice_create(
            company=company, kind="customer_invoice", party=party, date=on, lines=lines
        )
        invoice = invoice_post(invoice=invoice)
        made += 1
        settled = number % 4  # 0: open, 1: paid, 2: part-paid, 3: paid
        if settled:
            amount = invoice.total_amount if settled != 2 else invoice.total_amount / 2
            amount = amount.quantize(Decimal("0.01"))
            paid_on = min(today, on + timedelta(days=rng.randint(5, 40)))
            payment = payment_create(
                company=company,
                direction="in",
                party=party,
                amount=amount,
                date=paid_on,
                allocations=[(invoice, amount)],
            )
            payment_post(payment=payment)
    return made


def demo_randomness(seed: int) -> tuple[random.Random, dict]:
    """The demo's one random stream and its Faker per locale, all from `seed`."""
    rng = random.Random(seed)
    fakers = {}
    for locale in sorted({"zh_CN", *(loc for _, loc, _ in FOREIGN)}):
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed)
    return rng, fakers


def load_demo(*, size: str = "small", seed: int = 1, train_models: bool = True) -> dict:
    """Load the demo companies; a second call on a loaded database changes nothing.
    `train_models=False` leaves the analytics models untrained (a test that only reads the
    generated records saves most of half a minute)."""
    party_count, product_count = SIZES[size]
    if Company.objects.filter(code="DEMO").exists():
        company = Company.objects.get(code="DEMO")
        return {
            "company": company.code,
            "parties": Party.objects.filter(company=company).count(),
            "products": Product.objects.filter(company=company).count(),
            "loaded": "before",
        }
    rng, fakers = demo_randomness(seed)
    company = _company("DEMO", "Tandem Demo Trading Co., Ltd.", "CNY", "CN", "Asia/Shanghai")
    chart_install(company=company, template="prc")
    _users(company)
    demo_profile(company)
    parties = demo_parties(company, rng, fakers, party_count)
    products = _products(company, rng, product_count)
    _default_taxes(company, parties)
    _price_lists(company, rng, products, parties)
    _rates(company, rng)
    # the order history goes back a year: its fiscal years, and the opening stock before it
    first = history_start(company)
    fiscal_years_ensure(company, first - timedelta(days=31), company_today(company))
    with demo_clock(local_moment(company, first - timedelta(days=7), 9)):
        load_inventory_demo(company, rng=rng, size=size)
    load_purchasing_demo(company, rng=rng, size=size)
    invoices = _invoices(company, rng, parties, products, 40 if size == "small" else 400)
    load_sales_demo(company, rng=rng, size=size)
    load_crm_demo(company=company, parties=parties, products=products, rng=rng)
    # the newer apps, each from its own module; analytics last, it trains on all the rest
    for load in (load_hr_demo, load_service_demo, load_marketing_demo, load_manufacturing_demo):
        load(company=company, parties=parties, products=products, rng=rng, size=size)
    load_analytics_demo(
        company=company,
        parties=parties,
        products=products,
        rng=rng,
        size=size,
        train=train_models,
    )

    subsidiary = _company("DEMO-US", "Tandem Demo Inc.", "USD", "US", "America/New_York")
    chart_install(company=subsidiary, template="generic")
    demo_parties(subsidiary, rng, fakers, max(10, party_count // 20))
    _products(subsidiary, rng, max(10, product_count // 20))
    return {
        "company": company.code,
        "parties": len(parties),
        "products": len(products),
        "invoices": invoices,
        "companies": 2,
    }
