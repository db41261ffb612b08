"""From outbox to hub: the durable outbox, the courier, the hub client, and per-study reconciliation."""
