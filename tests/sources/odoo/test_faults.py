"""Odoo's documented error shapes → SourceErrors, as plain functions (no HTTP)."""

from __future__ import annotations

import pytest

from bastion.sources.odoo.faults import OdooFault, fault_from_json2, fault_from_jsonrpc, to_source_error

URL = "https://erp.example.com"


def mapped(name: str, message: str, status: int = 200, model: str = "sale.order", method: str = "write"):
    return to_source_error(OdooFault(name, message, status), model=model, method=method, base_url=URL, secret="k3y")


@pytest.mark.parametrize(
    ("name", "message", "status", "code"),
    [
        ("odoo.exceptions.AccessError", "not allowed", 403, "access_denied"),
        ("odoo.exceptions.ValidationError", "bad value", 422, "validation_failed"),
        ("odoo.exceptions.UserError", "cannot confirm", 422, "validation_failed"),
        ("odoo.exceptions.MissingError", "Record does not exist or has been deleted.", 404, "missing_records"),
        ("odoo.exceptions.AccessDenied", "Access Denied", 200, "credential_rejected"),
        ("werkzeug.exceptions.Unauthorized", "Invalid apikey", 401, "credential_rejected"),
        ("builtins.KeyError", "'sale.order'", 500, "unknown_model"),
        ("odoo.exceptions.UserError", "Object sale.order doesn't exist", 200, "unknown_model"),
        ("werkzeug.exceptions.NotFound", "the model 'sale.order' does not exist", 404, "unknown_model"),
        ("builtins.ValueError", "Invalid field 'colour' on model 'sale.order'", 500, "unknown_field"),
        ("builtins.ValueError", "Invalid field sale.order.colour in leaf ('colour', '=', 1)", 500, "unknown_field"),
        ("builtins.TypeError", "write() got an unexpected keyword argument 'x'", 500, "invalid_arguments"),
        (
            "builtins.AttributeError",
            "The method 'fly' does not exist on the model 'sale.order'",
            500,
            "invalid_arguments",
        ),
        ("psycopg2.OperationalError", "server closed the connection", 500, "unavailable"),
    ],
)
def test_each_odoo_exception_maps_to_its_source_error(name, message, status, code):
    assert mapped(name, message, status).code == code


def test_an_unknown_field_names_the_field_and_how_to_find_the_right_one():
    error = mapped("builtins.ValueError", "Invalid field sale.order.colour in leaf ('colour', '=', 1)", 500)
    assert str(error) == (
        "sale.order has no field 'colour'; call describe_model with model='sale.order' to see its fields."
    )


def test_a_revoked_key_asks_to_relink_and_never_repeats_the_key():
    error = mapped("werkzeug.exceptions.Unauthorized", "Invalid apikey k3y", 401)
    assert str(error) == (
        f"Odoo at {URL} rejected the API key (Invalid apikey ***); re-link your Odoo account with a new API key."
    )


def test_the_json2_body_gives_name_and_message_and_never_the_debug_traceback():
    body = {
        "name": "odoo.exceptions.AccessError",
        "message": "You are not allowed\n\nto modify",
        "arguments": [],
        "context": {},
        "debug": "Traceback (most recent call last): secret stuff",
    }
    fault = fault_from_json2(403, body)
    assert fault == OdooFault("odoo.exceptions.AccessError", "You are not allowed\n\nto modify", 403)
    assert str(to_source_error(fault, model="res.partner", method="write", base_url=URL)) == (
        "Odoo refused write on res.partner: You are not allowed to modify."
    )


def test_the_jsonrpc_error_reads_data_name_and_message():
    error = {
        "code": 200,
        "message": "Odoo Server Error",
        "data": {"name": "odoo.exceptions.MissingError", "message": "gone", "debug": "Traceback"},
    }
    assert fault_from_jsonrpc(error) == OdooFault("odoo.exceptions.MissingError", "gone")
    assert fault_from_jsonrpc({"code": 100, "message": "Odoo Session Expired"}) == OdooFault("", "Odoo Session Expired")


def test_a_long_message_is_cut_to_one_bounded_line():
    error = mapped("odoo.exceptions.ValidationError", "x" * 1000, 422)
    assert len(str(error)) < 400 and str(error).endswith("….")
