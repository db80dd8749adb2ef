"""How much a person may write, and how many things they may multiply: one place.

Every free text the product accepts (API, forms) has a maximum length, every list a
person can grow has a maximum count, and every date lies in one window. The numbers are
documented in the README ("Grenzen") and each is refused with a 400 that names the field
and the limit. They exist so that one party cannot make everyone's documents, pages and
deadline arithmetic slow or impossible (a 2,500-character word once took minutes to
render; a commitment due on 9999-12-31 broke its owners' calendar feed).
"""

from __future__ import annotations

import datetime

# --- Text lengths (characters) ----------------------------------------------------------

# A name, a title, a reference, a short label.
SHORT_TEXT_MAX = 300
# A description, a reason, a comment, a report, a summary: one or a few paragraphs.
TEXT_MAX = 5_000
# The body of an agreement version.
AGREEMENT_TEXT_MAX = 100_000

# --- Counts ---------------------------------------------------------------------------

COMMITMENTS_PER_AGREEMENT_MAX = 100
BOTTLENECKS_PER_LOCATION_MAX = 100
ACTIONS_PER_BOTTLENECK_MAX = 50
VIEWS_PER_PROCEDURE_MAX = 1_000
# Items in any other list of a request body (e.g. a commitment's `depends_on`).
LIST_ITEMS_MAX = 100
# How deeply a JSON request body may nest objects and arrays.
JSON_NESTING_MAX = 32

# --- Dates ----------------------------------------------------------------------------

# Every date the product accepts lies in this window (inclusive): far enough on both
# sides for any housing programme, near enough that adding terms, working days and
# time zones never leaves the calendar.
DATE_MIN = datetime.date(2000, 1, 1)
DATE_MAX = datetime.date(2100, 12, 31)
