"""Plain records and pure helpers every layer shares: the migration model, operations, configuration, versions."""
