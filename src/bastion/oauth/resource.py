"""RFC 8707 resource indicators: a grant is only ever for this server's MCP endpoint."""

from __future__ import annotations

from bastion.oauth.errors import InvalidTarget


def check_resource(requested: list[str] | str | None, resource_url: str) -> str:
    """Absent means our resource; present and not ours is ``invalid_target`` (RFC 8707 §2)."""
    values = [requested] if isinstance(requested, str) else list(requested or [])
    values = [value for value in values if value]
    if not values:
        return resource_url
    for value in values:
        # A trailing slash is the same resource to a person; the SDK client may add or drop it.
        if value.rstrip("/") != resource_url.rstrip("/"):
            raise InvalidTarget(
                f"The resource {value!r} is not served here; use {resource_url!r} (or leave resource out)."
            )
    return resource_url
