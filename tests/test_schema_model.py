"""The one schema (``bot.core.schema``) and its replay: each migration read once, every judged one
compared with the state before it, what cannot be known left unknown. In memory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.core.operations import ColumnSpec, Op, Operation
from bot.core.schema import Schema
from bot.pipeline import engine
from bot.pipeline.isolation import Job
from bot.pipeline.parse_cache import ParseCache
from tests.in_memory import MemoryRows, analysed, changeset, found

GOOSE = "-- +goose Up\n{up}\n-- +goose Down\n{down}\n"
M = "db/migrations"


def goose(up: str, down: str = "SELECT 1;") -> str:
    return GOOSE.format(up=up, down=down)


def test_a_renamed_table_keeps_its_columns_and_indexes() -> None:
    schema = Schema()
    schema.apply(Operation(Op.CREATE_TABLE, 1, table="users", columns=(ColumnSpec("name", ("varchar", "50"), 1),)))
    schema.apply(Operation(Op.CREATE_INDEX, 2, table="users", index="users_name", index_columns=("name",)))
    schema.apply(Operation(Op.RENAME_TABLE, 3, table="users", new_name="people"))
    assert schema.type_of("people", "name") == ("varchar", "50")
    assert schema.type_of("users", "name") is None
    assert schema.indexes["users_name"].table == "people"
    assert schema.describe("people", "name") == "a varchar(50) column, used by index `users_name`"
    schema.apply(Operation(Op.DROP_TABLE, 4, table="people"))
    assert schema.indexes == {} and schema.tables == {}


def test_a_column_retyped_to_what_the_front_end_cannot_read_becomes_unknown() -> None:
    schema = Schema()
    schema.apply(Operation(Op.CREATE_TABLE, 1, table="t", columns=(ColumnSpec("c", ("text",), 1),)))
    schema.apply(Operation(Op.ALTER_COLUMN_TYPE, 2, table="t", column="c"))  # a type the front end could not read
    assert schema.column("t", "c") is not None and schema.type_of("t", "c") is None


BASE = {f"{M}/00001_users.sql": goose("CREATE TABLE users (id bigint PRIMARY KEY, name varchar(50));", "DROP TABLE users;")}
WIDEN = {f"{M}/00003_widen.sql": goose("ALTER TABLE users ALTER COLUMN name TYPE varchar(100);")}


def test_a_widening_judged_against_the_replayed_column_is_silent() -> None:
    history = {**BASE, f"{M}/00002_orders.sql": goose("CREATE TABLE orders (id bigint);", "DROP TABLE orders;")}
    assert [f for f in found(history, WIDEN) if f[0] == "changing-column-type"] == []


def test_after_a_migration_that_could_not_be_analysed_nothing_is_known() -> None:
    """It may have changed anything: the widening after it is judged conservatively, as a rewrite."""
    big = "SELECT 1;\n" * 400 + "ALTER TABLE users ALTER COLUMN name TYPE text;"  # over the configured bound
    history = {**BASE, f"{M}/00002_big.sql": goose(big)}
    config = "limits:\n  max_bytes: 2000\n"
    assert [f[:2] for f in found(history, WIDEN, config) if f[0] == "changing-column-type"] == [
        ("changing-column-type", f"{M}/00003_widen.sql")
    ]


def test_only_the_earlier_migrations_naming_what_the_change_touches_are_read(analyses: list[str]) -> None:
    unrelated = {f"{M}/00002_orders.sql": goose("CREATE TABLE orders (id bigint);", "DROP TABLE orders;")}
    found({**BASE, **unrelated}, WIDEN)
    assert sorted(analyses) == sorted([*WIDEN, *BASE])


def test_an_index_dropped_by_name_gets_the_table_it_was_made_on() -> None:
    history = {**BASE, f"{M}/00002_index.sql": goose("CREATE INDEX CONCURRENTLY users_name ON users (name);")}
    cs = analysed(history, {f"{M}/00003_drop.sql": goose("DROP INDEX users_name;")})
    (op,) = cs.analysed[f"{M}/00003_drop.sql"].operations
    assert (op.kind, op.table) == (Op.DROP_INDEX, "users")


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths the analysing child is asked to read, in order."""
    asked: list[str] = []
    real = engine.SHARED.analyse_many

    def counted(jobs: list[Job]):  # type: ignore[no-untyped-def]
        asked.extend(job.path for job in jobs)
        return real(jobs)

    monkeypatch.setattr(engine.SHARED, "analyse_many", counted)
    yield asked


