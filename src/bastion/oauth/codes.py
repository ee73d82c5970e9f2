"""Authorization codes: single use, short-lived, bound to everything the token request must repeat."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bastion import credentials
from bastion.credentials import Prefix
from bastion.oauth.authorization_request import AuthorizationRequest
from bastion.store.models import AuthorizationCode
from bastion.store.repositories import AuthorizationCodes


async def issue_code(
    session: AsyncSession,
    now: datetime,
    *,
    ttl_seconds: int,
    request: AuthorizationRequest,
    connection_id: int,
    user_id: int,
    scopes: str,
) -> str:
    """Mint a code for ``request`` and store only its digest; returns the code to put in the redirect, once.

    ``scopes`` is what the person granted: all of ``request.scopes``, or fewer (read only).
    """
    code = credentials.new_credential(Prefix.AUTHORIZATION_CODE)
    await AuthorizationCodes(session).add(
        AuthorizationCode(
            digest=credentials.digest(code),
            connection_id=connection_id,
            user_id=user_id,
            # What the token request must repeat or respect (OAuth 2.1 §4.1.3, RFC 7636 §4.6, RFC 8707 §2).
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            resource=request.resource,
            scopes=scopes,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    return code
