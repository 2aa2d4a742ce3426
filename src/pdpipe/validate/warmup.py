"""Great Expectations' settings for pdpipe's runs, set before it is imported.

Importing GX on a thread while the run imported other modules was tried (it takes 5.8 s)
and dropped: two threads importing SQLAlchemy's ORM at once saw it half initialized.
"""

from __future__ import annotations

import logging
import os


def quiet() -> None:
    """No analytics and no progress chatter from GX in pdpipe's runs: set before import."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
