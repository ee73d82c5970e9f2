"""(e) ``aggregate`` on the SQL source over 100,000 sale order lines: the p95 of one grouping, as a tool waits for it.

The lines are bulk-inserted into a fresh database in Odoo's table names (1,000 partners in 12
countries, 200 products, 20,000 orders of 5 lines over two years, each line carrying Odoo's stored
``order_partner_id``, ``state`` and ``create_date``), with the indexes Odoo declares on the line's
many2one columns. On PostgreSQL the tables are then analysed, as autovacuum would do a moment later.
Each row below is one grouping, called over and over on ``SqlSource.aggregate`` directly (no HTTP:
this is the source's own cost) by ``--concurrency`` callers (default 1: the figure is one call's latency).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
from pathlib import Path
from typing import Any

import anyio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from tests.e2e.server import new_postgres_database, remove_postgres_database

from bastion.sources.port import Identity
from bastion.sources.sql import SqlSource, async_url
from bench.common import POSTGRES_ENV, Measurement, Step, backends, parse_arguments, run_bounded

LINES = 100_000
ORDERS = LINES // 5
PARTNERS = 1_000
PRODUCTS = 200
ANCHOR = dt.datetime(2026, 6, 15, 18, 0)
BENCH = Identity(bastion_user_id=0, login="bench")

metadata = sa.MetaData()
res_country = sa.Table(
    "res_country", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(64)),
    sa.Column("code", sa.String(2)),
)  # fmt: skip
res_partner = sa.Table(
    "res_partner", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(100)),
    sa.Column("country_id", sa.Integer, sa.ForeignKey("res_country.id")),
)  # fmt: skip
product_product = sa.Table(
    "product_product", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(100)),
    sa.Column("list_price", sa.Numeric(12, 2)),
)  # fmt: skip
sale_order = sa.Table(
    "sale_order", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(20)),
    sa.Column("partner_id", sa.Integer, sa.ForeignKey("res_partner.id"), nullable=False, index=True),
    sa.Column("date_order", sa.DateTime, nullable=False),
)  # fmt: skip
sale_order_line = sa.Table(
    "sale_order_line", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("sale_order.id"), nullable=False, index=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("product_product.id"), nullable=False, index=True),
    sa.Column("order_partner_id", sa.Integer, sa.ForeignKey("res_partner.id"), nullable=False, index=True),
    sa.Column("state", sa.String(10), sa.CheckConstraint("state IN ('draft', 'sent', 'sale', 'cancel')")),
    sa.Column("create_date", sa.DateTime, nullable=False),
    sa.Column("product_uom_qty", sa.Float, nullable=False),
    sa.Column("price_subtotal", sa.Numeric(12, 2), nullable=False),
    sa.Column("price_total", sa.Numeric(12, 2), nullable=False),
)  # fmt: skip

# (name, domain, group_by, measures, order, limit)
GROUPINGS: list[tuple[str, list[Any], list[str], list[str], str, int | None]] = [
    ("by month, sum and count", [["state", "=", "sale"]], ["create_date:month"], ["price_total:sum", "__count"], "",
     None),
    ("top 10 partners by revenue", [["state", "=", "sale"]], ["order_partner_id"], ["price_total:sum", "__count"],
     "price_total:sum desc", 10),
    ("by product, qty and subtotal", [], ["product_id"], ["product_uom_qty:sum", "price_subtotal:sum", "__count"],
     "", None),
    ("by quarter and state", [], ["create_date:quarter", "state"], ["price_total:sum"], "", None),
    ("Belgian partners, this year, by week", [["order_partner_id.country_id.code", "=", "BE"],
     ["create_date", ">=", "2026-01-01"]], ["create_date:week"], ["price_total:avg", "__count"], "", None),
]  # fmt: skip


def rows() -> dict[sa.Table, list[dict[str, Any]]]:
    rng = random.Random(5)  # reproducible figures, nothing secret
    codes = ["BE", "FR", "DE", "NL", "LU", "ES", "IT", "GB", "US", "CA", "CH", "DK"]
    filled: dict[sa.Table, list[dict[str, Any]]] = {
        res_country: [{"id": i, "name": code, "code": code} for i, code in enumerate(codes, 1)],
        res_partner: [{"id": i, "name": f"Partner {i}", "country_id": rng.randint(1, 12)}
                      for i in range(1, PARTNERS + 1)],
        product_product: [{"id": i, "name": f"Product {i}", "list_price": rng.randint(5, 2000)}
                          for i in range(1, PRODUCTS + 1)],
    }  # fmt: skip
    prices = {row["id"]: float(row["list_price"]) for row in filled[product_product]}
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for order in range(1, ORDERS + 1):
        partner = min(int(rng.paretovariate(1.2)), PARTNERS)
        when = ANCHOR - dt.timedelta(seconds=rng.randint(0, 730 * 86400))
        state = rng.choices(["sale", "draft", "sent", "cancel"], [0.7, 0.1, 0.1, 0.1])[0]
        orders.append({"id": order, "name": f"S{order:06d}", "partner_id": partner, "date_order": when})
        for _ in range(5):
            product = rng.randint(1, PRODUCTS)
            quantity = float(rng.randint(1, 12))
            subtotal = round(quantity * prices[product], 2)
            lines.append({
                "id": len(lines) + 1, "order_id": order, "product_id": product, "order_partner_id": partner,
                "state": state, "create_date": when, "product_uom_qty": quantity, "price_subtotal": subtotal,
                "price_total": round(subtotal * 1.15, 2),
            })  # fmt: skip
    filled[sale_order], filled[sale_order_line] = orders, lines
    return filled


async def fill(url: str) -> None:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            for table, batch in rows().items():
                for start in range(0, len(batch), 10_000):
                    await connection.execute(table.insert(), batch[start : start + 10_000])
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                await connection.execute(sa.text("ANALYZE"))
                await connection.commit()
    finally:
        await engine.dispose()


def calling(source: SqlSource, grouping: tuple[str, list[Any], list[str], list[str], str, int | None]) -> Step:
    _, domain, group_by, measures, order, limit = grouping

    async def step(_n: int) -> None:
        result = await source.aggregate(BENCH, "sale.order.line", domain, group_by, measures, order=order, limit=limit)
        if not result:
            raise RuntimeError("the aggregate returned no group")

    return step


async def measure_on(url: str, backend: str, *, concurrency: int, **bounds: Any) -> list[Measurement]:
    await fill(url)
    source = SqlSource(url)
    try:
        await source.list_models(BENCH)  # reflect once, as a running server has
        return [
            await run_bounded(Measurement(grouping[0], backend), [calling(source, grouping)] * concurrency, **bounds)
            for grouping in GROUPINGS
        ]
    finally:
        await source.aclose()


async def measure(backend: str, *, concurrency: int, max_requests: int, max_seconds: float) -> list[Measurement]:
    bounds = {"max_requests": max_requests, "max_seconds": max_seconds}
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bastion-bench-") as folder:
            return await measure_on(
                f"sqlite:///{Path(folder) / 'lines.db'}", backend, concurrency=concurrency, **bounds
            )
    admin_url = os.environ[POSTGRES_ENV]
    url = await new_postgres_database(admin_url, prefix="bastion_bench")
    try:
        return await measure_on(url, backend, concurrency=concurrency, **bounds)
    finally:
        await remove_postgres_database(admin_url, url)


def p99(measurement: Measurement) -> float:
    if len(measurement.latencies) < 2:
        return measurement.percentile(0.95)
    return statistics.quantiles(measurement.latencies, n=100, method="inclusive")[98]


def print_table(measurements: list[Measurement]) -> None:
    header = f"{'grouping':<40} {'backend':<9} {'calls':>6} {'failed':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(header)
    print("-" * len(header))
    for m in measurements:
        print(
            f"{m.name:<40} {m.backend:<9} {m.requests:>6} {m.failures:>6} {m.percentile(0.50) * 1000:>8.1f} "
            f"{m.percentile(0.95) * 1000:>8.1f} {p99(m) * 1000:>8.1f}"
        )
        if m.first_failure:
            print(f"    first failure: {m.first_failure[:300]}")


async def main() -> None:
    args = parse_arguments(__doc__.splitlines()[0], concurrency=1)
    results: list[Measurement] = []
    for backend in backends(args.postgres):
        results += await measure(
            backend, concurrency=args.concurrency, max_requests=args.requests, max_seconds=args.seconds
        )
    print_table(results)


if __name__ == "__main__":
    anyio.run(main)
