"""goose: ``<version>_<name>.sql`` with ``-- +goose Up`` and ``-- +goose Down`` annotations.

Identity and order: the leading digits (a sequence or a timestamp). Rollback: the Down
section; missing, or holding only comments, means ``goose down`` does nothing.
"""

from __future__ import annotations

import re

from bot.core.traits import Identity, Traits
from bot.frameworks.sectioned_sql import SectionedSqlFramework


class Goose(SectionedSqlFramework):
    name = "goose"
    looks_in = 'goose `<version>_<name>.sql` with `-- +goose Up`'
    traits = Traits(
        display="goose",
        identity=Identity.VERSION,
        duplicate_effect="goose refuses to run (duplicate version)",
        out_of_order_effect="goose refuses to migrate (missing migrations) unless run with -allow-missing",
        concurrent_index_fix="Use `CREATE INDEX CONCURRENTLY` and add `-- +goose NO TRANSACTION` at the top of the file.",
        no_transaction_fix="Add `-- +goose NO TRANSACTION` at the top of the file.",
    )
    marker = re.compile(r"^--\s*\+goose\s+(up|down)\b", re.IGNORECASE)
    up_marker = "-- +goose Up"
    down_marker = "-- +goose Down"
    unrecognised_message = "no `-- +goose Up` annotation: goose cannot run this file"
    no_transaction = re.compile(r"^--\s*\+goose\s+NO\s+TRANSACTION\b", re.IGNORECASE | re.MULTILINE)

    def transaction_off(self, lines: list[str], up_line: int) -> tuple[int, list[str]]:
        """goose reads `-- +goose NO TRANSACTION` at the top of the file."""
        return 1, ["-- +goose NO TRANSACTION", lines[0] if lines else ""]
