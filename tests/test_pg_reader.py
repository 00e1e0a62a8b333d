"""PostgreSQL's own parser (``bot.syntax.pg_operations``) reads the statements migrations are made
of into the same operations sqlglot's reading gives (``postgres_reader=False``), and where the
two disagree on real migrations, PostgreSQL's reading is the right one (sqlglot read lemmy's
``ALTER TABLE t RENAME a TO b`` as a table rename, missed ``UNIQUE`` on a named index, and could
not read ``CREATE TABLE`` with a ``NOT NULL`` table constraint)."""

from __future__ import annotations

import pytest

from bot.core.operations import Op
from bot.syntax import pg_operations
from bot.syntax.sql_operations import sql_operations
from tests.in_memory import found

pytestmark = pytest.mark.skipif(not pg_operations.available(), reason="pglast has no wheel for this platform")

#: statements of every shape the PostgreSQL reader reads (and some it leaves to sqlglot)
SAME = [
    "CREATE INDEX idx_users_email ON users (email);",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON public.users USING gin (tags);",
    "CREATE INDEX ON users (a, b) WHERE deleted_at IS NULL;",
    "CREATE INDEX idx ON users (lower(email));",  # an expression: left to sqlglot
    "CREATE TABLE audit (id bigint PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz DEFAULT now());",
    "CREATE TABLE IF NOT EXISTS app.orders (id bigserial, total numeric(10, 2), note varchar(200), codes int[]);",
    "CREATE TEMPORARY TABLE scratch (id int);",
    "CREATE TABLE t (a text, a text);",
    "CREATE TABLE t (id int, name citext);",  # a type not read here: left to sqlglot
    "CREATE TABLE t (LIKE u);",
    "DROP TABLE users;",
    "DROP TABLE IF EXISTS public.a, app.b CASCADE;",
    "DROP INDEX idx_old;",
    "DROP INDEX CONCURRENTLY IF EXISTS idx_old;",
    "DROP DATABASE prod;",
    "DROP VIEW v;",
    "ALTER TABLE users ADD COLUMN note text;",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS flag boolean NOT NULL DEFAULT false;",
    "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
    "ALTER TABLE users ADD COLUMN r float8 DEFAULT random();",
    "ALTER TABLE users ADD COLUMN code text DEFAULT md5(random()::text);",
    "ALTER TABLE users ADD COLUMN code text DEFAULT my_function();",
    "ALTER TABLE users ADD COLUMN n int DEFAULT 0 NOT NULL;",
    "ALTER TABLE users ADD COLUMN id2 bigserial;",
    "ALTER TABLE users ADD COLUMN org_id bigint REFERENCES orgs (id);",
    "ALTER TABLE users ADD COLUMN k int PRIMARY KEY;",
    "ALTER TABLE users ADD COLUMN k int UNIQUE;",
    "ALTER TABLE users ADD COLUMN g int GENERATED ALWAYS AS (id + 1) STORED;",
    "ALTER TABLE users ALTER COLUMN email TYPE varchar(320);",
    "ALTER TABLE users ALTER COLUMN email TYPE text;",
    "ALTER TABLE users ALTER COLUMN n TYPE bigint USING n::bigint;",
    "ALTER TABLE users ALTER COLUMN n TYPE bigint USING n + 1;",
    "ALTER TABLE users ALTER COLUMN at TYPE timestamptz(3);",
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
    "ALTER TABLE users ALTER COLUMN email SET DEFAULT 'x';",
    "ALTER TABLE users ALTER COLUMN email DROP DEFAULT;",
    "ALTER TABLE users DROP CONSTRAINT users_email_key;",
    "ALTER TABLE users DROP CONSTRAINT IF EXISTS c, ADD CONSTRAINT c CHECK (total > 0);",
    "CREATE TABLE pairs (a int NOT NULL, b int NULL, c int, PRIMARY KEY (a, c));",
    "CREATE TABLE keyed (id bigint PRIMARY KEY, name text NOT NULL);",
    "ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id);",
    "ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
    "ALTER TABLE orders ADD CONSTRAINT c CHECK (total IS NOT NULL);",
    "ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;",
    "ALTER TABLE orders ADD CONSTRAINT pk PRIMARY KEY (id);",
    "ALTER TABLE orders ADD CONSTRAINT u UNIQUE (code);",
    "ALTER TABLE orders ADD CHECK (total > 0);",
    "ALTER TABLE orders ADD CONSTRAINT u UNIQUE USING INDEX idx;",
    "ALTER TABLE app.users RENAME COLUMN name TO full_name;",
    "ALTER TABLE users RENAME TO people;",
    "ALTER TABLE users DROP COLUMN note, DROP COLUMN IF EXISTS other;",
    "ALTER TABLE users ADD COLUMN a int, ALTER COLUMN b SET NOT NULL;",
    "ALTER TABLE users SET (fillfactor = 70);",
    "SET lock_timeout = '2s';",
    "SET LOCAL statement_timeout TO 0;",
    "SET statement_timeout = '0ms';",
    "SET search_path TO app, public;",
    "TRUNCATE users;",
    "TRUNCATE a, b CASCADE;",
    "BEGIN;",
    "COMMIT;",
    "VACUUM FULL users;",
    "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;",
    "CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;",
    "CREATE VIEW v AS SELECT 1;",
    "CREATE OR REPLACE VIEW public.v AS SELECT 1;",
    "CREATE MATERIALIZED VIEW mv AS SELECT 1;",
    "CREATE TABLE copy AS SELECT * FROM users;",
    "CREATE TYPE mood AS ENUM ('a', 'b');",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
    "COMMENT ON TABLE users IS 'people';",
    "GRANT SELECT ON users TO reader;",
    "REVOKE SELECT ON users FROM reader;",
    "DROP FUNCTION f;",
    "DROP MATERIALIZED VIEW mv;",
    "DROP SCHEMA s CASCADE;",
    "CREATE SEQUENCE s;",
    "INSERT INTO public.t (a, b) VALUES (1, 2);",
    "INSERT INTO t (a, a) VALUES (1, 2);",
    "INSERT INTO t SELECT * FROM u;",
    "UPDATE users SET plan = 'free', (a, b) = (1, 2), plan = 'x' WHERE id < 100;",
    "DELETE FROM app.sessions WHERE expired;",
    "MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN DELETE;",
    "SELECT setval('s', 1);",
    "VALUES (1);",
    "WITH gone AS (DELETE FROM t RETURNING id) SELECT count(*) FROM gone;",  # left to sqlglot
]


