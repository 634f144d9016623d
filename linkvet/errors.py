"""Errors classified at the boundary: transient ones are retried, terminal ones are not.
Every message says what went wrong and how to fix it."""

from __future__ import annotations


class LinkvetError(Exception):
    """Base of linkvet's own errors."""

    transient = False


class TransientError(LinkvetError):
    """Worth retrying as is: a lock held by another process, a broker restarting, a timeout."""

    transient = True


class TerminalError(LinkvetError):
    """Retrying will not help: bad input or configuration. The message says what to change."""


class StoreLockedError(TransientError):
    """The DuckDB file is held by another process."""


class StoreMissingError(TerminalError):
    """A command that only reads the DuckDB file found none: nothing was stored there yet."""


class ConfigError(TerminalError):
    """A setting is missing or contradicts another."""


class InputError(TerminalError):
    """A file or record given to linkvet is not what it should be."""


class FetchRefusedError(TerminalError):
    """A URL linkvet will not fetch (private address without the allowlist, bad scheme...)."""
