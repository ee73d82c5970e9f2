"""Property-based: random valid domains select exactly what a reference evaluation in Python selects over the
same rows, on every backend; random garbage is refused with InvalidDomain or UnknownField, never another error."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.sources.errors import InvalidDomain, UnknownField
from bastion.sources.sql import SqlSource
from bastion.sources.sql.domain import OPERATORS
from tests.sources.sql import sample
from tests.sources.sql.conftest import ALICE

BOUNDED = settings(
    max_examples=60,
    database=None,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PARTNERS = {row["id"]: row for row in sample.PARTNERS}
COUNTRIES = {row["id"]: row for row in sample.COUNTRIES}
RELATIONS = {"parent_id": PARTNERS, "country_id": COUNTRIES}
TEXT = st.text(alphabet="aAeEzZrRi %_'.@-", max_size=4)
WORDS = st.sampled_from(["Azure Interior", "azure", "Deco", "O'Brien 100% _real_", "100%", "_real_", "BE", "e", ""])
LIKES = ("like", "ilike", "=like", "=ilike", "not like", "not ilike")


def _text_leaf(field: str) -> st.SearchStrategy[tuple[str, str, Any]]:
    value = st.one_of(WORDS, TEXT)
    equal = st.tuples(st.just(field), st.sampled_from(["=", "!="]), st.one_of(value, st.just(False)))
    inside = st.tuples(
        st.just(field), st.sampled_from(["in", "not in"]), st.lists(st.one_of(value, st.just(False)), max_size=3)
    )
    like = st.tuples(st.just(field), st.sampled_from(LIKES), value)
    return st.one_of(equal, inside, like)


def _ordered_leaf(field: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[str, str, Any]]:
    compare = st.tuples(st.just(field), st.sampled_from([">", ">=", "<", "<="]), values)
    equal = st.tuples(st.just(field), st.sampled_from(["=", "!="]), st.one_of(values, st.just(False)))
    inside = st.tuples(
        st.just(field), st.sampled_from(["in", "not in"]), st.lists(st.one_of(values, st.just(False)), max_size=3)
    )
    return st.one_of(compare, equal, inside)


IDS = st.integers(min_value=0, max_value=9)
LEAVES = st.one_of(
    _text_leaf("name"), _text_leaf("email"), _text_leaf("kind"), _text_leaf("country_id.code"),
    _text_leaf("parent_id.name"), _text_leaf("parent_id.country_id.code"), _text_leaf("country_id"),
    _ordered_leaf("credit_limit", st.sampled_from([0, 1200.5, 1200, 5000, -1, 0.25])),
    _ordered_leaf("created", st.sampled_from(["2025-01-10", "2025-06-30", "2026-02-01", "2025-12-31"])),
    _ordered_leaf("id", IDS), _ordered_leaf("parent_id", IDS), _ordered_leaf("country_id", IDS),
    st.tuples(st.just("is_company"), st.sampled_from(["=", "!="]), st.sampled_from([True, False])),
    st.tuples(st.just("is_company"), st.sampled_from(["in", "not in"]), st.lists(st.booleans(), max_size=2)),
    st.tuples(st.sampled_from(["id", "parent_id"]), st.just("child_of"),
              st.one_of(IDS, st.lists(IDS, min_size=1, max_size=2))),
)  # fmt: skip
TREES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.tuples(st.sampled_from(["&", "|"]), children, children), st.tuples(st.just("!"), children)
    ),
    max_leaves=6,
)
DOMAINS = st.lists(TREES, min_size=0, max_size=3)


def prefix(tree: tuple[Any, ...]) -> list[Any]:
    if tree[0] in ("&", "|", "!"):
        return [tree[0], *(item for child in tree[1:] for item in prefix(child))]
    return [list(tree)]


class Reference:
    """The documented semantics, in Python, with the database's text comparison rules."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def select(self, trees: list[tuple[Any, ...]]) -> list[int]:
        return [i for i, row in PARTNERS.items() if all(self.holds(tree, row, PARTNERS) for tree in trees)]

    def holds(self, tree: tuple[Any, ...], row: dict[str, Any], table: dict[int, Any]) -> bool:
        if tree[0] == "&":
            return self.holds(tree[1], row, table) and self.holds(tree[2], row, table)
        if tree[0] == "|":
            return self.holds(tree[1], row, table) or self.holds(tree[2], row, table)
        if tree[0] == "!":
            return not self.holds(tree[1], row, table)
        return self.leaf(*tree, row=row)

    def leaf(self, field: str, operator: str, value: Any, *, row: dict[str, Any]) -> bool:
        head, _, rest = field.partition(".")
        if head in RELATIONS and not rest and (operator in LIKES or _has_text(value)):
            rest = "name"
        if rest:
            target = row[head]
            return target is not None and self.leaf(rest, operator, value, row=RELATIONS[head][target])
        current = row[head]
        if operator == "child_of":
            return current is not None and current in _descendants(value)
        if head == "is_company":
            current = bool(current)
        if operator in ("=", "!="):
            equal = current is None if (value is False and head != "is_company") else self.equal(current, value)
            return equal == (operator == "=")
        if operator in ("in", "not in"):
            inside = any(self.leaf(head, "=", item, row=row) for item in value)
            return inside == (operator == "in")
        if operator in LIKES:
            matched = current is not None and self.like(operator.removeprefix("not "), current, value)
            return matched != operator.startswith("not ")
        if current is None:
            return False
        compare: dict[str, Callable[[Any, Any], bool]] = {
            ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
        }  # fmt: skip
        return compare[operator](str(current) if head == "created" else current, value)

    def equal(self, current: Any, value: Any) -> bool:
        if current is None:
            return False
        if isinstance(value, str) and isinstance(current, str) and self.dialect == "mysql":  # _ci, PAD SPACE
            return current.rstrip(" ").lower() == value.rstrip(" ").lower()
        return str(current) == value if isinstance(value, str) else current == value

    def like(self, operator: str, current: str, pattern: str) -> bool:
        insensitive = operator in ("ilike", "=ilike") or self.dialect in ("sqlite", "mysql")
        if operator in ("like", "ilike"):
            return (pattern.lower() in current.lower()) if insensitive else pattern in current
        expression = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
        return re.fullmatch(expression, current, re.IGNORECASE | re.DOTALL if insensitive else re.DOTALL) is not None


