"""``--format text``: for people. Grouped by file; rule id, message and the fix; colour only on a terminal."""

from __future__ import annotations

import textwrap
from itertools import groupby

from bot.core.model import Severity
from bot.pipeline.coverage import describe_locations
from bot.pipeline.engine import Result

_COLOUR = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTICE: "36"}


def render(result: Result, colour: bool = False, width: int = 100) -> str:
    """Findings grouped by file: line, severity, rule and message in aligned columns (padded
    before colouring), the message wrapped under itself, the offending source line as a code
    frame, then the fix and a verified suggestion; the summary line coloured by outcome."""

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
    width = max(width, 60)
    for path, group in groupby(result.findings, key=lambda f: f.path):
        lines.append(paint(path, "1"))
        source = result.sources.get(path, "").splitlines()
        for f in group:
            where = f"{f.line}" if f.line is not None else "-"
            head = f"  {where:>4}  {paint(f'{f.severity.label:<7}', _COLOUR[f.severity])}  {paint(f.rule, '1')}  "
            indent = 2 + 4 + 2 + 7 + 2 + len(f.rule) + 2
            hanging = " " * 8
            message = _wrap(f.message, width=max(width - indent, 30)) or [""]
            lines.append(head + message[0])
            lines += [hanging + part for part in _wrap(" ".join(message[1:]), width=width - len(hanging))]
            if f.line is not None and 0 < f.line <= len(source) and source[f.line - 1].strip():
                lines.append(f"{hanging}{paint('|', '2')} {source[f.line - 1].rstrip()[: width - 10]}")
            lines += _wrap(f.help, width=width, initial_indent=f"{hanging}{paint('fix:', '2')} ",
                           subsequent_indent=hanging + "     ")  # fmt: skip
            if f.suggestion is not None:
                shown = f.suggestion.splitlines() or [""]
                if len(shown) == 1:
                    lines.append(f"        {paint('suggested line:', '2')} {shown[0].strip()}")
                else:
                    first, last = f.suggested_range or (f.line, f.line)
                    lines.append(f"        {paint(f'suggested lines {first}-{last}:', '2')}")
                    lines += [f"        {paint('+', '32')} {s}" for s in shown]
        lines.append("")
    errors, warnings, notices = (result.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.NOTICE))
    checked = result.migrations_checked
    noun = "migration" if checked == 1 else "migrations"
    if not result.findings:
        summary = f"{checked} changed {noun} checked: no problems found." if checked else "No migration changed: nothing to check."
        lines.append(paint(summary, "32") if checked else summary)
    else:
        summary = (
            f"{checked} changed {noun} checked: {_plural(errors, 'error')}, {_plural(warnings, 'warning')}, "
            f"{_plural(notices, 'notice')}."
        )
        lines.append(paint(summary, "31;1" if errors else "33" if warnings else "36"))
    if result.suppressed:
        lines.append(f"{_plural(len(result.suppressed), 'finding')} suppressed inline.")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """Wrapped at spaces only: rule ids, paths and SQL keep their hyphens and stay whole."""
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=initial_indent,
        subsequent_indent=subsequent_indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
