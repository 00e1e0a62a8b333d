"""Run the rules over a ChangeSet and apply the repository's choices (pure, no I/O).

Order: every rule's findings, then configured severities (or ``off``), then ignored paths,
then inline suppressions (reporting unused and invalid ones), then a stable sort by path, line
and rule, which the JSON contract promises.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

from bot.config import Config
from bot.coverage import Coverage, coverage_of
from bot.model import ChangeSet, Finding, Role, Severity
from bot.operations import MigrationOps
from bot.suppressions import Suppression, find_suppressions
from rules import RULES, invalid_suppression, unused_suppression


@dataclass(frozen=True)
class Result:
    findings: tuple[Finding, ...]
    suppressed: tuple[tuple[Finding, Suppression], ...]
    migrations_checked: int
    coverage: Coverage = field(default_factory=Coverage)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def failed(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


PARALLEL_FROM = 200  # touched migrations; below this, forking costs more than it saves


def _analyse(job: tuple[str, str, str, str]) -> MigrationOps:
    from bot.frameworks import BY_NAME

    framework, path, text, dialect = job
    return BY_NAME[framework].operations(path, text, dialect)


def prefetch_operations(cs: ChangeSet) -> None:
    """Compute the operations of every touched migration up front, on every CPU."""
    todo = [m for m in cs.judged_migrations() if m.role is Role.UP and m.path in cs.texts]
    workers = min(os.cpu_count() or 1, 8)
    if len(todo) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return
    jobs = []
    for m in todo:
        dialect = cs.namespace_dialects.get((m.framework, m.namespace)) or (
            cs.config.dialect if cs.config else "postgres"
        )
        jobs.append((m.framework, m.path, cs.texts[m.path], dialect))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for m, ops in zip(todo, pool.map(_analyse, jobs, chunksize=max(1, len(jobs) // (workers * 4))), strict=True):
            cs._operations[m.path] = ops


def run(cs: ChangeSet, config: Config, parallel: bool = False) -> Result:
    """``parallel``: analyse many touched migrations in forked processes (the CLI; the App's
    workers are processes already and must not fork from their threads)."""
    if parallel:
        prefetch_operations(cs)
    raw: list[Finding] = []
    for rule in RULES.values():
        if rule.check is not None:
            raw.extend(rule.check(cs))

    suppressions: list[Suppression] = []
    for path, text in sorted(cs.texts.items()):
        if path in cs.rerun_paths:
            continue  # a deployed migration's edit is reported as such; its content is not judged
        good, bad = find_suppressions(path, text, set(RULES))
        suppressions.extend(good)
        raw.extend(
            Finding(
                invalid_suppression.ID,
                invalid_suppression.SEVERITY,
                b.path,
                b.line,
                f"This suppression {b.problem}, so it suppresses nothing.",
                "Write `migration-guard: ignore <rule-id> <reason>` (see `migration-guard rules`).",
                cs.head.framework_of(path) or "",
            )
            for b in bad
        )

    kept: list[Finding] = []
    suppressed: list[tuple[Finding, Suppression]] = []
    used: set[Suppression] = set()
    for finding in raw:
        cover = next((s for s in suppressions if s.covers(finding.path, finding.rule, finding.line)), None)
        if cover is not None:
            suppressed.append((finding, cover))
            used.add(cover)
        else:
            kept.append(finding)
    kept.extend(
        Finding(
            unused_suppression.ID,
            unused_suppression.SEVERITY,
            s.path,
            s.line,
            f"This suppression of `{s.rule}` suppresses nothing.",
            "Delete it, or move it onto the finding's line or the line above.",
            cs.head.framework_of(s.path) or "",
        )
        for s in suppressions
        if s not in used
    )

    final: list[Finding] = []
    for finding in kept:
        if config.ignored(finding.path):
            continue
        setting = config.rules.get(finding.rule)
        if setting == "off":
            continue
        if setting is not None:
            finding = replace(finding, severity=Severity.parse(setting))
        final.append(finding)
    final.sort(key=Finding.sort_key)
    checked = len(
        {m.path for m in cs.touched_migrations()} | {f.path for f in cs.head.failures if f.path in cs.touched}
    )
    return Result(tuple(dict.fromkeys(final)), tuple(suppressed), checked, coverage_of(cs))
