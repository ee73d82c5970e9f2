"""The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).

Every refresh spends the presented token before minting a new pair in the same family, with one
conditional ``UPDATE … RETURNING`` (``Tokens.spend_refresh``); only when it matches nothing is the
token read, to tell an unknown token from a spent one. A spent token presented again means one of
two things: the client lost the response and retries, or someone else holds a copy. Within the
grace window, the immediately previous token is accepted once more (its unused successor is
revoked); anything else revokes the whole family.

The access tokens of a spent refresh token are left alive until they expire (an hour by default):
the client may still be using one while it refreshes, and a family revocation kills them anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bastion import credentials
from bastion import scopes as scope_rules
from bastion.credentials import TokenProblem, token_problem
from bastion.oauth.errors import InvalidGrant, InvalidScope
from bastion.oauth.grants.replay import ReplayDetected
from bastion.oauth.grants.request import GrantContext, GrantRequest, required
from bastion.oauth.issuance import issue_tokens, within_connection
from bastion.oauth.resource import check_resource
from bastion.store.models import Connection, Token
from bastion.store.repositories import Tokens, Users


@dataclass(frozen=True)
class RefreshTokenRequest(GrantRequest):
    refresh_token: str = required("send the refresh token of your last token response.")
    scope: str | None = None


class RefreshTokenReused(ReplayDetected):
    """RFC 9700 §4.14.2: a refresh token that may be in two hands revokes its whole family."""

    event = "token.reused"

    def __init__(self, token: Token, description: str | None = None) -> None:
        super().__init__(
            description
            or "This refresh token was already used. As it may have been stolen, every token of this sign-in "
            "has been revoked; sign in again.",
            connection_id=token.connection_id,
            user_id=token.user_id,
        )
        self.family_id = token.family_id

    async def revoke_reachable(self, session: AsyncSession, now: datetime) -> dict[str, Any] | None:
        revoked = await Tokens(session).revoke_family(self.family_id, now)
        # Nothing left alive (the family was revoked already): nothing new to record.
        return {"family_id": self.family_id, "tokens_revoked": revoked} if revoked else None


def narrow_scopes(requested: str | None, granted: str) -> str:
    """RFC 6749 §6: a refresh may ask for the granted scopes or fewer; unknown values are dropped, none = same."""
    asked = scope_rules.normalize(scope_rules.parse_scope(requested))
    if not asked:
        return granted
    beyond = set(scope_rules.parse_scope(asked)) - set(scope_rules.parse_scope(granted))
    if beyond:
        raise InvalidScope(
            f"This refresh token was granted {granted!r}; a refresh may only ask for those scopes or fewer, "
            f"not {' '.join(sorted(beyond))!r}. Leave scope out to keep them, or sign in again to get more."
        )
    return asked


def check_refresh_token(token: Token | None, client: Connection, resource: str, now: datetime) -> Token:
    if token is None or token.kind != "refresh":
        raise InvalidGrant("The refresh token is not valid; send it exactly as received, or sign in again.")
    if token.connection_id != client.id:
        raise InvalidGrant("This refresh token was issued to another client.")
    problem = token_problem(token, now, resource)
    if problem is TokenProblem.REVOKED:
        # Revoked while its family lives on only when a grace retry replaced it: its holder is then not
        # the one who retried, so the family is contained too (nothing changes if it is all revoked).
        raise RefreshTokenReused(token, "This refresh token has been revoked; sign in again.")
    if problem is TokenProblem.EXPIRED:
        raise InvalidGrant("The refresh token has expired; sign in again.")
    if problem is TokenProblem.WRONG_RESOURCE:
        # The requested resource is ours (checked before), so this token's is not anymore (the public URL changed).
        raise InvalidGrant(
            f"This refresh token was issued for the resource {token.resource!r}, which is no longer served here; "
            "sign in again."
        )
    return token


async def accept_grace_retry(tokens: Tokens, token: Token, now: datetime, grace_seconds: int) -> None:
    """Accept a rotated token once more if its rotation's response was plausibly lost; else contain the family."""
    if token.rotated_at is None:
        # Live and unspent, yet the spend matched nothing: a concurrent refresh held it and let it go.
        raise InvalidGrant("This refresh token was just used by another request; use the tokens that request received.")
    within_window = now - token.rotated_at < timedelta(seconds=grace_seconds)
    successor = await tokens.successor_of(token.id)
    # Only the immediately previous token: its successor was never used (not rotated) nor revoked.
    unused_successor = successor is not None and successor.rotated_at is None and successor.revoked_at is None
    if not (within_window and unused_successor):
        raise RefreshTokenReused(token)
    # Compare-and-set: a second retry (even a concurrent one) finds the retry already spent.
    if not await tokens.spend_grace_retry(token.id, now):
        raise RefreshTokenReused(token)
    assert successor is not None
    await tokens.revoke(successor.id, now)


async def rotate_refresh_token(grant: GrantContext, request: RefreshTokenRequest) -> dict[str, Any]:
    session, now, client = grant.session, grant.now, grant.client
    resource = check_resource(list(request.resources), grant.resource_url)
    tokens = Tokens(session)
    digest = credentials.digest(request.refresh_token)
    # Spend before minting, in one statement: of two concurrent refreshes with one token, exactly one spends it.
    # Any later refusal (wrong client, expired, narrower connection, ...) rolls the spend back with the request.
    spent = await tokens.spend_refresh(digest, now)
    if spent is not None:
        token, user_active = check_refresh_token(spent[0], client, resource, now), spent[1]
    else:
        # Nothing was spent: unknown, not a refresh token, revoked, or spent before (a lost response's retry,
        # or reuse). Reuse is detected first, whatever else is wrong with the request.
        token = check_refresh_token(await tokens.by_digest(digest), client, resource, now)
        await accept_grace_retry(tokens, token, now, grant.server_settings.refresh_grace_seconds)
        user = await Users(session).get(token.user_id) if token.user_id is not None else None
        user_active = user is not None and user.active
    scopes = within_connection(narrow_scopes(request.scope, token.scopes), client)
    if token.user_id is None or not user_active:
        raise InvalidGrant("The user of this sign-in has been deactivated; ask an administrator.")
    return await issue_tokens(
        grant,
        user_id=token.user_id,
        scopes=scopes,
        refresh_scopes=within_connection(token.scopes, client),
        resource=resource,
        grant_type="refresh_token",
        code_id=token.code_id,
        family_id=token.family_id,
        replaces=token,
    )
