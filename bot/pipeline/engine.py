"""Run the rules over a ChangeSet and apply the repository's choices (pure, no I/O).

Order: every rule's findings, then configured severities (or ``off``), then ignored paths,
then inline suppressions (reporting unused and invalid ones), then a stable sort by path, line
and rule, which the JSON contract promises.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.core.config import Config, Limits
from bot.core.model import ChangeSet, Finding, Role, Severity
from bot.core.operations import MigrationOps, Op, Operation
from bot.core.textfile import git_blob_sha
from bot.frameworks import BY_NAME
from bot.frameworks.base import Framework
from bot.pipeline.coverage import Coverage, coverage_of
from bot.pipeline.isolation import SHARED, Job, analyse_all, precheck
from bot.pipeline.judging import judge_all
from bot.pipeline.parse_cache import ParseCache
from bot.pipeline.result_cache import change_key, dump_result, load_result
from bot.pipeline.suggestions import verified
from bot.pipeline.suppressions import Suppression, find_suppressions
from rules import ALIASES, RULES, active, invalid_suppression, severity_under, unused_suppression


@dataclass(frozen=True)
class Result:
    findings: tuple[Finding, ...]
    suppressed: tuple[tuple[Finding, Suppression], ...]
    migrations_checked: int
    coverage: Coverage = field(default_factory=Coverage)
    #: the head-side text of the changed files, for code frames under findings
    sources: Mapping[str, str] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def failed(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


PARALLEL_FROM = 50  # judged migrations; below this one analysing process is enough


def analyse(
    cs: ChangeSet, limits: Limits, parallel: bool, deadline: float | None, cache: ParseCache | None = None
) -> ChangeSet:
    """The change set with every judged forward migration's operations judged against the schema
    before it. Each migration is analysed at most once (in child processes: see
    ``bot.pipeline.isolation``), or read from ``cache`` by its blob: first the judged ones, then
    the earlier migrations of their databases that name a table or index they touch (the others
    cannot change the answer: reading a long history to judge three files doubled a small change's
    time); then each database is replayed once, in order (``bot.pipeline.judging``)."""
    judged: dict[str, tuple[Job, str]] = {}
    for m in cs.judged_migrations():
        if m.role is Role.UP and m.path in cs.texts:
            judged[m.path] = (Job(m.framework, m.path, cs.texts[m.path], cs.dialect_of(m)), m.blob_sha)
    facts = _analysed(judged, limits, parallel, deadline, cache)
    earlier: dict[str, tuple[Job, str]] = {}
    skipped: set[str] = set()
    steps = [s for steps in cs.replays.values() for s in steps if s.path not in judged]
    dialects = {m.path: cs.dialect_of(m) for m in cs.head.migrations} if steps else {}
    names = _names([(BY_NAME[job.framework], path, o) for path, (job, _sha) in judged.items()
                    for o in (*facts[path].operations, *facts[path].state_changes)]) if steps else set()  # fmt: skip
    for step in steps:
        if step.path in earlier:
            continue
        if not _mentions(step.text, names):
            skipped.add(step.path)
            continue
        earlier[step.path] = (Job(step.framework, step.path, step.text, dialects.get(step.path, "postgres")), step.blob_sha)
    facts.update(_analysed(earlier, limits, parallel, deadline, cache))
    analysed, schemas = judge_all(cs, facts, skipped)
    return replace(cs, analysed=analysed, schemas=schemas)


def _names(ops: list[tuple[Framework, str, Operation]]) -> set[str]:
    """The tables and indexes the operations name (unqualified, lower case), as the earlier
    migrations of each one's framework may call them (``Framework.names_of``)."""
    names = {alias for adapter, path, o in ops for n in (o.table, o.new_name, o.index) if n
             for alias in adapter.names_of(n.rpartition(".")[2].lower(), path)}  # fmt: skip
    names.discard("")
    return names


_WORD = re.compile(r"[a-z0-9_$]+")


def _mentions(text: str, names: set[str]) -> bool:
    """Whether the text names one of ``names`` as a whole word: `step` or `worker` as parts of
    other names are in nearly every file of a project whose tables share words, and reading them
    all is what this is to avoid. A name that is not one word (quoted, with spaces) is looked for
    as it is."""
    if not names:
        return False
    lowered = text.lower()
    if not names.isdisjoint(_WORD.findall(lowered)):
        return True
    return any(n in lowered for n in names if not _WORD.fullmatch(n))


