"""Which database backends this test run covers (read from the environment once)."""

from __future__ import annotations

import os

PG_URL = os.environ.get("GUANXI_TEST_DATABASE_URL")
REQUIRE_PG = os.environ.get("GUANXI_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
