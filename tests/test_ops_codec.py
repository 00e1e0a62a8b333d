"""The analysis cache's codec (``bot.pipeline.ops_codec``): what a warm run reads back is the very
operations the analyser made, field for field, whatever the front end."""

from __future__ import annotations

from dataclasses import fields

from bot.core.operations import ColumnSpec, Declaration, MigrationOps, Op, Operation
from bot.pipeline.ops_codec import dump_ops, load_ops
from bot.syntax.sql_operations import sql_operations
from tests.test_pg_reader import SAME


def test_every_operation_reads_back_equal_field_for_field() -> None:
    ops = MigrationOps(tuple(sql_operations("\n".join(SAME))), transactional=False, implicit=True, notes=("a note",))
    back = load_ops(dump_ops(ops))
    assert back == ops
    for before, after in zip(ops.operations, back.operations, strict=True):
        assert {f.name: getattr(after, f.name) for f in fields(Operation)} == {f.name: getattr(before, f.name) for f in fields(Operation)}
        assert hash(after) == hash(before)  # rules keep operations in sets and as keys


def test_declared_columns_and_state_changes_read_back() -> None:
    column = ColumnSpec("name", ("varchar", "20"), 3, sql=False, bounded=True, declared=Declaration("CharField", (("max_length", "20"),)))
    change = Operation(Op.ADD_COLUMN, 3, table="app_user", column="name", columns=(column,), may_change=("a",), index_columns=("x",))
    ops = MigrationOps((change,), state_changes=(Operation(Op.DROP_COLUMN, 9, table="t", column="c"),), dialect="mysql")
    assert load_ops(dump_ops(ops)) == ops
