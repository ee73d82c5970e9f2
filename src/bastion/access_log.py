"""The access log without secrets: credential-bearing query values are replaced before a line is written.

Uvicorn logs every request line, query included (``GET /console/setup?token=bst_su_...``). Bastion's own
credentials all start with ``bst_``; OAuth and common API conventions name the others.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

import uvicorn.config

REDACTED = "[redacted]"
SECRET_PARAMETERS = frozenset({"token", "code", "client_secret", "api_key", "access_token", "refresh_token"})
CREDENTIAL_PATTERN = re.compile(r"bst_[A-Za-z0-9_\-.~%]*")


def redact_query_value(pair: str) -> str:
    name, separator, value = pair.partition("=")
    if unquote_plus(name).lower() in SECRET_PARAMETERS or unquote_plus(value).startswith("bst_"):
        return f"{name}{separator}{REDACTED}" if separator else pair
    return pair


def redact_target(target: str) -> str:
    """A request target as it may be logged: secret query values and any ``bst_`` credential replaced."""
    path, separator, query = target.partition("?")
    if separator:
        target = f"{path}?{'&'.join(redact_query_value(pair) for pair in query.split('&'))}"
    return CREDENTIAL_PATTERN.sub(REDACTED, target)


class RedactSecrets(logging.Filter):
    """For ``uvicorn.access``, whose record arguments are (client, method, target, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], redact_target(args[2]), *args[3:])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """Uvicorn's own logging configuration, with the access log behind ``RedactSecrets``."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": RedactSecrets}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_secrets"]
    return config
