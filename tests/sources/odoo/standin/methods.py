"""The model methods the stand-in answers, with Odoo's signatures (named parameters) and return shapes."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.sources.odoo.standin import data
from tests.sources.odoo.standin.orm import (
    USER_ERROR,
    VALIDATION_ERROR,
    Database,
    OdooError,
    access_error,
)

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def call(
    db: Database, uid: int, model: str, method: str, ids: list[int] | None, params: dict[str, Any], major: int
) -> Any:
    if method.startswith("_"):
        # odoo.models.check_method_name
        raise access_error(f"Private methods (such as '{method}') cannot be called remotely.")
    if model not in data.FIELDS:
        if major >= 19:
            raise OdooError("werkzeug.exceptions.NotFound", f"the model {model!r} does not exist", 404)
        raise OdooError(USER_ERROR, f"Object {model} doesn't exist", 422)
    handler: Callable[..., Any] | None = HANDLERS.get(method) or (
        ACTIONS.get(method) if model == "sale.order" else None
    )
    if handler is None or (method == "formatted_read_group" and major < 19) or (method == "read_group" and major >= 19):
        if major >= 19:
            raise OdooError("werkzeug.exceptions.NotFound", f"the model {model!r} has no method {method!r}", 404)
        raise OdooError("builtins.AttributeError", f"The method '{method}' does not exist on the model '{model}'", 500)
    return handler(db, uid, model, ids or [], **params)


def fields_get(
    db: Database, uid: int, model: str, ids: list[int], allfields: Any = None, attributes: list[str] | None = None
) -> Any:
    fields = db.fields(model)
    return {
        name: {k: v for k, v in meta.items() if not attributes or k in attributes}
        for name, meta in fields.items()
        if not allfields or name in allfields
    }


def search_read(
    db: Database,
    uid: int,
    model: str,
    ids: list[int],
    domain: Any = None,
    fields: Any = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> Any:
    rows = db.search(uid, model, domain or [], order or "")
    rows = rows[offset : offset + limit if limit else None]
    return [db.render(model, row, fields) for row in rows]


def search_count(db: Database, uid: int, model: str, ids: list[int], domain: Any = None, limit: Any = None) -> Any:
    return len(db.search(uid, model, domain or []))


def read(db: Database, uid: int, model: str, ids: list[int], fields: Any = None, load: str = "_classic_read") -> Any:
    return [db.render(model, row, fields) for row in db.rows(uid, model, ids, "read")]


def name_search(
    db: Database,
    uid: int,
    model: str,
    ids: list[int],
    name: str = "",
    domain: Any = None,
    operator: str = "ilike",
    limit: int = 100,
) -> Any:
    leaf = [["display_name", operator, name]] if name else []
    rows = db.search(uid, model, list(domain or []) + leaf)[:limit]
    return [[row["id"], db.display_name(model, row)] for row in rows]


def create(db: Database, uid: int, model: str, ids: list[int], vals_list: Any = None) -> Any:
    db.check_access(uid, model, "create")
    values = vals_list if isinstance(vals_list, list) else [vals_list]
    fields = db.fields(model)
    new_rows = []
    for vals in values:
        for name in vals:
            db.check_field(model, name)
        missing = [n for n, m in fields.items() if m["required"] and not vals.get(n) and n not in ("name",)]
        if model == "res.partner" and not vals.get("name"):
            missing = ["name"]
        if missing:
            raise OdooError(
                VALIDATION_ERROR,
                f"The operation cannot be completed: a mandatory field is not set ({', '.join(missing)}).",
                422,
            )
        if model == "res.partner" and "email" in vals and vals["email"] and "@" not in vals["email"]:
            raise OdooError(VALIDATION_ERROR, f"Invalid email address {vals['email']!r}", 422)
        new_rows.append(dict(vals))
    created = []
    for row in new_rows:  # every record or none: values were checked before any is stored
        row["id"] = db.next_id[model]
        db.next_id[model] += 1
        db.tables[model].append(row)
        created.append(row["id"])
    return created


def write(db: Database, uid: int, model: str, ids: list[int], vals: Any = None) -> Any:
    rows = db.rows(uid, model, ids, "write")
    for name in vals:
        if db.check_field(model, name)["readonly"]:
            raise OdooError(USER_ERROR, f"Field {name!r} is read-only and cannot be written.", 422)
    if model == "res.partner" and vals.get("email") and "@" not in vals["email"]:
        raise OdooError(VALIDATION_ERROR, f"Invalid email address {vals['email']!r}", 422)
    for row in rows:
        row.update(vals)
    return True


def unlink(db: Database, uid: int, model: str, ids: list[int]) -> Any:
    rows = db.rows(uid, model, ids, "unlink")
    db.tables[model] = [row for row in db.tables[model] if row not in rows]
    return True


def _group_key(db: Database, model: str, row: dict[str, Any], spec: str) -> Any:
    name, _, granularity = spec.partition(":")
    value = db.value(model, row, name)
    if granularity and value:
        moment = datetime.fromisoformat(str(value))
        if granularity == "month":
            return (f"{moment:%Y-%m}-01", f"{MONTHS[moment.month - 1]} {moment.year}")
        if granularity == "year":
            return (f"{moment:%Y}-01-01", str(moment.year))
        if granularity == "day":
            return (f"{moment:%Y-%m-%d}", f"{moment.day:02d} {MONTHS[moment.month - 1][:3]} {moment.year}")
        raise OdooError("builtins.ValueError", f"Invalid granularity {granularity!r}", 500)
    return tuple(value) if isinstance(value, list) else value


def _aggregate(db: Database, model: str, rows: list[dict[str, Any]], spec: str) -> Any:
    if spec == "__count":
        return len(rows)
    name, _, function = spec.partition(":")
    db.check_field(model, name)
    values: list[Any] = [row[name] for row in rows if row.get(name) is not None]
    if function == "sum":
        return sum(values)
    if function == "avg":
        return sum(values) / len(values) if values else None
    if function in ("min", "max"):
        return (min if function == "min" else max)(values) if values else None
    if function == "count_distinct":
        return len(set(values))
    raise OdooError("builtins.ValueError", f"Invalid aggregate function {function!r}", 500)


def _groups(db: Database, uid: int, model: str, domain: Any, groupby: list[str]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in db.search(uid, model, domain or []):
        groups[tuple(_group_key(db, model, row, spec) for spec in groupby)].append(row)
    return dict(sorted(groups.items(), key=lambda item: [str(k) for k in item[0]]))


def formatted_read_group(
    db: Database,
    uid: int,
    model: str,
    ids: list[int],
    domain: Any = None,
    groupby: Any = (),
    aggregates: Any = (),
    having: Any = (),
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> Any:
    """Odoo 19: group values as ``[id, name]`` / ``[period start, label]``, aggregates under their spec."""
    result = []
    for key, rows in _groups(db, uid, model, domain, list(groupby)).items():
        group: dict[str, Any] = {
            spec: list(value) if isinstance(value, tuple) else value for spec, value in zip(groupby, key, strict=True)
        }
        group |= {spec: _aggregate(db, model, rows, spec) for spec in aggregates}
        group["__extra_domain"] = []
        result.append(group)
    return result[offset : offset + limit if limit else None]


def read_group(
    db: Database,
    uid: int,
    model: str,
    ids: list[int],
    domain: Any = None,
    fields: Any = (),
    groupby: Any = (),
    offset: int = 0,
    limit: int | None = None,
    orderby: Any = False,
    lazy: bool = True,
) -> Any:
    """Odoo ≤ 18: measures under their alias, date groups as a label plus ``__range``, ``__count`` when not lazy."""
    groupby = [groupby] if isinstance(groupby, str) else list(groupby)
    result = []
    for key, rows in _groups(db, uid, model, domain, groupby).items():
        group: dict[str, Any] = {"__domain": [], "__range": {}}
        for spec, value in zip(groupby, key, strict=True):
            if ":" in spec and isinstance(value, tuple):
                group[spec] = value[1]
                group["__range"][spec] = {"from": value[0], "to": value[0]}
            else:
                group[spec] = list(value) if isinstance(value, tuple) else value
        for measure in fields:
            match = re.fullmatch(r"(\w+):(\w+)\((\w+)\)", measure) or re.fullmatch(r"(\w+):(\w+)", measure)
            if match is None:
                raise OdooError("builtins.ValueError", f"Invalid field specification {measure!r}", 500)
            alias, function = match.group(1), match.group(2)
            field = match.group(3) if match.lastindex == 3 else alias
            group[alias] = _aggregate(db, model, rows, f"{field}:{function}")
        group["__count" if not lazy else f"{groupby[0]}_count" if groupby else "__count"] = len(rows)
        result.append(group)
    return result[offset : offset + limit if limit else None]


def get_views(db: Database, uid: int, model: str, ids: list[int], views: Any = (), options: Any = None) -> Any:
    arch = data.SALE_ORDER_FORM if model == "sale.order" else '<form><sheet><field name="display_name"/></sheet></form>'
    if uid != data.ADMIN_UID:  # Odoo strips nodes whose groups the user lacks before sending the arch
        arch = re.sub(r"<button[^>]*groups=\"sales_team.group_sale_manager\"[^>]*/>", "", arch, flags=re.DOTALL)
    return {"views": {"form": {"arch": arch, "id": 1, "model": model}}, "models": {model: {"fields": {}}}}


def message_post(
    db: Database,
    uid: int,
    model: str,
    ids: list[int],
    body: str = "",
    message_type: str = "notification",
    subtype_xmlid: str | None = None,
    **extra: Any,
) -> Any:
    (row,) = db.rows(uid, model, ids, "read")
    author = 11 if uid == data.ADMIN_UID else 10
    message = {
        "id": db.next_id["mail.message"],
        "model": model,
        "res_id": row["id"],
        "author_id": author,
        "body": f"<p>{body}</p>",
        "date": "2025-03-01 12:00:00",
        "message_type": message_type,
    }
    db.next_id["mail.message"] += 1
    db.tables["mail.message"].append(message)
    return message["id"]


def activity_schedule(
    db: Database,
    uid: int,
    model: str,
    ids: list[int],
    act_type_xmlid: str = "",
    date_deadline: str | None = None,
    summary: str = "",
    note: str = "",
    **act_values: Any,
) -> Any:
    rows = db.rows(uid, model, ids, "read")
    type_id = act_values.get("activity_type_id")
    if not any(t["id"] == type_id for t in db.tables["mail.activity.type"]):
        raise OdooError(USER_ERROR, "An activity type is required.", 422)
    created = []
    for row in rows:
        activity = {
            "id": db.next_id["mail.activity"],
            "res_model": model,
            "res_id": row["id"],
            "summary": summary,
            "note": note,
            "date_deadline": date_deadline,
            "activity_type_id": type_id,
            "user_id": act_values.get("user_id") or uid,
            "state": "planned",
        }
        db.next_id["mail.activity"] += 1
        db.tables["mail.activity"].append(activity)
        created.append(activity["id"])
    return created


def _transition(allowed: set[str], target: str, result: Any = True) -> Callable[..., Any]:
    def action(db: Database, uid: int, model: str, ids: list[int], **_: Any) -> Any:
        rows = db.rows(uid, model, ids, "write")
        for row in rows:
            if row["state"] not in allowed:
                raise OdooError(USER_ERROR, "Some orders are not in a state requiring this action.", 422)
        for row in rows:
            row["state"] = target
        return result

    return action


ACTIONS: dict[str, Callable[..., Any]] = {
    "action_confirm": _transition({"draft", "sent"}, "sale"),
    "action_quotation_send": _transition(
        {"draft"}, "sent", {"type": "ir.actions.act_window", "res_model": "mail.compose.message"}
    ),
    "action_cancel": _transition({"draft", "sent", "sale"}, "cancel"),
    "action_draft": _transition({"cancel"}, "draft"),
}

HANDLERS: dict[str, Callable[..., Any]] = {
    "fields_get": fields_get,
    "search_read": search_read,
    "search_count": search_count,
    "read": read,
    "name_search": name_search,
    "create": create,
    "write": write,
    "unlink": unlink,
    "formatted_read_group": formatted_read_group,
    "read_group": read_group,
    "get_views": get_views,
    "message_post": message_post,
    "activity_schedule": activity_schedule,
}
