"""Transactions as each runner really runs a migration, read from the files the runner reads."""

from __future__ import annotations

from tests.gitrepo_factory import Repo

D = "db/migration"


def flyway_change(repo: Repo, sql: str, conf: str | None = None) -> Repo:
    repo.write(f"{D}/V1__users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n").commit()
    repo.branch("feature").write(f"{D}/V2__index.sql", sql)
    if conf is not None:
        repo.write(f"{D}/V2__index.sql.conf", conf)
    return repo.commit()


CONCURRENT_TWICE = ("CREATE INDEX CONCURRENTLY users_email ON users (email);\n"
                    "CREATE INDEX CONCURRENTLY users_name ON users (name);\n")  # fmt: skip
MIXED = "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n"


def test_flyway_runs_a_file_of_only_concurrent_statements_outside_its_transaction(repo: Repo) -> None:
    outcome = flyway_change(repo, CONCURRENT_TWICE).check("--base", "main")
    assert outcome.found_for("ban-concurrent-index-creation-in-transaction", "require-concurrent-index-creation") == []


def test_flyway_refuses_a_file_mixing_concurrent_and_transactional_statements(repo: Repo) -> None:
    outcome = flyway_change(repo, MIXED).check("--base", "main")
    assert outcome.found_for("ban-concurrent-index-creation-in-transaction") == [
        ("ban-concurrent-index-creation-in-transaction", f"{D}/V2__index.sql", 2)]
    finding = outcome.finding("ban-concurrent-index-creation-in-transaction")
    assert "executeInTransaction=false" in finding["help"] and outcome.code == 1


def test_a_script_configuration_file_takes_the_migration_out_of_flyways_transaction(repo: Repo) -> None:
    outcome = flyway_change(repo, MIXED, conf="executeInTransaction=false\n").check("--base", "main")
    assert outcome.found_for("ban-concurrent-index-creation-in-transaction") == []
    assert outcome.code == 0


def test_a_script_configuration_file_that_keeps_the_transaction_changes_nothing(repo: Repo) -> None:
    outcome = flyway_change(repo, MIXED, conf="# executeInTransaction=false\nexecuteInTransaction=true\n").check("--base", "main")
    assert [f[0] for f in outcome.found] .count("ban-concurrent-index-creation-in-transaction") == 1


def test_a_commit_in_a_flyway_migration_ends_flyways_transaction(repo: Repo) -> None:
    sql = "BEGIN;\nALTER TABLE users ADD COLUMN age bigint;\nCOMMIT;\n"
    outcome = flyway_change(repo, sql).check("--base", "main")
    assert [line for rule, _p, line in outcome.found if rule == "transaction-nesting"] == [1, 3]


def golang_change(repo: Repo, sql: str, config: str | None = None) -> Repo:
    if config is not None:
        repo.write(".github/migration-guard.yml", config)
    repo.write("migrations/000001_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n")
    repo.write("migrations/000001_users.down.sql", "DROP TABLE users;\n").commit()
    repo.branch("feature").write("migrations/000002_index.up.sql", sql)
    return repo.write("migrations/000002_index.down.sql", "DROP INDEX CONCURRENTLY users_email;\n").commit()


def test_golang_migrate_sends_a_multi_statement_file_as_one_implicit_transaction(repo: Repo) -> None:
    outcome = golang_change(repo, CONCURRENT_TWICE).check("--base", "main")
    assert [line for rule, _p, line in outcome.found if rule == "ban-concurrent-index-creation-in-transaction"] == [1, 2]


def test_golang_migrate_with_x_multi_statement_runs_each_statement_on_its_own(repo: Repo) -> None:
    config = "transactions:\n  golang-migrate: none  # x-multi-statement=true in the database URL\n"
    outcome = golang_change(repo, CONCURRENT_TWICE, config=config).check("--base", "main")
    assert outcome.found_for("ban-concurrent-index-creation-in-transaction") == [] and outcome.code == 0


def test_an_unknown_framework_under_transactions_is_a_configuration_error(repo: Repo) -> None:
    outcome = golang_change(repo, CONCURRENT_TWICE, config="transactions:\n  golang_migrate: none\n").check("--base", "main")
    assert outcome.code == 2
    assert outcome.err == ("migration-guard: error: .github/migration-guard.yml: transactions: unknown framework "
                           "'golang_migrate' (did you mean `golang-migrate`?)\n")


def test_a_directory_named_after_a_database_holds_that_databases_migrations(repo: Repo) -> None:
    """openfga/openfga keeps goose migrations in assets/migrations/{postgres,mysql,sqlite}: the MySQL
    ones were judged as PostgreSQL (lock timeouts, CONCURRENTLY advice) before this."""
    for dialect in ("postgres", "mysql"):
        repo.write(f"assets/migrations/{dialect}/001_init.sql", "-- +goose Up\nCREATE TABLE tuple (id bigint);\n-- +goose Down\nDROP TABLE tuple;\n")
    repo.commit().branch("feature")
    for dialect in ("postgres", "mysql"):
        repo.write(f"assets/migrations/{dialect}/002_index.sql",
                   "-- +goose Up\nCREATE INDEX idx ON tuple (id);\n-- +goose Down\nDROP INDEX idx ON tuple;\n")  # fmt: skip
    found = repo.commit().check("--base", "main").found
    assert {path for _rule, path, _line in found} == {"assets/migrations/postgres/002_index.sql"}
    assert ("require-concurrent-index-creation", "assets/migrations/postgres/002_index.sql", 2) in found


def test_a_laravel_branch_for_another_database_is_not_judged(repo: Repo) -> None:
    """koel rebuilds tables on SQLite inside `if (DB::getDriverName() === 'sqlite')` and drops and
    renames columns elsewhere: only the branch that runs on the configured database is judged."""
    from tests.test_rule_examples import LARAVEL_BASE, LARAVEL_HEADER

    repo.write("database/migrations/2024_01_01_000000_base.php", LARAVEL_BASE).commit().branch("feature")
    up = ("    public function up(): void\n    {\n"
          "        if (DB::getDriverName() === 'sqlite') {\n"
          "            Schema::dropIfExists('users');\n"
          "        } else {\n"
          "            Schema::table('users', function (Blueprint $table) {\n"
          "                $table->dropColumn(['email', 'name']);\n"
          "            });\n"
          "        }\n"
          "        Schema::table('orgs', function (Blueprint $table) {\n"
          "            if (DB::getDriverName() === 'mysql') {\n"
          "                $table->dropColumn('id');\n"
          "            }\n"
          "        });\n"
          "    }\n\n    public function down(): void\n    {\n    }\n};\n")  # fmt: skip
    repo.write("database/migrations/2024_01_02_000000_rework.php", LARAVEL_HEADER + up).commit()
    found = [(f["rule"], f["line"], f["message"].split(" breaks")[0]) for f in repo.check("--base", "main").json["findings"]
             if f["rule"] in ("ban-drop-table", "ban-drop-column")]  # fmt: skip
    # what each column was comes from the replayed create (Laravel's Blueprint feeds the schema too)
    assert found == [("ban-drop-column", 16, "Dropping `email` (a text column) from `users`"),
                     ("ban-drop-column", 16, "Dropping `name` (a varchar(50) column) from `users`")]  # fmt: skip
