"""``--format json``: the stable machine contract (see README)."""

from __future__ import annotations

import json

from bot.core.model import RefInfo, Severity
from bot.pipeline.engine import Result


def _ref(ref: RefInfo | None) -> dict[str, str] | None:
    return {"ref": ref.name, "sha": ref.sha} if ref is not None else None


def render(result: Result) -> str:
    cov = result.coverage
    payload = {
        "findings": [
            {
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
            for f in result.findings
        ],
        "summary": {
            "migrations_checked": result.migrations_checked,
            "errors": result.count(Severity.ERROR),
            "warnings": result.count(Severity.WARNING),
            "notices": result.count(Severity.NOTICE),
            "checked": [
                {"framework": loc.framework, "directory": loc.directory, "migrations": loc.migrations}
                for loc in cov.locations
            ],
            "base": _ref(cov.base),
            "deployed": _ref(cov.deployed),
            "notes": list(cov.notes),
        },
    }
    # One compact line: the format is for machines (pipe it through `jq` to read it).
    return json.dumps(payload, ensure_ascii=False) + "\n"
