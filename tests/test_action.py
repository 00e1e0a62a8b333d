"""`migration-guard action` end to end: a workflow's checkout (shallow, as actions/checkout makes
it), the event file and environment a GitHub Actions job has, and the GitHub API double over real
HTTP. The Action posts what the App posts, through the same code."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_harness import NAME, OWNER, key_pair
from tests.github_double import GitHubDouble, example
from tests.gitrepo_factory import GIT_ENV, Repo

M = "db/migrations"
TOKEN = "ghs_actiontoken000000000000000000000000"
USERS = "-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n-- +goose Down\nDROP TABLE users;\n"
INDEX = "-- +goose Up\nCREATE INDEX users_email ON users (email);\n-- +goose Down\nDROP INDEX users_email;\n"
NO_DOWN = "-- +goose Up\nCREATE TABLE orders (id int);\n"


@pytest.fixture
def double(repo: Repo) -> Iterator[GitHubDouble]:
    _, public = key_pair()
    double = GitHubDouble(repo.root, OWNER, NAME, 1, public).start()
    double.tokens.add(TOKEN)
    yield double
    double.stop()


def pull_request(repo: Repo, files: dict[str, str], config: str | None = None) -> Repo:
    repo.write(f"{M}/00001_users.sql", USERS)
    if config is not None:
        repo.write(".github/migration-guard.yml", config)
    repo.commit().branch("feature")
    for path, text in files.items():
        repo.write(path, text)
    return repo.commit()


def checkout(repo: Repo, tmp_path: Path, depth: int = 1) -> Path:
    """What actions/checkout leaves: a clone of the pull request's head, `depth` commits deep."""
    work = tmp_path / "workspace"
    subprocess.run(["git", "clone", "-q", f"--depth={depth}", "--branch", "feature", f"file://{repo.root}", str(work)],
                   check=True, env=GIT_ENV)  # fmt: skip
    return work


def event(repo: Repo, tmp_path: Path, name: str = "pull_request", fork: bool = False) -> Path:
    payload = copy.deepcopy(example("pull_request", "opened.payload.json"))
    pr = payload["pull_request"]
    pr["number"] = 1
    pr["head"]["sha"] = repo.git("rev-parse", "feature").strip()
    pr["base"]["sha"] = repo.git("rev-parse", "main").strip()
    pr["base"]["ref"] = "main"
    pr["base"]["repo"]["full_name"] = f"{OWNER}/{NAME}"
    pr["head"]["repo"]["full_name"] = "someone/fork" if fork else f"{OWNER}/{NAME}"
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return path


def run_action(double: GitHubDouble, workspace: Path, event_path: Path, tmp_path: Path,
               name: str = "pull_request") -> subprocess.CompletedProcess:  # fmt: skip
    env = {
        **GIT_ENV,
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": f"{OWNER}/{NAME}",
        "GITHUB_API_URL": double.url,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_RUN_ID": "4242",
    }
    return subprocess.run([sys.executable, "-m", "bot.cli", "action"], capture_output=True, text=True, env=env,
                          cwd=Path(__file__).resolve().parent.parent)  # fmt: skip


def test_a_pull_request_gets_the_apps_check_run_and_review_from_a_shallow_checkout(
    repo: Repo, double: GitHubDouble, tmp_path: Path
) -> None:
    pull_request(repo, {f"{M}/00002_index.sql": INDEX, f"{M}/00003_orders.sql": NO_DOWN})
    double.open_pr(1, "main", "feature")
    done = run_action(double, checkout(repo, tmp_path), event(repo, tmp_path), tmp_path)

    assert done.returncode == 1, done.stderr  # missing-rollback is an error
    assert done.stderr == ""
    (run,) = double.check_runs.values()
    assert (run["name"], run["head_sha"], run["conclusion"]) == (
        "Migration Guard", repo.git("rev-parse", "feature").strip(), "failure")
    assert run["details_url"] == f"https://github.com/{OWNER}/{NAME}/actions/runs/4242"
    assert sorted(a["title"] for a in run["annotations"]) == ["missing-rollback", "require-concurrent-index-creation",
                                                              "require-lock-timeout", "require-statement-timeout"]
    assert len(double.reviews[1]) == 1
    comments = {c["path"]: c for c in double.comments[1]}
    assert set(comments) == {f"{M}/00002_index.sql", f"{M}/00003_orders.sql"}
    assert "```suggestion\n-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY" in comments[f"{M}/00002_index.sql"]["body"]
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("**Migration Guard** checked 2 changed migrations: 1 error, 2 warnings, 1 notice.")
    assert "missing-rollback" in done.stdout  # the job's log has the terminal report


