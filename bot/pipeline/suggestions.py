"""A suggestion is offered only once it is known to be right.

A one-click suggestion that turns a warning into a failed deploy is the worst thing a reviewer can
accept: `CREATE INDEX CONCURRENTLY` in a transactional goose file, `algorithm: :concurrently`
without `disable_ddl_transaction!`. So each suggestion is applied to the file in memory, the
migration is analysed again (in the analysing child, under the same limits) and every rule runs
on the result; the suggestion stays only if the result has no error and no longer has the finding
it fixes, and has no error the file did not already have (an unrelated error elsewhere in the
file does not take a correct fix away). Otherwise the fix is said in words, with the reason, in the
finding's help.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from bot.core.config import Config
from bot.core.model import ChangeSet, Finding, Migration, Role, Severity
from bot.core.operations import MigrationOps
from bot.core.schema import Schema
from bot.frameworks import BY_NAME, Candidate
from bot.pipeline.isolation import SHARED, Job
from bot.pipeline.judging import judged
from rules import RULES, severity_under
from rules._operations import seed_created

#: at most this many suggestions are checked in one run; past it, suggestions are not offered
MAX_VERIFIED = 100
#: and at most this much rewritten text re-analysed in one run: a suggestion is checked by analysing
#: its whole file again, so a file of thousands of statements must not be re-parsed a hundred times
MAX_VERIFIED_BYTES = 2_000_000
#: and no file larger than this: checking one rewrite of a file of 20,000 statements re-judged and
#: re-ran the rules on all of them, a third of the time of analysing it
MAX_VERIFIED_FILE = 256 * 1024

RuleRunner = Callable[[ChangeSet], Iterable[Finding]]
#: analyses rewritten migrations, in order (the engine's: in the analysing child, through the cache)
Analyse = Callable[[Sequence[Job]], Sequence[MigrationOps]]


def applied(text: str, first: int, last: int, replacement: str) -> str | None:
    """``text`` with lines ``first``..``last`` (1-based, inclusive) replaced by ``replacement``
    (lines joined by newlines; the last replaced line's ending kept)."""
    lines = text.splitlines(keepends=True)
    if not 0 < first <= last <= len(lines):
        return None
    original = lines[last - 1]
    ending = original[len(original.rstrip("\r\n")) :]  # empty only on a last line without one
    new = [part + "\n" for part in replacement.rstrip("\r\n").split("\n")]
    new[-1] = new[-1].rstrip("\n") + ending
    return "".join(lines[: first - 1] + new + lines[last:])


def verified(
    cs: ChangeSet,
    findings: Sequence[Finding],
    config: Config,
    run_rules: RuleRunner,
    content_rules: RuleRunner | None = None,
    analyse: Analyse = SHARED.analyse_many,
) -> list[Finding]:
    """The findings, each suggestion kept only where applying it leaves no error and fixes the finding.
    ``content_rules``: the rules a rewrite of a file's statements can change, for a suggestion of
    one of them (a history rule's own suggestion, a new parent, is checked under every rule).
    Every rewrite that may be checked is analysed first, in one batch (``analyse``)."""
    rewrites = _analysed_rewrites(cs, findings, analyse)
    result: list[Finding] = []
    checked = spent = 0
    offered: dict[str, list[tuple[int, int]]] = {}  # path -> ranges already offered
    errors: dict[str, set[tuple[str, int | None]]] = {}  # path -> its errors (one pass, not one per suggestion)
    for f in findings:
        if f.severity is Severity.ERROR:
            errors.setdefault(f.path, set()).add((f.rule, f.line))
    for finding in findings:
        lines = finding.suggested_range
        if finding.suggestion is None or lines is None:
            result.append(finding)
            continue
        overlapping = any(a <= lines[1] and lines[0] <= b for a, b in offered.get(finding.path, []))
        cost = len(cs.texts.get(finding.path, ""))
        if overlapping:
            problem: str | None = "another suggestion in this file covers these lines; apply that one, then look again"
        elif cost > MAX_VERIFIED_FILE:
            problem = f"the file is over {MAX_VERIFIED_FILE // 1024} KB, too large to check a rewrite of it"
        elif checked >= MAX_VERIFIED or spent + cost > MAX_VERIFIED_BYTES:
            problem = "more suggestions than are checked in one run"
        else:
            checked, spent = checked + 1, spent + cost
            rule = RULES.get(finding.rule)
            runner = content_rules if content_rules is not None and rule is not None and rule.group != "history" else run_rules
            problem = _problem_after(cs, finding, config, runner, errors.get(finding.path, set()), rewrites.get(id(finding)))
        if problem is None:
            offered.setdefault(finding.path, []).append(lines)
            result.append(finding)
        else:
            result.append(replace(finding, suggestion=None, help=f"{finding.help} (No one-click fix: {problem}.)"))
    return result


def _rewrite(cs: ChangeSet, finding: Finding) -> tuple[Migration, str] | None:
    """The migration a suggestion rewrites and its text with the suggestion applied."""
    text = cs.texts.get(finding.path)
    lines = finding.suggested_range
    if text is None or lines is None or finding.suggestion is None:
        return None
    migration = cs.head.by_path().get(finding.path)
    if migration is None or migration.role is not Role.UP:  # a file of several parts: its forward one
        migration = next((m for m in cs.head.migrations if m.path == finding.path and m.role is Role.UP), None)
    if migration is None:
        return None
    rewritten = applied(text, lines[0], lines[1], finding.suggestion)
    return (migration, rewritten) if rewritten is not None else None


#: a suggestion's migration, its text rewritten, and what the rewritten text does
Rewrite = tuple[Migration, str, MigrationOps]


def _analysed_rewrites(cs: ChangeSet, findings: Sequence[Finding], analyse: Analyse) -> dict[int, Rewrite]:
    """Each rewrite ``verified`` may check, by its finding (``id``), built once and analysed with
    the others (one batch to the child, not one round trip each), as many as the bounds let it check."""
    made: dict[int, tuple[Migration, str]] = {}
    jobs: dict[tuple[str, str], Job] = {}
    spent = 0
    for finding in findings:
        if len(jobs) >= MAX_VERIFIED:
            break
        cost = len(cs.texts.get(finding.path, ""))
        if finding.suggestion is None or cost > MAX_VERIFIED_FILE:
            continue  # nothing to check, or not checked (``verified`` says why)
        rewrite = _rewrite(cs, finding)
        if rewrite is None:
            continue
        migration, rewritten = rewrite
        spent += cost
        if spent > MAX_VERIFIED_BYTES:
            break
        made[id(finding)] = rewrite
        jobs.setdefault((migration.path, rewritten), Job(migration.framework, migration.path, rewritten, cs.dialect_of(migration)))
    analysed = dict(zip(jobs, analyse(list(jobs.values())), strict=True))
    return {key: (m, text, analysed[(m.path, text)]) for key, (m, text) in made.items()}


def _problem_after(
    cs: ChangeSet,
    finding: Finding,
    config: Config,
    run_rules: RuleRunner,
    errors_before: set[tuple[str, int | None]],
    prepared: Rewrite | None,
) -> str | None:
    """Why the suggestion must not be offered, or ``None`` when the rewritten file is fine.
    ``prepared``: the rewrite ``_analysed_rewrites`` built and analysed (None: not foreseen)."""
    lines = finding.suggested_range
    if prepared is None:  # not foreseen (cannot happen within the bounds): built and analysed alone
        rewrite = _rewrite(cs, finding)
        if rewrite is not None:
            job = Job(rewrite[0].framework, rewrite[0].path, rewrite[1], cs.dialect_of(rewrite[0]))
            prepared = (*rewrite, SHARED.analyse(job))
    if prepared is None or lines is None or finding.suggestion is None:
        return "the rewritten file could not be checked"
    migration, rewritten, analysis = prepared
    reparsed = BY_NAME[migration.framework].parse(
        Candidate(migration.framework, migration.path, migration.namespace, strict=True), migration.blob_sha, rewritten
    )
    if not isinstance(reparsed, Migration):
        return f"the rewritten file would not load ({reparsed.message})" if reparsed else "the rewritten file would not load"
    first, last = lines
    new_last = first + len(finding.suggestion.split("\n")) - 1
    shift = new_last - last  # lines below the edit move by this much
    # the record as the tree's linking left it (label, rollback files), with what the new text
    # says; its rollback's lines below the edit move with the edit
    rollback = tuple(
        replace(issue, line=issue.line + shift)
        if issue.line is not None and issue.line > last and issue.path in (None, migration.path)
        else issue
        for issue in migration.rollback
    )
    # and what linking read from other files (Flyway's .sql.conf, the timeouts a runner sets)
    reparsed = replace(reparsed, namespace=migration.namespace, rollback=rollback,
                       runs_in_transaction=migration.runs_in_transaction, runner_sets=migration.runner_sets)  # fmt: skip
    schema = cs.schemas.get(migration.path)
    ops = judged(migration.framework, migration.path, analysis, schema.copy() if schema else Schema())
    after = cs.rewritten(reparsed, rewritten, ops)
    seed_created(after, cs, finding.path)
    remaining = [f for f in run_rules(after) if f.path == finding.path]
    rules_in_range = {rule for rule, line in errors_before if line is not None and first <= line <= last}
    for f in remaining:
        severity = severity_under(config, f)
        if severity is None:
            continue
        inside = f.line is not None and first <= f.line <= new_last
        if f.rule == finding.rule and inside:
            return f"the rewritten lines still have `{f.rule}`"
        if severity is not Severity.ERROR:
            continue
        was_there = (
            f.rule in rules_in_range
            if inside
            else (f.rule, f.line - shift if f.line is not None and f.line > new_last else f.line) in errors_before
        )
        if not was_there:
            return f"applied alone, it would give the error `{f.rule}`"
    return None

