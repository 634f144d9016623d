"""Retry policy for I/O tasks: retry transient errors (with backoff), never terminal ones."""

from __future__ import annotations

from typing import Any

from linkvet.errors import LinkvetError

BACKOFF_SECONDS: list[float] = [2.0, 10.0, 30.0]


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry only :class:`TransientError` and OS-level I/O
    errors (a lock, a broker restarting); bad input or configuration fails at once."""
    try:
        state.result()
    except LinkvetError as exc:
        return exc.transient
    except (TimeoutError, ConnectionError):
        return True
    except Exception:
        return False
    return False
