"""What people read, as snapshots: an inline review comment, the check summary, the SARIF a code
scanning upload gets, and the terminal report — for one realistic change (a goose migration that
adds an index without CONCURRENTLY, a foreign key without NOT VALID, and drops a column, with an
empty Down). A change to any of these texts shows up here as a diff to review."""

from __future__ import annotations

import json

import pytest
from inline_snapshot import snapshot

from bot.core.model import ChangeStatus, FileChange
from bot.report.texts import Checked, check_report, plan_review
from tests.gitrepo_factory import Repo

BASE = "db/migrations/00001_users.sql"
PATH = "db/migrations/00002_orgs.sql"
DOCS = "https://migration-guard.example/rules/{rule}"
CHANGE = (
    "-- +goose Up\n"
    "CREATE INDEX users_email ON users (email);\n"
    "ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id);\n"
    "ALTER TABLE users DROP COLUMN name;\n"
    "-- +goose Down\n"
)


@pytest.fixture
def change(repo: Repo) -> Repo:
    repo.write(BASE, "-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, email text, name text, org_id bigint);\n"
                     "-- +goose Down\nDROP TABLE users;\n").commit().branch("feature")  # fmt: skip
    return repo.write(PATH, CHANGE).commit()


def test_the_review_comments(change: Repo) -> None:
    findings = change.findings()
    changes = {PATH: FileChange(ChangeStatus.ADDED, PATH, changed_lines=frozenset(range(1, 6)))}
    plan = plan_review(findings, changes, DOCS)
    assert [(c.line, c.start_line) for c in plan.comments] == snapshot([(5, None), (2, 1), (3, None), (4, None)])
    assert plan.comments[0].body == snapshot("""\
🛑 **`missing-rollback`** (error): This migration cannot be rolled back: it has an empty `-- +goose Down` section.

**Why it breaks a deploy:** when a deploy goes bad, the fastest way back is to roll the release back, including its migrations. A migration without a working down part (no `downgrade()`, an empty one, no `-- migrate:down` / `-- +goose Down` section, no `.down.` file, a Django `RunPython` without `reverse_code` or `RunSQL` without `reverse_sql`) turns that into an outage spent writing SQL by hand under pressure; some tools silently do nothing and report success.

**Fix:** Write the SQL that reverses the up section under `-- +goose Down`.

<sub>[About `missing-rollback`](https://migration-guard.example/rules/missing-rollback) · to accept, write `migration-guard: ignore <rule> <reason>` above the line</sub>
<!-- migration-guard:fp=9d314aa2af0dc1b0 -->\
""")
    assert plan.comments[1].body == snapshot("""\
⚠️ **`require-concurrent-index-creation`** (warning): `CREATE INDEX` on `users` without `CONCURRENTLY` takes a SHARE lock: every write to `users` waits until the index is built.

**Why it can hurt:** `CREATE INDEX` takes a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits (reads continue). On a large table the build takes minutes, and so does the write outage; requests pile up behind the lock until the deploy times out.

**Fix:** Use `CREATE INDEX CONCURRENTLY` and add `-- +goose NO TRANSACTION` at the top of the file.

```suggestion
-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY users_email ON users (email);
```

---

⚠️ **`require-lock-timeout`** (warning): `CREATE INDEX` on `users` runs with no `lock_timeout`: while it waits for its lock behind a long query, every later query on the table waits behind it.

**Why it can hurt:** an `ALTER TABLE` (or index build, drop, rename …) must first get its lock, and while it waits behind one long-running query, every later query on the table queues behind *it*: a one-millisecond change becomes minutes of outage. `lock_timeout` makes the migration give up instead (and be retried), which is why squawk and strong_migrations insist on it. squawk: `require-timeout-settings` (this is its `lock_timeout` half).

**Fix:** Put `SET lock_timeout = '1s';` before it \\(or set it for the role or in the runner and say so: `timeouts: {lock_timeout: set-by-role}`\\).

<sub>[About `require-concurrent-index-creation`](https://migration-guard.example/rules/require-concurrent-index-creation) · [About `require-lock-timeout`](https://migration-guard.example/rules/require-lock-timeout) · to accept, write `migration-guard: ignore <rule> <reason>` above the line</sub>
<!-- migration-guard:fp=ac214a42abc38150 -->\
""")


