"""The schema before each migration: a Django ``AlterField`` is compared with the field it replaces
(replayed from the app's earlier migrations), not guessed to be a type change."""

from __future__ import annotations

import pytest

from tests import in_memory
from tests.gitrepo_factory import Repo
from tests.test_django import migration

APP = "shop/orders/migrations"
CREATE = migration(
    [],
    "        migrations.CreateModel(name='Order', fields=[\n"
    "            ('id', models.BigAutoField(primary_key=True)),\n"
    "            ('status', models.CharField(max_length=20, choices=[('a', 'A')], help_text='old')),\n"
    "            ('total', models.DecimalField(max_digits=10, decimal_places=2)),\n"
    "            ('count', models.IntegerField()),\n"
    "            ('note', models.TextField(null=True)),\n"
    "            ('customer', models.ForeignKey(on_delete=models.CASCADE, to='orders.customer')),\n"
    "        ]),",
)
#: a later migration that changes a field first: the replay must take the newest definition
WIDEN = migration(
    [("orders", "0001_initial")],
    "        migrations.AlterField(model_name='order', name='status', "
    "field=models.CharField(max_length=40, choices=[('a', 'A')], help_text='old')),",
)


HISTORY = {"shop/orders/__init__.py": "", f"{APP}/__init__.py": "", f"{APP}/0001_initial.py": CREATE,
           f"{APP}/0002_widen_status.py": WIDEN}  # fmt: skip


def altered(field: str, name: str, config: str | None = None) -> list[tuple[str, str, int | None]]:
    """In memory (``tests/in_memory.py``): the findings of an AlterField on top of ``HISTORY``."""
    text = migration(
        [("orders", "0002_widen_status")],
        f"        migrations.AlterField(model_name='order', name='{name}', field={field}),",
    )
    return [f for f in in_memory.found(HISTORY, {f"{APP}/0003_alter.py": text}, config) if f[0] != "migration-naming"]


def history(repo: Repo) -> Repo:
    repo.write("shop/orders/__init__.py", "").write(f"{APP}/__init__.py", "")
    repo.write(f"{APP}/0001_initial.py", CREATE).write(f"{APP}/0002_widen_status.py", WIDEN)
    return repo.commit("history").branch("feature")


def alter(repo: Repo, field: str, name: str) -> list[tuple[str, str, int]]:
    text = migration(
        [("orders", "0002_widen_status")],
        f"        migrations.AlterField(model_name='order', name='{name}', field={field}),",
    )
    repo.write(f"{APP}/0003_alter.py", text).commit()
    return [f for f in repo.check("--base", "main").found if f[0] != "migration-naming"]


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("status", "models.CharField(max_length=40, choices=[('a', 'A'), ('b', 'B')], help_text='new')"),
        ("status", "models.CharField(max_length=80, choices=[('a', 'A')])"),  # wider varchar: catalog only
        ("status", "models.TextField()"),  # varchar -> text: catalog only in PostgreSQL
        ("total", "models.DecimalField(max_digits=12, decimal_places=2)"),  # more digits, same scale
        ("count", "models.IntegerField(verbose_name='count', blank=True)"),
        ("note", "models.TextField(null=True, db_default='')"),
        ("customer", "models.ForeignKey(on_delete=models.PROTECT, related_name='orders', to='orders.customer')"),
        ("customer", "models.ForeignKey(on_delete=models.CASCADE, to='orders.Customer')"),  # the same model
    ],
)
def test_alter_field_that_rewrites_nothing_is_silent(name: str, field: str) -> None:
    assert altered(field, name) == []


