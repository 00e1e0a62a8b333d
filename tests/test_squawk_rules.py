"""squawk's rules, with squawk's own bad and good cases (crates/squawk_linter/src/rules/*.rs)
rewritten for our harness: a goose migration on top of a `users` table; and what we add on top:
the transaction the runner wraps around the file."""

from __future__ import annotations

import pytest

from tests import in_memory
from tests.gitrepo_factory import Repo
from tests.test_zero_downtime import M, goose, sql_change

CASES = [
    # ban-truncate-cascade
    ("truncate a, b, c cascade;", "ban-truncate-cascade", True),
    ("truncate a, b, c;", "ban-truncate-cascade", False),
    ("TRUNCATE users;", "ban-truncate-cascade", False),
    # ban-drop-database
    ('DROP DATABASE "table_name";', "ban-drop-database", True),
    ('DROP DATABASE IF EXISTS "table_name";', "ban-drop-database", True),
    ("DROP TABLE users;", "ban-drop-database", False),
    # require-concurrent-reindex
    ("REINDEX TABLE users;", "require-concurrent-reindex", True),
    ("REINDEX INDEX foo;", "require-concurrent-reindex", True),
    ("REINDEX SCHEMA foo;", "require-concurrent-reindex", True),
    ("REINDEX DATABASE foo;", "require-concurrent-reindex", True),
    ("REINDEX TABLE CONCURRENTLY users;", "require-concurrent-reindex", False),
    ("REINDEX (CONCURRENTLY) INDEX foo;", "require-concurrent-reindex", False),
    ("REINDEX SYSTEM foo;", "require-concurrent-reindex", False),
    # require-concurrent-partition-detach
    ("ALTER TABLE users DETACH PARTITION p;", "require-concurrent-partition-detach", True),
    ("ALTER TABLE users DETACH PARTITION p CONCURRENTLY;", "require-concurrent-partition-detach", False),
    ("ALTER TABLE users DETACH PARTITION p FINALIZE;", "require-concurrent-partition-detach", False),
    # ban-drop-not-null
    ('ALTER TABLE "users" ALTER COLUMN "email" DROP NOT NULL;', "ban-drop-not-null", True),
    ("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", "ban-drop-not-null", False),
    # adding-serial-primary-key-field (squawk's adding_primary_key_constraint.rs)
    ("ALTER TABLE users ADD COLUMN b SERIAL PRIMARY KEY;", "adding-serial-primary-key-field", True),
    ("ALTER TABLE users ADD PRIMARY KEY (id);", "adding-serial-primary-key-field", True),
    ("ALTER TABLE users ADD CONSTRAINT users_pk PRIMARY KEY (id);", "adding-serial-primary-key-field", True),
    ("ALTER TABLE users ADD CONSTRAINT users_pk PRIMARY KEY USING INDEX users_pk;", "adding-serial-primary-key-field", False),
    ("CREATE TABLE items (id bigint PRIMARY KEY);", "adding-serial-primary-key-field", False),
    ("ALTER TABLE users ADD PRIMARY KEY (id);", "disallowed-unique-constraint", False),  # said once, by its own rule
    ("ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);", "adding-serial-primary-key-field", False),
    # ban-duplicate-column-assignments
    ("UPDATE users SET a = 1, b = 2, a = 3 WHERE id = 1;", "ban-duplicate-column-assignments", True),
    ("INSERT INTO users (a, b, a) VALUES (1, 2, 3);", "ban-duplicate-column-assignments", True),
    ("CREATE TABLE t (a int, A text);", "ban-duplicate-column-assignments", True),
    ('CREATE TABLE t (a int, "A" text);', "ban-duplicate-column-assignments", False),
    ("UPDATE users SET a = a + 1, b = 2 WHERE a = 1 AND b = 2;", "ban-duplicate-column-assignments", False),
    ("UPDATE users SET (a, b) = (1, 2);", "ban-duplicate-column-assignments", False),
    ("INSERT INTO users (a, b) SELECT a, a FROM t;", "ban-duplicate-column-assignments", False),
    ("INSERT INTO users SELECT coalesce(a, a) FROM t;", "ban-duplicate-column-assignments", False),
    # an `=` in CASE is a comparison (seen in maybe-finance/maybe: 3 wrong errors before this case)
    ("UPDATE users SET a = CASE WHEN status = 'x' THEN 1 END, b = CASE WHEN status = 'y' THEN 2 END;",
     "ban-duplicate-column-assignments", False),
    ("UPDATE users SET a = f(b => 1), b = 2;", "ban-duplicate-column-assignments", False),
    ("UPDATE users SET (a, b) = (1, 2), a = 3;", "ban-duplicate-column-assignments", True),
    # identifier-too-long
    ("CREATE TABLE " + "a" * 64 + " (id bigint);", "identifier-too-long", True),
    ("ALTER TABLE users ADD COLUMN " + "é" * 32 + " text;", "identifier-too-long", True),  # 64 bytes
    ("CREATE TABLE " + "a" * 63 + " (id bigint);", "identifier-too-long", False),
    ("COMMENT ON TABLE users IS '" + "a" * 100 + "';", "identifier-too-long", False),  # a string, not a name
    # ban-create-domain-with-constraint
    ("CREATE DOMAIN domain_name_3 AS NUMERIC(15,5) CHECK (value > 0);", "ban-create-domain-with-constraint", True),
    ("create domain d as t check (value > 0) not null;", "ban-create-domain-with-constraint", True),
    ("CREATE DOMAIN domain_name_1 AS TEXT;", "ban-create-domain-with-constraint", False),
    ("CREATE DOMAIN domain_name_2 AS CHARACTER VARYING;", "ban-create-domain-with-constraint", False),
    # ban-alter-domain-with-add-constraint
    ("ALTER DOMAIN domain_name ADD CONSTRAINT constraint_name CHECK (value > 0);", "ban-alter-domain-with-add-constraint", True),
    ("ALTER DOMAIN d ADD CONSTRAINT c CHECK (value > 0) NOT VALID;", "ban-alter-domain-with-add-constraint", False),
    ("ALTER DOMAIN domain_name_2 SET NOT NULL;", "ban-alter-domain-with-add-constraint", False),
    ("ALTER DOMAIN domain_name_3 DROP CONSTRAINT other_domain_name;", "ban-alter-domain-with-add-constraint", False),
    ("ALTER DOMAIN domain_name_4 RENAME CONSTRAINT constraint_name TO other;", "ban-alter-domain-with-add-constraint", False),
    ("ALTER DOMAIN domain_name_6 VALIDATE CONSTRAINT constraint_name;", "ban-alter-domain-with-add-constraint", False),
    # prefer-repack
    ("CLUSTER users;", "prefer-repack", True),
    ("CLUSTER;", "prefer-repack", True),
    ("VACUUM FULL users;", "prefer-repack", True),
    ("VACUUM (FULL) users;", "prefer-repack", True),
    ("VACUUM (FULL FALSE) users;", "prefer-repack", False),
    ("VACUUM users;", "prefer-repack", False),
    ("VACUUM ANALYZE users;", "prefer-repack", False),
    ("VACUUM FREEZE users;", "prefer-repack", False),
]


