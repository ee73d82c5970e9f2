"""Request parameters: each at most once, except ``resource``; never a NUL; form bodies read with one size limit.

The back channel (token, revocation, introspection) sends them form-encoded in the body
(RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1); the authorization endpoint in the query or its form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from bastion.http_util import read_body
from bastion.oauth.errors import InvalidRequest, RequestTooLarge

MAX_BODY_BYTES = 64 * 1024
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# RFC 8707 §2: a client may name several resources; every other parameter appears at most once (RFC 6749 §3.1, §3.2).
REPEATABLE_PARAMETERS = frozenset({"resource"})


def refuse_nul(value: str, what: str) -> None:
    """A NUL is in no valid parameter: refused here, it never reaches a query (PostgreSQL rejects it in text)."""
    if "\x00" in value:
        raise InvalidRequest(f"{what} contains a NUL character; send it without control characters.")


def refuse_nuls(items: Iterable[tuple[str, object]]) -> None:
    for name, value in items:
        if "\x00" in name:
            raise InvalidRequest("A parameter name contains a NUL character; send only the protocol's parameters.")
        if isinstance(value, str):  # a file in a multipart form is never a parameter
            refuse_nul(value, f"The parameter {name}")


@dataclass(frozen=True)
class Form:
    """The parameters of a back-channel request: each at most once, except ``resource``."""

    values: Mapping[str, str]
    resources: tuple[str, ...] = ()

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def require(self, name: str, hint: str) -> str:
        value = self.values.get(name)
        if value is None:
            raise InvalidRequest(f"{name} is required: {hint}")
        return value


def parse_form(body: bytes) -> Form:
    """Parse a form-encoded body, refusing repeated parameters (RFC 6749 §3.2)."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest(
            "The request body is not valid UTF-8 form encoding (application/x-www-form-urlencoded)."
        ) from None
    refuse_nuls(pairs)
    values: dict[str, str] = {}
    resources: list[str] = []
    for name, value in pairs:
        # RFC 6749 §3.1: a parameter sent without a value is treated as if it were omitted.
        if not value:
            continue
        if name in REPEATABLE_PARAMETERS:
            resources.append(value)
        elif name in values:
            raise InvalidRequest(
                f"The parameter {name} appears more than once; send each parameter once (RFC 6749 §3.2)."
            )
        else:
            values[name] = value
    return Form(values, tuple(resources))


async def read_form(request: Request) -> Form:
    """Read a form-encoded body of at most 64 KiB, without trusting Content-Length."""
    too_large = f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB; send only the parameters."
    body, _ = await read_body(request.scope, request.receive, MAX_BODY_BYTES, lambda: RequestTooLarge(too_large))
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    # An empty body has no parameters whatever its type: the missing parameter is then the error to report.
    if body and content_type != FORM_CONTENT_TYPE:
        raise InvalidRequest(
            f"Send the parameters form-encoded in the body with Content-Type: {FORM_CONTENT_TYPE} (RFC 6749 §3.2)."
        )
    return parse_form(body)


async def read_browser_form(request: Request) -> FormData:
    """The authorization endpoint's form, as a browser posts it: a body Starlette cannot parse, or a NUL in it,
    is ``invalid_request``."""
    try:
        form = await request.form()
    except HTTPException as exc:
        # Starlette refuses a malformed multipart or form body with a 400; its detail names the fault.
        raise InvalidRequest(f"The form could not be read ({exc.detail}); submit it again from the page.") from None
    refuse_nuls(form.multi_items())
    return form


def query_parameters(request: Request) -> list[tuple[str, str]]:
    """The query string's parameters, refusing a NUL in any of them."""
    items = request.query_params.multi_items()
    refuse_nuls(items)
    return items
