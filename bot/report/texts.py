"""Findings to what reviewers read: the check run's output and the pull request review (pure).

The check run carries everything (title with counts, a Markdown summary grouped by file, one
annotation per finding). The review carries an inline comment for each finding on a line the
diff shows, and puts the rest (deleted files, lines outside the diff) in its body. Every
comment and body item carries a fingerprint marker, so later runs recognise their own work.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.core.config import ReviewSettings
from bot.core.model import ChangeSet, FileChange, Finding, Severity
from bot.pipeline.coverage import coverage_of
from bot.report import markdown as md
from rules import RULES

ICON = {Severity.ERROR: "🛑", Severity.WARNING: "⚠️", Severity.NOTICE: "ℹ️"}
LEVEL = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTICE: "notice"}
MARKER = "<!-- migration-guard:fp={} -->"
#: only where we put it, at the end of a line we wrote (text from files and users is escaped, so it
#: cannot hold one); and only in comments by a bot user (see ``bot.github.publish``)
MARKER_RE = re.compile(r"<!-- migration-guard:fp=([0-9a-f]{16}) -->$", re.MULTILINE)
SUMMARY_LIMIT = 60_000  # the Checks API refuses more than 65,535 characters


def fingerprint(finding: Finding) -> str:
    """Identity of a finding across pushes: rule, file and message (not the line, which moves)."""
    return hashlib.sha256(f"{finding.rule}\0{finding.path}\0{finding.message}".encode()).hexdigest()[:16]


def rule_url(docs_url: str, rule_id: str) -> str:
    """``docs_url`` is a template: ``{rule}`` is the rule id, ``{module}`` its module name."""
    return docs_url.format(rule=rule_id, module=rule_id.replace("-", "_"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- check run ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckReport:
    conclusion: str  # success | failure | neutral
    title: str
    summary: str
    annotations: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Checked:
    """What the summary says was looked at."""

    base: str
    base_sha: str
    head_sha: str
    deployed: str | None = None
    deployed_sha: str | None = None
    locations: tuple[tuple[str, str, int, str], ...] = ()  # (framework, directory, migrations at the head, judged as)
    notes: tuple[str, ...] = ()


def checked_from(cs: ChangeSet, notes: Iterable[str] = ()) -> Checked:
    coverage = coverage_of(cs)
    locations = [(loc.framework, loc.directory, loc.migrations, loc.judged_as()) for loc in coverage.locations]
    return Checked(
        base=cs.base_ref.name if cs.base_ref else "?",
        base_sha=cs.base_ref.sha if cs.base_ref else "?",
        head_sha=cs.head_ref.sha if cs.head_ref else "?",
        deployed=cs.deployed_ref.name if cs.deployed_ref else None,
        deployed_sha=cs.deployed_ref.sha if cs.deployed_ref else None,
        locations=tuple(locations),
        notes=(*notes, *coverage.notes),
    )


def check_report(
    findings: Sequence[Finding],
    migrations_checked: int,
    checked: Checked,
    docs_url: str,
    waived: Sequence[tuple[Finding, Any]] = (),
) -> CheckReport:
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = sum(f.severity is Severity.WARNING for f in findings)
    notices = sum(f.severity is Severity.NOTICE for f in findings)
    if errors:
        conclusion = "failure"
    elif findings:
        conclusion = "neutral"
    else:
        conclusion = "success"
    counts = [_plural(n, w) for n, w in ((errors, "error"), (warnings, "warning"), (notices, "notice")) if n]
    changed = _plural(migrations_checked, "changed migration")
    title = f"{', '.join(counts)} in {changed}" if counts else f"No problems in {changed}"

    lines = [f"**Migration Guard** checked {changed}: " + (", ".join(counts) + "." if counts else "no problems found.")]
    for severity, heading in ((Severity.ERROR, "Errors"), (Severity.WARNING, "Warnings"), (Severity.NOTICE, "Notices")):
        of_severity = [f for f in findings if f.severity is severity]
        if not of_severity:
            continue  # worst first: errors, then warnings, then notices, then what was waived
        lines += ["", f"### {ICON[severity]} {heading} ({len(of_severity)})"]
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for f in of_severity:
            by_path[f.path].append(f)
        for path, group in by_path.items():
            lines += ["", f"#### {md.code(path)} ({len(group)})"]
            for f in group:
                where = f"line {f.line}" if f.line is not None else "whole file"
                lines.append(
                    f"- **{where}** · [{md.code(f.rule)}]({rule_url(docs_url, f.rule)}): "
                    f"{md.message(f.message)} *Fix:* {md.message(f.help)}"
                )
    if waived:
        lines += ["", f"### Waived ({len(waived)})"]
        for f, waiver in waived:
            where = f"line {f.line}" if f.line is not None else "whole file"
            lines.append(
                f"- {md.code(f.path)} ({where}) · {md.code(f.rule)}: {md.message(f.message)} "
                f"*Waived by {md.text(waiver.author)}:* {md.text(waiver.reason)}"
            )
    lines += ["", "<details><summary>What was checked</summary>", ""]
    if checked.locations:
        grouped: dict[str, list[str]] = defaultdict(list)
        for framework, directory, count, judged_as in checked.locations:
            grouped[framework].append(f"{md.code(directory)} ({_plural(count, 'migration')}; {md.text(judged_as)})")
        lines.append("- Migrations: " + "; ".join(f"{fw} in {', '.join(dirs)}" for fw, dirs in grouped.items()))
    lines.append(f"- Base: {md.code(checked.base)} at {md.code(checked.base_sha[:12])}")
    if checked.deployed:
        lines.append(f"- Deployed: {md.code(checked.deployed)} at {md.code((checked.deployed_sha or '?')[:12])}")
    lines.append(f"- Head: {md.code(checked.head_sha[:12])}")
    lines += [f"- {note}" for note in checked.notes]
    lines += ["", "</details>"]
    rules_seen = sorted({f.rule for f in findings})
    if rules_seen:
        lines += ["", "**Rules:** " + " · ".join(f"[{md.code(r)}]({rule_url(docs_url, r)})" for r in rules_seen)]
    summary = "\n".join(lines)
    if len(summary) > SUMMARY_LIMIT:
        summary = summary[:SUMMARY_LIMIT] + "\n\n… (truncated: every finding is also an annotation)"
    return CheckReport(conclusion, title, summary, [annotation(f) for f in findings])


def plain(text: str) -> str:
    """Annotations are shown as plain text: no Markdown code marks."""
    return text.replace("`", "")


def simple_report(conclusion: str, title: str, summary: str) -> CheckReport:
    return CheckReport(conclusion, title, summary)


def annotation(f: Finding) -> dict:
    line = f.line or 1
    return {
        "path": f.path,
        "start_line": line,
        "end_line": f.end_line or line,
        "annotation_level": LEVEL[f.severity],
        "title": f.rule,
        "message": plain(f"{f.message}\n\nFix: {f.help}")[:60_000],
    }


# -- review ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewComment:
    fingerprint: str
    path: str
    line: int
    body: str
    start_line: int | None = None  # a multi-line suggestion replaces start_line..line


@dataclass(frozen=True)
class ReviewPlan:
    comments: list[ReviewComment]
    body_items: list[tuple[str, str]]  # (fingerprint, Markdown line) for findings off the diff

    @property
    def fingerprints(self) -> dict[str, str]:
        return {c.fingerprint: "comment" for c in self.comments} | {fp: "body" for fp, _ in self.body_items}


def plan_review(
    findings: Sequence[Finding],
    changes: Mapping[str, FileChange],
    docs_url: str,
    settings: ReviewSettings | None = None,
) -> ReviewPlan:
    """A calm review: findings below ``min_severity`` stay in the check summary; the worst ones on
    lines of the diff become inline comments (several rules on one line share one comment), up to
    ``max_inline_comments``; the rest are listed in the review body."""
    settings = settings or ReviewSettings()
    floor = Severity.parse(settings.min_severity)
    kept = sorted((f for f in findings if f.severity >= floor), key=lambda f: (-f.severity, f.sort_key()))
    by_line: dict[tuple[str, int], list[Finding]] = {}
    off_diff: list[Finding] = []
    for f in kept:
        change = changes.get(f.path)
        if f.line is not None and change is not None and f.line in change.commentable_lines:
            by_line.setdefault((f.path, f.line), []).append(f)
        else:
            off_diff.append(f)
    comments: list[ReviewComment] = []
    body: list[tuple[str, str]] = []
    for (path, line), group in by_line.items():
        if len(comments) >= settings.max_inline_comments:
            off_diff.extend(group)
            continue
        fp = _group_fingerprint(group)
        commentable = changes[path].commentable_lines
        # one suggestion per comment (GitHub applies it to the comment's whole range): the worst
        # finding's, if its lines end on this line and are all in the diff; the rest in words
        chosen = next((f for f in group if f.suggested_range is not None and f.suggested_range[1] == line
                       and all(n in commentable for n in range(f.suggested_range[0], line + 1))), None)  # fmt: skip
        shown = [f if f is chosen else replace(f, suggestion=None) for f in group]
        start = chosen.suggested_range[0] if chosen is not None and chosen.suggested_range is not None else None
        comments.append(ReviewComment(fp, path, line, comment_body(shown, fp, docs_url),
                                      start_line=start if start is not None and start < line else None))  # fmt: skip
    for f in off_diff:
        fp = fingerprint(f)
        body.append((fp, body_item(f, fp, docs_url)))
    return ReviewPlan(comments, body)


def _group_fingerprint(group: Sequence[Finding]) -> str:
    if len(group) == 1:
        return fingerprint(group[0])
    return hashlib.sha256("\0".join(sorted(fingerprint(f) for f in group)).encode()).hexdigest()[:16]


#: the heading the "why" paragraph goes under, by how sure the harm is
WHY = {Severity.ERROR: "Why it breaks a deploy", Severity.WARNING: "Why it can hurt", Severity.NOTICE: "Why it matters"}
COMMENT_LIMIT = 1_500  # characters a reader takes in at a glance; the rule page has the rest


def why_paragraph(rule_id: str) -> str:
    """The rule's own explanation of the harm (its first paragraph after the one-line title),
    without its label ("What goes wrong:", "Lock:")."""
    rule = RULES.get(rule_id)
    if rule is None:
        return ""
    paragraphs = [p.replace("\n", " ").strip() for p in rule.explanation.split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return ""
    return re.sub(r"^(What goes wrong|Lock|Why):\s*", "", paragraphs[1])


def _shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = cut.rfind(". ")
    return cut[: end + 1] if end > limit // 2 else cut.rstrip() + "…"


def comment_body(findings: Sequence[Finding], fp: str, docs_url: str) -> str:
    """One inline comment: per finding the message, the why (under a heading that fits its
    severity), the fix, a suggestion when one is verified; one link line; about 1,500 characters."""
    parts: list[str] = []
    for f in findings:
        if parts:
            parts += ["", "---", ""]
        parts += [f"{ICON[f.severity]} **{md.code(f.rule)}** ({f.severity.label}): {md.message(f.message)}"]
        why = why_paragraph(f.rule)
        if why:
            budget = max(200, (COMMENT_LIMIT - 600) // len(findings))
            parts += ["", f"**{WHY[f.severity]}:** {_shortened(why, budget)}"]  # our own docs: Markdown as written
        parts += ["", f"**Fix:** {md.message(f.help)}"]
        if f.suggestion is not None:
            fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", f.suggestion)), default=0) + 1)
            parts += ["", f"{fence}suggestion", f.suggestion, fence]
    links = " · ".join(f"[About {md.code(f.rule)}]({rule_url(docs_url, f.rule)})" for f in findings)
    parts += ["", f"<sub>{links} · to accept, write `migration-guard: ignore <rule> <reason>` above the line</sub>",
              MARKER.format(fp)]  # fmt: skip
    return "\n".join(parts)


def body_item(f: Finding, fp: str, docs_url: str) -> str:
    where = f"line {f.line}" if f.line is not None else "whole file"
    return (
        f"- {ICON[f.severity]} {md.code(f.path)} ({where}) · [{md.code(f.rule)}]({rule_url(docs_url, f.rule)}): "
        f"{md.message(f.message)} *Fix:* {md.message(f.help)} {MARKER.format(fp)}"
    )


def review_body(items: Sequence[str], comments: int) -> str:
    lines = [f"**Migration Guard** found {_plural(comments, 'new problem')} on lines of this diff."]
    if items:
        lines = [
            f"**Migration Guard** found {_plural(comments + len(items), 'new problem')}"
            + (f" ({comments} commented inline)" if comments else "")
            + ". These cannot sit on a line of this diff:",
            "",
            *items,
        ]
    lines += ["", "The **Migration Guard** check run has the full report."]
    return "\n".join(lines)