def test_every_migration_is_read_once_however_many_are_judged(analyses: list[str]) -> None:
    """30 added migrations, each retyping a column: 30 analyses (the old replay re-read every
    earlier file for each judged one: 30 + 465). The earlier one names none of their tables: it is
    not read at all."""
    added = {f"{M}/{n:05}_step.sql": goose(f"CREATE TABLE t{n} (c varchar(10));\nALTER TABLE t{n - 1} ALTER COLUMN c TYPE text;")
             for n in range(2, 32)}  # fmt: skip
    findings = found(BASE, added)
    assert sorted(analyses) == sorted(added)
    # each t{n-1} was made varchar(10) by the migration before it; t1 was never made: judged as a rewrite
    assert [f for f in findings if f[0] == "changing-column-type"] == [("changing-column-type", f"{M}/00002_step.sql", 3)]


def test_a_warm_run_reads_every_analysis_from_the_cache(analyses: list[str]) -> None:
    from bot.core.config import Config

    cache = ParseCache(MemoryRows())
    history = {**BASE, f"{M}/00002_index.sql": goose("CREATE INDEX users_name ON users (name);")}
    cold = engine.run(changeset(history, WIDEN), Config(), cache=cache)
    assert sorted(analyses) == sorted([*history, *WIDEN])
    analyses.clear()
    warm = engine.run(changeset(history, WIDEN), Config(), cache=cache)
    assert analyses == []
    assert warm.findings == cold.findings


# -- Django: what only the framework knows, kept in the same schema ---------------------------

APP = "shop/orders/migrations"


def django_app(*migrations: tuple[str, str]) -> dict[str, str]:
    from tests.test_django import migration

    files = {"shop/orders/__init__.py": "", f"{APP}/__init__.py": ""}
    parent: list[tuple[str, str]] = []
    for name, operations in migrations:
        files[f"{APP}/{name}.py"] = migration(parent, operations)
        parent = [("orders", name)]
    return files


CREATE_COUNTER = (
    "0001_initial",
    "        migrations.CreateModel(name='Counter', fields=[('id', models.BigAutoField(primary_key=True)),"
    " ('hits', models.PositiveSmallIntegerField())]),",
)


def alter_hits(field: str) -> dict[str, str]:
    from tests.test_django import migration

    return {f"{APP}/0002_hits.py": migration([("orders", "0001_initial")],
            f"        migrations.AlterField(model_name='counter', name='hits', field={field}),")}  # fmt: skip


def test_a_positive_field_made_plain_only_drops_its_check() -> None:
    """netbox dcim/0212: PositiveSmallIntegerField -> SmallIntegerField is smallint both sides."""
    assert [f for f in found(django_app(CREATE_COUNTER), alter_hits("models.SmallIntegerField()"))
            if f[0] == "changing-column-type"] == []  # fmt: skip


def test_a_plain_field_made_positive_adds_a_check_and_a_wider_one_rewrites() -> None:
    plain = ("0001_initial", CREATE_COUNTER[1].replace("PositiveSmallIntegerField", "SmallIntegerField"))
    cs = analysed(django_app(plain), alter_hits("models.PositiveSmallIntegerField()"))
    assert [o.kind for o in cs.analysed[f"{APP}/0002_hits.py"].operations] == [Op.ADD_CHECK]
    widened = found(django_app(CREATE_COUNTER), alter_hits("models.PositiveIntegerField()"))
    assert [f for f in widened if f[0] == "changing-column-type"] == [("changing-column-type", f"{APP}/0002_hits.py", 13)]  # smallint -> integer


def test_deleting_a_proxy_model_drops_no_table() -> None:
    """netbox core/0018: `ObjectType` was a proxy (core/0008): its DeleteModel changes state only."""
    proxy = ("0002_proxy", "        migrations.CreateModel(name='Special', fields=[], options={'proxy': True},"
             " bases=('orders.counter',)),")  # fmt: skip
    from tests.test_django import migration

    delete = {f"{APP}/0003_delete.py": migration([("orders", "0002_proxy")],
              "        migrations.DeleteModel(name='Special'),")}  # fmt: skip
    assert [f for f in found(django_app(CREATE_COUNTER, proxy), delete) if f[0] == "ban-drop-table"] == []
    concrete = ("0002_proxy", proxy[1].replace(", options={'proxy': True}", ""))
    assert [f[0] for f in found(django_app(CREATE_COUNTER, concrete), delete) if f[0] == "ban-drop-table"] == [
        "ban-drop-table"
    ]


