"""A grant's context and typed request, read from the token endpoint's form by one ``from_form``
(RFC 6749 §4.1.3, §4.4.2, §6).

Each grant declares its parameters as fields: ``required(hint)`` ones are refused with
``invalid_request`` naming the field and how to fix it; the others are optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.oauth.parameters import Form
from bastion.server_settings import ServerSettings
from bastion.store.models import Connection


def required(hint: str) -> Any:
    """A parameter the grant cannot do without; ``hint`` completes "<name> is required: ..."."""
    return field(metadata={"required": hint})


@dataclass(frozen=True)
class GrantRequest:
    # RFC 8707 §2: every grant may name the resource its token is for, more than once.
    resources: tuple[str, ...]

    @classmethod
    def from_form(cls, form: Form) -> Self:
        values: dict[str, Any] = {}
        for parameter in fields(cls):
            if parameter.name == "resources":
                continue
            hint = parameter.metadata.get("required")
            values[parameter.name] = form.require(parameter.name, hint) if hint else form.get(parameter.name)
        return cls(resources=form.resources, **values)


@dataclass(frozen=True)
class GrantContext:
    """What every grant works with besides its request: the token request's transaction and time, the
    runtime settings, the authenticated client, this server's resource and the caller's address."""

    session: AsyncSession
    now: datetime
    server_settings: ServerSettings
    client: Connection
    resource_url: str
    client_ip: str | None
