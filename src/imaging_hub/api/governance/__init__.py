"""The governance HTTP API at /api/governance and the governed hub app that mounts it beside DICOMweb."""
