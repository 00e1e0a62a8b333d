"""The ``review`` job: one pull request head, checked and reported.

PR snapshot -> engine -> report -> publish. Runs in a worker, at least once: every step is
safe to repeat (the check run is reused, the review only carries what is not published yet).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace

from bot.app import jobs
from bot.app.fencing import lease_guard
from bot.app.throttle import clock
from bot.core.model import ChangeSet, Finding, OpenPrMigration, Role
from bot.core.settings import Settings
from bot.github.client import GitHubApp, RepoApi
from bot.github.pr_snapshot import PullRequestRef, SnapshotError, take_snapshot
from bot.github.publish import create_check_run, finish_check_run, publish_review
from bot.github.tokens import refused_credentials
from bot.pipeline.engine import run
from bot.report.texts import CheckReport, check_report, checked_from, plan_review, simple_report
from bot.store import Job, OpenPr, Store, Waiver

log = logging.getLogger("migration_guard.review")


def start_check_run(api: RepoApi, store: Store, job: Job, head_sha: str, name: str, details_url: str | None) -> int:
    """The job's check run, created once: a resumed job finds the one an earlier attempt created
    (and may have died before recording) by its ``external_id``."""
    if job.check_run_id is not None:
        return job.check_run_id
    if job.attempts > 1:
        for run in api.check_runs_for(head_sha, name):
            if run.external_id == f"job-{job.id}" and run.status != "completed":
                store.set_check_run(job.id, run.id)
                return run.id
    check_run_id = create_check_run(api, head_sha, name, f"job-{job.id}", details_url)
    store.set_check_run(job.id, check_run_id)
    return check_run_id


def run_review(job: Job, app: GitHubApp, store: Store, settings: Settings) -> None:
    """Review the job's head; when GitHub refuses the App's credentials (a 401 even with a new
    installation token), its check run is concluded saying so, never left in progress."""
    try:
        _review(job, app, store, settings)
    except Exception as exc:
        refused = refused_credentials(exc)
        check_run_id = store.check_run_of(job.id)
        if refused is None or check_run_id is None:
            raise  # no check run to conclude yet: retried, and concluded when the job gives up
        review = jobs.read(jobs.Review, job.payload)
        log.error("%s/%s job %s: GitHub refused the App's credentials: %s", review.owner, review.repo, job.id, refused)
        finish_check_run(
            app.repo(review.installation_id, review.owner, review.repo,
                     lease_guard(store, job, settings.job_lease_seconds)),
            check_run_id,
            simple_report(
                "failure",
                "GitHub refused Migration Guard's credentials",
                f"GitHub answered `{refused}` with the App's installation token, and again with a new "
                "one, so this review stopped.\n\nCheck that the App is still installed on this repository "
                "with its permissions, and that the server's clock is right; then re-run this check "
                "from the Checks tab.",
            ),
        )


def _review(job: Job, app: GitHubApp, store: Store, settings: Settings) -> None:
    started = time.monotonic()
    review = jobs.read(jobs.Review, job.payload)
    api = app.repo(review.installation_id, review.owner, review.repo, lease_guard(store, job, settings.job_lease_seconds))
    head_sha = review.head_sha
    number, base_ref = review.number, review.base_ref
    if number is None or base_ref is None:
        found = _pull_request_of(api, head_sha, number)
        if found is None:
            check_run_id = start_check_run(api, store, job, head_sha, settings.check_name, None)
            finish_check_run(
                api,
                check_run_id,
                simple_report(
                    "neutral",
                    "Not part of an open pull request",
                    "Migration Guard reviews pull requests; this commit heads none that is open.",
                ),
            )
            return
        number, base_ref = found

    for orphan in store.take_superseded_check_runs(job.id):
        finish_check_run(api, orphan, simple_report("neutral", "Superseded", f"A newer push superseded this review; "
                                                    f"the check run on `{head_sha[:12]}` has the current one."))  # fmt: skip
    check_run_id = start_check_run(api, store, job, head_sha, settings.check_name, None)
    try:
        snapshot = take_snapshot(api, store, PullRequestRef(number, head_sha, base_ref))
    except SnapshotError as exc:
        finish_check_run(api, check_run_id, simple_report("failure", "Cannot review this pull request", f"{exc}."))
        return

    if snapshot.config_error is not None:
        invalid = simple_report(
            "failure",
            "Invalid .github/migration-guard.yml",
            f"The configuration on the base branch `{base_ref}` is invalid, so nothing was checked:\n\n"
            f"    {snapshot.config_error}\n\nFix the file on `{base_ref}`; this check re-runs on the next push.",
        )
        finish_check_run(api, check_run_id, invalid)
        return

    if snapshot.changeset is None:
        store.forget_pr(api.full_name, number)  # touches no migration (any more): no collisions to track
        publish_review(api, store, number, head_sha, plan_review([], {}, settings.docs_url), job.attempts > 1)
        finish_check_run(
            api,
            check_run_id,
            simple_report(
                "success",
                "No migration checked: ignore_paths skips every changed migration"
                if any(n.startswith("`ignore_paths` skips every") for n in snapshot.notes)
                else "No migration changed",
                "This pull request changes no migration file, so there is nothing to check."
                + "".join(f"\n\n{note}" for note in snapshot.notes),
            ),
        )
        return

    cs = replace(snapshot.changeset, other_prs=tuple(store.migrations_of_other_prs(api.full_name, base_ref, number)))
    assert snapshot.config is not None
    # A deadline bounds the analysis: a pull request full of slow migrations ends with them reported
    # as not analysed instead of holding a worker (and, lease after lease, every worker) forever.
    result = run(cs, snapshot.config, deadline=started + settings.review_deadline_seconds, cache=store.parse_cache())
    findings, waived = apply_waivers(result.findings, store.waivers_for(api.full_name, number), cs)
    report: CheckReport = check_report(
        findings, result.migrations_checked, checked_from(cs, snapshot.notes), settings.docs_url, waived
    )
    current = api.pull_request(number).head.sha
    if current != head_sha:
        # A newer push came while this ran: its own job reviews it. Publishing (or hiding comments,
        # or indexing this head's migrations) now would undo the newer review's work.
        finish_check_run(api, check_run_id, simple_report("neutral", "Superseded",
                         f"Superseded by `{current[:12]}`: the check run on that commit has the current review."))  # fmt: skip
        return
    plan = plan_review(findings, {c.path: c for c in cs.changes}, settings.docs_url, snapshot.config.review)
    publish_review(api, store, number, head_sha, plan, reconcile=job.attempts > 1)
    finish_check_run(api, check_run_id, report)
    remember(store, api.full_name, review.installation_id, number, base_ref, head_sha, cs)
    log.info("%s#%s at %s: %s", api.full_name, number, head_sha[:12], report.title)


def say_waiting(job: Job, app: GitHubApp, store: Store, settings: Settings, until: float) -> None:
    """The review waits in the queue for GitHub's rate limit: its check run, if it has one yet,
    says until when (it stays in progress: the review resumes by itself)."""
    check_run_id = store.check_run_of(job.id)
    if check_run_id is None:
        return
    review = jobs.read(jobs.Review, job.payload)
    api = app.repo(review.installation_id, review.owner, review.repo, lease_guard(store, job, settings.job_lease_seconds))
    api.update_check_run(check_run_id, {
        "status": "in_progress",
        "output": {
            "title": f"Waiting for GitHub's API rate limit until {clock(until)}",
            "summary": f"GitHub refuses this installation's API calls until {clock(until)} (its rate limit). "
            "The review resumes by itself then; nothing to do.",
        },
    })  # fmt: skip


def apply_waivers(
    findings: Sequence[Finding], waivers: Sequence[Waiver], cs: ChangeSet
) -> tuple[list[Finding], list[tuple[Finding, Waiver]]]:
    """Split findings into those that stand and those a waiver covers. A waiver covers a finding of
    its rule on its path (or every path) only while the file is the one it was given for."""
    current = {c.path: c.new_blob or c.old_blob or "" for c in cs.changes}
    kept: list[Finding] = []
    waived: list[tuple[Finding, Waiver]] = []
    for finding in findings:
        cover = next(
            (
                w
                for w in waivers
                if w.rule == finding.rule
                and w.path in ("*", finding.path)
                and w.blobs.get(finding.path) == current.get(finding.path)
            ),
            None,
        )
        if cover is None:
            kept.append(finding)
        else:
            waived.append((finding, cover))
    return kept, waived


def remember(store: Store, repo: str, installation_id: int, number: int, base_ref: str, head_sha: str,
             cs: ChangeSet) -> None:  # fmt: skip
    """Index what this pull request adds, for the other open pull requests' collision checks."""
    added = cs.added_paths()
    store.remember_pr(
        OpenPr(repo, number, installation_id, base_ref, head_sha),
        [
            OpenPrMigration(number, m.framework, m.namespace, m.key, m.parents, m.path)
            for m in cs.touched_migrations()
            if m.role is Role.UP and m.path in added
        ],
    )


