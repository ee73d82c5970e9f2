"""The SQL source: reflected tables as Odoo-style models, Odoo domains compiled to SQLAlchemy expressions."""

from bastion.sources.sql.source import SqlSource
from bastion.sources.sql.url import async_url

__all__ = ["SqlSource", "async_url"]
