"""The connection of a client identified by a metadata document, kept as current as its document says.

Called before the transaction of /oauth/authorize and of the back-channel endpoints, so a fetch (up to
five seconds) never holds a database transaction open: read what is stored, fetch when the stored copy
has expired, then store the result. The connection is the cache (every Bastion process shares it) and
the same connection model as a self-registered client: listed, revoked and governed like one.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bastion import scopes as scope_rules
from bastion.governance import attempts
from bastion.governance.audit import record
from bastion.oauth.client_metadata import ClientRegistration
from bastion.oauth.client_metadata_documents import (
    MetadataDocumentRefused,
    cache_lifetime,
    check_metadata_document,
    check_metadata_url,
    host_allowed,
)
from bastion.oauth.errors import SlowDown
from bastion.oauth.json_endpoint import MAX_AUDITED_CLIENT_ID
from bastion.oauth.registration_limit import check_registration_limit
from bastion.server_settings import ServerSettings
from bastion.services import Services
from bastion.store.models import Connection
from bastion.store.repositories import Connections

logger = logging.getLogger("bastion.oauth")


def check_policy(server_settings: ServerSettings, host: str) -> None:
    """The administrator's switches: metadata documents on at all, and from this host."""
    if not server_settings.client_metadata_documents_enabled:
        raise MetadataDocumentRefused(
            "This app identifies itself with a client ID metadata document (its client_id is a URL), and this "
            "server does not accept those: an administrator switched them off. Ask them to switch them on or to "
            "create a connection for the app."
        )
    allowed = server_settings.client_metadata_allowed_hosts
    if not host_allowed(host, allowed):
        raise MetadataDocumentRefused(
            f"This server accepts client ID metadata documents only from {', '.join(allowed)}, not from {host}. "
            "Ask an administrator to add the host, or to create a connection for the app."
        )


def needs_fetch(connection: Connection | None, now: datetime) -> bool:
    if connection is None:
        return True
    if connection.revoked_at is not None:
        return False  # refused as revoked by the usual checks; fetching would change nothing
    return connection.metadata_expires_at is None or connection.metadata_expires_at <= now


def apply_document(
    connection: Connection, registration: ClientRegistration, fetched_at: datetime, expires_at: datetime
) -> None:
    metadata = {"application_type": registration.application_type, **registration.informational}
    stored = connection.registration_metadata or {}
    if connection.name == stored.get("client_name", connection.name):
        # Follow the document's name unless an administrator renamed the connection.
        connection.name = registration.client_name
    connection.redirect_uris = registration.redirect_uris
    connection.registration_metadata = {**metadata, "client_name": registration.client_name}
    connection.metadata_fetched_at = fetched_at
    connection.metadata_expires_at = expires_at


def new_connection(
    client_id: str, registration: ClientRegistration, now: datetime, client_ip: str | None
) -> Connection:
    return Connection(
        type="oauth",
        name=registration.client_name,
        user_id=None,  # one client_id serves every person who allows it: nobody owns it alone
        scopes=scope_rules.FULL,
        created_at=now,
        is_dynamic=True,
        client_id=client_id,
        client_type="public",
        client_secret_digest=None,
        redirect_uris=registration.redirect_uris,
        token_endpoint_auth_method="none",
        grant_types=registration.grant_types,
        registration_metadata={},
        registered_from_ip=client_ip or "unknown",
    )


async def ensure_current(services: Services, client_id: str, client_ip: str | None, *, create: bool = True) -> None:
    """Make the stored connection for a metadata document URL current, or raise ``MetadataDocumentRefused``.

    ``create`` False (the back channel): a URL never seen at the authorization endpoint stays unknown.
    """
    try:
        await _ensure_current(services, client_id, client_ip, create)
    except MetadataDocumentRefused as refused:
        await _record_refusal(services, client_id, client_ip, refused)
        raise


async def _ensure_current(services: Services, client_id: str, client_ip: str | None, create: bool) -> None:
    host = check_metadata_url(client_id)
    now = services.clock()
    async with services.transaction() as session:
        check_policy(await services.server_settings(session), host)
        stored = await Connections(session).by_client_id(client_id)
        if (stored is None and not create) or not needs_fetch(stored, now):
            return
    # A URL never seen before becomes a connection, as a registration does: it counts against the same
    # per-address limit, reserved before it is checked (and before anything is fetched).
    reservation = None
    if stored is None:
        reservation = await attempts.reserve(services.transaction, attempts.REGISTRATION, now, client_ip)
    try:
        if reservation is not None:
            async with services.transaction() as session:
                try:
                    await check_registration_limit(session, reservation, now)
                except SlowDown as slow:
                    raise MetadataDocumentRefused(
                        f"{slow.description.removesuffix('.')} (each new app's metadata document counts as one)."
                    ) from None
        await _fetch_and_store(services, client_id, client_ip)
    except Exception:
        if reservation is not None:
            # Refused or broken: no connection was made, so it stops counting.
            await attempts.release(services.transaction, reservation)
        raise


async def _fetch_and_store(services: Services, client_id: str, client_ip: str | None) -> None:
    fetched = await services.metadata_fetcher.fetch(client_id)  # outside any transaction: it may take seconds
    registration = check_metadata_document(fetched.body, client_id)
    now = services.clock()
    expires_at = now + cache_lifetime(fetched.cache, now)
    try:
        async with services.transaction() as session:
            connections = Connections(session)
            connection = await connections.by_client_id(client_id)
            if connection is None:
                connection = new_connection(client_id, registration, now, client_ip)
                apply_document(connection, registration, now, expires_at)
                await connections.add(connection)
                await record(
                    session,
                    "client.registered",
                    now,
                    connection_id=connection.id,
                    client_ip=client_ip,
                    client_name=registration.client_name,
                    token_endpoint_auth_method="none",
                    client_id_metadata_document=client_id,
                )
            else:
                apply_document(connection, registration, now, expires_at)
                await session.flush()
    except IntegrityError:
        # Another request stored the same client_id first; its copy of the document is as good as ours.
        logger.info("client ID metadata document %s was stored by a concurrent request", client_id)


async def _record_refusal(
    services: Services, client_id: str, client_ip: str | None, refused: MetadataDocumentRefused
) -> None:
    try:
        async with services.transaction() as session:
            await record(
                session,
                "client.metadata_refused",
                services.clock(),
                client_ip=client_ip,
                client_id=client_id[:MAX_AUDITED_CLIENT_ID],
                reason=refused.description,
            )
    except Exception:
        logger.exception("could not record a refused client ID metadata document")
