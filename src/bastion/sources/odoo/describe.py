"""Model descriptions from ``fields_get``, and the checks that keep denylisted fields out of every call.

A denied field (``denylist.is_denied_field``) and a relational field pointing at a denied model are
absent from the description; naming one anywhere (fields, domain, order, grouping, values) is refused
as if it did not exist, so its existence cannot be probed with a filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bastion.sources.denylist import is_denied_field, is_denied_model
from bastion.sources.errors import InvalidDomain, UnknownField
from bastion.sources.port import Domain, FieldInfo, ModelDescription, ModelInfo

FIELD_ATTRIBUTES = ["string", "type", "required", "readonly", "relation", "selection", "help", "store"]
DEFAULT_FIELD_COUNT = 8
_TECHNICAL_PREFIXES = ("message_", "activity_", "website_message", "access_", "__")
_TECHNICAL = {"create_uid", "write_uid", "write_date", "display_name", "id", "company_currency_id", "currency_rate"}
_WIDE_TYPES = {"binary", "html", "text", "one2many", "many2many", "properties", "properties_definition", "json"}
# Fields that carry what a person looks at first, in that order, when present.
_PREFERRED = (
    "name",
    "state",
    "partner_id",
    "email",
    "phone",
    "date_order",
    "date",
    "amount_total",
    "list_price",
    "user_id",
    "company_id",
)


def describe(model: ModelInfo, raw_fields: Mapping[str, Mapping[str, Any]]) -> ModelDescription:
    fields = tuple(
        _field(name, meta)
        for name, meta in sorted(raw_fields.items())
        if not is_denied_field(name) and not is_denied_model(str(meta.get("relation") or ""))
    )
    return ModelDescription(
        model=model, fields=fields, default_fields=default_fields(fields), name_field=name_field(fields)
    )


def _field(name: str, meta: Mapping[str, Any]) -> FieldInfo:
    selection = meta.get("selection")
    return FieldInfo(
        name=name,
        label=str(meta.get("string") or name),
        type=str(meta.get("type") or "char"),
        required=bool(meta.get("required")),
        readonly=bool(meta.get("readonly")),
        relation=str(meta["relation"]) if meta.get("relation") else None,
        selection=tuple((str(v), str(label)) for v, label in selection) if isinstance(selection, list) else None,
        help=str(meta.get("help") or ""),
        stored=bool(meta.get("store", True)),
    )


def name_field(fields: Iterable[FieldInfo]) -> str | None:
    by_name = {info.name: info for info in fields}
    if "name" in by_name:
        return "name"
    first_text = next((info.name for info in by_name.values() if info.type == "char" and info.stored), None)
    return first_text or ("display_name" if "display_name" in by_name else None)


def default_fields(fields: Iterable[FieldInfo], count: int = DEFAULT_FIELD_COUNT) -> tuple[str, ...]:
    """A compact set: the preferred business fields first, then required ones, never wide or technical fields."""
    usable = [
        info
        for info in fields
        if info.type not in _WIDE_TYPES
        and info.name not in _TECHNICAL
        and not info.name.startswith(_TECHNICAL_PREFIXES)
    ]
    by_name = {info.name: info for info in usable}
    chosen = [name for name in _PREFERRED if name in by_name]
    chosen += [info.name for info in usable if info.required and info.name not in chosen]
    chosen += [info.name for info in usable if info.stored and info.name not in chosen]
    return tuple(chosen[:count])


def check_fields(description: ModelDescription, names: Iterable[str]) -> None:
    for name in names:
        if name != "id" and description.field(name) is None:
            raise unknown_field(description.model.name, name)


def check_domain(description: ModelDescription, domain: Domain) -> None:
    """Shape and first field of every leaf; deeper path parts are checked by Odoo (and the denylist here)."""
    if not isinstance(domain, list | tuple):
        raise InvalidDomain("domain must be a list such as [['name', 'ilike', 'acme']]; got " + type(domain).__name__)
    for item in domain:
        if item in ("&", "|", "!"):
            continue
        if not isinstance(item, list | tuple) or len(item) != 3 or not isinstance(item[0], str):
            raise InvalidDomain(
                f"domain element {item!r} is neither '&', '|', '!' nor a [field, operator, value] triple; "
                "write conditions like ['state', '=', 'sale']."
            )
        path = item[0].split(".")
        if any(is_denied_field(part) for part in path):
            raise unknown_field(description.model.name, item[0])
        check_fields(description, [path[0]])


def check_order(description: ModelDescription, order: str) -> None:
    for part in filter(None, (piece.strip() for piece in order.split(","))):
        name, _, direction = part.partition(" ")
        if direction.strip().lower() not in ("", "asc", "desc"):
            raise InvalidDomain(f"order {order!r} is not 'field [asc|desc], ...'; e.g. 'date_order desc, id'.")
        check_fields(description, [name])


def unknown_field(model: str, name: str) -> UnknownField:
    return UnknownField(f"{model} has no field {name!r}; call describe_model with model={model!r} to see its fields.")