def test_the_check_summary(change: Repo) -> None:
    findings = change.findings()
    checked = Checked("main", "a" * 40, "b" * 40, locations=(("goose", "db/migrations", 2, "PostgreSQL, from .env.example"),))
    report = check_report(findings, 1, checked, DOCS)
    assert (report.conclusion, report.title) == snapshot(('failure', '1 error, 4 warnings, 1 notice in 1 changed migration'))
    assert report.summary == snapshot("""\
**Migration Guard** checked 1 changed migration: 1 error, 4 warnings, 1 notice.

### 🛑 Errors (1)

#### `db/migrations/00002_orgs.sql` (1)
- **line 5** · [`missing-rollback`](https://migration-guard.example/rules/missing-rollback): This migration cannot be rolled back: it has an empty `-- +goose Down` section. *Fix:* Write the SQL that reverses the up section under `-- +goose Down`.

### ⚠️ Warnings (4)

#### `db/migrations/00002_orgs.sql` (4)
- **line 2** · [`require-concurrent-index-creation`](https://migration-guard.example/rules/require-concurrent-index-creation): `CREATE INDEX` on `users` without `CONCURRENTLY` takes a SHARE lock: every write to `users` waits until the index is built. *Fix:* Use `CREATE INDEX CONCURRENTLY` and add `-- +goose NO TRANSACTION` at the top of the file.
- **line 2** · [`require-lock-timeout`](https://migration-guard.example/rules/require-lock-timeout): `CREATE INDEX` on `users` runs with no `lock_timeout`: while it waits for its lock behind a long query, every later query on the table waits behind it. *Fix:* Put `SET lock_timeout = '1s';` before it \\(or set it for the role or in the runner and say so: `timeouts: {lock_timeout: set-by-role}`\\).
- **line 3** · [`adding-foreign-key-constraint`](https://migration-guard.example/rules/adding-foreign-key-constraint): `ADD FOREIGN KEY` on `users` without `NOT VALID` scans it under SHARE ROW EXCLUSIVE locks on both tables: writes to either wait. *Fix:* Add the foreign key `NOT VALID` \\(Rails: `validate: false`\\), then `VALIDATE CONSTRAINT` in a later migration.
- **line 4** · [`ban-drop-column`](https://migration-guard.example/rules/ban-drop-column): Dropping `name` \\(a text column\\) from `users` breaks old code that still reads or writes it during the deploy, and the data is gone. *Fix:* Ship code that ignores the column first \\(Rails `ignored_columns`\\), then drop it in a later migration.

### ℹ️ Notices (1)

#### `db/migrations/00002_orgs.sql` (1)
- **line 2** · [`require-statement-timeout`](https://migration-guard.example/rules/require-statement-timeout): `CREATE INDEX` on `users` runs with no `statement_timeout`: once it has its lock, it holds it for as long as it runs. *Fix:* Put `SET statement_timeout = '5s';` \\(what the migration needs\\) before it, or set it for the role or in the runner and say so: `timeouts: {statement_timeout: set-by-role}`.

<details><summary>What was checked</summary>

- Migrations: goose in `db/migrations` (2 migrations; PostgreSQL, from .env.example)
- Base: `main` at `aaaaaaaaaaaa`
- Head: `bbbbbbbbbbbb`

</details>

**Rules:** [`adding-foreign-key-constraint`](https://migration-guard.example/rules/adding-foreign-key-constraint) · [`ban-drop-column`](https://migration-guard.example/rules/ban-drop-column) · [`missing-rollback`](https://migration-guard.example/rules/missing-rollback) · [`require-concurrent-index-creation`](https://migration-guard.example/rules/require-concurrent-index-creation) · [`require-lock-timeout`](https://migration-guard.example/rules/require-lock-timeout) · [`require-statement-timeout`](https://migration-guard.example/rules/require-statement-timeout)\
""")
    assert report.annotations[0] == snapshot({'path': 'db/migrations/00002_orgs.sql', 'start_line': 2, 'end_line': 2, 'annotation_level': 'warning', 'title': 'require-concurrent-index-creation', 'message': """\
CREATE INDEX on users without CONCURRENTLY takes a SHARE lock: every write to users waits until the index is built.

Fix: Use CREATE INDEX CONCURRENTLY and add -- +goose NO TRANSACTION at the top of the file.\
"""})


