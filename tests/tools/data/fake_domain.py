"""Odoo domain semantics over Python rows, for the fake source: prefix operators, comparisons, paths."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from typing import Any

from bastion.sources.errors import InvalidDomain

Row = dict[str, Any]
# Follows a many2one: (field of the current model, id) -> the related row, or None.
Resolve = Callable[[str, str, Any], Any]


def like(pattern: str, value: Any, *, case: bool, wrap: bool) -> bool:
    if value in (None, False):
        return False
    text = str(value) if case else str(value).lower()
    pattern = pattern if case else pattern.lower()
    glob = pattern.replace("%", "*").replace("_", "?")
    return fnmatch.fnmatchcase(text, f"*{glob}*" if wrap else glob)


def compare(operator: str, left: Any, right: Any) -> bool:
    if operator == "=":
        return left == right or (right is False and left is None)
    if operator in ("!=", "<>"):
        return not compare("=", left, right)
    if operator in ("in", "not in"):
        inside = left in right
        return inside if operator == "in" else not inside
    if operator in ("like", "ilike", "=like", "=ilike"):
        return like(right, left, case=operator in ("like", "=like"), wrap=not operator.startswith("="))
    if operator in ("not like", "not ilike"):
        return not like(right, left, case=operator == "not like", wrap=True)
    if left is None:
        return False
    if operator == ">":
        return bool(left > right)
    if operator == ">=":
        return bool(left >= right)
    if operator == "<":
        return bool(left < right)
    if operator == "<=":
        return bool(left <= right)
    raise InvalidDomain(f"The fake source does not support the operator {operator!r}.")


def matches(domain: Sequence[Any], row: Row, value_of: Callable[[Row, str], Any]) -> bool:
    """Evaluate a prefix-notation domain (implicit '&' between top-level terms) on one row."""
    stack: list[bool] = []
    for item in reversed(domain):
        if item == "!":
            stack.append(not stack.pop())
        elif item in ("&", "|"):
            first, second = stack.pop(), stack.pop()
            stack.append(first and second if item == "&" else first or second)
        elif isinstance(item, list | tuple) and len(item) == 3:
            field, operator, value = item
            stack.append(compare(str(operator).lower(), value_of(row, field), value))
        else:
            raise InvalidDomain(f"The domain item {item!r} is not a condition.")
    return all(stack)
