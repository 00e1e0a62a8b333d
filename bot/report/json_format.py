"""``--format json``: the stable machine contract (see README)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bot.core.model import Finding, RefInfo, Severity
from bot.pipeline.engine import Result


def _ref(ref: RefInfo | None) -> dict[str, str] | None:
    return {"ref": ref.name, "sha": ref.sha} if ref is not None else None


def render(result: Result) -> str:
    return "".join(render_parts(result))


#: findings written per piece: a change of thousands of findings is written as it is made, not
#: held whole as one string beside the records (that was the run's peak memory)
PART = 1000


def render_parts(result: Result) -> Iterator[str]:
    """The JSON document in pieces that join to exactly ``json.dumps(payload)``: one compact line
    (the format is for machines: pipe it through `jq` to read it)."""
    findings = result.findings
    yield '{"findings": ['
    for start in range(0, len(findings), PART):
        part = json.dumps([_finding(f) for f in findings[start : start + PART]], ensure_ascii=False)
        yield (", " if start else "") + part[1:-1]
    yield '], "summary": ' + json.dumps(_summary(result), ensure_ascii=False) + "}\n"


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.label,
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line if f.end_line is not None else f.line,
        "message": f.message,
        "help": f.help,
        "framework": f.framework,
        "suggestion": {"line": r[0], "end_line": r[1], "text": f.suggestion}
        if f.suggestion is not None and (r := f.suggested_range) is not None
        else None,
    }


def _summary(result: Result) -> dict[str, Any]:
    cov = result.coverage
    return {
        "migrations_checked": result.migrations_checked,
        "errors": result.count(Severity.ERROR),
        "warnings": result.count(Severity.WARNING),
        "notices": result.count(Severity.NOTICE),
        "checked": [
            {"framework": loc.framework, "directory": loc.directory, "migrations": loc.migrations,
             "database": loc.database, "database_source": loc.database_source}
            for loc in cov.locations
        ],
        "base": _ref(cov.base),
        "deployed": _ref(cov.deployed),
        "notes": list(cov.notes),
    }
