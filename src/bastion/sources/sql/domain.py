"""Odoo domains → SQLAlchemy expressions, never string-built SQL: every value is a bound parameter.

Odoo's prefix notation: ``"&"`` and ``"|"`` take the next two terms, ``"!"`` the next one, and
consecutive terms are joined by an implicit ``"&"``. A term is ``[field, operator, value]`` (or
``True``/``False``, or Odoo's ``[1, "=", 1]``/``[0, "=", 1]``). ``field`` may be a path through
many2one fields (``partner_id.country_id.code``), compiled to ``IN`` subqueries on aliased tables.

Empty values follow Odoo: ``= False`` is ``IS NULL``; ``!=``, ``not in`` and ``not like`` also match
records where the field is empty; an empty boolean is false. Every compiled term is two-valued (never
SQL ``NULL``), so ``"!"`` is the exact complement of its term.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from bastion.sources.errors import InvalidDomain, UnknownField
from bastion.sources.port import FieldInfo
from bastion.sources.sql.schema import DISPLAY_NAME, Schema, SqlModel
from bastion.sources.sql.values import TEXTUAL, BadValue, show, to_database

OPERATORS = (
    "=", "!=", ">", ">=", "<", "<=", "in", "not in",
    "like", "ilike", "=like", "=ilike", "not like", "not ilike", "child_of",
)  # fmt: skip
COMPARISONS = (">", ">=", "<", "<=")
LIKES = ("like", "ilike", "=like", "=ilike", "not like", "not ilike")
MAX_ITEMS = 200  # a domain longer than this is not a question an AI model means to ask
MAX_DEPTH = 32  # nested "&"/"|"/"!" deeper than this: refused before it reaches the SQL compiler

Expression = ColumnElement[bool]


@dataclass(frozen=True)
class Leaf:
    field: str
    operator: str
    value: Any
    label: str  # "domain item 2 ['state', '=', 'sale']": how error messages name the term


@dataclass(frozen=True)
class Constant:
    value: bool


@dataclass(frozen=True)
class Not:
    term: Node


@dataclass(frozen=True)
class Junction:
    kind: str  # "&" | "|"
    terms: tuple[Node, ...]


Node = Leaf | Constant | Not | Junction


def parse_domain(domain: Any) -> Node:
    """The domain's syntax tree; raises ``InvalidDomain`` naming the item that is wrong."""
    if domain is True or domain is False:
        return Constant(domain)
    if not isinstance(domain, list | tuple):
        raise InvalidDomain(f"a domain is a list of terms such as [['state', '=', 'sale']], not {show(domain)}.")
    if len(domain) > MAX_ITEMS:
        raise InvalidDomain(f"the domain has {len(domain)} items; at most {MAX_ITEMS} are accepted: split the search.")
    stack: list[tuple[Node, int]] = []  # (term, depth), built right to left as Odoo does
    for position in range(len(domain) - 1, -1, -1):
        item = domain[position]
        if isinstance(item, str) and item in ("&", "|", "!"):
            arity = 1 if item == "!" else 2
            if len(stack) < arity:
                needs = "one term" if arity == 1 else "two terms"
                raise InvalidDomain(
                    f"domain item {position + 1} {item!r} needs {needs} after it, and the domain has only "
                    f"{len(stack)}: each '&' or '|' combines the next two terms, '!' negates the next one."
                )
            operands = [stack.pop() for _ in range(arity)]
            depth = 1 + max(d for _, d in operands)
            if depth > MAX_DEPTH:
                raise InvalidDomain(f"the domain nests '&', '|' and '!' deeper than {MAX_DEPTH}: simplify it.")
            terms = tuple(term for term, _ in operands)
            stack.append((Not(terms[0]) if item == "!" else Junction(item, terms), depth))
        else:
            stack.append((_leaf(item, position), 0))
    terms = tuple(term for term, _ in reversed(stack))
    if not terms:
        return Constant(True)
    return terms[0] if len(terms) == 1 else Junction("&", terms)


def _leaf(item: Any, position: int) -> Leaf | Constant:
    label = f"domain item {position + 1} {show(item, 80)}"
    if item is True or item is False:
        return Constant(item)
    if isinstance(item, str):
        raise InvalidDomain(
            f"{label} is not a term or one of '&', '|', '!': write terms as lists, e.g. ['name', 'ilike', 'azure']."
        )
    if not isinstance(item, list | tuple) or len(item) != 3:
        raise InvalidDomain(f"{label} is not a term: a term is [field, operator, value] like ['state', '=', 'sale'].")
    field, operator, value = item
    if field in (0, 1) and not isinstance(field, bool) and operator == "=" and value == 1:
        return Constant(field == 1)  # Odoo's TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
    if not isinstance(field, str) or not field or any(not part for part in field.split(".")):
        raise InvalidDomain(f"{label}: the field must be a name such as 'partner_id' or 'partner_id.name'.")
    normalized = operator.strip().lower() if isinstance(operator, str) else operator
    if normalized not in OPERATORS:
        raise InvalidDomain(f"{label}: {show(operator)} is not an operator; use one of {', '.join(OPERATORS)}.")
    return Leaf(field, normalized, value, label)


