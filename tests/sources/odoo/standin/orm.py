"""The stand-in's ORM: domains, access rights and record rules, and the model methods Bastion calls.

Errors are raised as ``OdooError(name, message, status)``: the exception Odoo would raise, its
message, and the HTTP status Odoo 19's JSON-2 dispatcher gives it (``UserError.http_status``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.sources.odoo.standin import data

ACCESS_ERROR = "odoo.exceptions.AccessError"
USER_ERROR = "odoo.exceptions.UserError"
VALIDATION_ERROR = "odoo.exceptions.ValidationError"
MISSING_ERROR = "odoo.exceptions.MissingError"


class OdooError(Exception):
    def __init__(self, name: str, message: str, status: int) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.status = status


def access_error(message: str) -> OdooError:
    return OdooError(ACCESS_ERROR, message, 403)


class Database:
    def __init__(self) -> None:
        self.tables = data.records()
        self.next_id = {model: max((r["id"] for r in rows), default=0) + 1 for model, rows in self.tables.items()}

    # ---- metadata -------------------------------------------------------------------------

    def fields(self, model: str) -> dict[str, dict[str, Any]]:
        if model not in data.FIELDS:
            raise OdooError("builtins.KeyError", repr(model), 500)
        return data.FIELDS[model]

    def check_field(self, model: str, name: str) -> dict[str, Any]:
        meta = self.fields(model).get(name)
        if meta is None:
            raise OdooError("builtins.ValueError", f"Invalid field {name!r} on model {model!r}", 500)
        return meta

    # ---- rights ---------------------------------------------------------------------------

    def visible(self, uid: int, model: str, row: dict[str, Any]) -> bool:
        """Record rules: a salesman sees only her own orders and whatever hangs off them."""
        if uid == data.ADMIN_UID:
            return True
        if model == "sale.order":
            return row.get("user_id") == uid
        if model == "sale.order.line":
            return any(o["id"] == row.get("order_id") and o.get("user_id") == uid for o in self.tables["sale.order"])
        if model in {"mail.message", "ir.attachment", "mail.activity"}:
            target = row.get("model") or row.get("res_model")
            return target != "sale.order" or any(
                o["id"] == row.get("res_id") and o.get("user_id") == uid for o in self.tables["sale.order"]
            )
        return model not in {"ir.config_parameter", "res.users.apikeys"}

    def check_access(self, uid: int, model: str, operation: str) -> None:
        if uid == data.ADMIN_UID:
            return
        label, _info = data.MODEL_LABELS[model]
        denied = (
            (model == "res.partner" and operation == "unlink")
            or (model == "product.product" and operation != "read")
            or model in {"ir.config_parameter", "res.users.apikeys"}
        )
        if denied:
            raise access_error(
                f"You are not allowed to {'delete' if operation == 'unlink' else operation} '{label}' ({model}) "
                f"records.\n\nThis operation is allowed for the following groups:\n\t- Administration/Settings"
            )

    def rows(self, uid: int, model: str, ids: list[int], operation: str) -> list[dict[str, Any]]:
        """The rows of ``ids``, or Odoo's MissingError / AccessError, as ``browse(ids).<operation>`` would."""
        self.check_access(uid, model, operation)
        by_id = {row["id"]: row for row in self.tables[model]}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise OdooError(
                MISSING_ERROR,
                f"Record does not exist or has been deleted.\n(Record: {model}({', '.join(map(str, missing))},), "
                f"User: {uid})",
                404,
            )
        rows = [by_id[i] for i in ids]
        if not all(self.visible(uid, model, row) for row in rows):
            label, _info = data.MODEL_LABELS[model]
            raise access_error(
                f"Due to security restrictions, you are not allowed to access '{label}' ({model}) records."
            )
        return rows

    # ---- values ---------------------------------------------------------------------------

    def display_name(self, model: str, row: dict[str, Any]) -> str:
        return str(row.get("name") or row.get("login") or f"{model},{row['id']}")

    def value(self, model: str, row: dict[str, Any], name: str) -> Any:
        meta = self.check_field(model, name)
        if name == "display_name":
            return self.display_name(model, row)
        if meta["type"] == "one2many":
            inverse = {"order_line": "order_id", "child_ids": "parent_id"}.get(name)
            return [r["id"] for r in self.tables.get(meta["relation"], []) if inverse and r.get(inverse) == row["id"]]
        raw = row.get(name)
        if meta["type"] == "many2one":
            if not raw:
                return False
            target = next((r for r in self.tables[meta["relation"]] if r["id"] == raw), None)
            return [raw, self.display_name(meta["relation"], target)] if target else False
        if raw is None:
            return 0 if meta["type"] in {"integer", "float", "monetary"} else False
        return raw

    def render(self, model: str, row: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
        names = fields or [n for n, m in self.fields(model).items() if m["type"] != "binary"]
        return {"id": row["id"]} | {name: self.value(model, row, name) for name in names if name != "id"}

    # ---- domains --------------------------------------------------------------------------

    def matches(self, model: str, row: dict[str, Any], domain: list[Any]) -> bool:
        stack: list[bool] = []
        for item in reversed(domain or []):
            if item == "!":
                stack.append(not stack.pop())
            elif item in ("&", "|"):
                first, second = stack.pop(), stack.pop()
                stack.append(first and second if item == "&" else first or second)
            elif isinstance(item, list | tuple) and len(item) == 3:
                stack.append(self.leaf(model, row, *item))
            else:
                raise OdooError("builtins.ValueError", f"Invalid leaf {item!r}", 500)
        return all(stack)

    def leaf(self, model: str, row: dict[str, Any], path: str, operator: str, expected: Any) -> bool:
        head, _, rest = str(path).partition(".")
        meta = self.check_field(model, head)
        if rest:
            target = next((r for r in self.tables[meta["relation"]] if r["id"] == row.get(head)), None)
            return target is not None and self.leaf(meta["relation"], target, rest, operator, expected)
        actual = row.get(head) if head != "display_name" else self.display_name(model, row)
        if head == "id":
            actual = row["id"]
        return compare(actual, operator, expected)

    def search(self, uid: int, model: str, domain: list[Any], order: str = "") -> list[dict[str, Any]]:
        self.check_access(uid, model, "read")
        active = [row for row in self.tables[model] if self.visible(uid, model, row)]
        found = [row for row in active if self.matches(model, row, domain)]
        for part in reversed([p.strip() for p in (order or "id").split(",") if p.strip()]):
            name, _, direction = part.partition(" ")
            self.check_field(model, name)
            found.sort(key=_sort_key(name), reverse=direction.lower() == "desc")
        return found


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    return lambda row: (row.get(name) is None, row.get(name) or 0)


def compare(actual: Any, operator: str, expected: Any) -> bool:
    if operator in ("=", "=="):
        return actual == expected or (expected is False and actual in (None, False, ""))
    if operator in ("!=", "<>"):
        return not compare(actual, "=", expected)
    if operator == "in":
        return actual in list(expected)
    if operator == "not in":
        return actual not in list(expected)
    if operator in ("like", "ilike", "=like", "=ilike"):
        text, pattern = str(actual or ""), str(expected)
        flags = re.IGNORECASE if "ilike" in operator else 0
        if operator.startswith("="):
            regex = "^" + re.escape(pattern).replace("%", ".*").replace("_", ".") + "$"
            return re.search(regex, text, flags) is not None
        return re.search(re.escape(pattern), text, flags) is not None
    if actual is None or actual is False:
        return False
    if operator == ">":
        return actual > expected
    if operator == ">=":
        return actual >= expected
    if operator == "<":
        return actual < expected
    if operator == "<=":
        return actual <= expected
    raise OdooError("builtins.ValueError", f"Invalid domain operator {operator!r}", 500)
