"""Storage: SQLAlchemy models, narrow repositories with domain verbs, Alembic migrations."""
