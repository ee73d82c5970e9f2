"""The authorization code grant (RFC 6749 §4.1.3, OAuth 2.1 §4.1.3) with PKCE and resource indicators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bastion import credentials
from bastion.oauth.errors import InvalidGrant
from bastion.oauth.grants.replay import ReplayDetected
from bastion.oauth.grants.request import GrantContext, GrantRequest, required
from bastion.oauth.issuance import issue_tokens, new_family_id, within_connection
from bastion.oauth.pkce import verify_pkce
from bastion.oauth.resource import check_resource
from bastion.store.models import AuthorizationCode, Connection
from bastion.store.repositories import AuthorizationCodes, Tokens, Users


@dataclass(frozen=True)
class AuthorizationCodeRequest(GrantRequest):
    code: str = required("send the code your redirect URI received.")
    redirect_uri: str = required("send the same redirect_uri as in the authorization request.")
    code_verifier: str | None = None


class CodeReplayed(ReplayDetected):
    """RFC 6749 §4.1.2: a code used twice is refused, and every token issued from it is revoked."""

    event = "code.reused"

    def __init__(self, code: AuthorizationCode) -> None:
        super().__init__(
            "This authorization code was already used. Codes are single-use, so every token issued from it "
            "has been revoked; start a new authorization.",
            connection_id=code.connection_id,
            user_id=code.user_id,
        )
        self.code_id = code.id

    async def revoke_reachable(self, session: AsyncSession, now: datetime) -> dict[str, Any] | None:
        return {"tokens_revoked": await Tokens(session).revoke_issued_from_code(self.code_id, now)}


def check_code(
    code: AuthorizationCode, client: Connection, request: AuthorizationCodeRequest, resource: str, now: datetime
) -> None:
    """Everything the token request must repeat or respect, before PKCE and before the code is spent."""
    if code.connection_id != client.id:
        raise InvalidGrant("This authorization code was issued to another client.")
    if code.consumed_at is not None:
        raise CodeReplayed(code)
    if code.expires_at <= now:
        raise InvalidGrant(
            "The authorization code has expired; start a new authorization (codes live 10 minutes at most)."
        )
    # OAuth 2.1 §4.1.3: the redirect URI must be identical to the authorization request's, character for character.
    if request.redirect_uri != code.redirect_uri:
        raise InvalidGrant("redirect_uri does not match the one in the authorization request; send exactly the same.")
    # RFC 8707 §2: the token is for the resource the user consented to.
    if resource != code.resource:
        raise InvalidGrant(f"This authorization code was issued for the resource {code.resource!r}, not {resource!r}.")


async def exchange_authorization_code(grant: GrantContext, request: AuthorizationCodeRequest) -> dict[str, Any]:
    session, now, client = grant.session, grant.now, grant.client
    # RFC 8707 §2 (and OAUTH.md): a foreign resource is refused before the code is looked at, so it stays usable.
    resource = check_resource(list(request.resources), grant.resource_url)
    codes = AuthorizationCodes(session)
    code = await codes.by_digest(credentials.digest(request.code))
    if code is None:
        raise InvalidGrant("The authorization code is not valid; send the code exactly as received, or start again.")
    check_code(code, client, request, resource, now)
    verify_pkce(request.code_verifier, code.code_challenge)
    user = await Users(session).get(code.user_id)
    if user is None or not user.active:
        raise InvalidGrant("The user who authorized this code has been deactivated; ask an administrator.")
    scopes = within_connection(code.scopes, client)
    # Compare-and-set: of two requests racing with one code, exactly one spends it; the other is a replay.
    if not await codes.consume(code.id, now):
        raise CodeReplayed(code)
    return await issue_tokens(
        grant,
        user_id=user.id,
        scopes=scopes,
        resource=resource,
        grant_type="authorization_code",
        code_id=code.id,
        family_id=new_family_id(),
    )
