"""The CLI reading a repository it does not trust: what is not a file (a submodule), what is too big
to read (the configuration file, a committed blob) or too deep to walk is said in one line naming
the file, and the rest is checked."""

from __future__ import annotations

import pytest

from tests.gitrepo_factory import Outcome, Repo

M = "db/migrations"
GOOSE = "-- +goose Up\nCREATE TABLE {t} (id int);\n\n-- +goose Down\nDROP TABLE {t};\n"
#: a commit of another repository, as a submodule records it (this repository never holds it)
FOREIGN_COMMIT = "1234567890abcdef1234567890abcdef12345678"


def add_gitlink(repo: Repo, path: str, commit: str = FOREIGN_COMMIT) -> Repo:
    """Commit a submodule entry (mode 160000) at ``path``, as `git submodule add` records it; its
    directory is left empty, as a clone without ``--recurse-submodules`` has it."""
    (repo.root / path).mkdir(parents=True)
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{commit},{path}")
    repo.git("commit", "-q", "-m", f"submodule at {path}")
    return repo


# -- a submodule named like a migration ------------------------------------------------------------


def test_a_submodule_named_like_a_migration_is_noted_and_the_rest_checked(repo: Repo) -> None:
    repo.write(f"{M}/00001_a.sql", GOOSE.format(t="a")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n").commit()
    add_gitlink(repo, f"{M}/00003_vendored.sql")

    outcome = repo.check("--base", "main")

    assert (outcome.code, outcome.err) == (1, "")
    assert outcome.found == [("missing-rollback", f"{M}/00002_b.sql", 1)]
    assert outcome.json["summary"]["notes"][0] == (
        f"`{M}/00003_vendored.sql` is a submodule (a commit of another repository), not a migration: not checked."
    )


# -- the configuration file's size -----------------------------------------------------------------


def checked_under(repo: Repo, config: str) -> Outcome:
    """A change adding one goose migration, checked under ``config`` as the repository's configuration."""
    repo.write(".github/migration-guard.yml", config)
    repo.write(f"{M}/00001_a.sql", GOOSE.format(t="a")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", GOOSE.format(t="b")).commit()
    return repo.check("--base", "main")


def test_a_configuration_file_over_1_mb_is_refused_in_one_line(repo: Repo) -> None:
    """10 MB of comments took 52 s to parse, 600,000 rule keys over 120 s: past 1 MB it is refused."""
    outcome = checked_under(repo, "# padding\n" * 110_000)  # 1,100,000 bytes

    assert (outcome.code, outcome.out) == (2, "")
    assert outcome.err == (
        "migration-guard: error: .github/migration-guard.yml: 1,100,000 bytes, over the 1 MB (1,000,000 bytes) "
        "a configuration file may have\n"
    )


def test_a_configuration_file_just_under_1_mb_is_read(repo: Repo) -> None:
    assert checked_under(repo, "# padding\n" * 99_998 + "dialect: postgres\n").code == 0


# -- nesting too deep to walk ----------------------------------------------------------------------

DEEP = 20_000


@pytest.mark.parametrize(
    "config",
    [
        "dialect: " + "[" * DEEP + "]" * DEEP + "\n",  # flow sequences
        "rules: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n",  # flow mappings
        "".join(" " * i + f"k{i}:\n" for i in range(1_300)),  # block mappings, indented (under 1 MB)
    ],
    ids=["flow-sequences", "flow-mappings", "block-mappings"],
)
def test_a_configuration_nested_thousands_deep_is_one_line_naming_it(repo: Repo, config: str) -> None:
    """It was `internal error: RecursionError: maximum recursion depth exceeded` (PyYAML recurses)."""
    outcome = checked_under(repo, config)

    assert (outcome.code, outcome.out) == (2, "")
    assert outcome.err == (
        "migration-guard: error: .github/migration-guard.yml: nested too deeply to be read "
        "(a configuration is a few levels deep)\n"
    )


def test_a_prisma_lock_file_nested_thousands_deep_leaves_the_configured_dialect(repo: Repo) -> None:
    """`migration_lock.toml` names the dialect; tomllib recursed out of the whole check on 20,000
    nested arrays. Now it counts as a lock file Prisma could not read: the configured dialect."""
    lock = "provider = " + "[" * DEEP + "]" * DEEP + "\n"
    repo.write("prisma/migrations/migration_lock.toml", lock)
    repo.write("prisma/migrations/20240101000000_init/migration.sql", "CREATE TABLE a (id int);\n").commit()
    repo.branch("feature")
    repo.write("prisma/migrations/20240102000000_index/migration.sql", "CREATE INDEX i ON a (id);\n").commit()

    outcome = repo.check("--base", "main")

    assert outcome.err == ""
    assert ("require-concurrent-index-creation", "prisma/migrations/20240102000000_index/migration.sql", 1) in (
        outcome.found
    )


_RAILS = "class Deep < ActiveRecord::Migration[7.0]\n  def change\n    {body}\n  end\nend\n"
_KNEX = "exports.up = function(knex) {{ {body}; }};\nexports.down = function(knex) {{ return knex.raw('x'); }};\n"
_PHP = (
    "<?php\nreturn new class extends Migration {{\n public function up() {{ {body}; }}\n"
    " public function down() {{ DB::statement('x'); }}\n}};\n"
)
_TYPEORM = (
    "import {{ MigrationInterface, QueryRunner }} from 'typeorm';\n"
    "export class Deep1700000000001 implements MigrationInterface {{\n"
    "  public async up(queryRunner: QueryRunner): Promise<void> {{ {body}; }}\n"
    "  public async down(queryRunner: QueryRunner): Promise<void> {{ await queryRunner.query('x'); }}\n}}\n"
)
_ALEMBIC = 'revision = "b2"\ndown_revision = "a1"\ndef upgrade():\n    x = {body}\ndef downgrade():\n    pass\n'


@pytest.mark.parametrize(
    ("earlier", "path", "text", "finding"),
    [
        (
            {f"{M}/00001_a.sql": GOOSE.format(t="a")},
            f"{M}/00002_deep.sql",
            "-- +goose Up\nSELECT " + "(" * DEEP + "1" + ")" * DEEP + ";\n-- +goose Down\nSELECT 1;\n",
            ("migration-not-analysed", "brackets nested over 200 levels deep"),
        ),
        (
            {"alembic/env.py": "", "alembic/versions/a1_init.py": _ALEMBIC.replace('"b2"', '"a1"', 1)
             .replace('down_revision = "a1"', "down_revision = None").format(body="1")},
            "alembic/versions/b2_deep.py",
            _ALEMBIC.format(body=" + ".join(['"a"'] * DEEP)),
            ("unparsable-migration", "Python source nested too deeply to be read"),
        ),
        (
            {"db/migrate/20240101000000_init.rb": _RAILS.format(body="").replace("Deep", "Init")},
            "db/migrate/20240102000000_deep.rb",
            _RAILS.format(body="x = " + "[" * DEEP + "1" + "]" * DEEP),
            ("migration-not-analysed", "brackets nested over 200 levels deep"),
        ),
        (
            {"migrations/20240101000000_init.js": _KNEX.format(body="")},
            "migrations/20240102000000_deep.js",
            _KNEX.format(body="const x = " + "[" * DEEP + "1" + "]" * DEEP),
            ("migration-not-analysed", "brackets nested over 200 levels deep"),
        ),
        (
            {"src/migrations/1700000000000-Init.ts": _TYPEORM.format(body="").replace("Deep1700000000001", "Init1700000000000")},
            "src/migrations/1700000000001-Deep.ts",
            _TYPEORM.format(body="const x = " + "[" * DEEP + "1" + "]" * DEEP),
            ("migration-not-analysed", "brackets nested over 200 levels deep"),
        ),
        (
            {"database/migrations/2024_01_01_000000_init.php": _PHP.format(body="")},
            "database/migrations/2024_01_02_000000_deep.php",
            _PHP.format(body="$x = " + "[" * DEEP + "1" + "]" * DEEP),
            ("migration-not-analysed", "brackets nested over 200 levels deep"),
        ),
    ],
    ids=["sql", "python", "ruby", "javascript", "typescript", "php"],
)
def test_a_migration_nested_thousands_deep_is_reported_by_every_front_end(
    repo: Repo, earlier: dict[str, str], path: str, text: str, finding: tuple[str, str]
) -> None:
    """A guard (these already held): each front end names the file and says it is nested too deep."""
    for name, content in earlier.items():
        repo.write(name, content)
    repo.commit().branch("feature")
    repo.write(path, text).commit()

    outcome = repo.check("--base", "main")

    assert outcome.code == 1 and outcome.err == ""  # a migration nothing analysed fails the check
    rule, words = finding
    messages = [f["message"] for f in outcome.json["findings"] if f["rule"] == rule and f["path"] == path]
    assert len(messages) == 1 and words in messages[0]


# -- a committed file too big to check -------------------------------------------------------------


def test_a_committed_file_over_10_mib_is_refused_from_its_size_unread(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1 GiB committed file was read whole (git's output, then a copy: 2 GB) before being refused.
    Now its size is asked first (`git cat-file --batch-check`) and it is neither read nor diffed:
    30 MiB of text here, and every byte git hands the CLI is counted."""
    repo.write(f"{M}/00001_a.sql", GOOSE.format(t="a")).commit().branch("feature")
    size = 30 * 1024 * 1024
    repo.write(f"{M}/00002_huge.sql", ("-- " + "x" * 60 + "\n") * (size // 64))
    repo.write(f"{M}/00003_index.sql", GOOSE.format(t="b").replace("CREATE TABLE b (id int)", "CREATE INDEX i ON a (id)"))
    repo.commit()
    from bot.pipeline.gitrepo import GitRepo

    read = {"bytes": 0}
    real = GitRepo._git_bytes

    def counted(self: GitRepo, *args: str, input: bytes | None = None) -> bytes:
        out = real(self, *args, input=input)
        read["bytes"] += len(out)
        return out

    monkeypatch.setattr(GitRepo, "_git_bytes", counted)
    outcome = repo.check("--base", "main")

    assert (outcome.code, outcome.err) == (1, "")
    huge = outcome.finding("unparsable-migration")
    assert huge["path"] == f"{M}/00002_huge.sql"
    assert f"{size:,} bytes, over the 10 MiB a migration may have: not read" in huge["message"]
    assert ("require-concurrent-index-creation", f"{M}/00003_index.sql", 2) in outcome.found
    assert read["bytes"] < 1_000_000  # the file was never loaded: not by cat-file, not by the diff
