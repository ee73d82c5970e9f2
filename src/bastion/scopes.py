"""Scopes: ``mcp:read`` and ``mcp:write`` (write includes read), parsed leniently as real clients need.

Shared by the authorization server (what a grant receives), /mcp (what a credential may call) and
the tools (what each one requires), so it imports nothing of theirs.
"""

from __future__ import annotations

READ = "mcp:read"
WRITE = "mcp:write"
OFFLINE_ACCESS = "offline_access"
MCP_SCOPES = (READ, WRITE)
FULL = f"{READ} {WRITE}"
# Advertised in RFC 8414 metadata; offline_access is accepted but adds nothing: refresh tokens are always issued.
AUTHORIZATION_SERVER_SCOPES = (READ, WRITE, OFFLINE_ACCESS)


def parse_scope(raw: str | None) -> list[str]:
    """Split a scope string, tolerating absence, empty values, ``+`` for space and repeated spaces."""
    if not raw:
        return []
    return [item for item in raw.replace("+", " ").split() if item]


def normalize(scopes: list[str] | set[str] | tuple[str, ...]) -> str:
    """Canonical space-separated form: known MCP scopes only, write implies read, stable order."""
    wanted = set(scopes)
    if WRITE in wanted:
        wanted.add(READ)
    return " ".join(s for s in MCP_SCOPES if s in wanted)


def intersect(scopes: str, ceiling: str) -> str:
    """What of ``scopes`` is also in ``ceiling``, in canonical form (e.g. a grant within its connection)."""
    return normalize(set(parse_scope(scopes)) & set(parse_scope(ceiling)))


def grantable_scopes(requested: str | None, allowed: str) -> str:
    """The scopes a grant receives: what was asked (unknown values dropped) within what the connection allows.

    Nothing known asked (absent, empty, ``offline_access``, ``claudeai``) means everything the connection allows.
    """
    asked = normalize(parse_scope(requested))
    return intersect(asked or allowed, allowed)


def includes(granted: str, needed: str) -> bool:
    granted_set = set(parse_scope(granted))
    return all(s in granted_set for s in parse_scope(needed))
