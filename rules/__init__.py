"""The rules, one module each. A rule reads a ``ChangeSet`` and yields ``Finding`` records.

Every module defines ``ID`` (stable: configuration, suppressions and CI depend on it),
``SEVERITY`` (the default), ``SUMMARY`` (one line), a module docstring that explains what goes
wrong in production and the safe alternative (``migration-guard explain ID``), and
``check(changeset)``. Adding a rule means adding a module here and to ``_MODULES``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from bot.core.model import ChangeSet, Finding, Severity
from rules import (
    adding_field_with_default,
    adding_foreign_key_constraint,
    adding_not_nullable_field,
    adding_required_field,
    ban_concurrent_index_creation_in_transaction,
    ban_drop_column,
    ban_drop_table,
    changing_column_type,
    constraint_missing_not_valid,
    deployed_migration_modified,
    disallowed_unique_constraint,
    duplicate_migration_version,
    invalid_suppression,
    migration_conflicts_with_open_pr,
    migration_naming,
    migration_out_of_order,
    migration_parent_missing,
    missing_rollback,
    mixed_schema_and_data_migration,
    multiple_migration_heads,
    renaming_column,
    renaming_table,
    require_concurrent_index_creation,
    require_concurrent_index_deletion,
    sql_not_analysed,
    unfocused_migration,
    unparsable_migration,
    unused_suppression,
)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    explanation: str
    check: Callable[[ChangeSet], Iterable[Finding]] | None  # None: produced by the engine itself

    @classmethod
    def from_module(cls, module: ModuleType) -> Rule:
        return cls(
            id=module.ID,
            severity=module.SEVERITY,
            summary=module.SUMMARY,
            explanation=inspect.cleandoc(module.__doc__ or ""),
            check=getattr(module, "check", None),
        )


_MODULES = (
    deployed_migration_modified,
    duplicate_migration_version,
    migration_out_of_order,
    multiple_migration_heads,
    migration_parent_missing,
    migration_conflicts_with_open_pr,
    missing_rollback,
    unparsable_migration,
    require_concurrent_index_creation,
    require_concurrent_index_deletion,
    ban_concurrent_index_creation_in_transaction,
    adding_required_field,
    adding_field_with_default,
    adding_not_nullable_field,
    constraint_missing_not_valid,
    adding_foreign_key_constraint,
    disallowed_unique_constraint,
    changing_column_type,
    renaming_column,
    renaming_table,
    ban_drop_column,
    ban_drop_table,
    mixed_schema_and_data_migration,
    unfocused_migration,
    migration_naming,
    sql_not_analysed,
    unused_suppression,
    invalid_suppression,
)

RULES: dict[str, Rule] = {m.ID: Rule.from_module(m) for m in _MODULES}
