"""Data sources: the one port tools talk to (``port.DataSource``) and its implementations (SQL, Odoo)."""
