"""``--format sarif``: SARIF 2.1.0 as GitHub code scanning accepts it.

One run; every rule with its help text; each result with a location. Findings about a whole
file (a deleted or renamed migration) carry no region. ``partialFingerprints`` keep a result's
identity stable when unrelated lines move.
"""

from __future__ import annotations

import hashlib
import json

from bot import __version__
from bot.core.model import Severity
from bot.pipeline.engine import Result
from rules import RULES

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(result: Result) -> str:
    rule_ids = list(RULES)
    rules = [
        {
            "id": rule.id,
            "name": "".join(part.capitalize() for part in rule.id.split("-")),
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.explanation.split("\n\n")[0].replace("\n", " ")},
            "help": {"text": rule.explanation, "markdown": rule.explanation},
            "helpUri": f"https://github.com/migration-guard/migration-guard/blob/main/rules/{rule.id.replace('-', '_')}.py",
            # a rule of taste is off until the repository's configuration turns it on
            "defaultConfiguration": {"level": _LEVEL[rule.severity], "enabled": rule.on_by_default},
            "properties": {"tags": ["migrations", "database"]},
        }
        for rule in RULES.values()
    ]
    results = []
    for f in result.findings:
        location: dict = {"artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"}}
        if f.line is not None:
            location["region"] = {"startLine": f.line, "endLine": f.end_line or f.line}
        fingerprint = hashlib.sha256(f"{f.rule}\0{f.path}\0{f.message}".encode()).hexdigest()
        entry: dict = {
            "ruleId": f.rule,
            "ruleIndex": rule_ids.index(f.rule),
            "level": _LEVEL[f.severity],
            "message": {"text": f"{f.message} {f.help}"},
            "locations": [{"physicalLocation": location}],
            "partialFingerprints": {"migrationGuard/v1": fingerprint},
            "properties": {"framework": f.framework},
        }
        if f.suggestion is not None and (lines := f.suggested_range) is not None:  # verified before it got here
            entry["fixes"] = [
                {
                    "description": {"text": f.help},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                            "replacements": [
                                {
                                    "deletedRegion": {"startLine": lines[0], "endLine": lines[1]},
                                    "insertedContent": {"text": f.suggestion},
                                }
                            ],
                        }
                    ],
                }
            ]
        results.append(entry)
    sarif = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Migration Guard",
                        "informationUri": "https://github.com/migration-guard/migration-guard",
                        "semanticVersion": __version__,
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///"}},
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
