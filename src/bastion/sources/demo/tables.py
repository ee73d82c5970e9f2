"""The demo company's tables, in Odoo's own table and column names, with foreign keys and CHECKed selections."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()


def _selection(name: str, *values: str) -> sa.Enum:
    # A CHECK (column IN (...)): the SQL source reads it back as a selection field.
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _money(name: str, **options: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.Numeric(12, 2), **options)


res_country = sa.Table(
    "res_country", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("code", sa.String(2), nullable=False, unique=True),
    sa.Column("phone_code", sa.Integer),
)  # fmt: skip
res_users = sa.Table(
    "res_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("login", sa.String(100), nullable=False, unique=True),
    sa.Column("active", sa.Boolean, nullable=False),
)  # fmt: skip
res_partner = sa.Table(
    "res_partner", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("is_company", sa.Boolean, nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("res_partner.id")),
    sa.Column("function", sa.String(64)),
    sa.Column("email", sa.String(120)),
    sa.Column("phone", sa.String(32)),
    sa.Column("street", sa.String(120)),
    sa.Column("city", sa.String(64)),
    sa.Column("zip", sa.String(16)),
    sa.Column("country_id", sa.Integer, sa.ForeignKey("res_country.id")),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("res_users.id")),
    sa.Column("customer_rank", sa.Integer, nullable=False),
    sa.Column("supplier_rank", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("create_date", sa.DateTime, nullable=False),
)  # fmt: skip
product_category = sa.Table(
    "product_category", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("product_category.id")),
    sa.Column("complete_name", sa.String(200), nullable=False),
)  # fmt: skip
product_product = sa.Table(
    "product_product", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("default_code", sa.String(32)),
    sa.Column("categ_id", sa.Integer, sa.ForeignKey("product_category.id"), nullable=False),
    sa.Column("type", _selection("product_type", "consu", "service"), nullable=False),
    _money("list_price", nullable=False),
    _money("standard_price", nullable=False),
    sa.Column("sale_ok", sa.Boolean, nullable=False),
    sa.Column("purchase_ok", sa.Boolean, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)  # fmt: skip
crm_stage = sa.Table(
    "crm_stage", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("is_won", sa.Boolean, nullable=False),
)  # fmt: skip
crm_lead = sa.Table(
    "crm_lead", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(160), nullable=False),
    sa.Column("type", _selection("crm_lead_type", "lead", "opportunity"), nullable=False),
    sa.Column("partner_id", sa.Integer, sa.ForeignKey("res_partner.id")),
    sa.Column("contact_name", sa.String(100)),
    sa.Column("email_from", sa.String(120)),
    sa.Column("stage_id", sa.Integer, sa.ForeignKey("crm_stage.id"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("res_users.id")),
    _money("expected_revenue", nullable=False),
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("priority", _selection("crm_lead_priority", "0", "1", "2", "3"), nullable=False),
    sa.Column("date_deadline", sa.Date),
    sa.Column("date_closed", sa.DateTime),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("create_date", sa.DateTime, nullable=False),
)  # fmt: skip
sale_order = sa.Table(
    "sale_order", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(20), nullable=False, unique=True),
    sa.Column("partner_id", sa.Integer, sa.ForeignKey("res_partner.id"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("res_users.id")),
    sa.Column("state", _selection("sale_order_state", "draft", "sent", "sale", "cancel"), nullable=False),
    sa.Column("date_order", sa.DateTime, nullable=False),
    sa.Column("validity_date", sa.Date),
    sa.Column("client_order_ref", sa.String(64)),
    sa.Column("invoice_status", _selection("sale_invoice_status", "no", "to invoice", "invoiced"), nullable=False),
    _money("amount_untaxed", nullable=False),
    _money("amount_tax", nullable=False),
    _money("amount_total", nullable=False),
)  # fmt: skip
sale_order_line = sa.Table(
    "sale_order_line", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("sale_order.id"), nullable=False, index=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("product_product.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("product_uom_qty", sa.Float, nullable=False),
    _money("price_unit", nullable=False),
    sa.Column("discount", sa.Float, nullable=False),
    _money("price_subtotal", nullable=False),
    _money("price_tax", nullable=False),
    _money("price_total", nullable=False),
)  # fmt: skip
account_move = sa.Table(
    "account_move", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("move_type", _selection("account_move_type", "out_invoice", "out_refund"), nullable=False),
    sa.Column("partner_id", sa.Integer, sa.ForeignKey("res_partner.id"), nullable=False),
    sa.Column("invoice_user_id", sa.Integer, sa.ForeignKey("res_users.id")),
    sa.Column("invoice_origin", sa.String(64)),
    sa.Column("invoice_date", sa.Date),
    sa.Column("invoice_date_due", sa.Date),
    sa.Column("state", _selection("account_move_state", "draft", "posted", "cancel"), nullable=False),
    sa.Column("payment_state", _selection("account_payment_state", "not_paid", "partial", "paid"), nullable=False),
    _money("amount_untaxed", nullable=False),
    _money("amount_tax", nullable=False),
    _money("amount_total", nullable=False),
    _money("amount_residual", nullable=False),
)  # fmt: skip
hr_department = sa.Table(
    "hr_department", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
)  # fmt: skip
hr_employee = sa.Table(
    "hr_employee", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("job_title", sa.String(64)),
    sa.Column("department_id", sa.Integer, sa.ForeignKey("hr_department.id")),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("hr_employee.id")),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("res_users.id")),
    sa.Column("work_email", sa.String(120)),
    sa.Column("work_phone", sa.String(32)),
    sa.Column("first_contract_date", sa.Date),
    sa.Column("active", sa.Boolean, nullable=False),
)  # fmt: skip