@pytest.mark.parametrize(("sql", "rule", "found"), CASES)
def test_squawks_cases(sql: str, rule: str, found: bool) -> None:
    """In memory (``tests/in_memory.py``): the migration's text in, the findings out."""
    no_transaction = "CONCURRENTLY" in sql  # as squawk assumes: these cannot run in a transaction
    findings = in_memory.found(
        {f"{M}/00001_users.sql": goose("CREATE TABLE users (id bigint PRIMARY KEY);")},
        {f"{M}/00002_rework_users.sql": goose(sql, no_transaction=no_transaction)},
    )
    assert any(f[0] == rule for f in findings) == found, findings


@pytest.mark.parametrize("sql", ["REINDEX TABLE CONCURRENTLY users;", "ALTER TABLE users DETACH PARTITION p CONCURRENTLY;"])
def test_a_concurrent_reindex_or_detach_in_the_files_transaction_fails_the_deploy(repo: Repo, sql: str) -> None:
    """squawk cannot know goose wraps the file in a transaction unless told; we read the file."""
    outcome = sql_change(repo, sql).check("--base", "main")
    assert outcome.found_for("ban-concurrent-index-creation-in-transaction") == [
        ("ban-concurrent-index-creation-in-transaction", f"{M}/00002_rework_users.sql", 2)
    ]
    assert outcome.code == 1


@pytest.mark.parametrize(
    ("sql", "rule", "rewritten"),
    [
        ("REINDEX TABLE users;", "require-concurrent-reindex", "REINDEX TABLE CONCURRENTLY users;"),
        ("ALTER TABLE users DETACH PARTITION p;", "require-concurrent-partition-detach",
         "ALTER TABLE users DETACH PARTITION p CONCURRENTLY;"),
    ],
)  # fmt: skip
def test_the_suggestion_adds_concurrently_and_turns_the_transaction_off(
    repo: Repo, sql: str, rule: str, rewritten: str
) -> None:
    sql_change(repo, sql)
    (finding,) = [f for f in repo.findings() if f.rule == rule]
    assert finding.suggestion == f"-- +goose NO TRANSACTION\n-- +goose Up\n{rewritten}"
    assert finding.suggested_range == (1, 2)
    repo.write(f"{M}/00002_rework_users.sql", goose(rewritten, no_transaction=True)).commit()
    assert [f.rule for f in repo.findings() if f.severity.label != "notice"] == []


def test_truncate_counts_as_a_data_change(repo: Repo) -> None:
    """sqlglot parses TRUNCATE as its own statement; it is still data beside schema changes."""
    outcome = sql_change(repo, "ALTER TABLE users ADD COLUMN age int;\nTRUNCATE users;").check("--base", "main")
    assert outcome.found_for("mixed-schema-and-data-migration")


