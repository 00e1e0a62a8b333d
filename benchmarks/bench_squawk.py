"""Zero-downtime analysis of plain PostgreSQL migrations, side by side with squawk in one run.

Corpus: 2,000 Flyway files of 10 statements each, and single files of 5,000, 10,000 and 20,000
statements (to show growth). For each, the wall time and the CPU of every process started
(``cpu_of_all``: analysing children included, reaped by a subreaper) of squawk (``pip install squawk-cli``) and
of ``migration-guard check`` on a git repository whose change adds those files (parse cache
off, so every file is read and analysed), and the ratio. Both run every rule: squawk with its
opt-in rules included, ours with the rules of taste turned on in the repository's configuration.

    python benchmarks/bench_squawk.py [--files 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from cpu_of_all import measured  # benchmarks/: every child process's CPU counted

STATEMENTS = [
    "ALTER TABLE users_{n} ADD COLUMN note_{n} text;",
    "CREATE INDEX idx_users_{n}_email ON users_{n} (email);",
    "ALTER TABLE users_{n} ALTER COLUMN email SET NOT NULL;",
    "UPDATE users_{n} SET note_{n} = 'x' WHERE id < 100;",
    "ALTER TABLE orders_{n} ADD CONSTRAINT fk_{n} FOREIGN KEY (user_id) REFERENCES users_{n} (id);",
    "CREATE TABLE audit_{n} (id bigint PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz DEFAULT now());",
    "ALTER TABLE users_{n} RENAME COLUMN name TO full_name;",
    "ALTER TABLE users_{n} ADD COLUMN token_{n} uuid DEFAULT gen_random_uuid();",
    "DROP INDEX IF EXISTS idx_old_{n};",
    "ALTER TABLE users_{n} ALTER COLUMN email TYPE varchar(320);",
]


def statements(count: int, seed: int) -> str:
    return "\n".join(STATEMENTS[i % len(STATEMENTS)].format(n=seed * 100000 + i) for i in range(count)) + "\n"


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@b"}  # fmt: skip
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def repository(root: Path, files: dict[str, str]) -> list[Path]:
    """A repository whose branch adds ``files``; returns their paths for squawk."""
    from rules import RULES  # the benchmark runs from the repository root

    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "README").write_text("x\n")
    taste = [r for r in RULES.values() if not r.on_by_default]
    (root / ".github").mkdir()
    (root / ".github" / "migration-guard.yml").write_text(
        "rules:\n" + "".join(f"  {r.id}: {r.severity.label}\n" for r in taste))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    git(root, "checkout", "-q", "-b", "feature")
    paths = []
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths.append(path)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "migrations")
    return paths




def squawk_count(out: str) -> int:
    """squawk's gcc reporter: one line per violation (``path:line:col: warning: ...``)."""
    return sum(1 for line in out.splitlines() if ": warning:" in line or ": error:" in line)


def guard_count(out: str) -> int:
    import json

    return len(json.loads(out)["findings"]) if out.strip() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=[5000, 10000, 20000],
                        help="statements in each single-file case")  # fmt: skip
    args = parser.parse_args()
    squawk = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
    if not Path(squawk).exists():
        raise SystemExit("squawk is not installed: pip install squawk-cli")
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-squawk-"))
    check = [sys.executable, "-m", "bot.cli", "check", "--base", "main", "--format", "json", "--no-cache"]
    cached = check[:-1]  # the parse and analysis cache on: the warm run of a change already seen
    cases = {
        f"{args.files} files x 10 statements": {
            f"db/migration/V{n}__step_{n}.sql": statements(10, n) for n in range(1, args.files + 1)
        },
        **{
            f"1 file x {count} statements": {"db/migration/V1__big.sql": statements(count, 1)}
            for count in args.sizes
        },
    }
    print(f"{'':30} {'squawk wall':>11} {'cpu':>6} {'guard wall':>10} {'cpu':>6} {'cpu ratio':>9} "
          f"{'warm cpu':>8} {'squawk MB':>9} {'guard MB':>8} {'squawk found':>12} {'guard found':>11}")  # fmt: skip
    for name, files in cases.items():
        root = tmp / name.replace(" ", "_")
        paths = repository(root, files)
        rel = [str(p.relative_to(root)) for p in paths]
        opt_in = "--include=require-table-schema,require-timeout-settings"
        squawk_runs, guard_runs, warm_runs = [], [], []
        measured(cached, root)  # fills the cache
        for _ in range(args.runs):  # in turn, so a drift in the machine's speed touches both
            squawk_runs.append(measured([squawk, "--reporter", "gcc", opt_in, *rel], root))
            guard_runs.append(measured(check, root))
            warm_runs.append(measured(cached, root))
        sw, sc = (statistics.median(r.wall for r in squawk_runs), statistics.median(r.cpu for r in squawk_runs))
        gw, gc = (statistics.median(r.wall for r in guard_runs), statistics.median(r.cpu for r in guard_runs))
        found_s, found_g = squawk_count(squawk_runs[0].out), guard_count(guard_runs[0].out)
        wc = statistics.median(r.cpu for r in warm_runs)
        sm, gm = max(r.rss_mb for r in squawk_runs), max(r.rss_mb for r in guard_runs)
        print(f"{name:30} {sw:11.2f} {sc:6.2f} {gw:10.2f} {gc:6.2f} {gc / sc:8.1f}x {wc:8.2f} {sm:9.0f} {gm:8.0f} "
              f"{found_s:12} {found_g:11}", flush=True)  # fmt: skip
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
