"""linkvet: backlink verification. This package holds the pure domain logic, settings and CLI."""

__version__ = "0.1.0"
