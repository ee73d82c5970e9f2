"""Workflow buttons from a form view's arch: the object buttons a user could press on one record.

Odoo removes the nodes whose ``groups`` the user lacks before it sends the arch, so what is left is
already per user. Of those, a button is offered unless its visibility condition, evaluated on the
record, hides it. Conditions come in three dialects: ``invisible="state != 'draft'"`` (17+),
``states="draft,sent"`` and ``attrs="{'invisible': [('state', 'not in', ['draft'])]}"`` (≤ 16). A
condition this module cannot evaluate keeps the button: Odoo still checks on the press.
"""

from __future__ import annotations

import ast
import operator
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bastion.sources.port import Transition

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


class _Unknown(Exception):
    """A condition outside the small language evaluated here."""


@dataclass(frozen=True)
class Button:
    action: str
    label: str
    invisible: str | None = None
    states: str | None = None
    attrs: str | None = None

    def names(self) -> set[str]:
        """Every identifier the visibility condition mentions (the caller keeps those that are fields)."""
        found: set[str] = {"state"} if self.states else set()
        for text in (self.invisible, self.attrs):
            found |= set(_IDENTIFIER.findall(text or ""))
        return found


def header_buttons(arch: str) -> list[Button]:
    """Object buttons of the form's ``<header>`` (the workflow), else of the whole form."""
    root = ET.fromstring(arch)  # noqa: S314 - see the import
    header = root.find(".//header")
    scope = header if header is not None else root
    buttons = []
    for node in scope.iter("button"):
        name = node.get("name") or ""
        if node.get("type") != "object" or not name or name.startswith("_"):
            continue
        buttons.append(
            Button(
                action=name,
                label=node.get("string") or name,
                invisible=node.get("invisible"),
                states=node.get("states"),
                attrs=node.get("attrs"),
            )
        )
    return list({button.action: button for button in buttons}.values())


def offered(buttons: list[Button], record: Mapping[str, Any]) -> tuple[Transition, ...]:
    return tuple(Transition(b.action, b.label) for b in buttons if not _hidden(b, record))


def _hidden(button: Button, record: Mapping[str, Any]) -> bool:
    try:
        if button.states and record.get("state") not in [s.strip() for s in button.states.split(",")]:
            return True
        if button.invisible and bool(evaluate(button.invisible, record)):
            return True
        if button.attrs:
            attrs = ast.literal_eval(button.attrs)
            if isinstance(attrs, dict) and "invisible" in attrs and domain_matches(attrs["invisible"], record):
                return True
    except (_Unknown, SyntaxError, ValueError, TypeError, KeyError):
        return False
    return False


_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def evaluate(expression: str, record: Mapping[str, Any]) -> Any:
    """A 17+ visibility expression over the record's values: names, literals, comparisons, and/or/not."""
    return _eval(ast.parse(expression.strip(), mode="eval").body, record)


def _eval(node: ast.AST, record: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id not in record:
            raise _Unknown(node.id)
        value = record[node.id]
        return value[0] if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) else value
    if isinstance(node, ast.Tuple | ast.List):
        return [_eval(item, record) for item in node.elts]
    if isinstance(node, ast.BoolOp):
        values = [_eval(item, record) for item in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _eval(node.operand, record)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, record)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, record)
            compare = _COMPARE.get(type(op))
            if compare is None:
                raise _Unknown(type(op).__name__)
            if not compare(left, right):
                return False
            left = right
        return True
    raise _Unknown(type(node).__name__)


def domain_matches(domain: Any, record: Mapping[str, Any]) -> bool:
    """A ≤ 16 ``attrs`` domain (prefix ``&``/``|``/``!``, implicit and) evaluated on the record."""
    stack: list[bool] = []
    for item in reversed(list(domain)):
        if item == "!":
            stack.append(not stack.pop())
        elif item in ("&", "|"):
            first, second = stack.pop(), stack.pop()
            stack.append(first and second if item == "&" else first or second)
        else:
            field, op, value = item
            if field not in record:
                raise _Unknown(field)
            actual = record[field]
            actual = actual[0] if isinstance(actual, list) and len(actual) == 2 else actual
            ops = {"=": operator.eq, "==": operator.eq, "!=": operator.ne, "in": lambda a, b: a in b,
                   "not in": lambda a, b: a not in b}  # fmt: skip
            if op not in ops:
                raise _Unknown(op)
            stack.append(bool(ops[op](actual, value)))
    return all(stack)