def compile_domain(schema: Schema, model: SqlModel, domain: Any, table: sa.FromClause | None = None) -> Expression:
    """The WHERE expression of ``domain`` on ``model`` (its table, or an alias of it)."""
    return _Compiler(schema).node(parse_domain(domain), model, model.table if table is None else table, False)


class _Compiler:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.names = itertools.count(1)  # unique names for the recursive CTEs of child_of

    def node(self, node: Node, model: SqlModel, table: sa.FromClause, negate: bool) -> Expression:
        if isinstance(node, Constant):
            return sa.true() if node.value != negate else sa.false()
        if isinstance(node, Not):
            return self.node(node.term, model, table, not negate)
        if isinstance(node, Junction):
            terms = [self.node(term, model, table, negate) for term in node.terms]
            # De Morgan: a negated "&" is the "|" of the negated terms.
            return sa.and_(*terms) if (node.kind == "&") != negate else sa.or_(*terms)
        condition = self.leaf(node, model, table)
        return sa.not_(condition) if negate else condition

    def leaf(self, leaf: Leaf, model: SqlModel, table: sa.FromClause) -> Expression:
        head, _, rest = leaf.field.partition(".")
        info = self.field(leaf, model, head)
        column = table.c[model.columns[info.name].name]
        if rest:
            if info.type != "many2one":
                raise InvalidDomain(
                    f"{leaf.label}: {info.name} is a {info.type} field, so nothing can follow it in "
                    f"{leaf.field!r}; only many2one fields lead to another model's fields."
                )
            return self.through(column, info, Leaf(rest, leaf.operator, leaf.value, leaf.label))
        if leaf.operator == "child_of":
            return self.child_of(leaf, model, info, column)
        if info.type == "many2one" and _names_a_record(leaf):
            target = self.schema.model(info.relation or "")
            if target.name_field is None:
                raise InvalidDomain(f"{leaf.label}: {target.name} has no name field; compare {info.name} with ids.")
            return self.through(column, info, Leaf(target.name_field, leaf.operator, leaf.value, leaf.label))
        return condition(leaf, info, column)

    def field(self, leaf: Leaf, model: SqlModel, name: str) -> FieldInfo:
        if name == DISPLAY_NAME and model.name_field:
            name = model.name_field
        try:
            info = model.field(name)
        except UnknownField as exc:
            raise UnknownField(f"{leaf.label}: {exc}") from None
        if name == DISPLAY_NAME:
            raise InvalidDomain(f"{leaf.label}: {model.name} has no name field to filter display_name on.")
        return info

    def through(self, column: sa.ColumnElement[Any], info: FieldInfo, rest: Leaf) -> Expression:
        """``partner_id.name = x`` → ``partner_id IN (SELECT id FROM res_partner AS p WHERE p.name = x)``."""
        target = self.schema.model(info.relation or "")
        alias = target.table.alias()
        inner = self.leaf(rest, target, alias)
        return _present(column, column.in_(sa.select(alias.c[target.columns["id"].name]).where(inner)))

    def child_of(self, leaf: Leaf, model: SqlModel, info: FieldInfo, column: sa.ColumnElement[Any]) -> Expression:
        """Records whose ``info`` is one of the given ids or below them in the hierarchy (``parent_id``)."""
        if info.name == "id":
            hierarchy = model
        elif info.type == "many2one":
            hierarchy = self.schema.model(info.relation or "")
        else:
            raise InvalidDomain(f"{leaf.label}: child_of applies to id or a many2one field, not a {info.type} field.")
        if hierarchy.parent_field is None:
            raise InvalidDomain(
                f"{leaf.label}: {hierarchy.name} has no parent_id field pointing to itself, so it has no "
                "hierarchy for child_of; use '=' or 'in'."
            )
        values = leaf.value if isinstance(leaf.value, list | tuple) else [leaf.value]
        if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise InvalidDomain(f"{leaf.label}: child_of takes a record id or a list of ids, not {show(leaf.value)}.")
        key = hierarchy.columns["id"].name
        parent = hierarchy.columns[hierarchy.parent_field].name
        roots = hierarchy.table.alias()
        below = (
            sa.select(roots.c[key].label("id"))
            .where(roots.c[key].in_(values))
            .cte(f"child_of_{next(self.names)}", recursive=True)
        )
        previous, children = below.alias(), hierarchy.table.alias()
        below = below.union(sa.select(children.c[key]).where(children.c[parent] == previous.c.id))
        return _present(column, column.in_(sa.select(below.c.id)))


