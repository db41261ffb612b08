"""The governance HTTP API at /api/governance: its routes, administration, authentication, models and views.

``imaging_hub.api.governed_app`` mounts it beside DICOMweb and the spoke routes (which use its ``HttpAuth``);
this package imports neither, so the api's sub-packages form no cycle.
"""