@pytest.mark.parametrize("sql", SAME)
def test_both_readers_give_the_same_operations(sql: str) -> None:
    assert sql_operations(sql) == sql_operations(sql, postgres_reader=False)


def test_the_readers_agree_on_a_file_of_many_statements_and_lines() -> None:
    text = "\n\n".join(s.replace(" (", "\n  (") for s in SAME) + "\n"
    assert sql_operations(text, first_line=7) == sql_operations(text, first_line=7, postgres_reader=False)


def test_a_column_is_on_the_line_its_name_is_written_on() -> None:
    (op,) = sql_operations("CREATE TABLE t (\n  id bigint,\n  name varchar(20)\n);\n", first_line=10)
    assert [(c.name, c.type, c.line) for c in op.columns] == [("id", ("bigint",), 11), ("name", ("varchar", "20"), 12)]


def test_rename_without_the_column_keyword_renames_a_column() -> None:
    """PostgreSQL's grammar: ``RENAME [COLUMN] a TO b``; sqlglot read it as ``RENAME TO`` (lemmy)."""
    (op,) = sql_operations("ALTER TABLE person RENAME preferred_username TO display_name;")
    assert (op.kind, op.table, op.column, op.new_name) == (Op.RENAME_COLUMN, "person", "preferred_username", "display_name")
    findings = found({}, {"db/migration/V1__r.sql": "ALTER TABLE person RENAME preferred_username TO display_name;\n"})
    assert [f for f in findings if f[0].startswith("renaming")] == [("renaming-column", "db/migration/V1__r.sql", 1)]


def test_a_named_unique_index_is_unique() -> None:
    (op,) = sql_operations("CREATE UNIQUE INDEX idx_post_id ON post_mview (id);")
    assert (op.kind, op.unique, op.index, op.index_columns) == (Op.CREATE_INDEX, True, "idx_post_id", ("id",))


def test_a_table_with_a_not_null_table_constraint_is_created() -> None:
    sql = "CREATE TABLE saved (\n  person_id int,\n  CONSTRAINT person_not_null NOT NULL person_id\n);"
    (op,) = sql_operations(sql)
    assert (op.kind, op.table, [c.name for c in op.columns]) == (Op.CREATE_TABLE, "saved", ["person_id"])


