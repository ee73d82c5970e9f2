"""The data tools' JSON schemas (Draft 2020-12): argument shapes in, result shapes out.

Bounds that depend on runtime settings (``max_limit``) and rules the schema language cannot state
(a domain's prefix structure, field names of a model) are checked by ``arguments.py`` instead.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

MODEL: Schema = {
    "type": "string",
    "minLength": 1,
    "description": "The model's technical name, e.g. res.partner or sale.order (list_models shows them).",
}
DOMAIN: Schema = {
    "type": "array",
    "items": {"type": ["string", "array"]},
    "default": [],
    "description": (
        "Odoo domain: a list of [field, operator, value] conditions, joined by AND unless prefixed with '|' (or), "
        "'&' (and), '!' (not). Operators: = != > >= < <= in 'not in' like ilike =like =ilike child_of. "
        'Example: [["state", "=", "sale"], "|", ["partner_id.city", "=", "Paris"], ["amount_total", ">", 1000]]'
    ),
}
FIELDS: Schema = {
    "type": "array",
    "items": {"type": "string", "minLength": 1},
    "default": [],
    "description": "Fields to return; empty for the model's compact default fields. Binary fields only when named.",
}
ORDER: Schema = {"type": "string", "default": "", "description": "Sort order, e.g. 'date_order desc, id'."}
LIMIT: Schema = {"type": "integer", "minimum": 1, "description": "Page size (default 50, at most 500)."}
OFFSET: Schema = {"type": "integer", "minimum": 0, "default": 0, "description": "Skip this many; use next_offset."}
CONTEXT: Schema = {
    "type": "object",
    "properties": {
        "lang": {"type": "string", "pattern": "^[a-z]{2,3}(_[A-Za-z0-9@]+)?$", "description": "e.g. fr_BE"},
        "tz": {"type": "string", "minLength": 1, "description": "e.g. Europe/Brussels"},
        "allowed_company_ids": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1},
    },
    "additionalProperties": False,
    "description": "Odoo context for this call: language, time zone, the companies to work in.",
}
RECORD_ID: Schema = {"type": "integer", "minimum": 1, "description": "The record's id."}
IDS: Schema = {"type": "array", "items": RECORD_ID, "minItems": 1, "description": "Record ids."}
VALUES: Schema = {
    "type": "object",
    "minProperties": 1,
    "description": "Field name → value; many2one as an id, dates as YYYY-MM-DD, datetimes as YYYY-MM-DD HH:MM:SS.",
}
DRY_RUN: Schema = {
    "type": "boolean",
    "default": False,
    "description": "true: change nothing, show what would change and return a preview_id.",
}
PREVIEW_ID: Schema = {
    "type": "string",
    "pattern": "^[0-9a-f]{64}$",
    "description": "The preview_id of the dry run of exactly this call; the call is refused if it does not match.",
}
ANY: Schema = {}


def arguments(required: list[str], /, **properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def result(required: list[str] | None = None, /, **properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


def records_of(item: Schema | None = None) -> Schema:
    return {"type": "array", "items": item or {"type": "object"}}


def envelope(item: Schema | None = None, /, **properties: Schema) -> Schema:
    """A result holding one page of ``records`` in the paging envelope, beside ``properties``."""
    return result(
        **properties,
        records=records_of(item),
        total={"type": ["integer", "null"], "minimum": 0},
        has_more={"type": "boolean"},
        next_offset={"type": ["integer", "null"], "minimum": 0},
    )


STRING: Schema = {"type": "string"}
STRINGS: Schema = {"type": "array", "items": STRING}
INTEGER: Schema = {"type": "integer"}
INTEGERS: Schema = {"type": "array", "items": INTEGER}
BOOLEAN: Schema = {"type": "boolean"}
OPTIONAL_STRING: Schema = {"type": ["string", "null"]}
ON_RECORD: dict[str, Schema] = {"model": STRING, "id": INTEGER}

FIELD_ENTRY = result(
    ["name", "label", "type", "required", "readonly", "stored"],
    name=STRING,
    label=STRING,
    type=STRING,
    required=BOOLEAN,
    readonly=BOOLEAN,
    stored=BOOLEAN,
    relation=STRING,
    selection={"type": "array", "items": {"type": "array", "items": STRING, "minItems": 2, "maxItems": 2}},
    help=STRING,
)
MODEL_ENTRY = result(model=STRING, label=STRING, description=STRING)
NAME_ENTRY = result(id=INTEGER, display_name=STRING)
TRANSITIONS: Schema = {"type": "array", "items": result(action=STRING, label=STRING)}
WORKFLOW = {"state_field": STRING, "state": OPTIONAL_STRING, "state_label": OPTIONAL_STRING, "transitions": TRANSITIONS}
ATTACHMENT_ENTRY = result(id=INTEGER, name=STRING, mimetype=STRING, size=INTEGER)
RESOURCE = {
    "type": "object",
    "properties": {"uri": STRING, "mimeType": STRING, "text": STRING, "blob": {"type": "string"}},
    "required": ["uri", "mimeType"],
    "oneOf": [{"required": ["text"]}, {"required": ["blob"]}],
}
WRITE_RESULT = {"model": STRING, "dry_run": BOOLEAN, "preview_id": PREVIEW_ID}
CHANGE = result(id=INTEGER, current={"type": "object"}, new={"type": "object"})
