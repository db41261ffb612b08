"""Research scan capacity across the network's sites: scanners, research sessions, and allocating visits to them.

Surface: a ``CapacityRegister`` of ``SiteLocation``s, ``Scanner``s and ``SessionTemplate``s (or
``read_register`` from CSV) expands into ``Slot``s; ``allocate`` places a batch of ``VisitRequest``s with
CP-SAT and explains each; ``site_calendar`` exports a site's iCalendar; ``utilisation``,
``waits_to_next_slot``, ``capacity_tables`` and ``what_if`` (also ``compare_scenario``) return the capacity tables.
"""

from imaging_hub.network.capacity.allocation import AllocationPlan, VisitPlan, allocate
from imaging_hub.network.capacity.batch_files import (
    PLAN_COLUMNS,
    REQUEST_COLUMNS,
    SCANNER_COLUMNS,
    SESSION_COLUMNS,
    SITE_COLUMNS,
    read_register,
    read_requests,
    write_plan,
)
from imaging_hub.network.capacity.bookings import Booking, free_minutes, next_start
from imaging_hub.network.capacity.calendar_export import site_calendar
from imaging_hub.network.capacity.network import CapacityRegister
from imaging_hub.network.capacity.options import (
    COST_SCALE,
    AllocationWeights,
    Feasibility,
    VisitOption,
    feasible_options,
    option_cost,
)
from imaging_hub.network.capacity.scanners import Scanner
from imaging_hub.network.capacity.sessions import NETWORK_ZONE, SessionTemplate, Slot, expand
from imaging_hub.network.capacity.sites import SiteLocation, haversine_km
from imaging_hub.network.capacity.utilisation import (
    UtilisationRow,
    VisitNeed,
    WaitRow,
    iso_week,
    utilisation,
    waits_to_next_slot,
)
from imaging_hub.network.capacity.visits import VisitRequest
from imaging_hub.network.capacity.what_if import CapacityTables, Scenario, WhatIf, capacity_tables, what_if

# The same function under a name unlike its module's, which import-linter would read as a deep import.
compare_scenario = what_if

__all__ = [
    "COST_SCALE",
    "NETWORK_ZONE",
    "PLAN_COLUMNS",
    "REQUEST_COLUMNS",
    "SCANNER_COLUMNS",
    "SESSION_COLUMNS",
    "SITE_COLUMNS",
    "AllocationPlan",
    "AllocationWeights",
    "Booking",
    "CapacityRegister",
    "CapacityTables",
    "Feasibility",
    "Scanner",
    "Scenario",
    "SessionTemplate",
    "SiteLocation",
    "Slot",
    "UtilisationRow",
    "VisitNeed",
    "VisitOption",
    "VisitPlan",
    "VisitRequest",
    "WaitRow",
    "WhatIf",
    "allocate",
    "capacity_tables",
    "compare_scenario",
    "expand",
    "feasible_options",
    "free_minutes",
    "haversine_km",
    "iso_week",
    "next_start",
    "option_cost",
    "read_register",
    "read_requests",
    "site_calendar",
    "utilisation",
    "waits_to_next_slot",
    "what_if",
    "write_plan",
]
