"""Authorization codes: single use, short-lived, bound to everything the token request must repeat."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bastion import credentials
from bastion.credentials import Prefix
from bastion.store.models import AuthorizationCode
from bastion.store.repositories import AuthorizationCodes


async def issue_code(
    session: AsyncSession,
    now: datetime,
    *,
    ttl_seconds: int,
    connection_id: int,
    user_id: int,
    redirect_uri: str,
    code_challenge: str,
    resource: str,
    scopes: str,
) -> str:
    """Mint a code and store only its digest; returns the code to put in the redirect, once."""
    code = credentials.new_credential(Prefix.AUTHORIZATION_CODE)
    await AuthorizationCodes(session).add(
        AuthorizationCode(
            digest=credentials.digest(code),
            connection_id=connection_id,
            user_id=user_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            resource=resource,
            scopes=scopes,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    return code
