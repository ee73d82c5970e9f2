"""The embedded demo: a SQLite database of a small company in Odoo's model names, for a newcomer's first calls."""

from bastion.sources.demo.generator import build_demo_database

__all__ = ["build_demo_database"]
