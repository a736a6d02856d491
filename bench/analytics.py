"""Analytics benchmark: train and score every model of one company, then time the pages and
API answers that show stored predictions.

Usage: python bench/analytics.py [--customers 10000] [--products 2000] [--months 36]
                                 [--database-url URL]

Writes a structured order history (tandem.analytics.demo.make_order_history: seasonality,
trend, co-purchase groups, lapsing customers) and closed opportunities into a fresh database,
runs `analytics_train` once (the nightly job's work) with per-model timings, then times the
Analytics page, a forecast page and the API reads. Prints a Markdown table.
Targets (issue 19): 10,000 customers, 2,000 products, 3 years: training under 5 minutes on
the 2-core machine; every page that shows a prediction under 200 ms.
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--deals", type=int, default=3_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    os.environ["TANDEM_DATA_DIR"] = tempfile.mkdtemp(prefix="tandem-bench-analytics-")
    if args.database_url:
        os.environ["TANDEM_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    from tandem.analytics import demo
    from tandem.analytics.services.training import MODEL_STEPS, Training
    from tandem.catalog.models import Product
    from tandem.catalog.services import default_uom
    from tandem.core.models import User
    from tandem.core.services import company_create, membership_grant, reference_data_sync
    from tandem.crm.services import pipeline_seed
    from tandem.parties.models import Party

    reference_data_sync()
    company = company_create(code="BENCH", name="Bench Co", currency="CNY", country="CN")
    rng = random.Random(7)
    started = time.perf_counter()
    Party.objects.bulk_create(
        [
            Party(
                company=company,
                name=f"Customer {i:05d}",
                kind="organization",
                currency_id="CNY",
                is_customer=True,
            )
            for i in range(args.customers)
        ],
        batch_size=5000,
    )
    uom = default_uom(company=company)
    Product.objects.bulk_create(
        [
            Product(
                company=company,
                sku=f"B{i:05d}",
                name=f"Product {i:05d}",
                uom=uom,
                purchase_uom=uom,
                list_price=rng.randint(5, 300),
            )
            for i in range(args.products)
        ],
        batch_size=5000,
    )
    parties = list(Party.objects.filter(company=company).order_by("pk"))
    products = list(Product.objects.filter(company=company).order_by("pk"))
    orders = demo.make_order_history(
        company=company,
        parties=parties,
        products=products,
        rng=rng,
        months=args.months,
        orders_per_month=0.5,
    )
    pipeline_seed(company=company)
    deals = demo.make_opportunity_history(
        company=company, parties=parties, rng=rng, count=args.deals
    )
    setup = time.perf_counter() - started
    print(
        f"data: {len(parties)} customers, {len(products)} products, {orders} orders, "
        f"{deals} deals in {setup:.0f} s",
        flush=True,
    )

    rows = []
    training = time.perf_counter()
    t0 = time.perf_counter()
    t = Training(company=company, as_of=django.utils.timezone.localdate())
    rows.append(("read the history (one query)", time.perf_counter() - t0, len(t.lines)))
    for name, step in MODEL_STEPS:
        t0 = time.perf_counter()
        step(t)
        rows.append((f"train + store: {name}", time.perf_counter() - t0, ""))
    total = time.perf_counter() - training
    rows.append(("**training, all models**", total, ""))

    admin = User.objects.create_user("bench", password="x")
    membership_grant(user=admin, company=company, roles=["owner"])
    client = Client()
    client.force_login(admin)
    product = products[0].pk
    party = parties[0].pk
    pages = [
        ("page: Analytics", "/analytics/"),
        ("page: product forecast", f"/analytics/forecast/?product={product}"),
        ("page: sales forecast", "/analytics/forecast/"),
        ("api: models", "/api/v1/analytics/models"),
        ("api: rfm of a party", f"/api/v1/analytics/rfm?party={party}"),
        ("api: recommendations for a party", f"/api/v1/analytics/recommendations?party={party}"),
        ("api: bought together", f"/api/v1/analytics/recommendations?product={product}"),
        ("api: forecast of a product", f"/api/v1/analytics/forecast?product={product}"),
        (
            "page: quotation editor's suggestions",
            f"/sales/orders/suggestions/?party={party}&lines-a-product={product}",
        ),
    ]
    for label, url in pages:
        client.get(url)  # warm
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            answer = client.get(url)
            times.append(time.perf_counter() - t0)
            assert answer.status_code == 200, (url, answer.status_code)
        rows.append((label + " (median of 5)", sorted(times)[2], ""))

    print(
        f"\n{connection.vendor}, {os.cpu_count()} cores, peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB\n"
    )
    print("| step | seconds | rows |")
    print("| --- | ---: | ---: |")
    for label, seconds, count in rows:
        print(f"| {label} | {seconds:.3f} | {count} |")


if __name__ == "__main__":
    main()