def _analysed(
    jobs: dict[str, tuple[Job, str]], limits: Limits, parallel: bool, deadline: float | None, cache: ParseCache | None
) -> dict[str, MigrationOps]:
    """The operations of each job, by path: from the cache where it has them, else analysed."""
    keys = {name: (job.framework, job.path, job.dialect, sha) for name, (job, sha) in jobs.items()}
    names = {key: name for name, key in keys.items()}
    facts: dict[str, MigrationOps] = {}
    if cache is not None:
        # what the limits refuse is never read from the cache (a cached result was made under other
        # limits); without a cache the analyser alone checks the limits, once per text
        cacheable = [keys[p] for p, (job, _sha) in jobs.items() if precheck(job.path, job.text, limits) is None]
        facts.update({names[key]: ops for key, ops in cache.get_ops(cacheable).items()})
    todo_names = [name for name in jobs if name not in facts]
    todo = [jobs[name][0] for name in todo_names]
    workers = min(os.cpu_count() or 1, 8) if parallel and len(todo) >= PARALLEL_FROM else 1
    if workers == 1:
        SHARED.configure(limits, deadline)
        results = SHARED.analyse_many(todo)
    else:
        results = analyse_all(todo, limits, workers, deadline)
    fresh = dict(zip(todo_names, results, strict=True))
    if cache is not None:  # a migration not (fully) analysed is not remembered: next time it may be
        cache.put_ops({keys[p]: ops for p, ops in fresh.items() if not any(o.kind is Op.NOT_ANALYSED for o in ops.operations)})
    facts.update(fresh)
    return facts


def rules_under(config: Config, content_only: bool = False) -> Callable[[ChangeSet], list[Finding]]:
    """Runs the rules the configuration leaves on (the rules of taste only where it turns them on).
    ``content_only``: not the history rules (ordering, duplicates, parents, deployed edits), which
    read every migration's key and never what a file does: re-checking a suggested rewrite of one
    file's statements cannot change them (running them per suggestion was most of a large change's
    time)."""
    chosen = [rule.check for rule in active(config.rules)
              if rule.check is not None and not (content_only and rule.group == "history")]  # fmt: skip

    def run_rules(cs: ChangeSet) -> list[Finding]:
        return [f for check in chosen for f in check(cs)]

    return run_rules


def run(
    cs: ChangeSet, config: Config, parallel: bool = False, deadline: float | None = None, cache: ParseCache | None = None
) -> Result:
    """``parallel``: analyse a large change on several processes (the CLI). ``deadline``
    (``time.monotonic()``): after it, migrations not yet analysed are reported as such. ``cache``:
    where analysed operations are kept by blob (the CLI's file, the App's store)."""
    key = change_key(replace(cs, config=config)) if cache is not None else None  # findings of a change seen before
    known = cache.get_text(key) if cache is not None and key is not None else None
    if known is not None:
        found, kept_out = load_result(known)
        return Result(found, kept_out, _checked(cs), coverage_of(cs), cs.texts)
    cs = analyse(cs, config.limits.as_limits(), parallel, deadline, cache)
    run_rules = rules_under(config)
    running = {rule.id for rule in active(config.rules)}
    raw: list[Finding] = run_rules(cs)

    suppressions: list[Suppression] = []
    for path, text in sorted(cs.texts.items()):
        if path in cs.rerun_paths:
            continue  # a deployed migration's edit is reported as such; its content is not judged
        good, bad = find_suppressions(path, text, set(RULES), ALIASES)
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
        if s not in used and s.rule in running  # a rule the configuration turns off may come back: not "unused"
    )

    final: list[Finding] = []
    for finding in kept:
        if config.ignored(finding.path):
            continue
        severity = severity_under(config, finding)
        if severity is not None:
            final.append(finding if severity is finding.severity else replace(finding, severity=severity))
    limits = config.limits.as_limits()

    def analyse_rewrites(jobs: Sequence[Job]) -> list[MigrationOps]:
        """Rewritten migrations, by their content (a warm run re-analyses none of them)."""
        keyed = {job.path + "\0" + job.text: (job, git_blob_sha(job.text.encode())) for job in jobs}
        facts = _analysed(keyed, limits, parallel=False, deadline=deadline, cache=cache)
        return [facts[job.path + "\0" + job.text] for job in jobs]

    final = verified(cs, final, config, run_rules, rules_under(config, content_only=True), analyse_rewrites)
    final.sort(key=Finding.sort_key)
    findings = tuple(dict.fromkeys(final))
    if cache is not None and key is not None and not _any_not_analysed(cs):
        cache.put_text(key, dump_result(findings, tuple(suppressed)))
    return Result(findings, tuple(suppressed), _checked(cs), coverage_of(cs), cs.texts)


def _checked(cs: ChangeSet) -> int:
    return len({m.path for m in cs.touched_migrations()} | {f.path for f in cs.head.failures if f.path in cs.touched})


def _any_not_analysed(cs: ChangeSet) -> bool:
    """A migration was not (fully) analysed: a crash or a time guard may not happen again, so
    the run's findings are not remembered."""
    return any(ops.of_kinds({Op.NOT_ANALYSED}) for ops in cs.analysed.values())
