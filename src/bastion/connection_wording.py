"""The words for a connection that the CLI and the console share: its type, the credential that rotating
replaces, and the questions asked before rotating or revoking it.

Neutral ground below both shells, so the console never imports the CLI and each phrase exists once.
"""

from __future__ import annotations

from bastion.store.models import Connection


def describe_type(connection_type: str, is_dynamic: bool) -> str:
    if connection_type == "api_key":
        return "API key"
    return "OAuth (self-registered)" if is_dynamic else "OAuth"


def credential_noun(connection: Connection) -> str | None:
    """What ``rotate`` replaces: an API key, a client secret, or nothing (a public client has no secret)."""
    if connection.type == "api_key":
        return "API key"
    return "client secret" if connection.client_type == "confidential" else None


def rotation_question(connection: Connection) -> str | None:
    noun = credential_noun(connection)
    if noun is None:
        return None  # nothing to rotate: rotate_credential says why, without a pointless question first
    return (
        f"Replace the {noun} of connection #{connection.id} “{connection.name}”? "
        f"The current {noun} stops working immediately."
    )


def revocation_question(connection: Connection) -> str:
    return (
        f"Revoke connection #{connection.id} “{connection.name}”? "
        "Its credential and every token it holds stop working at once."
    )
