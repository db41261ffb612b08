"""Research activity: portfolio studies and what they did per site and month, counted from what the hub saw.

``count_activity`` is a pure count over records the hub can feed (studies arrived per protocol timepoint,
reads done, participants enrolled; the spokes' recruitment counts, ``RecruitedCount``) plus manual entries;
``write_monthly_activity`` and ``write_portfolio_upload`` export it as CSV (see ``export`` for the columns and
their provenance); ``read_studies`` reads the portfolio studies' CSV (``STUDY_COLUMNS``).
``ActivityRoom.open(engine, audit=sink)`` keeps the portfolio studies and manual entries in the hub's database
(own Alembic chain), audited; ``StudyCosts.open(engine, audit=sink)`` keeps each study's schedule of events, the
annual tariffs and the AcoRD overrides there too; ``recorded_activity(report, schedule)`` turns the counted
activity into the costs engine's recorded activity (what it cannot price is listed as ``Unpriced``).
"""

from imaging_hub.network.activity.aggregate import ActivityReport, SiteMonthActivity, count_activity, month_of
from imaging_hub.network.activity.costed import READ_KINDS, Unpriced, recorded_activity
from imaging_hub.network.activity.errors import ActivityInputError, ActivityRefused
from imaging_hub.network.activity.export import (
    MANUAL_COLUMNS,
    MONTHLY_COLUMNS,
    PORTFOLIO_COLUMNS,
    write_monthly_activity,
    write_portfolio_upload,
)
from imaging_hub.network.activity.records import (
    RECRUITED_AT_HUB,
    RECRUITED_AT_SPOKE,
    UNSTATED,
    ManualEntry,
    Measure,
    ParticipantEnrolled,
    ReadCompleted,
    RecruitedCount,
    StudyArrived,
)
from imaging_hub.network.activity.room import ActivityRoom
from imaging_hub.network.activity.study import Phase, PortfolioStudy, cpms_id, iras_id
from imaging_hub.network.activity.study_costs import StoredOverride, StudyCosts
from imaging_hub.network.activity.study_files import STUDY_COLUMNS, read_studies

__all__ = [
    "MANUAL_COLUMNS",
    "MONTHLY_COLUMNS",
    "PORTFOLIO_COLUMNS",
    "READ_KINDS",
    "RECRUITED_AT_HUB",
    "RECRUITED_AT_SPOKE",
    "STUDY_COLUMNS",
    "UNSTATED",
    "ActivityInputError",
    "ActivityRefused",
    "ActivityReport",
    "ActivityRoom",
    "ManualEntry",
    "Measure",
    "ParticipantEnrolled",
    "Phase",
    "PortfolioStudy",
    "ReadCompleted",
    "RecruitedCount",
    "SiteMonthActivity",
    "StoredOverride",
    "StudyArrived",
    "StudyCosts",
    "Unpriced",
    "count_activity",
    "cpms_id",
    "iras_id",
    "month_of",
    "read_studies",
    "recorded_activity",
    "write_monthly_activity",
    "write_portfolio_upload",
]
