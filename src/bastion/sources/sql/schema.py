"""A SQL database's tables seen as Odoo models: reflected once per source, the same for every caller.

A table with a single-column integer primary key becomes a model (``res_partner`` → ``res.partner``,
its key always read as ``id``); columns become fields with Odoo's types; a single-column foreign key
to another model's key becomes a many2one. Denied models and fields (``denylist.py``) never appear,
nor do Bastion's own tables when the database holds them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from bastion.sources.denylist import STORE_TABLES, holds_bastion_schema, is_denied_field, is_denied_model
from bastion.sources.errors import UnknownField, UnknownModel
from bastion.sources.port import FieldInfo, ModelDescription, ModelInfo

# Odoo's labels for the models a SQL database in Odoo's table names (the demo among them) is likely to have,
# so the same prompts read the same on the demo and on a real Odoo.
KNOWN_MODELS: Mapping[str, tuple[str, str]] = {
    "res.partner": ("Contact", "Companies and people: customers, vendors and their contacts."),
    "res.country": ("Country", "Countries, with their ISO code."),
    "res.company": ("Company", "The companies this database keeps accounts for."),
    "res.users": ("User", "People who sign in to the business application."),
    "product.category": ("Product Category", "Product categories, nested through parent_id."),
    "product.product": ("Product", "Products and services that are bought and sold."),
    "product.template": ("Product Template", "Product templates: what variants share."),
    "crm.stage": ("CRM Stage", "The stages a lead moves through in the sales pipeline."),
    "crm.lead": ("Lead/Opportunity", "Leads and opportunities in the sales pipeline."),
    "sale.order": ("Sales Order", "Quotations and sales orders (state draft/sent/sale/cancel)."),
    "sale.order.line": ("Sales Order Line", "The lines of quotations and sales orders: product, quantity, price."),
    "account.move": ("Journal Entry", "Invoices and credit notes (move_type out_invoice, in_invoice, ...)."),
    "account.move.line": ("Journal Item", "The lines of invoices and journal entries."),
    "hr.employee": ("Employee", "Employees, with their department, job and manager."),
    "hr.department": ("Department", "The company's departments."),
}

DISPLAY_NAME = "display_name"  # Odoo's computed name of every record: the name field, read-only
DATE_PARTS = ("day", "week", "month", "quarter", "year")
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


@dataclass(frozen=True)
class SqlModel:
    """One model: its table, which column holds each field, and what ``describe_model`` shows."""

    table: sa.Table
    columns: Mapping[str, sa.Column[Any]]  # field name → column; ``id`` is the primary key
    description: ModelDescription
    parent_field: str | None = None  # a many2one to the model itself: the hierarchy ``child_of`` walks

    @property
    def name(self) -> str:
        return self.description.model.name

    @property
    def name_field(self) -> str | None:
        return self.description.name_field

    def field(self, name: str) -> FieldInfo:
        info = self.description.field(name)
        if info is None or is_denied_field(name):
            hint = difflib.get_close_matches(name, [f.name for f in self.description.fields], n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise UnknownField(
                f"{self.name} has no field {name!r}{suggestion}: describe_model({self.name!r}) lists its fields."
            )
        return info


@dataclass(frozen=True)
class Schema:
    models: Mapping[str, SqlModel]
    dialect: str  # "sqlite" | "postgresql" | "mysql"
    named_time_zones: bool = True  # MariaDB/MySQL: whether CONVERT_TZ knows 'Europe/Brussels' (its zone tables)

    def model(self, name: str) -> SqlModel:
        found = self.models.get(name) if isinstance(name, str) else None
        if found is None:
            hint = difflib.get_close_matches(str(name), list(self.models), n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise UnknownModel(f"there is no model {name!r}{suggestion}: list_models names the models of this source.")
        return found


def model_name(table: str) -> str:
    return table.replace("_", ".")


def humanize(name: str) -> str:
    """``partner_id`` → ``Partner``, ``amount_total`` → ``Amount Total``."""
    words = name.removesuffix("_ids").removesuffix("_id").replace("_", " ").replace(".", " ").split()
    return " ".join(word.capitalize() for word in words) or name


def reflect_schema(connection: sa.Connection) -> Schema:
    """Every model of the database behind ``connection`` (run through ``AsyncConnection.run_sync``)."""
    inspector = sa.inspect(connection)
    tables = set(inspector.get_table_names())
    if holds_bastion_schema(tables):
        tables -= STORE_TABLES
    metadata = sa.MetaData()
    metadata.reflect(connection, only=sorted(tables), resolve_fks=False)
    keys: dict[str, str] = {}  # table → its primary key column, for the tables that become models
    for name in sorted(tables):
        table = metadata.tables[name]
        primary = list(table.primary_key.columns)
        if len(primary) == 1 and _is_integer(primary[0].type) and not is_denied_model(model_name(name)):
            keys.setdefault(name, primary[0].name)
    names = {model_name(table): table for table in keys}
    # One query for every table's foreign keys and checks, not one per table (databases with hundreds of tables).
    foreign_keys = inspector.get_multi_foreign_keys(filter_names=sorted(keys))
    try:
        checks = inspector.get_multi_check_constraints(filter_names=sorted(keys))
    except NotImplementedError:
        checks = {}
    models = {
        model: _model(metadata.tables[table], keys, foreign_keys.get((None, table), []), checks.get((None, table), []))
        for model, table in sorted(names.items())
    }
    named = True
    if connection.dialect.name == "mysql":
        probe = sa.select(sa.func.convert_tz("2000-01-01 00:00:00", "+00:00", "Europe/Brussels"))
        named = connection.execute(probe).scalar() is not None
    return Schema(models=models, dialect=connection.dialect.name, named_time_zones=named)


def _model(table: sa.Table, keys: Mapping[str, str], foreign_keys: list[Any], checks: list[Any]) -> SqlModel:
    name = model_name(table.name)
    primary = keys[table.name]
    many2one = {}
    for foreign in foreign_keys:
        target = foreign.get("referred_table")
        constrained = foreign.get("constrained_columns") or []
        if len(constrained) == 1 and target in keys and foreign.get("referred_columns") == [keys[target]]:
            many2one[constrained[0]] = model_name(target)
    fields: list[FieldInfo] = []
    columns: dict[str, sa.Column[Any]] = {}
    for column in table.columns:
        field_name = "id" if column.name == primary else column.name
        if field_name in columns or is_denied_field(field_name):
            continue
        columns[field_name] = column
        fields.append(_field(field_name, column, many2one.get(column.name), checks, primary=column.name == primary))
    name_field = _name_field(fields)
    fields.append(FieldInfo(DISPLAY_NAME, "Display Name", "char", readonly=True, stored=name_field is not None))
    label, description = KNOWN_MODELS.get(name, (table.comment or humanize(table.name), ""))
    parents = [f.name for f in fields if f.type == "many2one" and f.relation == name]
    parent_field = "parent_id" if "parent_id" in parents else (parents[0] if len(parents) == 1 else None)
    return SqlModel(
        table=table,
        columns=columns,
        description=ModelDescription(
            model=ModelInfo(name=name, label=label, description=description),
            fields=tuple(fields),
            default_fields=_default_fields(fields, name_field),
            name_field=name_field,
        ),
        parent_field=parent_field,
    )


def _field(name: str, column: sa.Column[Any], relation: str | None, checks: list[Any], *, primary: bool) -> FieldInfo:
    kind, selection = ("many2one", None) if relation else _odoo_type(column.type)
    if kind == "char" and not primary:
        values = _checked_values(column.name, checks)
        if values:
            kind, selection = "selection", tuple((value, humanize(value)) for value in values)
    return FieldInfo(
        name=name,
        label="ID" if primary else humanize(name),
        type=kind,
        required=not primary and not column.nullable and column.server_default is None,
        readonly=primary or column.computed is not None,
        relation=relation,
        selection=selection,
        help=column.comment or "",
    )


def _is_integer(kind: sa.types.TypeEngine[Any]) -> bool:
    return isinstance(kind, sa.Integer) and not _is_mysql_boolean(kind)


def _is_mysql_boolean(kind: sa.types.TypeEngine[Any]) -> bool:
    # MariaDB/MySQL have no boolean type: BOOLEAN is TINYINT(1).
    return isinstance(kind, mysql.TINYINT) and kind.display_width == 1


def _odoo_type(kind: sa.types.TypeEngine[Any]) -> tuple[str, tuple[tuple[str, str], ...] | None]:
    if isinstance(kind, sa.Enum):
        return "selection", tuple((value, humanize(value)) for value in kind.enums)
    if isinstance(kind, sa.Boolean) or _is_mysql_boolean(kind):
        return "boolean", None
    if isinstance(kind, sa.Integer):
        return "integer", None
    if isinstance(kind, sa.Float):
        return "float", None
    if isinstance(kind, sa.Numeric):
        return ("monetary" if kind.scale == 2 else "float"), None
    if isinstance(kind, sa.DateTime):
        return "datetime", None
    if isinstance(kind, sa.Date):
        return "date", None
    if isinstance(kind, sa.LargeBinary):
        return "binary", None
    if isinstance(kind, sa.Text | sa.JSON):
        return "text", None
    return "char", None


def _checked_values(column: str, checks: list[Any]) -> list[str]:
    """The values a ``CHECK (state IN ('draft', 'sale'))`` allows (any dialect's rendering of it)."""
    for check in checks:
        text = str(check.get("sqltext", ""))
        if re.search(rf"\b{re.escape(column)}\b", text) and re.search(r"\b(in|any)\b", text, re.IGNORECASE):
            values = [value.replace("''", "'") for value in _LITERAL.findall(text)]
            if values:
                return list(dict.fromkeys(values))
    return []


def _name_field(fields: list[FieldInfo]) -> str | None:
    texts = [f.name for f in fields if f.type in ("char", "text")]
    return "name" if "name" in texts else (texts[0] if texts else None)


def _default_fields(fields: list[FieldInfo], name_field: str | None) -> tuple[str, ...]:
    chosen = ["id", *([name_field] if name_field else [])]
    useful = [
        f.name
        for f in fields
        if f.name not in chosen and f.stored and f.name != DISPLAY_NAME and f.type not in ("binary", "text")
    ]
    return (*chosen, *useful[:8])
