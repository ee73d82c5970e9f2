"""A small company for the data tool tests: countries, contacts (one with a photo), sales orders, a wide model."""

from __future__ import annotations

from bastion.sources.port import FieldInfo, Identity, ModelDescription, ModelInfo
from tests.tools.data.fake_source import FakeModel

ALICE = Identity(bastion_user_id=1, login="alice", secret="k", cache_key="alice")

STATES = (("draft", "Quotation"), ("sale", "Sales Order"), ("cancel", "Cancelled"))


def countries() -> FakeModel:
    return FakeModel(
        ModelDescription(
            model=ModelInfo("res.country", "Country", "Countries of the world."),
            fields=(
                FieldInfo("name", "Country Name", "char", required=True),
                FieldInfo("code", "Country Code", "char"),
            ),
            default_fields=("name", "code"),
            name_field="name",
        ),
        [{"id": 1, "name": "Belgium", "code": "BE"}, {"id": 2, "name": "France", "code": "FR"}],
    )


def partners() -> FakeModel:
    names = ["Azure Interior", "Deco Addict", "Gemini Furniture", "Lumber Inc", "Ready Mat", "Wood Corner"]
    rows = [
        {
            "id": index + 1,
            "name": name,
            "email": f"info@{name.split()[0].lower()}.example",
            "is_company": True,
            "city": "Brussels" if index % 2 == 0 else "Paris",
            "country_id": 1 if index % 2 == 0 else 2,
            "customer_rank": index,
            "image_1920": b"\x89PNG...",
            "comment": "<p>Good customer</p>",
        }
        for index, name in enumerate(names)
    ]
    return FakeModel(
        ModelDescription(
            model=ModelInfo("res.partner", "Contact", "People and companies you do business with."),
            fields=(
                FieldInfo("name", "Name", "char", required=True),
                FieldInfo("email", "Email", "char"),
                FieldInfo("is_company", "Is a Company", "boolean"),
                FieldInfo("city", "City", "char"),
                FieldInfo("country_id", "Country", "many2one", relation="res.country"),
                FieldInfo("customer_rank", "Customer Rank", "integer"),
                FieldInfo("image_1920", "Image", "binary"),
                FieldInfo("comment", "Notes", "html"),
                FieldInfo("display_name", "Display Name", "char", readonly=True, stored=False),
            ),
            # A source's defaults may name a binary field; the tools still leave it out unless asked.
            default_fields=("name", "email", "city", "country_id", "image_1920"),
            name_field="name",
        ),
        rows,
    )


def orders() -> FakeModel:
    rows = [
        {"id": 1, "name": "S00001", "partner_id": 1, "date_order": "2026-01-05 10:00:00", "amount_total": 100.0,
         "state": "sale"},
        {"id": 2, "name": "S00002", "partner_id": 1, "date_order": "2026-02-10 11:00:00", "amount_total": 250.0,
         "state": "sale"},
        {"id": 3, "name": "S00003", "partner_id": 2, "date_order": "2026-02-11 09:30:00", "amount_total": 40.0,
         "state": "draft"},
        {"id": 4, "name": "S00004", "partner_id": 3, "date_order": "2026-03-01 08:00:00", "amount_total": 75.5,
         "state": "cancel"},
    ]  # fmt: skip
    return FakeModel(
        ModelDescription(
            model=ModelInfo("sale.order", "Sales Order"),
            fields=(
                FieldInfo("name", "Order Reference", "char", required=True, readonly=True),
                FieldInfo("partner_id", "Customer", "many2one", required=True, relation="res.partner"),
                FieldInfo("date_order", "Order Date", "datetime"),
                FieldInfo("amount_total", "Total", "monetary", readonly=True),
                FieldInfo("state", "Status", "selection", selection=STATES),
                FieldInfo("order_line", "Order Lines", "one2many", relation="sale.order.line"),
            ),
            default_fields=("name", "partner_id", "date_order", "amount_total", "state"),
            name_field="name",
        ),
        rows,
    )


def wide() -> FakeModel:
    """A model with many fields and no defaults: the tools pick a compact few, never all of them."""
    fields = [FieldInfo("x_name", "Name", "char")]
    fields += [FieldInfo("x_doc", "Document", "binary"), FieldInfo("x_tags", "Tags", "many2many", relation="x.tag")]
    fields += [FieldInfo(f"x_field_{n}", f"Field {n}", "char") for n in range(30)]
    return FakeModel(
        ModelDescription(model=ModelInfo("x.wide", "Wide"), fields=tuple(fields), name_field="x_name"),
        [{"id": 1, "x_name": "only", **{f"x_field_{n}": str(n) for n in range(30)}}],
    )


def company() -> list[FakeModel]:
    return [countries(), partners(), orders(), wide()]
