"""dbmate: ``<version>_<name>.sql`` with ``-- migrate:up`` and ``-- migrate:down`` sections.

Identity and order: the leading digits (usually a 14-digit timestamp). Rollback: the down
section; missing, or holding only comments, means ``dbmate rollback`` does nothing.
"""

from __future__ import annotations

import re

from bot.core.traits import Identity, Traits
from bot.frameworks.sectioned_sql import SectionedSqlFramework


class Dbmate(SectionedSqlFramework):
    name = "dbmate"
    looks_in = 'dbmate `<version>_<name>.sql` with `-- migrate:up`'
    traits = Traits(
        display="dbmate",
        identity=Identity.VERSION,
        duplicate_effect="dbmate treats the second file as already applied and never runs it",
        out_of_order_effect="dbmate applies it after the newer one, an order nobody tested",
        concurrent_index_fix="Use `CREATE INDEX CONCURRENTLY` and write `-- migrate:up transaction:false`.",
        no_transaction_fix="Write the up marker as `-- migrate:up transaction:false`.",
    )
    marker = re.compile(r"^--\s*migrate:(up|down)(?:\s|$)", re.IGNORECASE)
    up_marker = "-- migrate:up"
    down_marker = "-- migrate:down"
    unrecognised_message = "no `-- migrate:up` section: dbmate cannot run this file"
    no_transaction = re.compile(r"^--\s*migrate:up\b.*\btransaction:\s*false", re.IGNORECASE | re.MULTILINE)

    def transaction_off(self, lines: list[str], up_line: int) -> tuple[int, list[str]]:
        """dbmate reads `transaction:false` on the up marker line."""
        return up_line, [lines[up_line - 1].rstrip() + " transaction:false"]
