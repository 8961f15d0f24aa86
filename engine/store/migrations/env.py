"""Alembic environment: run on the connection engine.store.migrate hands over (never from alembic.ini)."""

from alembic import context

from engine.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
