"""Fixtures of the API tests: a running hub over a fresh archive (SQLite and PostgreSQL)."""

from api.hub import hub, start_hub

__all__ = ["hub", "start_hub"]
