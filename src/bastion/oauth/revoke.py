"""``POST /oauth/revoke``: token revocation (RFC 7009), for public clients (client_id only) and confidential ones.

Revoking a refresh token ends its whole sign-in: the family's refresh and access tokens (RFC 7009 §2.1
lets the server do so, and a client signing out means all of it). Revoking an access token ends that
token only. ``token_type_hint`` is only a hint (RFC 7009 §2.1): we find the token by its digest either way,
so an unknown hint is ignored rather than refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from bastion import credentials
from bastion.governance.audit import record
from bastion.http_util import NO_STORE_HEADERS
from bastion.oauth.back_channel import authenticate_oauth_client, back_channel_endpoint
from bastion.oauth.json_endpoint import Attempt
from bastion.oauth.parameters import Form
from bastion.services import Services
from bastion.store.models import Connection
from bastion.store.repositories import ChangeCounters, Tokens


async def revoke_token(
    session: AsyncSession, now: datetime, *, client: Connection, token: str, client_ip: str | None
) -> int:
    """Revoke ``token`` if it is this client's; returns how many tokens died (0 for anything else)."""
    tokens = Tokens(session)
    found = await tokens.by_digest(credentials.digest(token))
    # RFC 7009 §2.2: an unknown token, or one of another client, is answered 200 all the same, and left alone.
    if found is None or found.connection_id != client.id:
        return 0
    if found.kind == "refresh":
        revoked = await tokens.revoke_family(found.family_id, now)
    else:
        revoked = 1 if found.revoked_at is None else 0
        await tokens.revoke(found.id, now)
    if revoked:
        # Streams opened with these tokens end on every server process (mcp/streams.py).
        await ChangeCounters(session).bump()
        await record(
            session,
            "token.revoked",
            now,
            connection_id=client.id,
            user_id=found.user_id,
            client_ip=client_ip,
            kind=found.kind,
            family_id=found.family_id,
            tokens_revoked=revoked,
        )
    return revoked


def revocation_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def answer(session: AsyncSession, attempt: Attempt, client: Connection, form: Form) -> Response:
        token = form.require("token", "send the access or refresh token to revoke (RFC 7009 §2.1).")
        await revoke_token(session, attempt.now, client=client, token=token, client_ip=attempt.client_ip)
        # RFC 7009 §2.2: 200 whether or not there was anything to revoke; the body is ignored.
        return Response(status_code=200, headers=NO_STORE_HEADERS)

    return back_channel_endpoint(services, "revoke", authenticate_oauth_client, answer)