# -- what the replay keeps of each change (read on rubygems.org and hatchet) ---------------------

def rails(name: str, body: str) -> str:
    camel = "".join(p.capitalize() for p in name.split("_"))
    return f"class {camel} < ActiveRecord::Migration[7.1]\n  def change\n    {body}\n  end\nend\n"


RAILS_BASE = {"db/migrate/20240101000000_create_versions.rb": rails(
    "create_versions", "create_table :versions do |t|\n      t.string :required\n      t.string :codes, array: true\n    end")}


def test_a_rails_limit_of_a_constant_is_a_narrowing() -> None:
    """rubygems 20200502214958: `limit: Gemcutter::MAX_FIELD_LENGTH` on an unbounded string."""
    change = {"db/migrate/20240102000000_limit.rb": rails(
        "limit", "change_column :versions, :required, :string, limit: Gemcutter::MAX_FIELD_LENGTH")}
    assert [f[0] for f in found(RAILS_BASE, change) if f[0] == "changing-column-type"] == ["changing-column-type"]
    widened = {"db/migrate/20240102000000_limit.rb": rails("limit", "change_column :versions, :required, :text")}
    assert [f for f in found(RAILS_BASE, widened) if f[0] == "changing-column-type"] == []


def test_a_rails_array_column_is_described_as_one() -> None:
    """rubygems 20230713023753: `mfa_recovery_codes` was made `array: true`."""
    cs = analysed(RAILS_BASE, {"db/migrate/20240102000000_drop.rb": rails("drop", "remove_column :versions, :codes")})
    (op,) = cs.analysed["db/migrate/20240102000000_drop.rb"].operations
    assert op.context == "an array(text) column"


def test_a_lower_timestamp_precision_is_a_rewrite() -> None:
    base = {f"{M}/00001_t.sql": goose("CREATE TABLE t (at timestamp(6));")}
    change = {f"{M}/00002_t.sql": goose("ALTER TABLE t ALTER COLUMN at TYPE timestamp(0);")}
    assert [f[0] for f in found(base, change) if f[0] == "changing-column-type"] == ["changing-column-type"]


def test_an_index_goes_with_its_dropped_column_and_follows_a_renamed_one() -> None:
    schema = Schema()
    schema.apply(Operation(Op.CREATE_TABLE, 1, table="t", columns=(ColumnSpec("a", ("text",), 1), ColumnSpec("b", ("text",), 1))))
    schema.apply(Operation(Op.CREATE_INDEX, 2, table="t", index="t_a", index_columns=("a",)))
    schema.apply(Operation(Op.CREATE_INDEX, 3, table="t", index="t_b", index_columns=("b",)))
    schema.apply(Operation(Op.RENAME_COLUMN, 4, table="t", column="a", new_name="c"))
    assert schema.describe("t", "c") == "a text column, used by index `t_a`"
    schema.apply(Operation(Op.DROP_COLUMN, 5, table="t", column="b"))
    assert set(schema.indexes) == {"t_a"}


def test_ddl_in_a_do_block_leaves_nothing_known() -> None:
    """A DO block may retype anything: the widening after it is judged as a rewrite."""
    block = "DO $$ BEGIN ALTER TABLE users ALTER COLUMN name TYPE text; END $$;"
    history = {**BASE, f"{M}/00002_block.sql": goose(block)}
    assert [f[0] for f in found(history, WIDEN) if f[0] == "changing-column-type"] == ["changing-column-type"]


def test_a_do_block_making_only_a_type_leaves_the_tables_known() -> None:
    """hatchet v1_0_68: `DO $$ BEGIN CREATE TYPE ... EXCEPTION ... END $$` touches no table."""
    block = "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN null; END $$;"
    history = {**BASE, f"{M}/00002_block.sql": goose(block)}
    assert [f for f in found(history, WIDEN) if f[0] == "changing-column-type"] == []
    other = {**BASE, f"{M}/00002_block.sql": goose("DO $$ BEGIN ALTER TABLE orders ADD COLUMN a int; END $$;")}
    assert [f for f in found(other, WIDEN) if f[0] == "changing-column-type"] == []  # another table's DDL