def golang_migrate(repo: Repo, sql: str) -> Repo:
    """golang-migrate sends the whole file as one query: PostgreSQL's implicit transaction, which an
    explicit BEGIN/COMMIT in the file takes over (as golang-migrate's docs advise)."""
    repo.write("db/migrations/1_users.up.sql", "CREATE TABLE users (id int);\n")
    repo.write("db/migrations/1_users.down.sql", "DROP TABLE users;\n").commit().branch("feature")
    repo.write("db/migrations/2_change.up.sql", sql + "\n")
    return repo.write("db/migrations/2_change.down.sql", "SELECT 1;\n").commit()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("BEGIN;\nBEGIN;\nSELECT 1;\nCOMMIT;", [2]),  # squawk: begin_repeated_err
        ("SELECT 1;\nCOMMIT;", [2]),  # squawk: commit_without_begin_err
        ("SELECT 1;\nROLLBACK;", [2]),
        ("BEGIN;\nALTER TABLE users ADD COLUMN age int;\nCOMMIT;", []),  # the file's own transaction: fine
        ("BEGIN;\nSELECT 1;\nROLLBACK TO SAVEPOINT s;\nCOMMIT;", []),
    ],
)
def test_transaction_nesting_where_the_file_controls_its_transaction(repo: Repo, sql: str, expected: list[int]) -> None:
    found = golang_migrate(repo, sql).check("--base", "main").found_for("transaction-nesting")
    assert [line for _rule, _path, line in found] == expected


@pytest.mark.parametrize(("no_transaction", "expected"), [(False, [2, 4]), (True, [])])
def test_transaction_nesting_inside_the_runners_transaction(repo: Repo, no_transaction: bool, expected: list[int]) -> None:
    """goose wraps the file in its own transaction unless told not to: there BEGIN/COMMIT nest."""
    sql = "BEGIN;\nALTER TABLE users ADD COLUMN age int;\nCOMMIT;"
    found = sql_change(repo, sql, no_transaction=no_transaction).check("--base", "main").found_for("transaction-nesting")
    assert [line for _rule, _path, line in found] == [line + (1 if no_transaction else 0) for line in expected]


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        ("BEGIN;\nALTER TABLE users ADD COLUMN age int;", True),  # squawk: uncommitted_transaction_err
        ("BEGIN;\nALTER TABLE users ADD COLUMN age int;\nCOMMIT;", False),
        ("BEGIN;\nALTER TABLE users ADD COLUMN age int;\nROLLBACK;", False),
        ("START TRANSACTION;\nALTER TABLE users ADD COLUMN age int;\nEND;", False),
        ("ALTER TABLE users ADD COLUMN age int;", False),
    ],
)
def test_ban_uncommitted_transaction(repo: Repo, sql: str, found: bool) -> None:
    outcome = golang_migrate(repo, sql).check("--base", "main")
    assert bool(outcome.found_for("ban-uncommitted-transaction")) == found, outcome.found


@pytest.mark.parametrize(
    ("sql", "config", "lines"),
    [
        ("ALTER TABLE users ADD COLUMN age int;", None, [2]),
        ("SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN age int;", None, []),
        ("SET LOCAL lock_timeout TO '2s';\nALTER TABLE users ADD COLUMN age int;", None, []),
        ("SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN age int;", None, [3]),  # 0 turns it off
        ("ALTER TABLE users ADD COLUMN age int;\nSET lock_timeout = '1s';", None, [2]),  # too late
        ("ALTER TABLE users ADD COLUMN age int;\nALTER TABLE users ADD COLUMN b int;", None, [2]),  # once per file
        ("CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);", None, []),  # a new table: no one waits
        ("ALTER TABLE users ADD COLUMN age int;", "timeouts:\n  lock_timeout: set-by-role\n", []),
        ("ALTER TABLE users ADD COLUMN age int;", "timeouts:\n  lock_timeout: set-by-runner\n", []),
    ],
)
def test_require_lock_timeout_in_a_sql_file(repo: Repo, sql: str, config: str | None, lines: list[int]) -> None:
    found = sql_change(repo, sql, config=config).check("--base", "main").found_for("require-lock-timeout")
    assert [line for _rule, _path, line in found] == lines


def test_a_frameworks_runner_is_trusted_until_the_configuration_says_in_migration(repo: Repo) -> None:
    """Rails (strong_migrations), Django (OPTIONS), Alembic (env.py) usually set the timeouts
    outside the migration: not reported unless `in-migration` is said."""
    from tests.test_zero_downtime import ALEMBIC

    base = ALEMBIC.replace('"b2"', '"a1"').replace('"a1"\nfrom', "None\nfrom").format(
        body='    op.create_table("users", sa.Column("id", sa.Integer()))')
    repo.write("alembic/env.py", "").write("alembic/versions/a1.py", base).commit().branch("feature")
    repo.write("alembic/versions/b2.py", ALEMBIC.format(body='    op.add_column("users", sa.Column("age", sa.Integer()))'))
    repo.commit()
    assert repo.check("--base", "main").found_for("require-lock-timeout") == []
    said = "timeouts:\n  lock_timeout: in-migration\n"
    repo.checkout("main").write(".github/migration-guard.yml", said).commit().checkout("feature")
    repo.git("merge", "-q", "main")
    assert [r for r, _p, _l in repo.check("--base", "main").found_for("require-lock-timeout")] == ["require-lock-timeout"]


