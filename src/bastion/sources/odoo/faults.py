"""Odoo's error answers → ``SourceError``s whose one sentence says what Odoo said and how to fix the call.

Odoo reports a failed call in two documented shapes:

- JSON-2 (Odoo 19+): an HTTP 4xx/5xx status and a JSON body ``{"name", "message", "arguments",
  "context", "debug"}``, ``name`` being the exception's qualified name (``odoo.exceptions.AccessError``);
- JSON-RPC: HTTP 200 and ``{"error": {"code", "message", "data": {"name", "message", "debug", ...}}}``.

Only ``name`` and ``message`` are ever read: ``debug`` is a server traceback and never leaves here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bastion.sources.errors import (
    AccessDenied,
    CredentialRejected,
    InvalidArguments,
    MissingRecords,
    SourceError,
    SourceUnavailable,
    UnknownField,
    UnknownModel,
    ValidationFailed,
)

_MAX_MESSAGE = 300
_UNKNOWN_FIELD = re.compile(r"invalid field\s+['\"]?([\w.]+)['\"]?", re.IGNORECASE)
_UNKNOWN_MODEL = re.compile(
    r"(object|model)\s+['\"]?[\w.]+['\"]?\s+(doesn't|does not)\s+exist|model\s+['\"][\w.]+['\"]\s+does not exist",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class OdooFault:
    """What Odoo said, reduced to the two parts we may repeat: the exception name and its message."""

    name: str
    message: str
    status: int = 200


def fault_from_json2(status: int, body: Any) -> OdooFault:
    if isinstance(body, dict):
        return OdooFault(str(body.get("name") or ""), str(body.get("message") or ""), status)
    return OdooFault("", "", status)


def fault_from_jsonrpc(error: Any) -> OdooFault:
    data = error.get("data") if isinstance(error, dict) else None
    if isinstance(data, dict):
        return OdooFault(str(data.get("name") or ""), str(data.get("message") or ""))
    message = error.get("message") if isinstance(error, dict) else ""
    return OdooFault("", str(message or ""))


def clean_message(message: str, secret: str | None = None) -> str:
    """One line, bounded, and never the credential, whatever Odoo echoed back."""
    text = " ".join(message.split())
    if secret:
        text = text.replace(secret, "***")
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 1] + "…"
    return text.rstrip(".")


def to_source_error(
    fault: OdooFault, *, model: str, method: str, base_url: str, secret: str | None = None
) -> SourceError:
    """The ``SourceError`` for one Odoo failure of ``model.method``."""
    short = fault.name.rsplit(".", 1)[-1]
    said = clean_message(fault.message, secret) or short or "an error"
    if short == "AccessDenied" or fault.status == 401 or short == "Unauthorized":
        return CredentialRejected(
            f"Odoo at {base_url} rejected the API key ({said}); re-link your Odoo account with a new API key."
        )
    if short == "AccessError" or fault.status == 403:
        return AccessDenied(f"Odoo refused {method} on {model}: {said}.")
    if short == "MissingError":
        return MissingRecords(f"Odoo says the records of {model} do not exist (or were deleted): {said}.")
    if short in {"ValidationError", "UserError", "RedirectWarning"} or fault.status == 422:
        if _UNKNOWN_MODEL.search(said):
            return _unknown_model(model)
        return ValidationFailed(f"Odoo refused {method} on {model}: {said}.")
    if short == "KeyError" and said.strip("'\"") == model:
        return _unknown_model(model)
    if _UNKNOWN_MODEL.search(said) or (fault.status == 404 and model in said and "method" not in said):
        return _unknown_model(model)
    if short == "AttributeError" or (fault.status == 404 and "method" in said):
        return InvalidArguments(f"Odoo has no method {method} on {model}: {said}.")
    field = _UNKNOWN_FIELD.search(said)
    if field:
        name = field.group(1).rsplit(".", 1)[-1]
        return UnknownField(
            f"{model} has no field {name!r}; call describe_model with model={model!r} to see its fields."
        )
    if short in {"ValueError", "TypeError"}:
        return InvalidArguments(f"Odoo could not run {method} on {model} with these arguments: {said}.")
    if fault.status >= 500 or not fault.name:
        return SourceUnavailable(f"Odoo at {base_url} failed on {method} of {model} ({said}); try again later.")
    return SourceError(f"Odoo refused {method} on {model}: {said}.")


def _unknown_model(model: str) -> UnknownModel:
    return UnknownModel(f"Odoo has no model {model!r} you can use; call list_models to see the available models.")
