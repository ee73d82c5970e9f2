"""What ``bastion ... --json`` prints: a public contract that scripts parse.

Every JSON document the CLI writes is built here and nowhere else, so a change to the contract
(ARCHITECTURE.md, "CLI JSON") is a change to this module and nothing else. Times are ISO 8601 strings, or null.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bastion.accounts import Deactivation
from bastion.connection_wording import describe_type
from bastion.governance.connection_status import ConnectionStatus, Status
from bastion.server_settings import SETTING_SPECS
from bastion.sources.configuration import SourceSettings
from bastion.sources.odoo_links import LinkState
from bastion.sources.port import SourceStatus
from bastion.store.models import Connection, User
from bastion.tools.switches import CatalogEntry, SwitchChange


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- users -------------------------------------------------------------------------------------------


def user_as_dict(user: User) -> dict[str, Any]:
    """One item of ``users list``."""
    return {
        "user_id": user.id,
        "login": user.login,
        "name": user.name,
        "admin": user.is_admin,
        "active": user.active,
        "has_password": user.password_hash is not None,
        "created_at": iso(user.created_at),
    }


def user_created(user: User, setup_link: str | None) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "login": user.login,
        "name": user.name,
        "admin": user.is_admin,
        "setup_link": setup_link,
    }


def login_unlocked(login: str, cleared: int) -> dict[str, Any]:
    return {"login": login, "attempts_cleared": cleared}


def user_deactivated(login: str, done: Deactivation) -> dict[str, Any]:
    return {
        "login": login,
        "active": False,
        "connections_revoked": done.connections_revoked,
        "tokens_revoked": done.tokens_revoked,
    }


def user_reactivated(login: str) -> dict[str, Any]:
    return {"login": login, "active": True}


# --- connections -------------------------------------------------------------------------------------


def oauth_client_created(connection: Connection, secret: str | None, mcp_url: str) -> dict[str, Any]:
    """``client_secret`` only for a confidential client: a public one has none."""
    data: dict[str, Any] = {"connection_id": connection.id, "client_id": connection.client_id}
    if secret:
        data["client_secret"] = secret
    data["mcp_url"] = mcp_url
    return data


def api_key_created(connection: Connection, key: str, mcp_url: str) -> dict[str, Any]:
    return {"connection_id": connection.id, "api_key": key, "mcp_url": mcp_url}


def connection_summary(connection: Connection, user_login: str | None, status: ConnectionStatus) -> dict[str, Any]:
    """One item of ``connections list``; also the start of ``connections show``."""
    return {
        "connection_id": connection.id,
        "type": connection.type,
        "type_label": describe_type(connection.type, connection.is_dynamic),
        "name": connection.name,
        "user": user_login,
        "status": status.status.value,
        "status_label": status.label,
        "last_used_at": iso(connection.last_used_at),
        "request_count": connection.request_count,
        "client_id": connection.client_id,
        "is_dynamic": connection.is_dynamic,
        "created_at": iso(connection.created_at),
    }


def connection_details(
    connection: Connection, user_login: str | None, status: ConnectionStatus, active_tokens: int
) -> dict[str, Any]:
    """Everything about a connection except its secrets (only their digests are stored anyway)."""
    details = connection_summary(connection, user_login, status)
    details["scopes"] = connection.scopes
    if connection.type == "api_key":
        details["key_prefix"] = connection.key_prefix
    else:
        details |= {
            "client_type": connection.client_type,
            "token_endpoint_auth_method": connection.token_endpoint_auth_method,
            "grant_types": list(connection.grant_types or []),
            "redirect_uris": list(connection.redirect_uris or []),
            "registered_from_ip": connection.registered_from_ip,
        }
    return details | {
        "active_tokens": active_tokens,
        "revoked_at": iso(connection.revoked_at),
        "notes": connection.notes,
    }


def credential_rotated(connection: Connection, secret: str) -> dict[str, Any]:
    """The new credential under the name it has in ``add-key`` or ``add-oauth``."""
    field = "api_key" if connection.type == "api_key" else "client_secret"
    return {"connection_id": connection.id, field: secret}


def connection_revoked(connection: Connection, tokens_revoked: int) -> dict[str, Any]:
    return {"connection_id": connection.id, "status": Status.REVOKED.value, "tokens_revoked": tokens_revoked}


def connection_reactivated(connection: Connection, status: Status) -> dict[str, Any]:
    return {"connection_id": connection.id, "status": status.value}


# --- tools -------------------------------------------------------------------------------------------


def tool_as_dict(entry: CatalogEntry) -> dict[str, Any]:
    """One item of ``tools list``; ``description`` is the first sentence of what the tool tells a model."""
    return {
        "name": entry.name,
        "title": entry.title,
        "category": entry.category,
        "risk": entry.risk,
        "required_scope": entry.required_scope,
        "active": entry.active,
        "description": entry.summary,
    }


def tool_switched(change: SwitchChange) -> dict[str, Any]:
    return {"name": change.name, "active": change.active, "changed": change.changed}


# --- settings and db ---------------------------------------------------------------------------------


def settings_as_dict(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``settings show``: each key's value with its default, meaning and range."""
    return {
        key: {
            "value": values[key],
            "default": spec.default,
            "description": spec.description,
            "unit": spec.unit or None,
            "minimum": spec.minimum,
            "maximum": spec.maximum,
        }
        for key, spec in SETTING_SPECS.items()
    }


def setting_changed(key: str, value: Any, previous: Any) -> dict[str, Any]:
    return {"key": key, "value": value, "previous": previous}


def database_revision(revision: str | None) -> dict[str, Any]:
    return {"revision": revision}


# --- data source and Odoo links ------------------------------------------------------------------


def source_settings(configured: SourceSettings) -> dict[str, Any]:
    """``source show`` and ``source set-*``: the configuration without its secret (``has_secret``: one is kept)."""
    return {
        "kind": configured.kind,
        "url": configured.url,
        "database": configured.database,
        "writable": configured.writable,
        "mode": configured.mode,
        "protocol": configured.protocol,
        "service_login": configured.service_login,
        "has_secret": configured.has_secret,
        "updated_at": iso(configured.updated_at),
    }


def source_status(status: SourceStatus) -> dict[str, Any]:
    """``source test``: which server answered, over what protocol, as which identity (``""``: none was used)."""
    return {
        "kind": status.kind,
        "version": status.version,
        "protocol": status.protocol,
        "identity": status.identity,
        "detail": status.detail,
    }


def odoo_linked(login: str, link: LinkState) -> dict[str, Any]:
    return {
        "login": login,
        "odoo_login": link.odoo_login,
        "state": link.state,
        "verified_at": iso(link.verified_at),
    }


def odoo_unlinked(login: str, removed: bool) -> dict[str, Any]:
    return {"login": login, "unlinked": removed}