def test_the_sarif(change: Repo) -> None:
    sarif = json.loads(change.check("--base", "main", fmt="sarif").out)
    (run,) = sarif["runs"]
    for result in run["results"]:  # its position in the rule list moves as rules are added (checked in test_cli)
        assert run["tool"]["driver"]["rules"][result.pop("ruleIndex")]["id"] == result["ruleId"]
    assert run["results"] == snapshot([{'ruleId': 'require-concurrent-index-creation', 'level': 'warning', 'message': {'text': '`CREATE INDEX` on `users` without `CONCURRENTLY` takes a SHARE lock: every write to `users` waits until the index is built. Use `CREATE INDEX CONCURRENTLY` and add `-- +goose NO TRANSACTION` at the top of the file.'}, 'locations': [{'physicalLocation': {'artifactLocation': {'uri': 'db/migrations/00002_orgs.sql', 'uriBaseId': '%SRCROOT%'}, 'region': {'startLine': 2, 'endLine': 2}}}], 'partialFingerprints': {'migrationGuard/v1': '826fb4eadc340da92eccf7ec1fb8fd943554259d6d9ebdeefe24e2a53237dd96'}, 'properties': {'framework': 'goose'}, 'fixes': [{'description': {'text': 'Use `CREATE INDEX CONCURRENTLY` and add `-- +goose NO TRANSACTION` at the top of the file.'}, 'artifactChanges': [{'artifactLocation': {'uri': 'db/migrations/00002_orgs.sql', 'uriBaseId': '%SRCROOT%'}, 'replacements': [{'deletedRegion': {'startLine': 1, 'endLine': 2}, 'insertedContent': {'text': """\
-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY users_email ON users (email);\
"""}}]}]}]}, {'ruleId': 'require-lock-timeout', 'level': 'warning', 'message': {'text': "`CREATE INDEX` on `users` runs with no `lock_timeout`: while it waits for its lock behind a long query, every later query on the table waits behind it. Put `SET lock_timeout = '1s';` before it (or set it for the role or in the runner and say so: `timeouts: {lock_timeout: set-by-role}`)."}, 'locations': [{'physicalLocation': {'artifactLocation': {'uri': 'db/migrations/00002_orgs.sql', 'uriBaseId': '%SRCROOT%'}, 'region': {'startLine': 2, 'endLine': 2}}}], 'partialFingerprints': {'migrationGuard/v1': '9c7492a3ae2482ef5cbe64c1da735c2692dc8a570956561f1b49d211070329b5'}, 'properties': {'framework': 'goose'}}, {'ruleId': 'require-statement-timeout', 'level': 'note', 'message': {'text': "`CREATE INDEX` on `users` runs with no `statement_timeout`: once it has its lock, it holds it for as long as it runs. Put `SET statement_timeout = '5s';` (what the migration needs) before it, or set it for the role or in the runner and say so: `timeouts: {statement_timeout: set-by-role}`."}, 'locations': [{'physicalLocation': {'artifactLocation': {'uri': 'db/migrations/00002_orgs.sql', 'uriBaseId': '%SRCROOT%'}, 'region': {'startLine': 2, 'endLine': 2}}}], 'partialFingerprints': {'migrationGuard/v1': '9a7b105c78a11538819a4ec41746a63117c0f0262d077d2053211d9ea9671f1b'}, 'properties': {'framework': 'goose'}}, {'ruleId': 'adding-foreign-key-constraint', 'level': 'warning', 'message': {'text': '`ADD FOREIGN KEY` on `users` without `NOT VALID` scans it under SHARE ROW EXCLUSIVE locks on both tables: writes to either wait. Add the foreign key `NOT VALID` (Rails: `validate: false`), then `VALIDATE CONSTRAINT` in a later migration.'}, 'locations': [{'physicalLocation': {'artifactLocation': {'uri': 'db/migrations/00002_orgs.sql', 'uriBaseId': '%SRCROOT%'}, 'region': {'startLine': 3, 'endLine': 3}}}], 'partialFingerprints': {'migrationGuard/v1': 'e766cb779b710c73caed919ebc76080c96f72d2a4c4784fbb6f650273568cf10'}, 'properties': {'framework': 'goose'}, 'fixes': [{'description': {'text': 'Add the foreign key `NOT VALID` (Rails: `validate: false`), then `VALIDATE CONSTRAINT` in a later migration.'}, 'artifactChanges': [{'artifactLocation': {'uri': 'db/migrations/00002_orgs.sql', 'uriBaseId': '%SRCROOT%'}, 'replacements': [{'deletedRegion': {'startLine': 3, 'endLine': 3}, 'insertedContent': {'text': 'ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;'}}]}]}]}, {'ruleId': 'ban-drop-column', 'level': 'warning', 'message': {'text': 'Dropping `name` (a text column) from `users` breaks old code that still reads or writes it during the deploy, and the data is gone. Ship code that ignores the column first (Rails `ignored_columns`), then drop it in a later migration.'}, 'locations': [{'physicalLocation': {'artifactLocation': {'uri': 'db/migrations/00002_orgs.sql', 'uriBaseId': '%SRCROOT%'}, 'region': {'startLine': 4, 'endLine': 4}}}], 'partialFingerprints': {'migrationGuard/v1': '7afc514ef94606c0782e4ad76465caaf089667f4caa600b900fdf68dca21e310'}, 'properties': {'framework': 'goose'}}, {'ruleId': 'missing-rollback', 'level': 'error', 'message': {'text': 'This migration cannot be rolled back: it has an empty `-- +goose Down` section. Write the SQL that reverses the up section under `-- +goose Down`.'}, 'locations': [{'physicalLocation': {'artifactLocation': {'uri': 'db/migrations/00002_orgs.sql', 'uriBaseId': '%SRCROOT%'}, 'region': {'startLine': 5, 'endLine': 5}}}], 'partialFingerprints': {'migrationGuard/v1': '9d314aa2af0dc1b08fa8165898e509f53566d83f699e7d1e49449a71d3590927'}, 'properties': {'framework': 'goose'}}])


