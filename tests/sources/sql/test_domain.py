"""Odoo domains on the SQL source: syntax, Odoo's semantics of empty values, paths, child_of, and precise errors."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.sources.errors import InvalidDomain, UnknownField
from bastion.sources.sql import SqlSource
from bastion.sources.sql.domain import Constant, Junction, Leaf, Not, parse_domain
from tests.sources.sql.conftest import ALICE


async def ids(source: SqlSource, domain: Any, model: str = "res.partner") -> list[int]:
    page = await source.search_read(ALICE, model, domain, ["id"], limit=100)
    return [record["id"] for record in page.records]


def test_consecutive_terms_are_joined_by_an_implicit_and() -> None:
    parsed = parse_domain([["a", "=", 1], "|", ["b", "=", 2], "!", ["c", "=", 3]])

    assert parsed == Junction("&", (
        Leaf("a", "=", 1, "domain item 1 ['a', '=', 1]"),
        Junction("|", (Leaf("b", "=", 2, "domain item 3 ['b', '=', 2]"),
                       Not(Leaf("c", "=", 3, "domain item 5 ['c', '=', 3]")))),
    ))  # fmt: skip


def test_literal_true_and_false_domains_and_odoo_true_and_false_leaves() -> None:
    assert parse_domain([]) == Constant(True)
    assert parse_domain(True) == Constant(True)
    assert parse_domain(False) == Constant(False)
    assert parse_domain([[1, "=", 1]]) == Constant(True)
    assert parse_domain([[0, "=", 1]]) == Constant(False)


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("state", "a domain is a list of terms such as [['state', '=', 'sale']], not 'state'."),
        (
            ["|", ["a", "=", 1]],
            "domain item 1 '|' needs two terms after it, and the domain has only 1: each '&' or "
            "'|' combines the next two terms, '!' negates the next one.",
        ),
        (
            ["!"],
            "domain item 1 '!' needs one term after it, and the domain has only 0: each '&' or '|' combines the "
            "next two terms, '!' negates the next one.",
        ),
        (
            [["a", "="]],
            "domain item 1 ['a', '='] is not a term: a term is [field, operator, value] like ['state', '=', 'sale'].",
        ),
        (
            ["state"],
            "domain item 1 'state' is not a term or one of '&', '|', '!': write terms as lists, e.g. "
            "['name', 'ilike', 'azure'].",
        ),
        (
            [["a", "==", 1]],
            "domain item 1 ['a', '==', 1]: '==' is not an operator; use one of =, !=, >, >=, <, <=, "
            "in, not in, like, ilike, =like, =ilike, not like, not ilike, child_of.",
        ),
        (
            [[5, "=", 1]],
            "domain item 1 [5, '=', 1]: the field must be a name such as 'partner_id' or 'partner_id.name'.",
        ),
        (
            [["a..b", "=", 1]],
            "domain item 1 ['a..b', '=', 1]: the field must be a name such as 'partner_id' or 'partner_id.name'.",
        ),
        (["!"] * 40 + [["a", "=", 1]], "the domain nests '&', '|' and '!' deeper than 32: simplify it."),
        ([["a", "=", 1]] * 201, "the domain has 201 items; at most 200 are accepted: split the search."),
    ],
)
def test_malformed_domains_are_refused_naming_the_item(domain: Any, message: str) -> None:
    with pytest.raises(InvalidDomain) as refused:
        parse_domain(domain)

    assert str(refused.value) == message
    assert refused.value.code == "invalid_domain"


async def test_prefix_or_and_not_combine_terms(source: SqlSource) -> None:
    assert await ids(source, ["|", ["country_id", "=", 1], ["country_id", "=", 2]]) == [1, 2, 4]
    assert await ids(source, ["&", ["is_company", "=", True], "!", ["country_id", "=", 1]]) == [2, 3]
    assert await ids(source, [["is_company", "=", True], ["kind", "=", "customer"]]) == [1, 2]
    assert await ids(source, [[0, "=", 1]]) == []
    assert await ids(source, True) == [1, 2, 3, 4, 5, 6, 7, 8]


async def test_false_compares_as_empty_and_an_empty_boolean_is_false(source: SqlSource) -> None:
    assert await ids(source, [["email", "=", False]]) == [2, 3, 6, 7]
    assert await ids(source, [["email", "!=", False]]) == [1, 4, 5, 8]
    assert await ids(source, [["is_company", "=", False]]) == [4, 5, 6, 7, 8]
    assert await ids(source, [["is_company", "!=", True]]) == [4, 5, 6, 7, 8]
    assert await ids(source, [["parent_id", "=", None]]) == [1, 2, 3, 7, 8]


async def test_negative_operators_match_empty_values_as_odoo_does(source: SqlSource) -> None:
    assert await ids(source, [["kind", "!=", "customer"]]) == [3, 4, 5, 6, 7, 8]
    assert await ids(source, [["kind", "not in", ["customer"]]]) == [3, 4, 5, 6, 7, 8]
    assert await ids(source, [["email", "not ilike", "azure"]]) == [2, 3, 6, 7, 8]


async def test_not_is_the_exact_complement_empty_values_included(source: SqlSource) -> None:
    assert await ids(source, [["credit_limit", ">", 1000]]) == [1, 2]
    assert await ids(source, ["!", ["credit_limit", ">", 1000]]) == [3, 4, 5, 6, 7, 8]


async def test_in_takes_a_list_and_false_in_it_means_empty(source: SqlSource) -> None:
    assert await ids(source, [["country_id", "in", [1, 3]]]) == [1, 3, 4]
    assert await ids(source, [["country_id", "in", [3, False]]]) == [3, 5, 7, 8]
    assert await ids(source, [["country_id", "in", []]]) == []
    assert await ids(source, [["country_id", "not in", []]]) == [1, 2, 3, 4, 5, 6, 7, 8]


async def test_like_operators_match_text_and_wildcards_in_values_are_literal(source: SqlSource) -> None:
    assert await ids(source, [["name", "ilike", "AZURE"]]) == [1]
    assert await ids(source, [["name", "ilike", "100%"]]) == [8]
    assert await ids(source, [["name", "ilike", "_real_"]]) == [8]
    assert await ids(source, [["name", "=ilike", "d%"]]) == [2]
    assert await ids(source, [["name", "=like", "_e%"]]) == [2, 3, 7]
    assert await ids(source, [["email", "like", "@azure."]]) == [1, 4, 5]


async def test_an_injection_attempt_is_only_a_value(source: SqlSource) -> None:
    assert await ids(source, [["name", "=", "x') OR 1=1 --"]]) == []
    assert await ids(source, [["name", "ilike", "' OR ''='"]]) == []
    assert await ids(source, [["name", "=", "O'Brien 100% _real_"]]) == [8]
    assert await source.count(ALICE, "res.partner", []) == 8


async def test_paths_follow_many2one_fields_to_other_models(source: SqlSource) -> None:
    assert await ids(source, [["country_id.code", "=", "BE"]]) == [1, 4]
    assert await ids(source, [["parent_id.country_id.name", "ilike", "belg"]]) == [4, 5, 6]
    assert await ids(source, ["!", ["country_id.code", "=", "BE"]]) == [2, 3, 5, 6, 7, 8]
    assert await ids(source, [["partner_id.parent_id.name", "=", "Azure Interior"]], "sale.order") == [6]


async def test_a_many2one_compared_with_text_matches_the_related_name(source: SqlSource) -> None:
    assert await ids(source, [["partner_id", "ilike", "azure"]], "sale.order") == [1, 2, 7]
    assert await ids(source, [["partner_id", "=", "Deco Addict"]], "sale.order") == [3, 4]
    assert await ids(source, [["partner_id", "in", [2, 3]]], "sale.order") == [3, 4, 5]


async def test_child_of_walks_the_parent_hierarchy(source: SqlSource) -> None:
    assert await ids(source, [["id", "child_of", 1]]) == [1, 4, 5, 6]
    assert await ids(source, [["id", "child_of", [4, 3]]]) == [3, 4, 6]
    assert await ids(source, [["partner_id", "child_of", 1]], "sale.order") == [1, 2, 6, 7]
    assert await ids(source, ["!", ["id", "child_of", 1]]) == [2, 3, 7, 8]


async def test_dates_and_datetimes_compare_with_odoo_strings(source: SqlSource) -> None:
    assert await ids(source, [["created", ">=", "2025-06-30"]]) == [2, 3]
    assert await ids(source, [["date_order", ">=", "2026-01-01"]], "sale.order") == [5, 6, 7, 8]
    assert await ids(source, [["date_order", "<", "2025-04-01 00:00:00"]], "sale.order") == [1, 2]
    assert await ids(source, [["display_name", "ilike", "ford"]]) == [6]


@pytest.mark.parametrize(
    ("domain", "error", "message"),
    [
        (
            [["nme", "=", "x"]],
            UnknownField,
            "domain item 1 ['nme', '=', 'x']: res.partner has no field 'nme' (did "
            "you mean 'name'?): describe_model('res.partner') lists its fields.",
        ),
        (
            [["password", "=", "x"]],
            UnknownField,
            "domain item 1 ['password', '=', 'x']: res.partner has no field "
            "'password': describe_model('res.partner') lists its fields.",
        ),
        (
            [["country_id.iso", "=", "BE"]],
            UnknownField,
            "domain item 1 ['country_id.iso', '=', 'BE']: res.country "
            "has no field 'iso': describe_model('res.country') lists its "
            "fields.",
        ),
        (
            [["name.first", "=", "x"]],
            InvalidDomain,
            "domain item 1 ['name.first', '=', 'x']: name is a char field, "
            "so nothing can follow it in 'name.first'; only many2one fields "
            "lead to another model's fields.",
        ),
        (
            [["credit_limit", ">", "lots"]],
            InvalidDomain,
            "domain item 1 ['credit_limit', '>', 'lots']: credit_limit "
            "is a monetary field and needs a number, not 'lots'.",
        ),
        (
            [["created", "=", "yesterday"]],
            InvalidDomain,
            "domain item 1 ['created', '=', 'yesterday']: created is a "
            "date field and needs a date as 'YYYY-MM-DD', not "
            "'yesterday'.",
        ),
        (
            [["id", "=", [1, 2]]],
            InvalidDomain,
            "domain item 1 ['id', '=', [1, 2]]: '=' compares with one value; use 'in' for a list.",
        ),
        (
            [["credit_limit", "ilike", "5"]],
            InvalidDomain,
            "domain item 1 ['credit_limit', 'ilike', '5']: 'ilike' "
            "matches text, and credit_limit is a monetary field; use "
            "=, !=, <, >, in.",
        ),
        (
            [["is_company", ">", True]],
            InvalidDomain,
            "domain item 1 ['is_company', '>', True]: '>' compares with a number, date or text, not True.",
        ),
        (
            [["name", "=", 5]],
            InvalidDomain,
            "domain item 1 ['name', '=', 5]: name is a char field and needs a string, not 5.",
        ),
        (
            [["country_id", "child_of", 1]],
            InvalidDomain,
            "domain item 1 ['country_id', 'child_of', 1]: res.country "
            "has no parent_id field pointing to itself, so it has no "
            "hierarchy for child_of; use '=' or 'in'.",
        ),
        (
            [["id", "child_of", "Azure"]],
            InvalidDomain,
            "domain item 1 ['id', 'child_of', 'Azure']: child_of takes a record id or a list of ids, not 'Azure'.",
        ),
        (
            [["image", "ilike", "png"]],
            InvalidDomain,
            "domain item 1 ['image', 'ilike', 'png']: image is a binary field; only '=' or '!=' false (empty) applies.",
        ),
    ],
)
async def test_wrong_terms_are_refused_saying_which_and_why(
    source: SqlSource, domain: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as refused:
        await source.count(ALICE, "res.partner", domain)

    assert str(refused.value) == message
