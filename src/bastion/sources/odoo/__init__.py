"""The Odoo data source: our own async client (``client.py``) and the ``BusinessSource`` over it (``source.py``)."""

from bastion.sources.odoo.client import OdooClient
from bastion.sources.odoo.source import OdooSource

__all__ = ["OdooClient", "OdooSource"]
