"""Scopes: ``mcp:read`` and ``mcp:write`` (write includes read), parsed leniently as real clients need."""

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


def grantable_scopes(requested: str | None, allowed: str) -> str:
    """The scopes a grant receives: what was asked (unknown values dropped) within what the connection allows.

    Nothing known asked (absent, empty, ``offline_access``, ``claudeai``) means everything the connection allows.
    """
    allowed_set = set(parse_scope(allowed))
    asked = {s for s in parse_scope(requested) if s in MCP_SCOPES}
    if WRITE in asked:
        asked.add(READ)
    if not asked:
        return normalize(allowed_set)
    return normalize(asked & allowed_set)


def includes(granted: str, needed: str) -> bool:
    granted_set = set(parse_scope(granted))
    return all(s in granted_set for s in parse_scope(needed))
