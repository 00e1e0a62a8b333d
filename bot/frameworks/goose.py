"""goose: ``<version>_<name>.sql`` with ``-- +goose Up`` and ``-- +goose Down`` annotations.

Identity and order: the leading digits (a sequence or a timestamp). Rollback: the Down
section; missing, or holding only comments, means ``goose down`` does nothing.
"""

from __future__ import annotations

import re

from bot.frameworks.sectioned_sql import SectionedSqlFramework


class Goose(SectionedSqlFramework):
    name = "goose"
    marker = re.compile(r"^--\s*\+goose\s+(up|down)\b", re.IGNORECASE)
    up_marker = "-- +goose Up"
    down_marker = "-- +goose Down"
    unrecognised_message = "no `-- +goose Up` annotation: goose cannot run this file"
    no_transaction = re.compile(r"^--\s*\+goose\s+NO\s+TRANSACTION\b", re.IGNORECASE | re.MULTILINE)
