"""From intake buffer to outbox: per-project decisions, de-identification workers, acquisition checks."""