def test_the_terminal_report(change: Repo) -> None:
    out = change.check("--base", "main", "--color", "never", fmt="text").out
    assert out.replace(change.git("rev-parse", "main").strip()[:12], "<main>") == snapshot("""\
Checked: goose in db/migrations (2 migrations; PostgreSQL, assumed)
Against: base main (<main>), also counted as deployed
Note: Nothing in the repository says which database db/migrations runs on: judged as PostgreSQL (set dialect: in .github/migration-guard.yml to say it).

db/migrations/00002_orgs.sql
     2  warning  require-concurrent-index-creation  `CREATE INDEX` on `users` without `CONCURRENTLY`
        takes a SHARE lock: every write to `users` waits until the index is built.
        | CREATE INDEX users_email ON users (email);
        fix: Use `CREATE INDEX CONCURRENTLY` and add `-- +goose NO TRANSACTION` at the top of the
             file.
        suggested lines 1-2:
        + -- +goose NO TRANSACTION
        + -- +goose Up
        + CREATE INDEX CONCURRENTLY users_email ON users (email);
     2  warning  require-lock-timeout  `CREATE INDEX` on `users` runs with no `lock_timeout`: while
        it waits for its lock behind a long query, every later query on the table waits behind it.
        | CREATE INDEX users_email ON users (email);
        fix: Put `SET lock_timeout = '1s';` before it (or set it for the role or in the runner and
             say so: `timeouts: {lock_timeout: set-by-role}`).
     2  notice   require-statement-timeout  `CREATE INDEX` on `users` runs with no
        `statement_timeout`: once it has its lock, it holds it for as long as it runs.
        | CREATE INDEX users_email ON users (email);
        fix: Put `SET statement_timeout = '5s';` (what the migration needs) before it, or set it for
             the role or in the runner and say so: `timeouts: {statement_timeout: set-by-role}`.
     3  warning  adding-foreign-key-constraint  `ADD FOREIGN KEY` on `users` without `NOT VALID`
        scans it under SHARE ROW EXCLUSIVE locks on both tables: writes to either wait.
        | ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id);
        fix: Add the foreign key `NOT VALID` (Rails: `validate: false`), then `VALIDATE CONSTRAINT`
             in a later migration.
        suggested line: ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;
     4  warning  ban-drop-column  Dropping `name` (a text column) from `users` breaks old code that
        still reads or writes it during the deploy, and the data is gone.
        | ALTER TABLE users DROP COLUMN name;
        fix: Ship code that ignores the column first (Rails `ignored_columns`), then drop it in a
             later migration.
     5  error    missing-rollback  This migration cannot be rolled back: it has an empty `-- +goose
        Down` section.
        | -- +goose Down
        fix: Write the SQL that reverses the up section under `-- +goose Down`.

1 changed migration checked: 1 error, 4 warnings, 1 notice.
""")
