"""The stand-in Odoo's database: a few models with Odoo's field metadata, two users, their API keys.

``alice`` (uid 6) is a salesman: she sees only the sale orders she is the salesperson of, may not
delete contacts or change products, and her form view of a sale order has no *Cancel* button (it is
restricted to sales managers). ``bob`` (uid 2) is the administrator and sees everything.
"""

from __future__ import annotations

import base64
from typing import Any

ADMIN_UID = 2
ALICE_UID = 6
KEYS = {"bob-key-0123456789": ADMIN_UID, "alice-key-0123456789": ALICE_UID}
REVOKED_KEYS = {"alice-revoked-key-000": ALICE_UID}
LOGINS = {ADMIN_UID: "bob", ALICE_UID: "alice"}
DATABASE = "acme"


def f(label: str, type_: str, **extra: Any) -> dict[str, Any]:
    """One field as ``fields_get`` describes it."""
    meta: dict[str, Any] = {
        "string": label,
        "type": type_,
        "required": False,
        "readonly": False,
        "store": True,
        "help": "",
    }
    meta.update(extra)
    return meta


COMMON = {
    "id": f("ID", "integer", readonly=True),
    "display_name": f("Display Name", "char", readonly=True, store=False),
    "create_date": f("Created on", "datetime", readonly=True),
    "write_uid": f("Last Updated by", "many2one", relation="res.users", readonly=True),
}

SALE_STATES = [["draft", "Quotation"], ["sent", "Quotation Sent"], ["sale", "Sales Order"], ["cancel", "Cancelled"]]

FIELDS: dict[str, dict[str, dict[str, Any]]] = {
    "res.partner": {
        "name": f("Name", "char", required=True),
        "email": f("Email", "char"),
        "phone": f("Phone", "char"),
        "is_company": f("Is a Company", "boolean", help="Check if the contact is a company."),
        "parent_id": f("Related Company", "many2one", relation="res.partner"),
        "comment": f("Notes", "html"),
        "image_1920": f("Image", "binary"),
        "signup_token": f("Signup Token", "char"),
        "child_ids": f("Contact", "one2many", relation="res.partner"),
    },
    "res.users": {
        "name": f("Name", "char", required=True),
        "login": f("Login", "char", required=True),
        "password": f("Password", "char"),
        "api_key_ids": f("API Keys", "one2many", relation="res.users.apikeys"),
    },
    "product.product": {
        "name": f("Name", "char", required=True),
        "default_code": f("Internal Reference", "char"),
        "list_price": f("Sales Price", "float"),
    },
    "sale.order": {
        "name": f("Order Reference", "char", required=True, readonly=True),
        "partner_id": f("Customer", "many2one", relation="res.partner", required=True),
        "user_id": f("Salesperson", "many2one", relation="res.users"),
        "date_order": f("Order Date", "datetime", required=True),
        "amount_total": f("Total", "monetary", readonly=True),
        "state": f("Status", "selection", selection=SALE_STATES, readonly=True),
        "order_line": f("Order Lines", "one2many", relation="sale.order.line"),
        "note": f("Terms and conditions", "html"),
    },
    "sale.order.line": {
        "order_id": f("Order Reference", "many2one", relation="sale.order", required=True),
        "product_id": f("Product", "many2one", relation="product.product"),
        "name": f("Description", "text", required=True),
        "product_uom_qty": f("Quantity", "float"),
        "price_subtotal": f("Subtotal", "monetary", readonly=True),
    },
    "mail.message": {
        "model": f("Related Document Model", "char"),
        "res_id": f("Related Document ID", "integer"),
        "body": f("Contents", "html"),
        "author_id": f("Author", "many2one", relation="res.partner"),
        "date": f("Date", "datetime"),
        "message_type": f("Type", "selection", selection=[["comment", "Comment"], ["notification", "System"]]),
    },
    "mail.activity.type": {"name": f("Name", "char", required=True)},
    "mail.activity": {
        "res_model": f("Related Document Model", "char"),
        "res_id": f("Related Document ID", "integer"),
        "activity_type_id": f("Activity Type", "many2one", relation="mail.activity.type"),
        "summary": f("Summary", "char"),
        "note": f("Note", "html"),
        "date_deadline": f("Due Date", "date", required=True),
        "user_id": f("Assigned to", "many2one", relation="res.users"),
        "state": f(
            "State", "selection", selection=[["overdue", "Overdue"], ["today", "Today"], ["planned", "Planned"]]
        ),
    },
    "ir.attachment": {
        "name": f("Name", "char", required=True),
        "mimetype": f("Mime Type", "char"),
        "file_size": f("File Size", "integer"),
        "res_model": f("Resource Model", "char"),
        "res_id": f("Resource ID", "integer"),
        "datas": f("File Content (base64)", "binary", store=False),
    },
    "ir.model.data": {
        "module": f("Module", "char"),
        "name": f("External Identifier", "char"),
        "model": f("Model Name", "char"),
        "res_id": f("Record ID", "integer"),
    },
    "ir.model": {
        "model": f("Model", "char"),
        "name": f("Model Description", "char"),
        "info": f("Information", "text"),
        "transient": f("Transient Model", "boolean"),
    },
    "ir.config_parameter": {"key": f("Key", "char"), "value": f("Value", "text")},
    "res.users.apikeys": {"name": f("Description", "char"), "user_id": f("User", "many2one", relation="res.users")},
}
for fields in FIELDS.values():
    for name, meta in COMMON.items():
        fields.setdefault(name, dict(meta))

