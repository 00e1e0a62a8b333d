"""``migration-guard action``: the App's review from inside a GitHub Actions job, with no hosting.

The job's checkout is checked as the App checks a pull request: the pull request's head against
its base (fetched if the clone lacks it), the configuration read from the base commit (a pull
request cannot switch off its own check), then the same check run "Migration Guard" and the same
review with inline comments and suggestions, through the App's publishing code
(``bot.github.publish``). The Action keeps nothing between runs, so it reads back what earlier runs
posted (fingerprint markers) and a re-run adds no duplicate comment. The summary also goes to the
job's step summary. A pull request from a fork gets a read-only token: then the findings become
workflow annotations and the step summary says why, instead of failing on a 403.

Exit status as ``check``: 0 no error finding, 1 an error finding, 2 a setup problem (one line).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from githubkit import GitHub
from githubkit.exception import RequestFailed

from bot import __version__
from bot.core.config import DEFAULT_PATH, Config, refuse_oversized_config
from bot.core.model import Finding, Severity
from bot.core.settings import docs_url_from
from bot.github.client import RepoApi
from bot.github.publish import MemoryLedger, create_check_run, finish_check_run, publish_review
from bot.pipeline.configuration import read_config
from bot.pipeline.engine import Result
from bot.pipeline.gitrepo import GitRepo
from bot.pipeline.local_check import Range, check_range
from bot.report.text import render as render_text
from bot.report.texts import CheckReport, ReviewPlan, check_report, checked_from, plan_review

CHECK_NAME = "Migration Guard"
#: events whose payload names a pull request: the review goes on it
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
EVENTS = (*PULL_REQUEST_EVENTS, "merge_group", "push")
NO_COMMIT = "0" * 40


class ActionError(Exception):
    """A setup problem the workflow's author can fix: one line, exit status 2."""


@dataclass(frozen=True)
class Target:
    """What one event asks to check."""

    head_sha: str  # the check run goes on it; its files are what is judged
    base_sha: str
    base_name: str
    number: int | None  # the pull request to review, if any
    read_only: bool  # a fork's pull_request: the token cannot write checks or reviews


def target_of(event: str, payload: Mapping[str, Any]) -> Target | None:
    """The commits an event names; None when there is nothing to compare (a new branch pushed)."""
    if event in PULL_REQUEST_EVENTS:
        pr = payload.get("pull_request") or {}
        head_repo = ((pr.get("head") or {}).get("repo") or {}).get("full_name")
        base_repo = ((pr.get("base") or {}).get("repo") or {}).get("full_name")
        fork = head_repo != base_repo
        return Target(pr["head"]["sha"], pr["base"]["sha"], pr["base"]["ref"], int(pr["number"]),
                      read_only=fork and event == "pull_request")  # fmt: skip
    if event == "merge_group":
        group = payload["merge_group"]
        return Target(group["head_sha"], group["base_sha"], str(group["base_ref"]).removeprefix("refs/heads/"), None,
                      read_only=False)  # fmt: skip
    if event == "push":
        if payload.get("before", NO_COMMIT) == NO_COMMIT or payload.get("after", NO_COMMIT) == NO_COMMIT:
            return None
        return Target(payload["after"], payload["before"], "the commit before the push", None, read_only=False)
    raise ActionError(f"GITHUB_EVENT_NAME {event!r} is not supported: run on {', '.join(EVENTS)}")


def run_action(env: Mapping[str, str], config_path: str | None = None) -> int:
    event = _required(env, "GITHUB_EVENT_NAME")
    payload = _payload(_required(env, "GITHUB_EVENT_PATH"))
    target = target_of(event, payload)
    if target is None:
        print("migration-guard: nothing to compare (a new branch or a deleted one)")
        return 0
    repo = GitRepo(env.get("GITHUB_WORKSPACE") or ".")
    _fetch_missing(repo, target)
    merge_base = repo.merge_base(target.base_sha, target.head_sha)
    if merge_base is None:
        raise ActionError(
            f"the checkout has no common history of {target.base_name} ({target.base_sha[:12]}) and "
            f"{target.head_sha[:12]}, even after fetching: set `fetch-depth: 0` on actions/checkout"
        )
    config_name = config_path or DEFAULT_PATH
    config = _config_at(repo, target.base_sha, config_name)
    span = Range(target.base_name, target.base_sha, target.head_sha[:12], target.head_sha, merge_base,
                 target.base_name, target.base_sha)  # fmt: skip
    result, changeset = check_range(repo, config, span, config_name, None)
    docs_url = docs_url_from(env)
    report = check_report(result.findings, result.migrations_checked, checked_from(changeset), docs_url)

    sys.stdout.write(render_text(result, colour=False, width=120))
    notice = ""
    if target.read_only:
        notice = ("This pull request comes from a fork, so the workflow's token is read-only: the findings are "
                  "shown as annotations and in this summary instead of a check run and review comments.")  # fmt: skip
    else:
        plan = plan_review(result.findings, {c.path: c for c in changeset.changes}, docs_url, config.review)
        notice = _publish(env, target, report, plan)
    if notice:
        _annotate(result)
        print(f"migration-guard: note: {notice}", file=sys.stderr)
    _step_summary(env, report, notice)
    return 1 if result.failed else 0


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ActionError(f"{name} is not set: `migration-guard action` runs inside a GitHub Actions job")
    return value