def record_deployment(job: Job, store: Store) -> None:
    """``deployment_status`` success: remember the commit, then re-check open pull requests."""
    d = jobs.read(jobs.Deployment, job.payload)
    store.set_deployed(d.full_name, d.environment, d.sha, d.ref)


def forget_pull_request(job: Job, store: Store) -> None:
    closed = jobs.read(jobs.Forget, job.payload)
    store.forget_pr(closed.full_name, closed.number)


def recheck_open_pull_requests(job: Job, store: Store, spacing: float = 0.5) -> None:
    """The base branch moved: re-review every open pull request against it that touches migrations,
    spaced out so a busy repository does not spend its rate limit in one burst."""
    moved = jobs.read(jobs.BaseMoved, job.payload)
    for i, pr in enumerate(store.open_prs_on(moved.full_name, moved.branch)):
        if pr.head_sha == moved.after:
            continue
        again = jobs.Review(pr.installation_id, moved.owner, moved.repo, pr.pr, pr.head_sha, pr.base_ref,
                            f"base branch {moved.branch} moved")  # fmt: skip
        store.enqueue(jobs.spec(again), delay=i * spacing)


def _pull_request_of(api: RepoApi, head_sha: str, number: int | None) -> tuple[int, str] | None:
    """(number, base branch) of the open pull request whose head is ``head_sha``."""
    if number is not None:
        pr = api.pull_request(number)
        return (pr.number, pr.base.ref) if pr.state == "open" else None
    for pr in api.pulls_for_commit(head_sha):
        if pr.state == "open" and pr.head.sha == head_sha:
            return pr.number, pr.base.ref
    return None


def conclude_failed(job: Job, app: GitHubApp, store: Store, settings: Settings, reason: str) -> None:
    """A job that will not be retried again: its check run must not stay in progress."""
    review = jobs.read(jobs.Review, job.payload)
    api = app.repo(review.installation_id, review.owner, review.repo, lease_guard(store, job, settings.job_lease_seconds))
    check_run_id = job.check_run_id or start_check_run(api, store, job, review.head_sha, settings.check_name, None)
    finish_check_run(
        api,
        check_run_id,
        simple_report(
            "failure",
            "Migration Guard could not finish",
            f"The review failed after {job.attempts} attempts: {reason}\n\n"
            "Re-run this check from the Checks tab once GitHub is reachable again.",
        ),
    )