MODEL_LABELS = {
    "res.partner": ("Contact", "Contacts: people and companies."),
    "res.users": ("User", "Users"),
    "product.product": ("Product", "Product Variant\n\nA sellable or purchasable item."),
    "sale.order": ("Sales Order", "Sales Order"),
    "sale.order.line": ("Sales Order Line", ""),
    "mail.message": ("Message", ""),
    "mail.activity.type": ("Activity Type", ""),
    "mail.activity": ("Activity", ""),
    "ir.attachment": ("Attachment", ""),
    "ir.model.data": ("Model Data", ""),
    "ir.model": ("Models", ""),
    "ir.config_parameter": ("System Parameter", ""),
    "res.users.apikeys": ("Users API Keys", ""),
    "sale.advance.payment.inv": ("Sales Advance Payment Invoice", ""),
}
TRANSIENT = {"sale.advance.payment.inv"}

PDF = b"%PDF-1.4 stand-in quotation\n" + b"x" * 200


def records() -> dict[str, list[dict[str, Any]]]:
    """A fresh copy of every table (each stand-in app mutates its own)."""
    return {
        "res.partner": [
            {"id": 1, "name": "Acme Corp", "email": "info@acme.example", "is_company": True},
            {"id": 3, "name": "Azure Interior", "email": "azure@example.com", "is_company": True},
            {"id": 7, "name": "Deco Addict", "email": "deco@example.com", "is_company": True, "signup_token": "s3cr3t"},
            {"id": 9, "name": "Brandon Freeman", "email": "brandon@example.com", "parent_id": 3, "phone": "+1 555"},
            {"id": 10, "name": "Alice Salesman", "email": "alice@acme.example"},
            {"id": 11, "name": "Bob Admin", "email": "bob@acme.example"},
        ],
        "res.users": [
            {"id": ADMIN_UID, "name": "Bob Admin", "login": "bob", "password": "x"},
            {"id": ALICE_UID, "name": "Alice Salesman", "login": "alice", "password": "x"},
        ],
        "product.product": [
            {"id": 1, "name": "Office Chair", "default_code": "CHAIR", "list_price": 120.0},
            {"id": 2, "name": "Standing Desk", "default_code": "DESK", "list_price": 480.0},
        ],
        "sale.order": [
            {
                "id": 1,
                "name": "S00001",
                "partner_id": 3,
                "user_id": ALICE_UID,
                "date_order": "2025-01-15 10:00:00",
                "amount_total": 600.0,
                "state": "draft",
            },
            {
                "id": 2,
                "name": "S00002",
                "partner_id": 7,
                "user_id": ADMIN_UID,
                "date_order": "2025-01-20 09:30:00",
                "amount_total": 480.0,
                "state": "sale",
            },
            {
                "id": 3,
                "name": "S00003",
                "partner_id": 3,
                "user_id": ALICE_UID,
                "date_order": "2025-02-03 14:00:00",
                "amount_total": 240.0,
                "state": "sale",
            },
            {
                "id": 4,
                "name": "S00004",
                "partner_id": 9,
                "user_id": ADMIN_UID,
                "date_order": "2025-02-11 16:45:00",
                "amount_total": 1200.0,
                "state": "cancel",
            },
        ],
        "sale.order.line": [
            {
                "id": 1,
                "order_id": 1,
                "product_id": 1,
                "name": "Office Chair",
                "product_uom_qty": 5,
                "price_subtotal": 600.0,
            },
            {
                "id": 2,
                "order_id": 2,
                "product_id": 2,
                "name": "Standing Desk",
                "product_uom_qty": 1,
                "price_subtotal": 480.0,
            },
            {
                "id": 3,
                "order_id": 3,
                "product_id": 1,
                "name": "Office Chair",
                "product_uom_qty": 2,
                "price_subtotal": 240.0,
            },
        ],
        "mail.message": [
            {
                "id": 1,
                "model": "sale.order",
                "res_id": 1,
                "body": "<p>Quotation created</p>",
                "author_id": 10,
                "date": "2025-01-15 10:00:00",
                "message_type": "notification",
            },
            {
                "id": 2,
                "model": "sale.order",
                "res_id": 2,
                "body": "<p>Order confirmed</p>",
                "author_id": 11,
                "date": "2025-01-20 09:31:00",
                "message_type": "notification",
            },
        ],
        "mail.activity.type": [{"id": 1, "name": "Email"}, {"id": 2, "name": "Call"}, {"id": 4, "name": "To-Do"}],
        "mail.activity": [
            {
                "id": 1,
                "res_model": "sale.order",
                "res_id": 2,
                "activity_type_id": 2,
                "summary": "Call about delivery",
                "date_deadline": "2025-02-01",
                "user_id": ADMIN_UID,
                "state": "overdue",
            },
        ],
        "ir.attachment": [
            {
                "id": 1,
                "name": "quotation.pdf",
                "mimetype": "application/pdf",
                "file_size": len(PDF),
                "res_model": "sale.order",
                "res_id": 1,
                "datas": base64.b64encode(PDF).decode(),
            },
            {
                "id": 2,
                "name": "contract.pdf",
                "mimetype": "application/pdf",
                "file_size": len(PDF),
                "res_model": "sale.order",
                "res_id": 2,
                "datas": base64.b64encode(PDF).decode(),
            },
        ],
        "ir.model.data": [
            {"id": 1, "module": "mail", "name": "mail_activity_data_email", "model": "mail.activity.type", "res_id": 1},
            {"id": 2, "module": "mail", "name": "mail_activity_data_call", "model": "mail.activity.type", "res_id": 2},
            {"id": 3, "module": "mail", "name": "mail_activity_data_todo", "model": "mail.activity.type", "res_id": 4},
        ],
        "ir.model": [
            {"id": index, "model": model, "name": label, "info": info, "transient": model in TRANSIENT}
            for index, (model, (label, info)) in enumerate(sorted(MODEL_LABELS.items()), start=1)
        ],
        "ir.config_parameter": [{"id": 1, "key": "database.secret", "value": "do-not-leak"}],
        "res.users.apikeys": [{"id": 1, "name": "bastion", "user_id": ALICE_UID}],
    }


SALE_ORDER_FORM = """<form string="Sales Order">
  <header>
    <button name="action_confirm" type="object" string="Confirm" invisible="state not in ('draft', 'sent')"/>
    <button name="action_quotation_send" type="object" string="Send by Email" invisible="state != 'draft'"/>
    <button name="action_cancel" type="object" string="Cancel" invisible="state not in ('draft', 'sent', 'sale')"
            groups="sales_team.group_sale_manager"/>
    <button name="action_draft" type="object" string="Set to Quotation" invisible="state != 'cancel'"/>
    <button name="%(sale.action_view_sale_advance_payment_inv)d" type="action" string="Create Invoice"
            invisible="state != 'sale'"/>
    <field name="state" widget="statusbar"/>
  </header>
  <sheet>
    <div name="button_box"><button name="action_view_invoice" type="object" string="Invoices"/></div>
    <field name="name"/><field name="partner_id"/><field name="order_line"/>
  </sheet>
</form>"""
