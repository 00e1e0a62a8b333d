"""Migration Guard: reviews database migrations in pull requests."""

__version__ = "0.1.0"
