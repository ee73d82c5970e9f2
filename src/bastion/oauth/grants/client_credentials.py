"""The client credentials grant (RFC 6749 §4.4): a confidential custom client acting as its owner.

For server-to-server integrations (n8n, Power Automate, an in-house bot) that have no person at a
browser. The client acts as the user who owns the connection, so that user's permissions apply.
No refresh token (RFC 6749 §4.4.3): the client simply asks again with its secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bastion import scopes as scope_rules
from bastion.oauth.errors import UnauthorizedClient
from bastion.oauth.grants.request import GrantContext, GrantRequest
from bastion.oauth.issuance import issue_tokens, new_family_id
from bastion.oauth.resource import check_resource
from bastion.store.models import Connection
from bastion.store.repositories import Users


@dataclass(frozen=True)
class ClientCredentialsRequest(GrantRequest):
    scope: str | None = None


def check_client_credentials_allowed(client: Connection) -> int:
    """The owner the client acts as; only a confidential client allowed this grant may use it."""
    # RFC 6749 §4.4: only confidential clients; a public client's client_id alone proves nothing.
    if client.client_type != "confidential" or "client_credentials" not in (client.grant_types or []):
        raise UnauthorizedClient(
            "This client may not use the client_credentials grant: it is for confidential custom clients. "
            "Use the authorization_code grant instead."
        )
    if client.user_id is None:
        raise UnauthorizedClient(
            "This client has no owner to act as. Ask an administrator to set the user of this connection."
        )
    return client.user_id


async def grant_client_credentials(grant: GrantContext, request: ClientCredentialsRequest) -> dict[str, Any]:
    session, client = grant.session, grant.client
    resource = check_resource(list(request.resources), grant.resource_url)
    owner = await Users(session).get(check_client_credentials_allowed(client))
    if owner is None or not owner.active:
        raise UnauthorizedClient(
            "The user this client acts as has been deactivated. Ask an administrator to set another owner."
        )
    return await issue_tokens(
        grant,
        user_id=owner.id,
        # Lenient like every grant: unknown values dropped, nothing known asked means all the connection allows.
        scopes=scope_rules.grantable_scopes(request.scope, client.scopes),
        resource=resource,
        grant_type="client_credentials",
        family_id=new_family_id(),
    )
