"""Research activity as CSV: the network's monthly table, and participant rows shaped for the national upload.

``write_monthly_activity`` writes one row per study, site and month: ``iras_id``, ``cpms_id``, ``site``,
``month``, ``recruited``, ``scans`` (all timepoints), ``reads``, one ``scans:<timepoint>`` column per protocol
timepoint of any study in the file, then ``manual_recruited``, ``manual_scans``, ``manual_reads`` (the part of
each count entered by hand) and ``recruited_from`` (where the rest of ``recruited`` came from: the site's spoke
enrolment counts, or the first arrival at the hub for a site whose spoke never reported them).

``write_portfolio_upload`` writes one row per participant the hub saw enrolled, in the shape of the CPMS
recruitment data upload as far as it is publicly described (NIHR's recruitment data page: each recruited
participant with the site where consent was given and the date it was given, anonymised): ``Study Identifier``
(the CPMS ID), ``Study Site`` (the site code as the hub knows it), ``Activity Date`` (the enrolment date,
YYYY-MM-DD, UK local), ``Unique ID`` (the participant's project pseudonym, never a hospital identifier) and
``Participant Status`` (``Recruited``). The hub holds no authority over that template: check the column names,
site codes and date format against the template CPMS offers before uploading. Manual recruitment entries are
counts without participants, so they are in the monthly table and not in this file; so are the spokes'
recruitment counts (they name no participant): this file lists the participants whose studies reached the hub.

Both go through ``imaging_hub.spreadsheet``: typed text (IRAS and CPMS IDs, site codes, timepoints) that would
start a spreadsheet formula is defused; the counts stay numbers.
"""

from __future__ import annotations

from pathlib import Path

from imaging_hub.network.activity.aggregate import UK, ActivityReport
from imaging_hub.spreadsheet import csv_writer

MONTHLY_COLUMNS = ("iras_id", "cpms_id", "site", "month", "recruited", "scans", "reads")
MANUAL_COLUMNS = ("manual_recruited", "manual_scans", "manual_reads")
SOURCE_COLUMNS = ("recruited_from",)
PORTFOLIO_COLUMNS = ("Study Identifier", "Study Site", "Activity Date", "Unique ID", "Participant Status")


def write_monthly_activity(report: ActivityReport, path: Path) -> None:
    timepoints: list[str] = []
    for row in report.rows:
        timepoints += [t for t in row.study.timepoints if t not in timepoints]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv_writer(out)
        writer.writerow([*MONTHLY_COLUMNS, *(f"scans:{t}" for t in timepoints), *MANUAL_COLUMNS,
                         *SOURCE_COLUMNS])
        for row in report.rows:
            writer.writerow([
                row.study.iras_id, row.study.cpms_id, row.site, row.month, row.recruited, sum(row.scans.values()),
                row.reads, *(row.scans[t] for t in timepoints), row.manual_recruited, row.manual_scans,
                row.manual_reads, row.recruited_from,
            ])


def write_portfolio_upload(report: ActivityReport, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv_writer(out)
        writer.writerow(PORTFOLIO_COLUMNS)
        for study, enrolment in report.enrolments:
            writer.writerow([study.cpms_id, enrolment.site,
                             enrolment.at.astimezone(UK).date().isoformat(), enrolment.participant, "Recruited"])