def test_several_indexes_dropped_at_once_get_no_concurrently_suggestion() -> None:
    """``DROP INDEX CONCURRENTLY`` drops one index and takes no ``CASCADE``: offered alone only."""
    (many,) = sql_operations("DROP INDEX a, b;")
    (cascade,) = sql_operations("DROP INDEX a CASCADE;")
    (alone,) = sql_operations("DROP INDEX a;")
    assert (many.suggestion, cascade.suggestion, alone.suggestion) == (None, None, "DROP INDEX CONCURRENTLY a;")


def test_a_long_name_is_read_whole_as_written() -> None:
    """PostgreSQL's parser keeps 63 bytes of a name; the statement is read by sqlglot, which keeps
    it whole, so the rule on long names and the schema see the name as written."""
    name = "c" * 70
    (op,) = sql_operations(f"ALTER TABLE t ADD COLUMN {name} int;")
    assert (op.column, op.long_names) == (name, (name,))


def test_a_statement_postgresql_refuses_is_read_by_sqlglot() -> None:
    sql = "ALTER TABLE t ADD COLUMN c int,;"  # a trailing comma PostgreSQL refuses
    assert pg_operations.pg_operations(sql[:-1], 1, 1, sql) is None
    ops = sql_operations(sql)
    assert [(o.kind, o.table, o.column) for o in ops] == [(Op.ADD_COLUMN, "t", "c")]  # still read, by sqlglot
    assert ops == sql_operations(sql, postgres_reader=False)


def test_a_file_is_split_by_postgresql_and_each_statement_keeps_its_lines() -> None:
    """Data changes are read from sqlglot's tokens of their statement alone, on their own lines."""
    sql = "-- lead\nCREATE TABLE t (\n  id int\n);\n\nUPDATE t SET id = 1, id = 2;\nSELECT 1 -- trailing\n;\nDROP TABLE t;\n"
    ops = sql_operations(sql, first_line=3)
    assert [(o.kind, o.line, o.end_line) for o in ops] == [
        (Op.CREATE_TABLE, 4, 6), (Op.DATA, 8, 8), (Op.OTHER, 9, 9), (Op.DROP_TABLE, 11, 11)
    ]  # fmt: skip
    assert ops[1].repeated == "id"
    assert ops == sql_operations(sql, first_line=3, postgres_reader=False)


def test_a_statement_postgresqls_splitter_would_drop_sends_the_file_to_sqlglot() -> None:
    """pglast's splitter leaves out a statement of one bare word; nothing may pass unread."""
    assert pg_operations.pg_statements("oops; DROP TABLE t;") is None
    sql = "oops;\nDROP TABLE t;\n"
    assert [o.kind for o in sql_operations(sql)] == [o.kind for o in sql_operations(sql, postgres_reader=False)]
    assert Op.DROP_TABLE in [o.kind for o in sql_operations(sql)]


def test_a_data_change_after_a_long_with_is_a_data_change() -> None:
    """sqlglot's token reading looks for the data change in a WITH's first 64 tokens only (hatchet's
    sqlc queries: an INSERT after a long CTE read as a SELECT)."""
    ctes = ", ".join(f"c{i} AS (SELECT {i} AS n FROM src WHERE a = {i} AND b = {i})" for i in range(8))
    (op,) = sql_operations(f"WITH {ctes} INSERT INTO target SELECT n FROM c0;")
    assert (op.kind, op.table, op.detail) == (Op.DATA, "target", "INSERT")


def test_triggers_are_read_with_their_table() -> None:
    """CREATE TRIGGER takes SHARE ROW EXCLUSIVE on its table, DROP TRIGGER ACCESS EXCLUSIVE (hatchet
    dropped one on its busiest table first thing in a migration); sqlglot's reading names no table."""
    created, dropped = sql_operations("CREATE TRIGGER tr AFTER INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION f();\n"
                                      "DROP TRIGGER IF EXISTS tr ON t;")  # fmt: skip
    assert (created.kind, created.table, created.line) == (Op.CREATE_TRIGGER, "app.t", 1)
    assert (dropped.kind, dropped.table, dropped.guarded, dropped.line) == (Op.DROP_TRIGGER, "t", True, 2)
    findings = found({}, {"db/migration/V1__t.sql": "DROP TRIGGER tr ON events;\nDROP TABLE old_lookup;\n"})
    assert [f for f in findings if f[0] == "require-lock-timeout"] == [("require-lock-timeout", "db/migration/V1__t.sql", 1)]

