"""Scale-out load run: N app servers and N Celery workers on one PostgreSQL and Redis.

Usage:
    python bench/load.py [--clients 50] [--seconds 300] [--app-servers 2] [--workers 2]
                         [--database NAME] [--keep]

Everything on loopback. The script creates (and at the end drops) the PostgreSQL database
NAME (default `tandem_load`) on 127.0.0.1:5432, migrates it and loads the demo company with
`tandem demo`, makes an API token for the admin, receives plenty of stock for 20 products
through the API, then starts `--app-servers` x `tandem serve --workers 2` (gunicorn) on their
own ports and `--workers` x `tandem worker` on Redis (db 14 as broker, db 13 as the shared
cache), as docs/deploy.md describes a production install.

`--clients` asyncio clients (httpx), spread over the app servers, loop for `--seconds`, each
turn picking by weight: a list (sales orders, invoices; 35 %), a report (trial balance, aged
receivables; 15 %), a customer's 360 overview (20 %), or the order-to-cash flow as an
integrator drives it (30 %: create, confirm, ship, invoice and post, pay and post; six write
requests). Afterwards `tandem check-integrity` runs on the database.

Prints one JSON line: requests, requests/s, read and write latency p50/p99, status counts,
5xx count, transport errors, orders completed, and the integrity check's exit code. Goals
(issue 14): p99 reads < 200 ms, writes < 500 ms, zero 5xx, integrity green.
"""

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
SERVER = "postgresql://postgres@127.0.0.1:5432"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tandem(*args, env, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tandem", *args],
        env=env,
        cwd=env["TANDEM_DATA_DIR"],
        capture_output=True,
        text=True,
        **kwargs,
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Stats:
    def __init__(self):
        self.reads: list[float] = []
        self.writes: list[float] = []
        self.statuses: dict[int, int] = {}
        self.transport_errors: dict[str, int] = {}
        self.orders = 0
        self.first_5xx: list[str] = []
        self.refusals: dict[str, int] = {}

    async def call(self, client, method, path, kind, **kwargs):
        start = time.perf_counter()
        try:
            response = await client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            name = type(exc).__name__
            self.transport_errors[name] = self.transport_errors.get(name, 0) + 1
            return None
        (self.reads if kind == "read" else self.writes).append(time.perf_counter() - start)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500 and len(self.first_5xx) < 5:
            self.first_5xx.append(f"{method} {path}: {response.text[:300]}")
        elif response.status_code >= 400:
            try:
                code = response.json().get("code", "")
            except ValueError:
                code = ""
            key = f"{response.status_code} {code}"
            self.refusals[key] = self.refusals.get(key, 0) + 1
        return response


async def order_to_cash(client, stats: Stats, rng: random.Random, customers, products) -> None:
    customer = rng.choice(customers)
    lines = [{"product": p, "quantity": str(rng.randrange(1, 4))} for p in rng.sample(products, 3)]
    made = await stats.call(
        client, "POST", "/sales-orders", "write", json={"party": customer, "lines": lines}
    )
    if made is None or made.status_code != 201:
        return
    order = made.json()["id"]
    for step, body in (("confirm", {}), ("ship", {"carrier": "SF"})):
        answer = await stats.call(
            client, "POST", f"/sales-orders/{order}/{step}", "write", json=body
        )
        if answer is None or answer.status_code != 200:
            return
    invoiced = await stats.call(
        client, "POST", f"/sales-orders/{order}/invoice", "write", json={"post": True}
    )
    if invoiced is None or invoiced.status_code != 200 or not invoiced.json()["invoices"]:
        return
    # the answer is the order; its newest invoice is the one just made
    read = await stats.call(client, "GET", f"/invoices/{invoiced.json()['invoices'][-1]}", "read")
    if read is None or read.status_code != 200:
        return
    invoice = read.json()
    paid = await stats.call(
        client,
        "POST",
        "/payments",
        "write",
        json={
            "party": customer,
            "direction": "in",
            "amount": invoice["total_amount"],
            "date": invoice["date"],
            "allocations": [{"invoice": invoice["id"], "amount": invoice["total_amount"]}],
        },
    )
    if paid is None or paid.status_code != 201:
        return
    posted = await stats.call(client, "POST", f"/payments/{paid.json()['id']}/post", "write")
    if posted is not None and posted.status_code == 200:
        stats.orders += 1


async def client_loop(base, token, stats, seed, deadline, customers, products) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "X-Company": "DEMO"}
    today = date.today().isoformat()
    async with httpx.AsyncClient(base_url=base + "/api/v1", headers=headers, timeout=60) as client:
        while time.monotonic() < deadline:
            pick = rng.random()
            if pick < 0.35:
                path = rng.choice(["/sales-orders", "/invoices"])
                await stats.call(client, "GET", path, "read", params={"limit": 20})
            elif pick < 0.50:
                path = rng.choice(["/reports/trial-balance", "/reports/aged-receivables"])
                await stats.call(client, "GET", path, "read", params={"as_of": today})
            elif pick < 0.70:
                party = rng.choice(customers)
                await stats.call(client, "GET", f"/parties/{party}/overview", "read")
            else:
                await order_to_cash(client, stats, rng, customers, products)


