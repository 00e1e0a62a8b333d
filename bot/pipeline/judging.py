"""Each migration judged against the schema before it, every database replayed once.

The front ends only say what a migration does (``Operation`` facts, computed once per file and
cached). Here, per database, the migrations are walked in the tool's order (``ChangeSet.replays``):
a judged one has its operations compared with the schema (``bot.core.schema``) one by one, each then
applied, so a later statement of the same migration sees the earlier ones; an earlier one is only
applied. A type change is catalog-only when the column's type before it is known and the database
changes it without a rewrite (``catalog_only``); a dropped index gets its table; a dropped or renamed
column says what it was. A framework adds what only it knows (``Framework.judge``: Django compares
an ``AlterField`` with the field it replaces).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from bot.core.column_types import catalog_only, spelled
from bot.core.model import ChangeSet, Role
from bot.core.operations import MigrationOps, Op, Operation
from bot.core.schema import Schema, names_in
from bot.frameworks import BY_NAME
from bot.frameworks.base import Framework


def judged(framework: str, path: str, ops: MigrationOps, schema: Schema) -> MigrationOps:
    """``ops`` judged against ``schema`` (the state before the migration), which is left as the
    state after it."""
    adapter = BY_NAME[framework]
    result: list[Operation] = []
    for i, op in enumerate(ops.operations):
        if op.kind is Op.DROP_NOT_NULL and op.implied and _set_again(op, i, ops):
            # dropped only to be set again (Knex's .notNullable().alter()): no code sees it nullable
            result.append(replace(op, kind=Op.OTHER, detail=f"{op.detail} (NOT NULL dropped, then set again)"))
        else:
            decided = adapter.judge(op, schema, ops.dialect)
            result.extend(decided if decided is not None else [_judge(op, schema, ops.dialect)])
        _apply(adapter, schema, op)
        if op.kind is Op.ADD_COLUMN:
            for name in {op.column, *(c.name for c in op.columns)} - {None}:
                schema.mark_added(op.table, name)
    for change in ops.state_changes:
        adapter.state_forwards(schema, change, path, deployed=False)
    return replace(ops, operations=tuple(result))


def forwards(framework: str, path: str, ops: MigrationOps, schema: Schema, deployed: bool) -> None:
    """An earlier migration's operations applied to the schema (nothing is judged)."""
    adapter = BY_NAME[framework]
    for op in ops.operations:
        _apply(adapter, schema, op)
    for change in ops.state_changes:
        adapter.state_forwards(schema, change, path, deployed)


def _apply(adapter: Framework, schema: Schema, op: Operation) -> None:
    if op.kind is Op.UNKNOWN and adapter.own_state:
        return  # opaque SQL never changes the framework's own state of the models
    schema.apply(op)


def _set_again(op: Operation, at: int, ops: MigrationOps) -> bool:
    """NOT NULL is set again on the column later in the migration."""
    return any(o.table == op.table and o.column == op.column and ops.position(o) > at for o in ops.of_kinds({Op.SET_NOT_NULL}))


def _judge(op: Operation, schema: Schema, dialect: str) -> Operation:
    if op.kind is Op.DROP_INDEX and op.table is None and op.index in schema.indexes:
        return replace(op, table=schema.indexes[op.index].table)
    if op.kind is Op.ALTER_COLUMN_TYPE and op.column_type:
        before = op.previous_type or schema.type_of(op.table, op.column)
        if before is None:
            return op
        after = op.column_type
        change = (f"{op.detail} from {spelled(before)} to {spelled(after)}" if before != after else
                  f"{op.detail} restating {spelled(after)} (its collation, charset, nullability or default change)")  # fmt: skip
        cheap = catalog_only(before, after, dialect) and op.recomputes is None
        return replace(op, kind=Op.OTHER if cheap else op.kind, detail=change, known_rewrite=not cheap)
    if op.kind is Op.DROP_NOT_NULL:
        known = schema.column(op.table, op.column)
        if known is not None and known.not_null is False:  # nullable already: PostgreSQL does nothing
            return replace(op, kind=Op.OTHER, detail=f"{op.detail} on a column already nullable")
        if op.implied:  # said only where the schema knows the column was NOT NULL
            if known is None or known.not_null is not True:
                return replace(op, kind=Op.OTHER, detail=f"{op.detail} (NOT NULL dropped if it was there)")
            return replace(op, detail=f"{op.detail} without NOT NULL (it drops NOT NULL)")
    if op.kind is Op.SET_NOT_NULL and (known := schema.column(op.table, op.column)) is not None and known.not_null:
        # PostgreSQL does nothing for a column already NOT NULL: no scan (a DSL restating the column)
        return replace(op, kind=Op.OTHER, detail=f"{op.detail} restating NOT NULL")
    if op.kind in (Op.DROP_COLUMN, Op.RENAME_COLUMN) and op.table and op.column and not op.context:
        return replace(op, context=schema.describe(op.table, op.column))
    return op


def judge_all(
    cs: ChangeSet, analysed: Mapping[str, MigrationOps], skipped: Collection[str] = ()
) -> tuple[dict[str, MigrationOps], dict[str, Schema]]:
    """Every judged migration's operations, judged, and the part of the schema before it each
    read (for re-judging a suggested rewrite). ``analysed``: the facts of every migration, judged
    ones and those of the replays; ``skipped``: earlier migrations left out because they name
    nothing the judged ones touch."""
    result: dict[str, MigrationOps] = {}
    before: dict[str, Schema] = {}
    replayed: set[str] = set()
    judged_paths = {m.path for m in cs.judged_migrations() if m.role is Role.UP and m.path in analysed}
    for steps in cs.replays.values():
        schema = Schema()
        for step in steps:
            if step.path in skipped:
                continue
            ops = analysed.get(step.path)
            if ops is None:
                schema.reset()  # not read: what it did is unknown
                continue
            if step.path in judged_paths:
                before[step.path] = schema.view(*names_in((*ops.operations, *ops.state_changes)))
                result[step.path] = judged(step.framework, step.path, ops, schema)
                replayed.add(step.path)
            else:
                forwards(step.framework, step.path, ops, schema, step.deployed)
    for m in cs.judged_migrations():
        if m.path in judged_paths and m.path not in replayed:
            before[m.path] = Schema()
            result[m.path] = judged(m.framework, m.path, analysed[m.path], Schema())
    return result, before


__all__ = ["forwards", "judge_all", "judged"]