# The rules of taste: off until the configuration gives them a severity; squawk's cases.
TASTE_CASES = [
    # prefer-bigint-over-int
    ("CREATE TABLE t (\n  id int\n);", "prefer-bigint-over-int", [3], "  id bigint"),
    ("CREATE TABLE t (\n  id integer\n);", "prefer-bigint-over-int", [3], "  id bigint"),
    ("CREATE TABLE t (\n  id int4\n);", "prefer-bigint-over-int", [3], "  id int8"),
    ("CREATE TABLE t (\n  id serial\n);", "prefer-bigint-over-int", [3], "  id bigserial"),
    ("CREATE TABLE t (\n  id serial4\n);", "prefer-bigint-over-int", [3], "  id serial8"),
    ("CREATE TABLE t (\n  ids int[]\n);", "prefer-bigint-over-int", [3], "  ids bigint[]"),
    ("ALTER TABLE users ADD COLUMN n INTEGER;", "prefer-bigint-over-int", [2], "ALTER TABLE users ADD COLUMN n bigint;"),
    ("ALTER TABLE users ALTER COLUMN id TYPE int;", "prefer-bigint-over-int", [2], "ALTER TABLE users ALTER COLUMN id TYPE bigint;"),
    ("CREATE TABLE t (id bigint, b int8, c bigserial, d serial8);", "prefer-bigint-over-int", [], None),
    ("CREATE TABLE t (id smallint);", "prefer-bigint-over-int", [], None),
    # prefer-bigint-over-smallint
    ("CREATE TABLE t (\n  n smallint\n);", "prefer-bigint-over-smallint", [3], "  n bigint"),
    ("CREATE TABLE t (\n  n int2\n);", "prefer-bigint-over-smallint", [3], "  n int8"),
    ("CREATE TABLE t (\n  n smallserial\n);", "prefer-bigint-over-smallint", [3], "  n bigserial"),
    ("CREATE TABLE t (\n  n serial2\n);", "prefer-bigint-over-smallint", [3], "  n serial8"),
    ("CREATE TABLE t (n bigint, m int);", "prefer-bigint-over-smallint", [], None),
    # prefer-identity
    ("CREATE TABLE t (\n  id serial\n);", "prefer-identity", [3], "  id integer GENERATED BY DEFAULT AS IDENTITY"),
    ("CREATE TABLE t (\n  id bigserial\n);", "prefer-identity", [3], "  id bigint GENERATED BY DEFAULT AS IDENTITY"),
    ("CREATE TABLE t (\n  id smallserial\n);", "prefer-identity", [3], "  id smallint GENERATED BY DEFAULT AS IDENTITY"),
    ("CREATE TABLE t (\n  id serial8\n);", "prefer-identity", [3], "  id bigint GENERATED BY DEFAULT AS IDENTITY"),
    ("CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY);", "prefer-identity", [], None),
    ("CREATE TABLE t (id integer GENERATED ALWAYS AS IDENTITY);", "prefer-identity", [], None),
    # prefer-text-field
    ('CREATE TABLE "core_bar" (\n    "id" serial NOT NULL PRIMARY KEY,\n    "alpha" varchar(100) NOT NULL\n);',
     "prefer-text-field", [4], '    "alpha" text NOT NULL'),
    ('CREATE TABLE t (\n    "alpha" pg_catalog.varchar(100) NOT NULL\n);', "prefer-text-field", [3], '    "alpha" text NOT NULL'),
    ('ALTER TABLE "users" ALTER COLUMN "kind" TYPE varchar(1000) USING "kind"::varchar(1000);', "prefer-text-field", [2], None),
    ("ALTER TABLE users ADD COLUMN name character varying(50);", "prefer-text-field", [2],
     "ALTER TABLE users ADD COLUMN name text;"),
    ("CREATE TABLE t (a text, b varchar, c character varying);", "prefer-text-field", [], None),
    ("ALTER TABLE users ADD CONSTRAINT c CHECK (char_length(email) <= 100) NOT VALID;", "prefer-text-field", [], None),
    # ban-char-field
    ("CREATE TABLE t (\n  code char(2),\n  b character(100),\n  c bpchar,\n  d character\n);", "ban-char-field",
     [3, 4, 5, 6], "  code varchar(2),"),
    ("CREATE TABLE t (\n  tags char(2)[]\n);", "ban-char-field", [3], "  tags varchar(2)[]"),
    ('CREATE TABLE t (a varchar(2), b text, c "char", d character varying(5));', "ban-char-field", [], None),
    # prefer-timestamp-tz
    ("CREATE TABLE t (\n  a timestamp,\n  b timestamp without time zone,\n  c timestamp(3)\n);", "prefer-timestamp-tz",
     [3, 4, 5], "  a timestamptz,"),
    ("ALTER TABLE users ALTER COLUMN seen_at TYPE timestamp(3) without time zone;", "prefer-timestamp-tz", [2],
     "ALTER TABLE users ALTER COLUMN seen_at TYPE timestamptz(3);"),
    ("CREATE TABLE t (a timestamptz, b timestamp with time zone, c timestamptz(3));", "prefer-timestamp-tz", [], None),
    # require-enum-value-ordering
    ("ALTER TYPE status ADD VALUE 'paused';", "require-enum-value-ordering", [2], None),
    ("ALTER TYPE status ADD VALUE IF NOT EXISTS 'paused';", "require-enum-value-ordering", [2], None),
    ("ALTER TYPE status ADD VALUE 'paused' BEFORE 'done';", "require-enum-value-ordering", [], None),
    ("ALTER TYPE status ADD VALUE 'paused' AFTER 'active';", "require-enum-value-ordering", [], None),
    # require-table-schema
    ("CREATE TABLE my_table (id int);", "require-table-schema", [2], None),
    ("CREATE TABLE public.my_table (id int);", "require-table-schema", [], None),
    ("ALTER TABLE users ADD COLUMN name text, ADD COLUMN age int;", "require-table-schema", [2], None),
    ("ALTER TABLE public.users ADD COLUMN name text;", "require-table-schema", [], None),
    ("DROP TABLE users;", "require-table-schema", [2], None),
    ("DROP TABLE public.users;", "require-table-schema", [], None),
    ("CREATE TEMP TABLE temp_mapping_table (id int4) ON COMMIT DROP;", "require-table-schema", [], None),
    ("CREATE TEMPORARY TABLE other_temp (id int4);", "require-table-schema", [], None),
]


