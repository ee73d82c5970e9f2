"""``preview_id``: a dry run's receipt, bound to the tool, its arguments and the connection.

A dry run returns ``HMAC-SHA256(secret, [tool, canonical arguments, connection id])``; the real call may
pass it back and is refused when it does not match what it is about to do, so a model (or a person
approving a preview) changes exactly what was previewed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from bastion.tools.data.env import DataToolEnv
from bastion.tools.registry import ToolError


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def preview_id(env: DataToolEnv, tool: str, arguments: Mapping[str, Any]) -> str:
    """The preview id of ``arguments`` (without ``dry_run`` and ``preview_id``) for ``tool`` on this connection."""
    bound = {key: value for key, value in arguments.items() if key not in ("dry_run", "preview_id")}
    message = canonical_json([tool, bound, env.connection_id]).encode("utf-8")
    return hmac.new(env.preview_secret, message, hashlib.sha256).hexdigest()


def check_preview(env: DataToolEnv, tool: str, arguments: Mapping[str, Any], given: str | None) -> None:
    if given is None:
        return
    if not hmac.compare_digest(given.encode("utf-8"), preview_id(env, tool, arguments).encode("utf-8")):
        raise ToolError(
            f"The preview_id does not match this {tool} call: it was issued for other arguments, another tool "
            f"or another connection. Call {tool} with dry_run true and exactly these arguments, check the "
            "preview, then pass the preview_id it returns."
        )
