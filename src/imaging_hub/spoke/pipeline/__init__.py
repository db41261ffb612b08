"""From intake buffer to outbox: per-project decisions, de-identification of each file, acquisition checks.

The processes that run this work (``runtime.workers``) sit above it, in ``runtime``."""
