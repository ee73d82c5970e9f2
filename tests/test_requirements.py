"""The requirements manifest holds: every rule of OAUTH.md has a test (or is deferred, saying why), every
test it names exists, and the manifest and OAUTH.md say the same rules in the same words.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

import pytest

from tests.requirements import REQUIREMENTS, Requirement
from tests.snapshots import REPO_ROOT, SNAPSHOTS, assert_matches_snapshot

PINNED_RULES = SNAPSHOTS / "OAUTH.md"
# Where the shared design documents live next to the repository (absent from a bare clone).
SHARED_RULES = REPO_ROOT.parent / "shared" / "OAUTH.md"
REQUIREMENT_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
NODE_ID = re.compile(r"^(tests/[\w/]+\.py)((?:::\w+)+)(\[.*\])?$")


def normalized(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class ClientRow:
    client: str
    cells: tuple[str, ...]


def parse_rules(markdown: str) -> tuple[list[str], list[ClientRow]]:
    """The bullets of OAUTH.md (continuation lines joined) and the rows of its table of real clients."""
    bullets: list[str] = []
    rows: list[ClientRow] = []
    current: list[str] | None = None
    for line in markdown.splitlines():
        if line.startswith("- "):
            current = [line[2:]]
            bullets.append("")
        elif current is not None and line.startswith("  ") and line.strip():
            current.append(line.strip())
        else:
            current = None
        if current is not None:
            bullets[-1] = normalized(" ".join(current))
        if line.startswith("|") and not set(line) <= set("|- "):
            cells = [normalized(cell) for cell in line.strip().strip("|").split("|")]
            rows.append(ClientRow(cells[0], tuple(cells[1:])))
    return bullets, rows[1:]  # the first row is the table's header


@cache
def pinned_rules() -> tuple[list[str], list[ClientRow]]:
    return parse_rules(PINNED_RULES.read_text(encoding="utf-8"))


def row_rule(requirement: Requirement, rows: list[ClientRow]) -> tuple[ClientRow, str] | None:
    """For a ``<client>: <words>`` rule of the client table: the row and the quoted words; None otherwise."""
    for row in rows:
        prefix = f"{row.client}: "
        if requirement.rule.startswith(prefix):
            return row, normalized(requirement.rule.removeprefix(prefix))
    return None


def is_quoted_in(requirement: Requirement, bullets: list[str], rows: list[ClientRow]) -> bool:
    found = row_rule(requirement, rows)
    if found is not None:
        row, words = found
        return any(words in cell for cell in row.cells)
    return any(normalized(requirement.rule) in bullet for bullet in bullets)


@cache
def defined_tests(path: str) -> frozenset[str]:
    """``name`` and ``Class::name`` of every test function defined in a test module."""
    tree = ast.parse((REPO_ROOT / path).read_text(encoding="utf-8"), filename=path)
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    names = {node.name for node in tree.body if isinstance(node, functions)}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names |= {f"{node.name}::{item.name}" for item in node.body if isinstance(item, functions)}
    return frozenset(names)


def missing_test(node_id: str) -> str | None:
    """Why ``node_id`` names no test, or None when it does (a parametrized id is checked by its base name)."""
    match = NODE_ID.match(node_id)
    if match is None:
        return "is not a node id like tests/oauth/test_token.py::test_name"
    path, names = match.group(1), match.group(2).removeprefix("::")
    if not (REPO_ROOT / path).is_file():
        return f"names {path}, which does not exist"
    if names not in defined_tests(path):
        return f"names a test that {path} does not define"
    return None


def test_every_rule_has_a_test_or_says_why_it_is_deferred():
    without_tests = [r.id for r in REQUIREMENTS if not r.tests and r.deferred is None]
    without_reasons = [r.id for r in REQUIREMENTS if r.deferred is not None and not r.deferred.strip()]

    assert without_tests == [], f"rules of OAUTH.md with no test proving them: {without_tests}"
    assert without_reasons == [], f"deferred rules that do not say why: {without_reasons}"


def test_every_listed_test_exists():
    problems = [
        f"{requirement.id}: {node_id} {reason}"
        for requirement in REQUIREMENTS
        for node_id in requirement.tests
        if (reason := missing_test(node_id)) is not None
    ]

    assert problems == [], "the manifest names tests that do not exist:\n" + "\n".join(problems)


def test_requirement_ids_are_unique_dotted_names():
    counts = Counter(requirement.id for requirement in REQUIREMENTS)

    assert [name for name, count in counts.items() if count > 1] == []
    assert [name for name in counts if not REQUIREMENT_ID.match(name)] == []


def test_every_rule_is_quoted_word_for_word_from_oauth_md():
    bullets, rows = pinned_rules()

    misquoted = [r.id for r in REQUIREMENTS if not is_quoted_in(r, bullets, rows)]

    assert misquoted == [], f"these rules are not OAUTH.md's words (see {PINNED_RULES.name}): {misquoted}"


def test_every_rule_of_oauth_md_has_an_entry():
    bullets, rows = pinned_rules()
    quoted_rules = [normalized(r.rule) for r in REQUIREMENTS if row_rule(r, rows) is None]
    quoted_cells = [found for r in REQUIREMENTS if (found := row_rule(r, rows)) is not None]

    uncovered_bullets = [bullet for bullet in bullets if not any(rule in bullet for rule in quoted_rules)]
    uncovered_cells = [
        f"{row.client}: {cell}"
        for row in rows
        for cell in row.cells
        if not any(found_row == row and words in cell for found_row, words in quoted_cells)
    ]

    assert uncovered_bullets == [], f"rules of OAUTH.md missing from tests/requirements.py: {uncovered_bullets}"
    assert uncovered_cells == [], f"client rules of OAUTH.md missing from tests/requirements.py: {uncovered_cells}"


def test_the_pinned_oauth_md_is_the_shared_one():
    if not SHARED_RULES.is_file():
        pytest.skip(f"{SHARED_RULES} is not next to this checkout; the pinned copy stands in for it")

    assert_matches_snapshot(
        PINNED_RULES.name, SHARED_RULES.read_text(encoding="utf-8"), test_file="tests/test_requirements.py"
    )


def test_the_manifest_checks_would_catch_a_missing_test_and_a_misquoted_rule():
    bullets, rows = pinned_rules()

    assert missing_test("tests/oauth/test_pkce.py::test_s256_matches_the_rfc_7636_example[x]") is None
    assert "does not define" in (missing_test("tests/oauth/test_pkce.py::test_no_such_test") or "")
    assert "does not exist" in (missing_test("tests/oauth/test_nothing.py::test_x") or "")
    assert "not a node id" in (missing_test("test_s256_matches_the_rfc_7636_example") or "")
    assert not is_quoted_in(Requirement("x.y", "PKCE on some flows"), bullets, rows)
    assert not is_quoted_in(Requirement("x.y", "ChatGPT: `prompt=consent`"), bullets, rows)
    assert is_quoted_in(Requirement("x.y", "claude.ai / Claude Desktop: `prompt=consent`"), bullets, rows)
