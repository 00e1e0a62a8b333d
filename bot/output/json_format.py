"""``--format json``: the stable machine contract (see README)."""

from __future__ import annotations

import json

from bot.engine import Result
from bot.model import Severity


def render(result: Result) -> str:
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
            }
            for f in result.findings
        ],
        "summary": {
            "migrations_checked": result.migrations_checked,
            "errors": result.count(Severity.ERROR),
            "warnings": result.count(Severity.WARNING),
            "notices": result.count(Severity.NOTICE),
        },
    }
    # One compact line: the format is for machines (pipe it through `jq` to read it).
    return json.dumps(payload, ensure_ascii=False) + "\n"