@pytest.mark.parametrize(
    ("name", "field", "rule"),
    [
        ("count", "models.BigIntegerField()", "changing-column-type"),
        ("customer", "models.ForeignKey(on_delete=models.CASCADE, to='orders.vendor')", "changing-column-type"),
        ("status", "models.CharField(max_length=10)", "changing-column-type"),  # shorter than the 40 of 0002
        ("total", "models.DecimalField(max_digits=10, decimal_places=4)", "changing-column-type"),
        ("note", "models.TextField()", "adding-not-nullable-field"),  # null=True -> False: SET NOT NULL
        ("count", "models.IntegerField(null=True)", "ban-drop-not-null"),  # null=False -> True: DROP NOT NULL
        ("count", "models.IntegerField(unique=True)", "disallowed-unique-constraint"),
        ("count", "models.IntegerField(db_index=True)", "require-concurrent-index-creation"),
    ],
)
def test_alter_field_that_changes_the_table_is_reported(name: str, field: str, rule: str) -> None:
    assert altered(field, name) == [(rule, f"{APP}/0003_alter.py", 13)]


def test_the_message_says_what_the_field_was(repo: Repo) -> None:
    history(repo)
    alter(repo, "models.BigIntegerField()", "count")
    message = repo.check("--base", "main").finding("changing-column-type")["message"]
    assert "from IntegerField() to BigIntegerField()" in message


def test_a_field_the_history_never_defined_is_judged_as_before() -> None:
    """A model made elsewhere (a squashed prefix, another tool): no state to compare with, so the
    conservative warning stays (never a silent pass)."""
    assert altered("models.CharField(max_length=80)", "elsewhere") == [("changing-column-type", f"{APP}/0003_alter.py", 13)]


def test_mysql_has_no_catalog_only_widening() -> None:
    assert altered("models.TextField()", "status", "dialect: mysql\n") == [("changing-column-type", f"{APP}/0003_alter.py", 13)]


SETTLED = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="order", name="note"),
                migrations.DeleteModel(name="Legacy"),
            ],
        ),
    ]