def test_more_fractional_digits_in_a_timestamp_is_catalog_only() -> None:
    """hatchet v0_51_3: timestamp(3) -> timestamp (6 digits) rewrites nothing."""
    base = {f"{M}/00001_t.sql": goose("CREATE TABLE t (at timestamp(3));")}
    change = {f"{M}/00002_t.sql": goose("ALTER TABLE t ALTER COLUMN at TYPE timestamp;")}
    assert [f for f in found(base, change) if f[0] == "changing-column-type"] == []


def test_a_model_made_for_real_after_a_proxy_of_that_name_has_a_table() -> None:
    """netbox extras.Script: unmanaged first, later deleted and made as a real table; changing it is
    judged again (it was silenced as a model without a table)."""
    from tests.test_django import migration

    unmanaged = ("0002_script", "        migrations.CreateModel(name='Script', fields=[('id', models.AutoField(primary_key=True))],"
                 " options={'managed': False}),")  # fmt: skip
    remade = ("0003_real", "        migrations.DeleteModel(name='Script'),\n"
              "        migrations.CreateModel(name='Script', fields=[('id', models.AutoField(primary_key=True)),"
              " ('name', models.CharField(max_length=20))]),")  # fmt: skip
    change = {f"{APP}/0004_alter.py": migration([("orders", "0003_real")],
              "        migrations.AlterField(model_name='script', name='name', field=models.IntegerField()),")}  # fmt: skip
    findings = found(django_app(CREATE_COUNTER, unmanaged, remade), change)
    assert [f for f in findings if f[0] == "changing-column-type"] == [("changing-column-type", f"{APP}/0004_alter.py", 13)]


def test_an_earlier_migration_naming_a_table_only_inside_another_name_is_not_read(analyses: list[str]) -> None:
    lookalike = {f"{M}/00002_users_archive.sql": goose("CREATE TABLE users_archive (id bigint);")}
    found({**BASE, **lookalike}, WIDEN)
    assert sorted(analyses) == sorted([*WIDEN, *BASE])


def test_constraints_follow_validation_renames_and_drops() -> None:
    schema = Schema()
    schema.apply(Operation(Op.CREATE_TABLE, 1, table="users", columns=(ColumnSpec("email", ("text",), 1),)))
    schema.apply(Operation(Op.ADD_CHECK, 2, table="users", column="email", constraint="email_nn", not_valid=True))
    assert not schema.proven_not_null("users", "email")  # NOT VALID: no row checked yet
    schema.apply(Operation(Op.VALIDATE_CONSTRAINT, 3, table="users", constraint="email_nn"))
    assert schema.proven_not_null("users", "email")
    schema.apply(Operation(Op.RENAME_COLUMN, 4, table="users", column="email", new_name="mail"))
    schema.apply(Operation(Op.RENAME_TABLE, 5, table="users", new_name="people"))
    assert schema.proven_not_null("people", "mail") and not schema.proven_not_null("users", "email")
    assert schema.view({"people"}, set()).proven_not_null("people", "mail")
    schema.apply(Operation(Op.DROP_CONSTRAINT, 6, table="people", constraint="email_nn"))
    assert not schema.proven_not_null("people", "mail")


def test_an_unnamed_constraint_gets_postgres_name_and_goes_with_its_column() -> None:
    schema = Schema()
    schema.apply(Operation(Op.ADD_CHECK, 1, table="users", column="email"))  # ADD CHECK (email IS NOT NULL)
    schema.apply(Operation(Op.ADD_FOREIGN_KEY, 2, table="users", column="org_id", not_valid=True))
    assert set(schema.constraints["users"]) == {"users_email_check", "users_org_id_fkey"}
    assert not schema.constraints["users"]["users_org_id_fkey"].valid
    schema.apply(Operation(Op.DROP_COLUMN, 3, table="users", column="email"))  # PostgreSQL drops its CHECK too
    assert set(schema.constraints["users"]) == {"users_org_id_fkey"}
    schema.apply(Operation(Op.DROP_CONSTRAINT, 4, table="users"))  # which one is not known: none is relied on
    assert "users" not in schema.constraints