def _payload(path: str) -> Mapping[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ActionError(f"GITHUB_EVENT_PATH {path}: cannot read the event: {exc}") from None
    if not isinstance(data, dict):
        raise ActionError(f"GITHUB_EVENT_PATH {path}: the event is not a JSON object")
    return data


def _fetch_missing(repo: GitRepo, target: Target) -> None:
    """The default checkout has one commit (the merge commit for a pull request): fetch the base
    and head commits if absent, and the history between them if the clone is shallow."""
    missing = [sha for sha in (target.base_sha, target.head_sha) if not repo.has_commit(sha)]
    if missing and not repo.fetch("origin", *missing):
        raise ActionError(
            f"cannot fetch {', '.join(sha[:12] for sha in missing)} from origin: check out with "
            "actions/checkout (`fetch-depth: 0`) before this step"
        )
    if repo.merge_base(target.base_sha, target.head_sha) is None and repo.is_shallow():
        repo.fetch("origin", target.base_sha, target.head_sha, unshallow=True)


def _config_at(repo: GitRepo, commit: str, path: str) -> Config:
    """The configuration as the base commit has it (defaults when it has none)."""
    blob = repo.tree(commit).get(path)
    if blob is None:
        return Config()
    refuse_oversized_config(repo.blob_sizes([blob]).get(blob, 0), f"{path} at {commit[:12]}")  # before reading it
    data = repo.read_blobs([blob]).get(blob, b"")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ActionError(f"{path} at {commit[:12]}: not UTF-8 text") from None
    return read_config(text, f"{path} at {commit[:12]}")


def _publish(env: Mapping[str, str], target: Target, report: CheckReport, plan: ReviewPlan) -> str:
    """Post the check run and (for a pull request) the review; the notice to show when the token
    cannot write (a 403 or 404 from GitHub), else an empty one."""
    token = _required(env, "GITHUB_TOKEN")
    owner, _, name = _required(env, "GITHUB_REPOSITORY").partition("/")
    api_url = (env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    gh = GitHub(token, base_url=api_url + "/", user_agent=f"migration-guard/{__version__}", timeout=30.0)
    api = RepoApi(gh, owner, name)
    server = (env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    run_id = env.get("GITHUB_RUN_ID", "")
    details = f"{server}/{owner}/{name}/actions/runs/{run_id}" if run_id else None
    try:
        check_run_id = create_check_run(api, target.head_sha, CHECK_NAME, f"action-{run_id or 'local'}", details)
        if target.number is not None:
            publish_review(api, MemoryLedger(), target.number, target.head_sha, plan, reconcile=True)
        finish_check_run(api, check_run_id, report)
    except RequestFailed as exc:
        if exc.response.status_code not in (403, 404):
            raise
        return (f"GitHub refused to post the check run or review ({exc.response.status_code}): give the job "
                "`permissions: checks: write, pull-requests: write, contents: read`; the findings are shown as "
                "annotations and in this summary instead.")  # fmt: skip
    return ""


def _escape(text: str, property: bool = False) -> str:
    """A workflow command's value (and, stricter, a property's), as the runner decodes them."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property else text


_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


def _annotate(result: Result) -> None:
    """Workflow commands the runner turns into annotations on the files (no token needed)."""
    for f in result.findings:
        print(_annotation(f))


def _annotation(f: Finding) -> str:
    where = f"file={_escape(f.path, True)}" + (f",line={f.line}" if f.line is not None else "")
    return f"::{_LEVEL[f.severity]} {where},title={_escape(f.rule, True)}::{_escape(f'{f.message} Fix: {f.help}')}"


def _step_summary(env: Mapping[str, str], report: CheckReport, notice: str) -> None:
    path = env.get("GITHUB_STEP_SUMMARY", "").strip()
    if not path:
        return
    text = (f"> [!NOTE]\n> {notice}\n\n" if notice else "") + report.summary + "\n"
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        print(f"migration-guard: note: cannot write the step summary {path}: {exc.strerror}", file=sys.stderr)