def _names_a_record(leaf: Leaf) -> bool:
    """A many2one compared with text (``partner_id ilike 'azure'``) means the related record's name, as in Odoo."""
    if leaf.operator in LIKES:
        return True
    values = leaf.value if isinstance(leaf.value, list | tuple) else [leaf.value]
    return any(isinstance(value, str) for value in values)


def _present(column: sa.ColumnElement[Any], expression: Expression) -> Expression:
    """``expression`` made two-valued: false, not NULL, where ``column`` is empty."""
    nullable = getattr(column, "nullable", True)
    return sa.and_(column.isnot(None), expression) if nullable else expression


def _text(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # A native enum compares as text, so an unknown value matches nothing instead of failing in the database.
    return sa.cast(column, sa.String) if isinstance(column.type, sa.Enum) else column


def _value(leaf: Leaf, info: FieldInfo, value: Any) -> Any:
    try:
        return to_database(info, value)
    except BadValue as exc:
        raise InvalidDomain(f"{leaf.label}: {info.name} {exc}.") from None


def condition(leaf: Leaf, info: FieldInfo, column: sa.ColumnElement[Any]) -> Expression:
    operator, value = leaf.operator, leaf.value
    if info.type == "binary" and (operator not in ("=", "!=") or value not in (None, False)):
        raise InvalidDomain(f"{leaf.label}: {info.name} is a binary field; only '=' or '!=' false (empty) applies.")
    if operator in ("=", "!="):
        if isinstance(value, list | tuple | dict):
            raise InvalidDomain(f"{leaf.label}: {operator!r} compares with one value; use 'in' for a list.")
        equal = _equal(leaf, info, column, value)
        return equal if operator == "=" else sa.not_(equal)
    if operator in ("in", "not in"):
        values = value if isinstance(value, list | tuple) else [value]
        inside = _inside(leaf, info, column, values)
        return inside if operator == "in" else sa.not_(inside)
    if operator in COMPARISONS:
        if value is None or isinstance(value, bool) or info.type == "boolean":
            raise InvalidDomain(f"{leaf.label}: {operator!r} compares with a number, date or text, not {show(value)}.")
        bound = _value(leaf, info, value)
        compared = {">": column > bound, ">=": column >= bound, "<": column < bound, "<=": column <= bound}
        return _present(column, compared[operator])
    return _like(leaf, info, column)


def _equal(leaf: Leaf, info: FieldInfo, column: sa.ColumnElement[Any], value: Any) -> Expression:
    if info.type == "boolean":
        if _value(leaf, info, value):
            return _present(column, column == sa.true())
        return sa.or_(column.is_(None), column == sa.false())
    if value is None or value is False:
        return column.is_(None)
    return _present(column, _text(column) == _value(leaf, info, value))


def _inside(leaf: Leaf, info: FieldInfo, column: sa.ColumnElement[Any], values: Sequence[Any]) -> Expression:
    if any(isinstance(value, list | tuple | dict) for value in values):
        raise InvalidDomain(f"{leaf.label}: 'in' takes a flat list of values such as ['draft', 'sent'].")
    if info.type == "boolean":
        wanted = {bool(_value(leaf, info, value)) for value in values}
        terms = [_equal(leaf, info, column, flag) for flag in sorted(wanted)]
        return sa.or_(*terms) if terms else sa.false()
    present = [_value(leaf, info, value) for value in values if value is not None and value is not False]
    terms = [_present(column, _text(column).in_(present))] if present else []
    if len(present) < len(values):
        terms.append(column.is_(None))
    return sa.or_(*terms) if terms else sa.false()


def _like(leaf: Leaf, info: FieldInfo, column: sa.ColumnElement[Any]) -> Expression:
    if info.type not in TEXTUAL:
        raise InvalidDomain(
            f"{leaf.label}: {leaf.operator!r} matches text, and {info.name} is a {info.type} field; "
            "use =, !=, <, >, in."
        )
    if not isinstance(leaf.value, str):
        raise InvalidDomain(f"{leaf.label}: {leaf.operator!r} needs a string pattern, not {show(leaf.value)}.")
    pattern = _value(leaf, info, leaf.value)
    text = _text(column)
    positive = leaf.operator.removeprefix("not ")
    matched = {
        "like": lambda: text.contains(pattern, autoescape=True),
        "ilike": lambda: text.icontains(pattern, autoescape=True),
        "=like": lambda: text.like(pattern),
        "=ilike": lambda: text.ilike(pattern),
    }[positive]()
    expression = _present(column, matched)
    return sa.not_(expression) if leaf.operator.startswith("not ") else expression
