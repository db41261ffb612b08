"""``imaging-hub activity study add|list``: portfolio studies stored at the hub from a CSV, all or nothing, audited
as the local operator; blank timepoints taken from the project's stored acquisition protocol."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from imaging_hub.cli import app
from imaging_hub.config import HubSettings
from imaging_hub.governance import AuditFilter, Governance
from imaging_hub.network.activity import ActivityRoom
from imaging_hub.quality import QualityRoom
from imaging_hub.store import Archive

runner = CliRunner()
HEADER = "iras_id,cpms_id,title,sponsor,chief_investigator,phase,project,sites,timepoints,reads_per_participant\n"
PROTOCOL = """[protocol]
name = "LUNG1 chest"
version = "1.0"
format = 1
timepoints = ["baseline", "month-6"]

[[series]]
name = "CT chest"
match = { modality = "CT" }
"""


def test_studies_are_stored_all_or_nothing_with_the_protocols_timepoints(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    archive = Archive.open(hub)
    QualityRoom.open(archive.database.writer).save_protocol("LUNG1", PROTOCOL, "lead")
    archive.close()
    good = tmp_path / "studies.csv"
    good.write_text(HEADER + "312345,54321,Lung nodule AI,University,Prof CI,N/A,LUNG1,RXX;RYY,,2\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "3123456,1,Second,U,CI,N/A,OTHER,RXX,,\n" + "12AB,1,Third,U,CI,N/A,THIRD,RXX,,\n")
    refused = runner.invoke(app, ["activity", "study", "add", str(bad), "--data", str(hub)])
    assert refused.exit_code == 2 and "row 3" in refused.output and "IRAS ID" in refused.output
    clash = tmp_path / "clash.csv"
    clash.write_text(HEADER + "3123456,1,Second,U,CI,N/A,LUNG1,RXX,,\n" + "3123457,1,Third,U,CI,N/A,LUNG1,RXX,,\n")
    assert runner.invoke(app, ["activity", "study", "add", str(clash), "--data", str(hub)]).exit_code == 2
    done = runner.invoke(app, ["activity", "study", "add", str(good), "--data", str(hub)])
    assert done.exit_code == 0, done.output
    archive = Archive.open(hub)
    [study] = ActivityRoom.open(archive.database.writer).studies()
    archive.close()
    assert (study.iras_id, study.timepoints, study.reads_per_participant) == ("312345", ("baseline", "month-6"), 2)
    listed = runner.invoke(app, ["activity", "study", "list", "--data", str(hub)])
    assert listed.exit_code == 0 and "Lung nodule AI" in listed.output
    gov = Governance.open_hub(HubSettings(data=hub))
    trail = gov.audit.entries(AuditFilter(action="network.activity.study.put", limit=10))
    gov.close()
    assert len(trail) == 1 and trail[0].actor.startswith("local operator")