"""
LEGACY = migration(
    [("orders", "0001_initial")], "        migrations.CreateModel(name='Legacy', fields=[('id', models.AutoField(primary_key=True))]),"
)
DROP = migration(
    [("orders", "0003_settle")],
    '        migrations.RunSQL("ALTER TABLE orders_order DROP COLUMN note;", migrations.RunSQL.noop),\n'
    '        migrations.RunSQL("DROP TABLE orders_legacy;", migrations.RunSQL.noop),',
)


def test_dropping_what_a_deployed_migration_took_out_of_the_state_is_silent(repo: Repo) -> None:
    """Expand/contract done right: the state forgot the column and the table in a release that is
    deployed, so no running code uses them when the database drops them."""
    repo.write("shop/orders/__init__.py", "").write(f"{APP}/__init__.py", "").write(f"{APP}/0001_initial.py", CREATE)
    repo.write(f"{APP}/0002_legacy.py", LEGACY).write(f"{APP}/0003_settle.py", SETTLED.replace("0001_initial", "0002_legacy"))
    repo.commit().branch("feature")
    repo.write(f"{APP}/0004_drop.py", DROP).commit()
    assert [f for f in repo.check("--base", "main").found if f[0] != "migration-naming"] == []


def test_dropping_what_the_same_change_took_out_of_the_state_is_reported(repo: Repo) -> None:
    """Both steps in one deploy: the old code still running uses the column while it is dropped."""
    repo.write("shop/orders/__init__.py", "").write(f"{APP}/__init__.py", "").write(f"{APP}/0001_initial.py", CREATE)
    repo.write(f"{APP}/0002_legacy.py", LEGACY).commit().branch("feature")
    repo.write(f"{APP}/0003_settle.py", SETTLED.replace("0001_initial", "0002_legacy")).write(f"{APP}/0004_drop.py", DROP)
    repo.commit()
    found = {(rule, path) for rule, path, _ in repo.check("--base", "main").found}
    assert {("ban-drop-column", f"{APP}/0004_drop.py"), ("ban-drop-table", f"{APP}/0004_drop.py")} <= found


GOOSE = "-- +goose Up\n{up}\n\n-- +goose Down\n{down}\n"


def test_a_table_created_by_another_migration_of_the_same_change_is_new(repo: Repo) -> None:
    m = "db/migrations"
    repo.write(f"{m}/00001_users.sql", GOOSE.format(up="CREATE TABLE users (id int);", down="DROP TABLE users;"))
    repo.commit().branch("feature")
    repo.write(f"{m}/00002_orders.sql", GOOSE.format(up="CREATE TABLE orders (id int, user_id int);", down="DROP TABLE orders;"))
    repo.write(f"{m}/00003_indexes.sql", GOOSE.format(
        up="CREATE INDEX orders_user ON orders (user_id);\nCREATE INDEX users_id ON users (id);",
        down="DROP INDEX orders_user;\nDROP INDEX users_id;"))  # fmt: skip
    repo.commit()
    found = [f for f in repo.check("--base", "main").found if f[0] == "require-concurrent-index-creation"]
    assert found == [("require-concurrent-index-creation", f"{m}/00003_indexes.sql", 3)]  # users only


def _alembic_alter(repo: Repo, call: str) -> list[tuple[str, str, int]]:
    from tests.test_alembic import VERSIONS, project, revision

    project(repo).branch("feature")
    text = revision("2b", "1a", downgrade="    pass").replace(
        '    op.create_table("t", sa.Column("id", sa.Integer(), nullable=False))', f"    {call}"
    )
    repo.write(f"{VERSIONS}/2b_alter.py", text).commit()
    return [f for f in repo.check("--base", "main").found if f[0] not in ("migration-naming", "missing-rollback")]


@pytest.mark.parametrize(
    "call",
    [
        'op.alter_column("users", "name", type_=sa.String(length=200), existing_type=sa.VARCHAR(length=100))',
        'op.alter_column("users", "name", type_=sa.Text(), existing_type=sa.String(100))',
        'op.alter_column("users", "total", type_=sa.Numeric(14, 2), existing_type=sa.Numeric(10, 2))',
        'op.alter_column("users", "name", nullable=False, existing_nullable=False, existing_type=sa.Text())',
    ],
)
def test_alembic_alter_column_that_rewrites_nothing_is_silent(repo: Repo, call: str) -> None:
    assert _alembic_alter(repo, call) == []


@pytest.mark.parametrize(
    ("call", "rule"),
    [
        ('op.alter_column("users", "name", type_=sa.String(50), existing_type=sa.String(100))', "changing-column-type"),
        ('op.alter_column("users", "n", type_=sa.BigInteger(), existing_type=sa.Integer())', "changing-column-type"),
        ('op.alter_column("users", "name", type_=sa.String(200))', "changing-column-type"),  # no existing_type
        ('op.alter_column("users", "name", nullable=False, existing_type=sa.Text())', "adding-not-nullable-field"),
    ],
)
def test_alembic_alter_column_that_changes_the_table_is_reported(repo: Repo, call: str, rule: str) -> None:
    assert [f[0] for f in _alembic_alter(repo, call)] == [rule]


def test_a_nullable_foreign_key_field_added_is_not_a_scan(repo: Repo) -> None:
    """Django's PostgreSQL schema editor writes the key inline (``ADD COLUMN ... CONSTRAINT ...
    REFERENCES``): the new column is all NULL and PostgreSQL checks no row."""
    history(repo)
    text = migration(
        [("orders", "0002_widen_status")],
        "        migrations.AddField(model_name='order', name='buyer', field=models.ForeignKey(null=True, "
        "db_index=False, on_delete=models.PROTECT, to='orders.customer')),",
    )
    repo.write(f"{APP}/0003_buyer.py", text).commit()
    assert repo.check("--base", "main").found_for("adding-foreign-key-constraint") == []
    # with a default, every row has a value to check: the scan is reported
    repo.write(f"{APP}/0003_buyer.py", text.replace("null=True, ", "null=True, default=1, ")).commit()
    assert [f[0] for f in repo.check("--base", "main").found_for("adding-foreign-key-constraint")] == [
        "adding-foreign-key-constraint"
    ]


def test_set_not_null_after_a_validated_check_is_silent(repo: Repo) -> None:
    """PostgreSQL 12+ proves NOT NULL from a valid CHECK (col IS NOT NULL): no scan, no lock wait."""
    m = "db/migrations"
    repo.write(f"{m}/00001_users.sql", GOOSE.format(up="CREATE TABLE users (id int, email text);", down="DROP TABLE users;"))
    repo.commit().branch("feature")
    repo.write(f"{m}/00002_check.sql", GOOSE.format(
        up="ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;",
        down="ALTER TABLE users DROP CONSTRAINT email_nn;"))
    repo.write(f"{m}/00003_validate.sql", "-- +goose NO TRANSACTION\n" + GOOSE.format(
        up="ALTER TABLE users VALIDATE CONSTRAINT email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
           "ALTER TABLE users DROP CONSTRAINT email_nn;",
        down="ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"))  # fmt: skip
    repo.commit()
    assert [f for f in repo.check("--base", "main").found if f[0] == "adding-not-nullable-field"] == []


def test_set_not_null_after_a_check_never_validated_is_reported(repo: Repo) -> None:
    m = "db/migrations"
    repo.write(f"{m}/00001_users.sql", GOOSE.format(up="CREATE TABLE users (id int, email text);", down="DROP TABLE users;"))
    repo.commit().branch("feature")
    repo.write(f"{m}/00002_check.sql", GOOSE.format(
        up="ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
           "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        down="ALTER TABLE users DROP CONSTRAINT email_nn;"))  # fmt: skip
    repo.commit()
    found = [f for f in repo.check("--base", "main").found if f[0] == "adding-not-nullable-field"]
    assert found == [("adding-not-nullable-field", f"{m}/00002_check.sql", 3)]


def test_an_index_dropped_from_a_table_dropped_later_in_the_migration_is_moot(repo: Repo) -> None:
    m = "db/migrations"
    repo.write(f"{m}/00001_users.sql", GOOSE.format(
        up="CREATE TABLE users (id int);\nCREATE INDEX users_id ON users (id);\nCREATE TABLE keep (id int);\n"
           "CREATE INDEX keep_id ON keep (id);", down="DROP TABLE users;"))  # fmt: skip
    repo.commit().branch("feature")
    repo.write(f"{m}/00002_drop.sql", GOOSE.format(
        up="DROP INDEX users_id;\nDROP TABLE users;\nDROP INDEX keep_id;", down="SELECT 1;"))  # fmt: skip
    repo.commit()
    found = repo.check("--base", "main").found_for("require-concurrent-index-deletion", "ban-drop-table")
    # users_id sits on users, dropped on the next line: moot; keep_id's table stays
    assert found == [
        ("ban-drop-table", f"{m}/00002_drop.sql", 3),
        ("require-concurrent-index-deletion", f"{m}/00002_drop.sql", 4),
    ]


def test_sql_type_changes_are_judged_against_the_replayed_column(repo: Repo) -> None:
    m = "db/migrations"
    repo.write(f"{m}/00001_users.sql", GOOSE.format(
        up="CREATE TABLE users (id int, name varchar(50), total numeric(10, 2), n int);", down="DROP TABLE users;"))
    repo.write(f"{m}/00002_more.sql", GOOSE.format(up="ALTER TABLE users ADD COLUMN note varchar(20);", down="SELECT 1;"))
    repo.commit().branch("feature")
    repo.write(f"{m}/00003_types.sql", GOOSE.format(up="\n".join([
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(100);",  # wider: catalog only
        "ALTER TABLE users ALTER COLUMN note TYPE text;",  # varchar -> text: catalog only
        "ALTER TABLE users ALTER COLUMN total TYPE numeric(12, 2);",  # more digits: catalog only
        "ALTER TABLE users ALTER COLUMN n TYPE bigint;",  # rewrite
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(10);",  # narrower: rewrite
    ]), down="SELECT 1;"))  # fmt: skip
    repo.commit()
    found = repo.check("--base", "main").found_for("changing-column-type")
    assert found == [("changing-column-type", f"{m}/00003_types.sql", 5), ("changing-column-type", f"{m}/00003_types.sql", 6)]
    messages = [f["message"] for f in repo.check("--base", "main").json["findings"] if f["rule"] == "changing-column-type"]
    assert "from integer to bigint" in messages[0] and "from varchar(100) to varchar(10)" in messages[1]


def test_a_type_change_to_the_type_the_column_already_has_is_silent(repo: Repo) -> None:
    from tests.test_zero_downtime import sql_change

    sql_change(repo, "ALTER TABLE users ALTER COLUMN id TYPE bigint;")  # created as bigint
    assert repo.check("--base", "main").found_for("changing-column-type") == []


def test_a_dropped_or_renamed_column_names_its_type_and_the_index_on_it(repo: Repo) -> None:
    m = "db/migrations"
    repo.write(f"{m}/00001_users.sql", GOOSE.format(
        up="CREATE TABLE users (id int, email varchar(200), nick text);\nCREATE INDEX users_email ON users (email);",
        down="DROP TABLE users;"))  # fmt: skip
    repo.commit().branch("feature")
    repo.write(f"{m}/00002_drop.sql", GOOSE.format(
        up="ALTER TABLE users DROP COLUMN email;\nALTER TABLE users RENAME COLUMN nick TO handle;", down="SELECT 1;"))
    repo.commit()
    findings = {f["rule"]: f["message"] for f in repo.check("--base", "main").json["findings"]}
    assert "Dropping `email` (a varchar(200) column, used by index `users_email`) from `users`" in findings["ban-drop-column"]
    assert "Renaming `nick` (a text column) of `users`" in findings["renaming-column"]


def test_a_removed_django_field_names_its_definition(repo: Repo) -> None:
    history(repo)
    text = migration([("orders", "0002_widen_status")], "        migrations.RemoveField(model_name='order', name='customer'),")
    repo.write(f"{APP}/0003_remove.py", text).commit()
    message = repo.check("--base", "main").finding("ban-drop-column")["message"]
    assert "Dropping `customer` (a ForeignKey(to='orders.customer') field, indexed)" in message


RAILS_CREATE = (
    "class CreateOrders < ActiveRecord::Migration[7.1]\n  def change\n    create_table :orders do |t|\n"
    "      t.string :code, limit: 20\n      t.decimal :total, precision: 10, scale: 2\n      t.integer :qty\n"
    "    end\n  end\nend\n"
)


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        ("change_column :orders, :code, :string, limit: 40", False),  # wider varchar
        ("change_column :orders, :code, :text", False),  # varchar -> text
        ("change_column :orders, :total, :decimal, precision: 12, scale: 2", False),
        ("change_column :orders, :qty, :bigint", True),
        ("change_column :orders, :code, :string, limit: 10", True),
        ("change_column :orders, :missing, :string, limit: 40", True),  # never seen: judged as before
    ],
)
def test_rails_change_column_is_judged_against_the_replayed_column(repo: Repo, change: str, reported: bool) -> None:
    repo.write("db/migrate/20240101000000_create_orders.rb", RAILS_CREATE).commit().branch("feature")
    body = f"class ChangeOrders < ActiveRecord::Migration[7.1]\n  def up\n    {change}\n  end\n\n  def down\n  end\nend\n"
    repo.write("db/migrate/20240201000000_change_orders.rb", body).commit()
    found = repo.check("--base", "main").found_for("changing-column-type")
    assert found == ([("changing-column-type", "db/migrate/20240201000000_change_orders.rb", 3)] if reported else [])


def test_mysql_type_changes_stay_reported_even_when_postgres_would_not_rewrite(repo: Repo) -> None:
    """MODIFY COLUMN restates the whole definition (nullability, charset): not judged, reported."""
    m = "db/migrations"
    repo.write(".github/migration-guard.yml", "dialect: mysql\n")
    repo.write(f"{m}/00001_users.sql", GOOSE.format(up="CREATE TABLE users (id int, name varchar(20));", down="DROP TABLE users;"))
    repo.commit().branch("feature")
    repo.write(f"{m}/00002_widen.sql", GOOSE.format(up="ALTER TABLE users MODIFY COLUMN name varchar(60);", down="SELECT 1;"))
    repo.commit()
    outcome = repo.check("--base", "main")
    assert outcome.found_for("changing-column-type") == [("changing-column-type", f"{m}/00002_widen.sql", 2)]
    assert "from varchar(20) to varchar(60)" in outcome.finding("changing-column-type")["message"]


def test_the_replay_follows_drops_and_schema_qualified_names(repo: Repo) -> None:
    """A table dropped and made again is judged by its new definition; `app.users` is not `users`."""
    m = "db/migrations"
    repo.write(f"{m}/00001_users.sql", GOOSE.format(
        up="CREATE TABLE app.users (id int, name varchar(50));\nCREATE TABLE notes (body varchar(10));", down="SELECT 1;"))
    repo.write(f"{m}/00002_again.sql", GOOSE.format(
        up="DROP TABLE notes;\nCREATE TABLE notes (body varchar(200));", down="SELECT 1;"))  # fmt: skip
    repo.commit().branch("feature")
    repo.write(f"{m}/00003_types.sql", GOOSE.format(up="\n".join([
        "ALTER TABLE app.users ALTER COLUMN name TYPE varchar(100);",  # wider: catalog only
        "ALTER TABLE notes ALTER COLUMN body TYPE varchar(100);",  # narrower than the 200 of the new table
    ]), down="SELECT 1;"))  # fmt: skip
    repo.commit()
    outcome = repo.check("--base", "main")
    assert outcome.found_for("changing-column-type") == [("changing-column-type", f"{m}/00003_types.sql", 3)]
    assert "from varchar(200) to varchar(100)" in outcome.finding("changing-column-type")["message"]


def test_a_mysql_modify_that_keeps_the_type_says_what_it_restates(repo: Repo) -> None:
    """openfga's `MODIFY COLUMN object_id VARCHAR(255) COLLATE utf8mb4_bin` read "from varchar(255) to varchar(255)"."""
    m = "db/migrations"
    repo.write(".github/migration-guard.yml", "dialect: mysql\n")
    repo.write(f"{m}/00001_users.sql", GOOSE.format(up="CREATE TABLE users (id int, name varchar(20));", down="DROP TABLE users;"))
    repo.commit().branch("feature")
    repo.write(f"{m}/00002_collate.sql",
               GOOSE.format(up="ALTER TABLE users MODIFY COLUMN name varchar(20) COLLATE utf8mb4_bin;", down="SELECT 1;"))  # fmt: skip
    message = repo.commit().check("--base", "main").finding("changing-column-type")["message"]
    assert "`MODIFY COLUMN restating varchar(20) (its collation, charset, nullability or default change)`" in message


@pytest.mark.parametrize(
    ("up", "reported"),
    [
        ('ALTER TABLE users ALTER COLUMN name TYPE varchar(60) USING "name"::varchar(60);', None),  # Django's form
        ("ALTER TABLE users ALTER COLUMN name TYPE varchar(60) USING name;", None),
        ("ALTER TABLE users ALTER COLUMN name TYPE varchar(60) USING lower(name);", "computes every value again"),
        ('ALTER TABLE users ALTER COLUMN name TYPE varchar(20) COLLATE "C";', "changes its collation"),
    ],
)
def test_using_and_collate_are_never_catalog_only(repo: Repo, up: str, reported: str | None) -> None:
    m = "db/migrations"
    repo.write(f"{m}/00001_users.sql", GOOSE.format(up="CREATE TABLE users (id int, name varchar(20));", down="DROP TABLE users;"))
    repo.commit().branch("feature")
    repo.write(f"{m}/00002_retype.sql", GOOSE.format(up=up, down="SELECT 1;"))
    found = [f for f in repo.commit().check("--base", "main").json["findings"] if f["rule"] == "changing-column-type"]
    if reported is None:
        assert found == []
    else:
        assert len(found) == 1 and reported in found[0]["message"], found