def _has_text(value: Any) -> bool:
    return any(isinstance(v, str) for v in (value if isinstance(value, list) else [value]))


def _descendants(value: Any) -> set[int]:
    found = {v for v in (value if isinstance(value, list) else [value]) if v in PARTNERS}
    while True:
        more = {i for i, row in PARTNERS.items() if row["parent_id"] in found} - found
        if not more:
            return found
        found |= more


@pytest.fixture
def running(sample_url: str) -> Iterator[tuple[SqlSource, asyncio.AbstractEventLoop]]:
    loop = asyncio.new_event_loop()
    source = SqlSource(sample_url)
    try:
        yield source, loop
    finally:
        loop.run_until_complete(source.aclose())
        loop.close()


def test_random_valid_domains_select_what_the_reference_selects(
    running: tuple[SqlSource, asyncio.AbstractEventLoop],
) -> None:
    source, loop = running
    reference = Reference(source.engine.dialect.name)

    @BOUNDED
    @given(DOMAINS)
    def agrees(trees: list[tuple[Any, ...]]) -> None:
        domain = [item for tree in trees for item in prefix(tree)]
        page = loop.run_until_complete(source.search_read(ALICE, "res.partner", domain, ["id"], limit=100))
        assert [record["id"] for record in page.records] == reference.select(trees), domain

    agrees()


ANYTHING = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6),
              st.sampled_from(["&", "|", "!", "name", "id", "country_id.code", "parent_id", *OPERATORS])),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=2), children, max_size=2)),
    max_leaves=12,
)  # fmt: skip
FIELDS = st.sampled_from(["name", "id", "credit_limit", "created", "is_company", "country_id", "country_id.code",
                          "parent_id.name", "image", "display_name", "password", "nope", "name.x", ""])  # fmt: skip
TERMS = st.lists(
    st.one_of(
        st.sampled_from(["&", "|", "!"]),
        st.tuples(st.one_of(FIELDS, st.text(max_size=4)), st.one_of(st.sampled_from(OPERATORS), st.text(max_size=3)),
                  ANYTHING).map(list),
    ),
    max_size=6,
)  # fmt: skip


def test_random_garbage_is_refused_as_a_bad_domain_never_another_error(
    running: tuple[SqlSource, asyncio.AbstractEventLoop],
) -> None:
    source, loop = running

    @BOUNDED
    @given(st.one_of(ANYTHING, TERMS))
    def refused_or_counted(domain: Any) -> None:
        try:
            counted = loop.run_until_complete(source.count(ALICE, "res.partner", domain))
        except (InvalidDomain, UnknownField) as exc:
            assert str(exc) and "SELECT" not in str(exc) and "Traceback" not in str(exc)
        else:
            assert 0 <= counted <= len(PARTNERS)

    refused_or_counted()
