"""dbmate: ``<version>_<name>.sql`` with ``-- migrate:up`` and ``-- migrate:down`` sections.

Identity and order: the leading digits (usually a 14-digit timestamp). Rollback: the down
section; missing, or holding only comments, means ``dbmate rollback`` does nothing.
"""

from __future__ import annotations

import re

from bot.frameworks.sectioned_sql import SectionedSqlFramework


class Dbmate(SectionedSqlFramework):
    name = "dbmate"
    marker = re.compile(r"^--\s*migrate:(up|down)(?:\s|$)", re.IGNORECASE)
    up_marker = "-- migrate:up"
    down_marker = "-- migrate:down"
    unrecognised_message = "no `-- migrate:up` section: dbmate cannot run this file"
    no_transaction = re.compile(r"^--\s*migrate:up\b.*\btransaction:\s*false", re.IGNORECASE | re.MULTILINE)