# prefer-robust-stmts: squawk's cases, where goose runs the file outside a transaction
ROBUST_CASES = [
    ("ALTER TABLE users ADD COLUMN name text;", [2], "ALTER TABLE users ADD COLUMN IF NOT EXISTS name text;"),
    ("ALTER TABLE users ADD COLUMN IF NOT EXISTS name text;", [], None),
    ("ALTER TABLE users DROP COLUMN email;", [2], "ALTER TABLE users DROP COLUMN IF EXISTS email;"),
    ("ALTER TABLE users DROP COLUMN IF EXISTS email;", [], None),
    ("CREATE INDEX CONCURRENTLY users_email_idx ON users (email);", [2],
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);"),
    ("CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);", [], None),
    ("DROP INDEX CONCURRENTLY users_email_idx;", [2], "DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;"),
    ("DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;", [], None),
    ("CREATE TABLE t (id bigint);", [2], "CREATE TABLE IF NOT EXISTS t (id bigint);"),
    ("DROP TABLE users;", [2], "DROP TABLE IF EXISTS users;"),
    ("BEGIN;\nALTER TABLE users ADD COLUMN name text;\nCOMMIT;", [], None),  # the file's own transaction
    ("CREATE TEMP TABLE t (id int);", [], None),
]


@pytest.mark.parametrize(("sql", "lines", "suggestion"), ROBUST_CASES)
def test_prefer_robust_stmts_outside_a_transaction(repo: Repo, sql: str, lines: list[int], suggestion: str | None) -> None:
    config = "rules:\n  prefer-robust-stmts: notice\n"
    outcome = sql_change(repo, sql, config=config, no_transaction=True).check("--base", "main")
    findings = [f for f in outcome.json["findings"] if f["rule"] == "prefer-robust-stmts"]
    assert [f["line"] for f in findings] == [line + 1 for line in lines], findings  # +1: the NO TRANSACTION marker
    if lines:
        assert (findings[0]["suggestion"] or {}).get("text") == suggestion


def test_prefer_robust_stmts_is_quiet_inside_the_runners_transaction(repo: Repo) -> None:
    config = "rules:\n  prefer-robust-stmts: notice\n"
    outcome = sql_change(repo, "ALTER TABLE users ADD COLUMN name text;", config=config).check("--base", "main")
    assert outcome.found_for("prefer-robust-stmts") == []


@pytest.mark.parametrize(("sql", "rule", "lines", "first_suggestion"), TASTE_CASES)
def test_rules_of_taste_when_turned_on(repo: Repo, sql: str, rule: str, lines: list[int], first_suggestion: str | None) -> None:
    outcome = sql_change(repo, sql, config=f"rules:\n  {rule}: notice\n").check("--base", "main")
    findings = [f for f in outcome.json["findings"] if f["rule"] == rule]
    assert [f["line"] for f in findings] == lines, findings
    if lines:
        suggestion = findings[0]["suggestion"]
        assert (suggestion["text"] if suggestion else None) == first_suggestion


@pytest.mark.parametrize("rule", sorted({case[1] for case in TASTE_CASES}))
def test_rules_of_taste_are_off_until_turned_on(repo: Repo, rule: str) -> None:
    sql = next(sql for sql, r, lines, _ in TASTE_CASES if r == rule and lines)
    assert sql_change(repo, sql).check("--base", "main").found_for(rule) == []


def test_squawks_spelling_of_an_id_is_accepted_in_configuration_and_suppressions(repo: Repo) -> None:
    sql = "CREATE TABLE t (\n  a timestamp,\n  -- migration-guard: ignore prefer-timestamptz stored as UTC by the app\n  b timestamp\n);"
    outcome = sql_change(repo, sql, config="rules:\n  prefer-timestamptz: warning\n").check("--base", "main")
    assert outcome.found_for("prefer-timestamp-tz") == [("prefer-timestamp-tz", f"{M}/00002_rework_users.sql", 3)]
    assert outcome.found_for("unused-suppression") == [] and outcome.found_for("invalid-suppression") == []


def test_squawks_require_timeout_settings_turns_both_timeout_rules_off_or_up(repo: Repo) -> None:
    sql = "ALTER TABLE users ADD COLUMN name text;"
    outcome = sql_change(repo, sql, config="rules:\n  require-timeout-settings: error\n").check("--base", "main")
    assert {(f["rule"], f["severity"]) for f in outcome.json["findings"] if "timeout" in f["rule"]} == {
        ("require-lock-timeout", "error"), ("require-statement-timeout", "error")}
    assert outcome.code == 1


