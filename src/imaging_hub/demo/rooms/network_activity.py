"""The demo's portfolio study and its costs: the demo project registered as a portfolio study (its IRAS and CPMS
numbers from governance, its timepoint from the acquisition protocol the quality room keeps, its reads per
participant from the labelling task), with a schedule of events and this financial year's tariff stored at the hub
and one AcoRD override decided with its justification. Nothing is typed twice: the studies that arrived at the hub
and the reads done in the labelling room are what ``/network/activity`` counts and ``/network/costs`` prices."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imaging_hub.api import network_audit
from imaging_hub.governance import Governance
from imaging_hub.hub import hub_activity, hub_reads, study_imaging
from imaging_hub.labelling import LabellingRoom
from imaging_hub.network import costs as engine
from imaging_hub.network.activity import (
    ActivityRoom,
    Phase,
    PortfolioStudy,
    StudyCosts,
    count_activity,
    recorded_activity,
)
from imaging_hub.network.operations import Actor, NetworkRoom
from imaging_hub.quality import QualityRoom
from imaging_hub.store import Archive

DEMO_MANAGER = Actor("demo network manager", kind="system", manager=True)
ARM = "standard"
# The demo's SoECAT-style schedule: one imaging visit (the protocol's baseline), what it brings, who does it.
SCHEDULE = """study,arm,visit,activity,kind,staff_role,minutes,tariff_code,patient_care,continues_after_study,\
standard_care,part_b_item,replaces_tariff_code,per_visit
{iras},standard,baseline,consent,consent,research nurse,20,B6-HOUR,no,,no,investigator_explanation,,
{iras},standard,baseline,CT chest,scan,radiographer,15,CT-CHEST,yes,yes,yes,,,
{iras},standard,baseline,research MR thorax,scan,radiographer,30,MR-THORAX,yes,no,no,,,
{iras},standard,baseline,image transfer,data_transfer,data manager,0,XFER,no,,no,,,
{iras},standard,baseline,research read,research_read,consultant radiologist,20,RAD-HOUR,no,,no,,,2
"""
TARIFF = """year,code,description,unit,price
{year},CT-CHEST,CT chest with contrast,item,180.00
{year},MR-THORAX,MR thorax,item,220.00
{year},B6-HOUR,Band 6 research nurse hour,hour,37.00
{year},RAD-HOUR,Consultant radiologist hour,hour,90.00
{year},XFER,Image transfer to the hub,item,5.25
"""
OVERRIDE = ("image transfer", engine.Category.RESEARCH_PART_B,
            "The site's research team prepares and checks each transfer: local data collection, so Part B.")


def fill_portfolio(gov: Governance, archive: Archive, project: str) -> dict[str, Any]:
    """Register the study and what its costs rest on (once; a second run changes nothing); what it costs now."""
    engine_db = archive.database.writer
    labelling, network = LabellingRoom.open(engine_db), NetworkRoom.open(engine_db)
    room = ActivityRoom.open(engine_db, audit=network_audit(gov))
    ledger = StudyCosts.open(engine_db, audit=network_audit(gov))
    held = gov.projects.get(project)
    if held.iras_number is None or held.cpms_number is None:
        raise LookupError(f"the demo's project {project} has no IRAS or CPMS number")
    imaging = study_imaging(project, archive, QualityRoom.open(engine_db), labelling, network)
    sites = frozenset(site.ods_code for site in held.sites)
    study = PortfolioStudy(held.iras_number, held.cpms_number, held.title, "Demo University", "Project Lead",
                           Phase.NOT_APPLICABLE, project, sites, imaging.timepoints or (),
                           imaging.reads_per_participant or 0)
    if study not in room.studies():
        room.put_study(DEMO_MANAGER, study)
    with tempfile.TemporaryDirectory(prefix="demo-costs-") as folder:
        if not ledger.schedule([study.iras_id]).activities:
            path = Path(folder) / "schedule.csv"
            path.write_text(SCHEDULE.format(iras=study.iras_id))
            ledger.put_schedule(DEMO_MANAGER, study.iras_id, engine.read_schedule(path).activities)
        now = datetime.now(UTC)  # the demo's arrivals and reads happen now: price them with this year's tariff
        starts = now.year if now.month >= 4 else now.year - 1
        year = f"{starts}/{(starts + 1) % 100:02d}"
        if year not in ledger.tariffs().years:
            path = Path(folder) / "tariff.csv"
            path.write_text(TARIFF.format(year=year))
            ledger.put_tariff(DEMO_MANAGER, engine.read_tariff(path))
    if not ledger.override_history([study.iras_id]):
        name, category, why = OVERRIDE
        ledger.add_override(DEMO_MANAGER, engine.VisitKey(study.iras_id, ARM, "baseline"), name, category, why)
    return _costed(room, ledger, archive, labelling, network) | {
        "study": study.iras_id, "timepoints": list(study.timepoints),
        "reads_per_participant": study.reads_per_participant, "page": "/network/costs"}


def _costed(room: ActivityRoom, ledger: StudyCosts, archive: Archive, labelling: LabellingRoom,
            network: NetworkRoom) -> dict[str, Any]:
    """What ``/network/costs`` shows, computed the same way: counted activity x stored schedule x tariff."""
    seen = hub_activity(archive)
    report = count_activity(room.studies(), seen.arrivals, hub_reads(archive, labelling, network), seen.enrolments,
                            room.manual())
    schedule = ledger.schedule()
    log, unpriced = recorded_activity(report, schedule)
    costed = engine.cost(schedule, ledger.tariffs(), log, ledger.overrides(schedule))
    return {
        "scans": sum(sum(r.scans.values()) for r in report.rows),
        "reads": sum(r.reads for r in report.rows),
        "cost_lines": len(costed.lines),
        "by_category": {c.label: str(costed.category_total(c)) for c in engine.Category},
        "unpriced": len(unpriced),
    }
