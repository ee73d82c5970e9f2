"""Narrow repositories with domain verbs, one module per aggregate. Each takes the request's one
``AsyncSession``; the caller commits. Every repository is importable from here."""

from bastion.store.repositories.attempts import Attempts
from bastion.store.repositories.audit import AuditLog, AuditQuery
from bastion.store.repositories.change_counter import ChangeCounters
from bastion.store.repositories.connection_listing import ConnectionListing, ListCriteria
from bastion.store.repositories.connections import Connections, ConnectionUse
from bastion.store.repositories.data_sources import DataSources, OdooLinks
from bastion.store.repositories.settings import StoredSettings
from bastion.store.repositories.tokens import AuthorizationCodes, Consents, Tokens
from bastion.store.repositories.tool_switches import ToolSwitches
from bastion.store.repositories.users import BrowserSessions, SetupLinks, Users

__all__ = [
    "Attempts",
    "AuditLog",
    "AuditQuery",
    "AuthorizationCodes",
    "BrowserSessions",
    "ChangeCounters",
    "ConnectionListing",
    "ConnectionUse",
    "Connections",
    "Consents",
    "DataSources",
    "ListCriteria",
    "OdooLinks",
    "SetupLinks",
    "StoredSettings",
    "Tokens",
    "ToolSwitches",
    "Users",
]