# constraint-missing-not-valid: the validation in the transaction that added the constraint NOT VALID
NOT_VALID_THEN_VALIDATE = ("ALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0) NOT VALID;\n"
                           "ALTER TABLE users VALIDATE CONSTRAINT positive;")  # fmt: skip


@pytest.mark.parametrize(
    ("sql", "no_transaction", "lines"),
    [
        (NOT_VALID_THEN_VALIDATE, False, [3]),  # goose's transaction holds both
        (NOT_VALID_THEN_VALIDATE, True, []),  # NO TRANSACTION: the add commits at once
        (f"BEGIN;\n{NOT_VALID_THEN_VALIDATE}\nCOMMIT;", True, [4]),  # the file's own transaction
        ("BEGIN;\nALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0) NOT VALID;\nCOMMIT;\n"
         "ALTER TABLE users VALIDATE CONSTRAINT positive;", True, []),  # squawk's ok case
        ("ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES orgs (id) NOT VALID;\n"
         "ALTER TABLE users VALIDATE CONSTRAINT fk;", False, [3]),
        ("ALTER TABLE users VALIDATE CONSTRAINT positive;", False, []),  # added by an earlier migration
    ],
)
def test_validate_in_the_same_transaction_as_the_not_valid_add(repo: Repo, sql: str, no_transaction: bool, lines: list[int]) -> None:
    outcome = sql_change(repo, sql, no_transaction=no_transaction).check("--base", "main")
    offset = 1 if no_transaction else 0  # the NO TRANSACTION marker line
    assert [line for rule, _p, line in outcome.found if rule == "constraint-missing-not-valid"] == [n + offset for n in lines]


def test_rails_validate_foreign_key_in_the_migration_that_added_it(repo: Repo) -> None:
    repo.write("db/migrate/20240101000000_create_users.rb",
               "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users\n    create_table :orgs\n  end\nend\n").commit()  # fmt: skip
    body = ("class AddFk < ActiveRecord::Migration[7.1]\n  def change\n"
            "    add_foreign_key :users, :orgs, validate: false\n    validate_foreign_key :users, :orgs\n  end\nend\n")  # fmt: skip
    repo.branch("feature").write("db/migrate/20240102000000_add_fk.rb", body).commit()
    found = repo.check("--base", "main").found_for("constraint-missing-not-valid")
    assert found == [("constraint-missing-not-valid", "db/migrate/20240102000000_add_fk.rb", 4)]


@pytest.mark.parametrize(
    ("sql", "presumed"),
    [
        ("ALTER TABLE users ADD COLUMN code text DEFAULT my_code();", True),  # not a built-in: presumed volatile
        ("ALTER TABLE users ADD COLUMN code text DEFAULT public.my_code(1);", True),
        ("ALTER TABLE users ADD COLUMN code text DEFAULT gen_random_uuid()::text;", False),  # known volatile
        ("ALTER TABLE users ADD COLUMN code text DEFAULT lower('X');", None),  # built-in, immutable: fine
        ("ALTER TABLE users ADD COLUMN at timestamptz DEFAULT now();", None),
        ("ALTER TABLE users ADD COLUMN at timestamptz DEFAULT CURRENT_TIMESTAMP;", None),
        ("ALTER TABLE users ADD COLUMN n bigint DEFAULT abs(-1) + length('ab');", None),
        ("ALTER TABLE users ADD COLUMN d date DEFAULT to_date('2020-01-01', 'YYYY-MM-DD');", None),
    ],
)
def test_unknown_functions_in_defaults_are_presumed_volatile_and_said_so(repo: Repo, sql: str, presumed: bool | None) -> None:
    found = [f for f in sql_change(repo, sql).check("--base", "main").json["findings"] if f["rule"] == "adding-field-with-default"]
    if presumed is None:
        assert found == []
    else:
        assert len(found) == 1 and ("treated as volatile" in found[0]["message"]) == presumed, found


def _rails(repo: Repo, body: str, config: str) -> list[tuple[str, int | None]]:
    repo.write(".github/migration-guard.yml", config)
    repo.write("db/migrate/20240101000000_create_users.rb",
               "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users\n  end\nend\n").commit()  # fmt: skip
    text = f"class Example < ActiveRecord::Migration[7.1]\n  def change\n{body}\n  end\nend\n"
    repo.branch("feature").write("db/migrate/20240102000000_example.rb", text).commit()
    return [(f[0], f[2]) for f in repo.check("--base", "main").found]


def test_type_rules_read_the_rails_dsl(repo: Repo) -> None:
    config = "rules:\n  prefer-bigint-over-int: notice\n  prefer-text-field: notice\n  prefer-timestamp-tz: notice\n"
    body = ("    create_table :events do |t|\n      t.integer :count\n      t.bigint :total\n      t.string :code, limit: 3\n"
            "      t.string :name\n      t.datetime :seen_at\n    end\n    add_column :users, :age, :integer")  # fmt: skip
    found = [f for f in _rails(repo, body, config) if f[0].startswith("prefer-")]
    assert found == [("prefer-bigint-over-int", 4), ("prefer-text-field", 6), ("prefer-timestamp-tz", 8),
                     ("prefer-bigint-over-int", 10)]  # fmt: skip


