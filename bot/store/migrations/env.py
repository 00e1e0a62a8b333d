"""Alembic's entry point for the store's own schema: run on the connection the service hands over
(``bot.store.database.Database.create_schema``), inside the transaction that holds the lock."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