def _wait_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{base} exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{base} did not come up:\n{log.read_text()[-3000:]}")


def prepare(env: dict, api: httpx.Client) -> tuple[list[int], list[int]]:
    """Customers and 20 goods products of the demo, the products stocked for the run."""
    parties = api.get("/parties", params={"limit": 200}).json()["items"]
    customers = [p["id"] for p in parties if p.get("is_customer")]
    listed = api.get("/products", params={"type": "goods", "limit": 200}).json()["items"]
    # lot- or serial-tracked goods need a lot on every move: left out of the run
    goods = [p for p in listed if p.get("tracking", "none") == "none" and p["active"]][:20]
    products = [p["id"] for p in goods]
    receipt = api.post(
        "/transfers",
        json={
            "kind": "receipt",
            "moves": [
                {"product": p["id"], "quantity": "100000", "unit_cost": "10.00"} for p in goods
            ],
        },
    )
    assert receipt.status_code == 201, receipt.text
    rid = receipt.json()["id"]
    for step in ("confirm", "done"):
        answer = api.post(f"/transfers/{rid}/{step}")
        assert answer.status_code == 200, answer.text
    return customers, products


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default="tandem_load")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="tandem-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "DJANGO_"))}
    env.update(
        TANDEM_DATA_DIR=str(data_dir),
        TANDEM_DATABASE_URL=f"{SERVER}/{args.database}",
        TANDEM_BROKER_URL="redis://127.0.0.1:6379/14",
        TANDEM_CACHE_URL="redis://127.0.0.1:6379/13",
        TANDEM_SECRET_KEY=secrets.token_urlsafe(40),
        TANDEM_ADMIN_PASSWORD=secrets.token_urlsafe(16),
        PYTHONPATH=str(REPO / "src"),
    )
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    processes: list[subprocess.Popen] = []
    try:
        started = time.perf_counter()
        demo = _tandem("demo", env=env)
        if demo.returncode:
            raise SystemExit(demo.stderr[-3000:])
        setup_seconds = time.perf_counter() - started
        token = _tandem("token", "create", "--user", "admin", env=env, check=True)
        token = token.stdout.strip().splitlines()[-1]

        bases = []
        for n in range(args.app_servers):
            port = _free_port()
            log = data_dir / f"app{n}.log"
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tandem", "serve", "--port", str(port),
                     "--workers", "2"],
                    env=env, cwd=data_dir, stdout=log.open("w"), stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
            bases.append((f"http://127.0.0.1:{port}", processes[-1], log))
        for n in range(args.workers):
            log = data_dir / f"worker{n}.log"
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tandem", "worker"],
                    env=env, cwd=data_dir, stdout=log.open("w"), stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        for base, process, log in bases:
            _wait_up(base, process, log)
        headers = {"Authorization": f"Bearer {token}", "X-Company": "DEMO"}
        with httpx.Client(base_url=bases[0][0] + "/api/v1", headers=headers, timeout=60) as api:
            customers, products = prepare(env, api)

        stats = Stats()
        deadline = time.monotonic() + args.seconds
        run_start = time.perf_counter()

        async def run():
            await asyncio.gather(
                *(
                    client_loop(bases[n % len(bases)][0], token, stats, n, deadline,
                                customers, products)
                    for n in range(args.clients)
                )
            )  # fmt: skip

        asyncio.run(run())
        wall = time.perf_counter() - run_start
        integrity = _tandem("check-integrity", env=env)
        requests = len(stats.reads) + len(stats.writes)
        print(
            json.dumps(
                {
                    "clients": args.clients,
                    "app_servers": args.app_servers,
                    "workers": args.workers,
                    "setup_seconds": round(setup_seconds, 1),
                    "seconds": round(wall, 1),
                    "requests": requests,
                    "requests_per_s": round(requests / wall, 1),
                    "orders": stats.orders,
                    "read_p50_ms": round(_percentile(stats.reads, 0.5) * 1000, 1),
                    "read_p99_ms": round(_percentile(stats.reads, 0.99) * 1000, 1),
                    "write_p50_ms": round(_percentile(stats.writes, 0.5) * 1000, 1),
                    "write_p99_ms": round(_percentile(stats.writes, 0.99) * 1000, 1),
                    "statuses": dict(sorted(stats.statuses.items())),
                    "refusals": stats.refusals,
                    "server_errors": sum(c for s, c in stats.statuses.items() if s >= 500),
                    "first_server_errors": stats.first_5xx,
                    "transport_errors": stats.transport_errors,
                    "integrity_exit": integrity.returncode,
                    "integrity_failures": [
                        line for line in integrity.stdout.splitlines() if "FAIL" in line
                    ],
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                }
            )
        )
        return 0 if integrity.returncode == 0 and not stats.first_5xx else 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.keep:
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
