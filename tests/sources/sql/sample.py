"""A small company in Odoo's table names, with the empty values, quotes and wildcards a domain must survive."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bastion.sources.sql import async_url

metadata = sa.MetaData()

res_country = sa.Table(
    "res_country", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("code", sa.String(2)),
)  # fmt: skip

res_partner = sa.Table(
    "res_partner", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("email", sa.String(100)),
    sa.Column("is_company", sa.Boolean),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("res_partner.id")),
    sa.Column("country_id", sa.Integer, sa.ForeignKey("res_country.id")),
    sa.Column("credit_limit", sa.Numeric(12, 2)),
    sa.Column("created", sa.Date),
    sa.Column("kind", sa.String(10)),
    sa.Column("password", sa.String(60)),
    sa.Column("signup_token", sa.String(60)),
    sa.Column("image", sa.LargeBinary),
    sa.Column("notes", sa.Text),
    sa.CheckConstraint("kind IN ('customer', 'vendor')", name="res_partner_kind"),
)  # fmt: skip

sale_order = sa.Table(
    "sale_order", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(20), nullable=False),
    sa.Column("partner_id", sa.Integer, sa.ForeignKey("res_partner.id"), nullable=False),
    sa.Column(
        "state",
        sa.Enum("draft", "sent", "sale", "cancel", name="sale_order_state", native_enum=False, create_constraint=True),
        nullable=False,
    ),
    sa.Column("date_order", sa.DateTime, nullable=False),
    sa.Column("amount_total", sa.Numeric(12, 2), nullable=False),
    sa.Column("note", sa.Text),
)  # fmt: skip

res_users_apikeys = sa.Table(
    "res_users_apikeys", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("key", sa.String(80))
)
tag_link = sa.Table(  # a composite key: not a model
    "tag_link", metadata,
    sa.Column("partner_id", sa.Integer, primary_key=True),
    sa.Column("tag", sa.String(20), primary_key=True),
)  # fmt: skip

COUNTRIES = [
    {"id": 1, "name": "Belgium", "code": "BE"},
    {"id": 2, "name": "France", "code": "FR"},
    {"id": 3, "name": "United States", "code": "US"},
    {"id": 4, "name": "Germany", "code": None},
]


def _partner(id: int, name: str, **values: Any) -> dict[str, Any]:
    row = {column.name: None for column in res_partner.columns}
    return {**row, "id": id, "name": name, **values}


PARTNERS = [
    _partner(
        1,
        "Azure Interior",
        is_company=True,
        country_id=1,
        credit_limit=Decimal("5000.00"),
        created=dt.date(2025, 1, 10),
        kind="customer",
        email="info@azure.example",
        password="hunter2",
    ),
    _partner(
        2,
        "Deco Addict",
        is_company=True,
        country_id=2,
        credit_limit=Decimal("1200.50"),
        created=dt.date(2025, 6, 30),
        kind="customer",
        image=b"\x89PNG",
    ),
    _partner(3, "Gemini Furniture", is_company=True, country_id=3, kind="vendor", created=dt.date(2026, 2, 1)),
    _partner(4, "Brandon Freeman", is_company=False, parent_id=1, country_id=1, email="brandon@azure.example"),
    _partner(5, "Colleen Diaz", is_company=False, parent_id=1, email="colleen@azure.example", notes="Prefers email"),
    _partner(6, "Nicole Ford", is_company=False, parent_id=4, country_id=4),
    _partner(7, "Ready Mat", country_id=None, credit_limit=Decimal("0.00")),
    _partner(8, "O'Brien 100% _real_", is_company=False, email="obrien@example.com", kind="vendor"),
]


def _order(id: int, partner: int, state: str, when: str, amount: str) -> dict[str, Any]:
    return {
        "id": id, "name": f"S{id:05d}", "partner_id": partner, "state": state,
        "date_order": dt.datetime.fromisoformat(when), "amount_total": Decimal(amount), "note": None,
    }  # fmt: skip


ORDERS = [
    _order(1, 1, "sale", "2025-01-15 09:30:00", "1500.00"),
    _order(2, 1, "sale", "2025-03-31 23:59:59", "250.25"),
    _order(3, 2, "draft", "2025-04-01 00:00:00", "99.99"),
    _order(4, 2, "sale", "2025-12-29 12:00:00", "4000.00"),
    _order(5, 3, "cancel", "2026-01-01 08:00:00", "10.00"),
    _order(6, 4, "sent", "2026-01-05 10:00:00", "720.00"),
    _order(7, 1, "sale", "2026-02-14 16:45:00", "3100.00"),
    _order(8, 7, "sale", "2026-02-28 11:11:11", "45.50"),
]


async def load(url: str) -> None:
    """Create the sample tables (dropping any left over) and fill them."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
            await connection.run_sync(metadata.create_all)
            await connection.execute(res_country.insert(), COUNTRIES)
            for partner in PARTNERS:  # parents before their contacts
                await connection.execute(res_partner.insert(), [partner])
            await connection.execute(sale_order.insert(), ORDERS)
            if connection.dialect.name == "postgresql":  # rows came with their ids: move the sequences past them
                for table in (res_country, res_partner, sale_order):
                    key = f"{table.name}_id_seq"
                    await connection.execute(
                        sa.select(sa.func.setval(key, sa.select(sa.func.max(table.c.id)).scalar_subquery()))
                    )
    finally:
        await engine.dispose()


async def drop(url: str, tables: sa.MetaData) -> None:
    """Drop the tables of ``tables`` (created by a test beside the sample)."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(tables.drop_all)
    finally:
        await engine.dispose()