def _alembic(repo: Repo, body: str, config: str) -> list[tuple[str, int | None]]:
    repo.write(".github/migration-guard.yml", config)
    if not (repo.root / "alembic/env.py").exists():
        repo.write("alembic/env.py", "")
    head = 'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "{rev}"\ndown_revision = {parent}\n\n\n'
    repo.write("alembic/versions/a1_base.py", head.format(rev="a1", parent="None")
               + 'def upgrade():\n    op.create_table("users", sa.Column("id", sa.BigInteger(), primary_key=True))\n\n\n'
               "def downgrade():\n    op.drop_table(\"users\")\n").commit()  # fmt: skip
    text = head.format(rev="b2", parent='"a1"') + f"def upgrade():\n{body}\n\n\ndef downgrade():\n    pass\n"
    repo.branch("feature").write("alembic/versions/b2_example.py", text).commit()
    return [(f[0], f[2]) for f in repo.check("--base", "main").found]


def test_type_rules_read_alembic_columns(repo: Repo) -> None:
    config = "rules:\n  prefer-bigint-over-int: notice\n  prefer-text-field: notice\n  prefer-timestamp-tz: notice\n"
    body = ('    op.create_table(\n        "events",\n        sa.Column("id", sa.Integer(), primary_key=True),\n'
            '        sa.Column("code", sa.String(length=3)),\n        sa.Column("at", sa.DateTime(timezone=True)),\n'
            '        sa.Column("seen", sa.DateTime()),\n        sa.Column("off", sa.DateTime(True)),\n    )\n'
            '    op.add_column("users", sa.Column("n", sa.SmallInteger()))')  # DateTime(True): redash writes the zone positionally
    found = [f for f in _alembic(repo, body, config) if f[0].startswith("prefer-")]
    assert found == [("prefer-bigint-over-int", 11), ("prefer-text-field", 12), ("prefer-timestamp-tz", 14)]


IN_MIGRATION = "timeouts:\n  lock_timeout: in-migration\n"


@pytest.mark.parametrize(
    ("initializer", "found"),
    [
        (None, True),
        ("StrongMigrations.lock_timeout = 10.seconds\nStrongMigrations.statement_timeout = 1.hour\n", False),
        ("# StrongMigrations.lock_timeout = 10.seconds\nStrongMigrations.start_after = 20240101000000\n", True),
    ],
)
def test_strong_migrations_initializer_sets_the_lock_timeout_for_every_rails_migration(
    repo: Repo, initializer: str | None, found: bool
) -> None:
    if initializer is not None:
        repo.write("config/initializers/strong_migrations.rb", initializer)
    rules = {rule for rule, _line in _rails(repo, "    remove_column :users, :email", IN_MIGRATION)}
    assert ("require-lock-timeout" in rules) == found


@pytest.mark.parametrize(
    ("env", "found"),
    [
        ("from alembic import context\n", True),
        ('from alembic import context\nconnection.execute(text("SET lock_timeout = \'5s\'"))\n', False),
        ('engine = create_engine(url, connect_args={"options": "-c lock_timeout=5000"})\n', False),
        ('connection.execute(text("SET lock_timeout = 0"))\n', True),  # turned off, not set
    ],
)
def test_alembic_env_py_sets_the_lock_timeout_for_every_revision(repo: Repo, env: str, found: bool) -> None:
    repo.write("alembic/env.py", env)
    rules = {rule for rule, _line in _alembic(repo, '    op.drop_column("users", "email")', IN_MIGRATION)}
    assert ("require-lock-timeout" in rules) == found


def test_a_type_in_generated_prisma_sql_is_changed_in_the_schema_not_by_a_suggestion(repo: Repo) -> None:
    repo.write("prisma/migrations/migration_lock.toml", 'provider = "postgresql"\n')
    repo.write("prisma/migrations/20240101000000_init/migration.sql", 'CREATE TABLE "users" ("id" BIGINT NOT NULL);\n').commit()
    repo.branch("feature").write("prisma/migrations/20240102000000_name/migration.sql",
                                 'ALTER TABLE "users" ADD COLUMN "name" VARCHAR(50);\n').commit()  # fmt: skip
    repo.write(".github/migration-guard.yml", "rules:\n  prefer-text-field: notice\n").commit()
    finding = repo.check("--base", "main").finding("prefer-text-field")
    assert finding["suggestion"] is None and "generated from `schema.prisma`" in finding["help"]


def test_alembics_shared_transaction_is_said_where_a_later_migration_is_the_fix(repo: Repo) -> None:
    found = _alembic(repo, '    op.create_check_constraint("positive", "users", "id > 0")', "rules: {}\n")
    assert ("constraint-missing-not-valid", 9) in found
    help_text = repo.check("--base", "main").finding("constraint-missing-not-valid")["help"]
    assert help_text.endswith("in a later migration. Unless env.py sets `transaction_per_migration=True`, Alembic "
                              "applies every pending revision of one `alembic upgrade` in one transaction: deploy the "
                              "validation on its own.")


