"""The data tools: the tool vocabulary over the ``DataSource`` port (records, writes, Odoo's business layer)."""
