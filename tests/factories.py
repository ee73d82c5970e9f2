"""Test data made through the same functions the CLI and console use."""

from __future__ import annotations

from bastion import accounts, connections
from bastion.services import Services
from bastion.store.models import User

PASSWORD = "correct horse battery staple"


async def make_user(services: Services, login: str = "alice", *, admin: bool = False, password: str = PASSWORD) -> User:
    async with services.transaction() as session:
        return await accounts.create_user(session, services.clock(), login=login, is_admin=admin, password=password)


async def make_oauth_client(
    services: Services,
    *,
    name: str = "Acme Internal CRM",
    client_type: str = "confidential",
    redirect_uris: list[str] | None = None,
    owner: User | None = None,
) -> connections.IssuedCredential:
    async with services.transaction() as session:
        return await connections.create_oauth_client(
            session,
            services.clock(),
            name=name,
            client_type=client_type,  # type: ignore[arg-type]
            redirect_uris=redirect_uris or ["https://app.example.com/callback"],
            owner=owner,
        )


async def make_api_key(
    services: Services, user: User, *, name: str = "Cursor on my laptop", read_only: bool = False
) -> connections.IssuedCredential:
    async with services.transaction() as session:
        return await connections.create_api_key(session, services.clock(), name=name, user=user, read_only=read_only)