def test_prefer_robust_stmts_reads_rails_if_not_exists(repo: Repo) -> None:
    config = "rules:\n  prefer-robust-stmts: notice\n"
    body = ("    add_index :users, :email, algorithm: :concurrently\n"
            "    add_index :users, :name, algorithm: :concurrently, if_not_exists: true\n"
            "    remove_column :users, :legacy, if_exists: true")  # fmt: skip
    text = f"class Example < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n{body}\n  end\nend\n"
    repo.write(".github/migration-guard.yml", config)
    repo.write("db/migrate/20240101000000_create_users.rb",
               "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users\n  end\nend\n").commit()  # fmt: skip
    repo.branch("feature").write("db/migrate/20240102000000_example.rb", text).commit()
    finding = repo.check("--base", "main").finding("prefer-robust-stmts")
    assert (finding["line"], finding["suggestion"]) == (5, None)
    assert finding["message"].endswith("(`add_index` without `if_not_exists: true`).")


def test_prefer_robust_stmts_reads_alembics_autocommit_block(repo: Repo) -> None:
    body = ("    with op.get_context().autocommit_block():\n"
            '        op.create_index("users_a", "users", ["a"], postgresql_concurrently=True)\n'
            '        op.create_index("users_b", "users", ["b"], postgresql_concurrently=True, if_not_exists=True)\n'
            '    op.create_index("users_c", "users", ["c"])')  # fmt: skip
    found = _alembic(repo, body, "rules:\n  prefer-robust-stmts: notice\n")
    assert [line for rule, line in found if rule == "prefer-robust-stmts"] == [10]  # inside the transaction: not judged
    finding = repo.check("--base", "main").finding("prefer-robust-stmts")
    assert finding["message"].endswith("without `if_not_exists=True`).")


def test_type_rules_read_django_fields(repo: Repo) -> None:
    config = "rules:\n  prefer-bigint-over-int: notice\n  prefer-text-field: notice\n  prefer-timestamp-tz: notice\n"
    repo.write(".github/migration-guard.yml", config)
    repo.write("shop/users/__init__.py", "").write("shop/users/migrations/__init__.py", "")
    repo.write("shop/users/migrations/0001_initial.py",
               "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
               "    initial = True\n    dependencies = []\n    operations = []\n").commit()  # fmt: skip
    body = ("from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            "    dependencies = [('users', '0001_initial')]\n    operations = [\n        migrations.CreateModel(\n"
            "            name='Event',\n            fields=[\n"
            "                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False)),\n"
            "                ('code', models.CharField(max_length=3)),\n"
            "                ('body', models.TextField()),\n"
            "                ('at', models.DateTimeField()),\n"
            "                ('count', models.PositiveIntegerField()),\n"
            "                ('kind', models.IntegerField(choices=[(1, 'a'), (2, 'b')])),\n"
            "                ('port', models.PositiveIntegerField(validators=[MaxValueValidator(65535)])),\n"
            "            ],\n        ),\n"
            "        migrations.AddField(model_name='event', name='total', field=models.BigIntegerField(default=0)),\n"
            "    ]\n")  # fmt: skip
    repo.branch("feature").write("shop/users/migrations/0002_event.py", body).commit()
    outcome = repo.check("--base", "main")
    assert [(r, line) for r, _p, line in outcome.found if r.startswith("prefer-")] == [
        ("prefer-bigint-over-int", 10), ("prefer-text-field", 11), ("prefer-bigint-over-int", 14)]  # kind, port: capped
    assert all(f["suggestion"] is None for f in outcome.json["findings"] if f["rule"].startswith("prefer-"))
    assert outcome.json["findings"][0]["help"] == "Use `BigIntegerField` (`BigAutoField` for keys: `DEFAULT_AUTO_FIELD`)."


@pytest.mark.parametrize(
    ("env", "ends_with"),
    [
        ("context.configure(connection=connection, transaction_per_migration=True)\n", "in a later migration."),
        ("# context.configure(transaction_per_migration=True)\ncontext.configure(connection=connection)\n",
         "deploy the validation on its own."),
        ("context.configure(connection=connection, transactional_ddl=False)\n",
         "so the add commits at once and the validation lets reads and writes go on."),
    ],
)
def test_alembics_env_py_says_how_revisions_share_transactions(repo: Repo, env: str, ends_with: str) -> None:
    repo.write("alembic/env.py", env)
    _alembic(repo, '    op.create_check_constraint("positive", "users", "id > 0")', "rules: {}\n")
    assert repo.check("--base", "main").finding("constraint-missing-not-valid")["help"].endswith(ends_with)


@pytest.mark.parametrize(
    ("sql", "not_analysed"),
    [
        # hatchet-dev/hatchet sets autovacuum parameters after creating a table: a notice there was noise
        ("ALTER TABLE users SET (autovacuum_vacuum_scale_factor = '0.1', fillfactor = 70);", None),
        ("ALTER TABLE users SET TABLESPACE fast;", "ALTER TABLE ... SET TABLESPACE"),
        ("ALTER TABLE users SET UNLOGGED;", "ALTER TABLE ... SET UNLOGGED"),
    ],
)
def test_storage_parameters_take_no_blocking_lock(repo: Repo, sql: str, not_analysed: str | None) -> None:
    found = [f for f in sql_change(repo, sql).check("--base", "main").json["findings"] if f["rule"] == "sql-not-analysed"]
    assert [not_analysed in f["message"] for f in found] == ([] if not_analysed is None else [True])
