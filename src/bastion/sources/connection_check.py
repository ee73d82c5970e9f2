"""*Test connection*: the one check behind ``bastion source test`` and the console's Data source page.

The source is asked, as the identity the user's own tool calls use, which server answered, over what
protocol and as whom. Where there is no identity to use (Odoo in per-user mode for someone with no linked
account, or the command line without ``--as``), only the server is asked: its version and protocol, over a
fresh connection so a remembered answer cannot hide that Odoo is down. The configuration is read in a short
transaction that has ended before the source is called, so a slow source never holds the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from bastion.sources.configuration import ODOO, PER_USER, SourceSettings, current_source_settings
from bastion.sources.odoo import OdooClient
from bastion.sources.port import SourceStatus
from bastion.sources.runtime import BoundSource, SourceRuntime, Transaction, UserRef
from bastion.store.repositories import OdooLinks


@dataclass(frozen=True)
class NoUser:
    """The command line without ``--as``: no Bastion user, so no Odoo account of one."""

    id: int = 0
    login: str = ""


async def check_connection(runtime: SourceRuntime, transaction: Transaction, user: UserRef | None) -> SourceStatus:
    """Which server answered, over what, as whom; raises the source's ``SourceError`` sentence when it fails."""
    async with transaction() as session:
        configured = await current_source_settings(session)
        bound: BoundSource | None = None
        if not (configured.kind == ODOO and configured.mode == PER_USER) or (
            user is not None and await OdooLinks(session).get(user.id) is not None
        ):
            bound = await runtime.bind(session, user or NoUser())
    if bound is None:
        return await _odoo_server_only(configured, user)
    return await bound.source.test(bound.identity)


async def _odoo_server_only(configured: SourceSettings, user: UserRef | None) -> SourceStatus:
    protocol = None if configured.protocol == "auto" else configured.protocol
    client = OdooClient(configured.url, configured.database, protocol=protocol)
    try:
        version = await client.server_version()
    finally:
        await client.aclose()
    whose = f"{user.login!r} has no linked Odoo account" if user else "no Bastion user was named"
    return SourceStatus(
        kind="odoo",
        version=f"Odoo {version.version}",
        protocol=version.protocol,
        identity="",
        detail=(
            f"Per-user mode and {whose}, so only the server was asked; each user's own account is "
            f"verified against database {configured.database} when it is linked"
        ),
    )
