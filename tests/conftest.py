"""Session-wide fixtures. Each real component has its own fixture module in tests/fixtures/."""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

pytest_plugins: list[str] = [
    "tests.fixtures.kafka",
    "tests.fixtures.prefect",
    "tests.fixtures.sandbox",
]
