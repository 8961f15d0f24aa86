"""Alembic revisions of the ledger schema, shipped inside the package (engine.store.migrate runs them)."""
