"""Network operations: the resources an imaging network shares across its sites.

Sub-packages, each with its own surface:

- ``network.reporting``: the shared reporting worklist (tasks, reporters, routing, the task lifecycle, FHIR).
- ``network.capacity``: scanners, research scan sessions, allocating visits with CP-SAT, iCalendar, capacity tables.
- ``network.costs``: schedules of events, tariffs and AcoRD attribution of research costs.
- ``network.activity``: portfolio studies and research activity per site and month.
- ``network.catalogue``: the searchable catalogue of data collections and imaging research capacity.

``NetworkInputError`` is the one error their engines raise for bad input. Importing this package loads
neither OR-Tools nor the FHIR models; the functions that need them import them when called.
"""

from imaging_hub.network.errors import NetworkInputError

__all__ = ["NetworkInputError"]
