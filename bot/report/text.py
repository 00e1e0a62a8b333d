"""``--format text``: for people. Grouped by file; rule id, message and the fix; colour only on a terminal."""

from __future__ import annotations

from itertools import groupby

from bot.core.model import Severity
from bot.pipeline.coverage import describe_locations
from bot.pipeline.engine import Result

_COLOUR = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTICE: "36"}


def render(result: Result, colour: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if colour else text

    lines: list[str] = [paint("Checked: " + describe_locations(result.coverage), "2")]
    cov = result.coverage
    if cov.base is not None:
        refs = f"base {cov.base.name} ({cov.base.sha[:12]})"
        if cov.deployed is not None and cov.deployed.sha == cov.base.sha:
            refs += ", also counted as deployed"
        elif cov.deployed is not None:
            refs += f", deployed {cov.deployed.name} ({cov.deployed.sha[:12]})"
        lines.append(paint(f"Against: {refs}", "2"))
    lines += [paint(f"Note: {note.replace('`', '')}", "2") for note in cov.notes]
    lines.append("")
    for path, group in groupby(result.findings, key=lambda f: f.path):
        lines.append(paint(path, "1"))
        for f in group:
            where = f"{f.line}" if f.line is not None else "-"
            lines.append(
                f"  {where:>4}  {paint(f.severity.label, _COLOUR[f.severity]):<7}  {paint(f.rule, '1')}  {f.message}"
            )
            lines.append(f"        {paint('fix:', '2')} {f.help}")
            if f.suggestion is not None:
                lines.append(f"        {paint('suggested line:', '2')} {f.suggestion.strip()}")
        lines.append("")
    errors, warnings, notices = (result.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.NOTICE))
    checked = result.migrations_checked
    noun = "migration" if checked == 1 else "migrations"
    if not result.findings:
        lines.append(
            f"{checked} changed {noun} checked: no problems found."
            if checked
            else "No migration changed: nothing to check."
        )
    else:
        lines.append(
            f"{checked} changed {noun} checked: {_plural(errors, 'error')}, {_plural(warnings, 'warning')}, "
            f"{_plural(notices, 'notice')}."
        )
    if result.suppressed:
        lines.append(f"{_plural(len(result.suppressed), 'finding')} suppressed inline.")
    return "\n".join(lines) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