def test_a_rerun_posts_no_duplicate_comment(repo: Repo, double: GitHubDouble, tmp_path: Path) -> None:
    pull_request(repo, {f"{M}/00002_index.sql": INDEX})
    double.open_pr(1, "main", "feature")
    workspace, event_path = checkout(repo, tmp_path), event(repo, tmp_path)
    assert run_action(double, workspace, event_path, tmp_path).returncode == 0
    assert run_action(double, workspace, event_path, tmp_path).returncode == 0
    assert len(double.reviews[1]) == 1 and len(double.comments[1]) == 1
    assert len(double.check_runs) == 2  # one per run, as a re-run of a workflow shows


def test_the_configuration_comes_from_the_base_commit(repo: Repo, double: GitHubDouble, tmp_path: Path) -> None:
    """The pull request switches the rule off in its own copy of the configuration: not honoured."""
    pull_request(repo, {f"{M}/00002_index.sql": INDEX,
                        ".github/migration-guard.yml": "rules:\n  require-concurrent-index-creation: off\n"})  # fmt: skip
    double.open_pr(1, "main", "feature")
    run_action(double, checkout(repo, tmp_path), event(repo, tmp_path), tmp_path)
    (run,) = double.check_runs.values()
    assert [a["title"] for a in run["annotations"]] == ["require-concurrent-index-creation", "require-lock-timeout", "require-statement-timeout"]


def test_a_fork_gets_annotations_and_the_step_summary(repo: Repo, double: GitHubDouble, tmp_path: Path) -> None:
    pull_request(repo, {f"{M}/00003_orders.sql": NO_DOWN})
    double.open_pr(1, "main", "feature")
    done = run_action(double, checkout(repo, tmp_path), event(repo, tmp_path, fork=True), tmp_path)

    assert done.returncode == 1
    assert double.calls == []  # a read-only token: nothing is attempted
    assert (f"::error file={M}/00003_orders.sql,line=1,title=missing-rollback::This migration cannot be rolled "
            "back: it has no `-- +goose Down` section.") in done.stdout  # fmt: skip
    assert "comes from a fork" in done.stderr
    assert (tmp_path / "summary.md").read_text().startswith("> [!NOTE]\n> This pull request comes from a fork")


def test_a_token_without_write_permission_degrades_instead_of_crashing(
    repo: Repo, double: GitHubDouble, tmp_path: Path
) -> None:
    pull_request(repo, {f"{M}/00002_index.sql": INDEX})
    double.open_pr(1, "main", "feature")
    double.fail("POST", r"/check-runs$", status=403, body={"message": "Resource not accessible by integration"})
    done = run_action(double, checkout(repo, tmp_path), event(repo, tmp_path), tmp_path)
    assert done.returncode == 0
    assert "GitHub refused to post the check run or review (403)" in done.stderr and "Traceback" not in done.stderr
    assert f"::warning file={M}/00002_index.sql,line=2,title=require-concurrent-index-creation::" in done.stdout


def test_outside_a_workflow_it_says_what_is_missing(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bot.cli", "action"], capture_output=True, text=True,
                          env={**GIT_ENV, "GITHUB_EVENT_NAME": ""}, cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == ("migration-guard: error: GITHUB_EVENT_NAME is not set: `migration-guard action` runs "
                           "inside a GitHub Actions job\n")  # fmt: skip


@pytest.mark.parametrize("name", ["merge_group", "push"])
def test_a_merge_queue_or_a_push_gets_the_check_run_without_a_review(
    repo: Repo, double: GitHubDouble, tmp_path: Path, name: str
) -> None:
    pull_request(repo, {f"{M}/00003_orders.sql": NO_DOWN})
    head, base = repo.git("rev-parse", "feature").strip(), repo.git("rev-parse", "main").strip()
    payload = ({"merge_group": {"head_sha": head, "base_sha": base, "base_ref": "refs/heads/main"}}
               if name == "merge_group" else {"before": base, "after": head, "ref": "refs/heads/feature"})  # fmt: skip
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(payload))
    done = run_action(double, checkout(repo, tmp_path), event_path, tmp_path, name=name)
    assert done.returncode == 1, done.stderr
    (run,) = double.check_runs.values()
    assert (run["head_sha"], run["conclusion"]) == (head, "failure")
    assert double.reviews == {} and double.requests("POST", r"/reviews$") == []
