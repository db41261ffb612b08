"""``imaging-hub demo``: a whole research network on one machine.

A hub (HTTPS with a private network CA, governance on) and one spoke per site. Each site's "modality" pushes
its patients' studies to its spoke by C-STORE; the spoke keeps only enrolled, not-opted-out participants,
de-identifies them with the project key and delivers them to the hub, which a researcher then searches under
an active data-sharing agreement.
"""

from __future__ import annotations

import datetime as dt
import shutil
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydicom import Dataset
from pydicom.uid import CTImageStorage, MRImageStorage
from pynetdicom import AE
from pynetdicom.association import Association
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from imaging_hub.config import HubSettings
from imaging_hub.deid import ProjectKey
from imaging_hub.demo.governance_setup import PROJECT, DemoAccounts, set_up_governance
from imaging_hub.demo.own_log import FILE_NAME as OWN_LOG
from imaging_hub.demo.own_log import OwnLog
from imaging_hub.demo.processes import Process, free_port, https_ready, port_open
from imaging_hub.demo.sample import SITES, SiteSample, build_sample
from imaging_hub.dimse import exact_reactor_pause
from imaging_hub.errors import ImagingHubError
from imaging_hub.governance import Governance
from imaging_hub.spoke import SpokeStatus, connect, load_enrolment_file
from imaging_hub.tls import TlsFiles, issue_network_tls

MARKER = ".imaging-hub-demo"


class DemoError(ImagingHubError, RuntimeError):
    """The demo could not be set up or did not deliver what it should."""


@dataclass
class DemoNetwork:
    folder: Path
    http_port: int = 8000
    dicom_port: int = 11112
    patients_per_site: int = 4
    console: Console = field(default_factory=Console)
    processes: list[Process] = field(default_factory=list)
    spoke_ports: dict[str, int] = field(default_factory=dict)  # site ODS code -> intake SCP port
    own_log: OwnLog | None = None  # this process's warnings (its modalities' associations), in demo.log

    @property
    def hub_url(self) -> str:
        return f"https://127.0.0.1:{self.http_port}"

    def prepare_folder(self) -> None:
        """A fresh demo folder; refuses to empty a folder that is not a previous demo's."""
        if self.folder.exists() and any(self.folder.iterdir()):
            if not (self.folder / MARKER).exists():
                raise DemoError(f"{self.folder} exists and is not a demo folder; choose another with --data")
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        (self.folder / MARKER).write_text("made by imaging-hub demo; emptied by the next demo run\n")

    def start(self) -> tuple[DemoAccounts, list[SiteSample]]:
        self.prepare_folder()
        self.own_log = OwnLog(self.folder).start()
        tls = issue_network_tls(self.folder / "tls")
        hub_data = self.folder / "hub"
        hub_data.mkdir()
        settings = HubSettings(data=hub_data)
        gov = Governance.open_hub(settings)
        try:
            accounts = set_up_governance(gov, SITES)
        finally:
            gov.close()
        key_file = self.folder / "keys" / f"{PROJECT}.key"
        key_file.parent.mkdir(mode=0o700)
        ProjectKey.generate().save(key_file)
        samples = build_sample(self.patients_per_site)

        # One machine runs the whole network: the hub's quality checks use one worker thread, not processes.
        hub_config = self.folder / "hub.toml"
        hub_config.write_text("[quality]\nprocesses = false\nworkers = 1\n")
        hub = Process("hub", ["serve", "--data", str(hub_data), "--config", str(hub_config),
                              "--http-port", str(self.http_port),
                              "--dicom-port", str(self.dicom_port), "--tls-cert", str(tls.cert),
                              "--tls-key", str(tls.key)], self.folder / "hub.log")
        self.processes.append(hub)
        hub.wait_until(lambda: https_ready(f"{self.hub_url}/healthz", tls.ca), "HTTPS")
        for sample in samples:
            self._start_spoke(sample, accounts.spoke_tokens[sample.ods], tls, key_file)
        return accounts, samples

    def _start_spoke(self, sample: SiteSample, token: str, tls: TlsFiles, key_file: Path) -> None:
        site = self.folder / "sites" / sample.ods
        site.mkdir(parents=True)
        token_file = site / "hub.token"
        token_file.touch(mode=0o600)
        token_file.write_text(token)
        sample.write_enrolment(site / "enrolment.csv")
        sample.write_opt_outs(site / "national-data-opt-out.csv", dt.date.today())
        port = free_port()
        (site / "spoke.toml").write_text(
            f'site_id = "{sample.ods}"\ndata = "data"\ndicom_port = {port}\nae_title = "SPOKE{sample.ods}"\n'
            f'min_free_mb = 256\nopt_out_file = "national-data-opt-out.csv"\n\n'
            f'[hub]\nurl = "{self.hub_url}"\ntoken_file = "{token_file}"\nca_bundle = "{tls.ca}"\n'
            f"reconcile_interval_s = 2.0\nretry_base_s = 0.5\nretry_cap_s = 10.0\n\n"
            f'[[projects]]\nid = "{PROJECT}"\nprofile = "research"\nkey_file = "{key_file}"\nopt_out = "applies"\n'
        )
        conn = connect(site / "data")
        try:
            load_enrolment_file(conn, PROJECT, site / "enrolment.csv")
        finally:
            conn.close()
        spoke = Process(f"spoke {sample.ods}", ["spoke", "--config", str(site / "spoke.toml")], site / "spoke.log")
        self.processes.append(spoke)
        spoke.wait_until(lambda: port_open(port), "intake SCP")
        self.spoke_ports[sample.ods] = port

    def push(self, samples: list[SiteSample], progress: Callable[[int], None]) -> None:
        """Each site's modality sends every study it made to its own spoke."""
        exact_reactor_pause()  # the modality sends on associations it requested
        ae = AE(ae_title="DEMOMODALITY")
        ae.add_requested_context(CTImageStorage)
        ae.add_requested_context(MRImageStorage)
        ae.dimse_timeout = ae.acse_timeout = 120  # a busy machine (CI) can be slow to answer; a modality waits
        for sample in samples:
            log = self.folder / "sites" / sample.ods / "spoke.log"
            association = ae.associate("127.0.0.1", self.spoke_ports[sample.ods], ae_title=f"SPOKE{sample.ods}")
            logs = f"{log} and {self.folder / OWN_LOG}"  # the spoke's side and the modality's
            if not association.is_established:
                raise DemoError(f"spoke {sample.ods} {_not_associated(association)}; see {logs}")
            try:
                for ds in sample.instances():
                    _send(association, ds, sample.ods, logs)
                    progress(1)
            finally:
                association.release()

    def acknowledged(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for ods in SITES:
            data = self.folder / "sites" / ods / "data"
            counts[ods] = sum(s.acknowledged for s in SpokeStatus.read(data).studies)
        return counts

    def wait_for_delivery(self, samples: list[SiteSample], timeout: float = 600) -> None:
        expected = sum(s.expected_at_hub() for s in samples)
        with Progress(console=self.console, transient=True) as bar:
            task = bar.add_task("de-identified, delivered and acknowledged by the hub", total=expected)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                done = sum(self.acknowledged().values())
                bar.update(task, completed=done)
                if done >= expected:
                    return
                for process in self.processes:
                    if not process.alive():
                        raise DemoError(f"{process.name} stopped; see {process.log}")
                time.sleep(0.5)
        raise DemoError("the hub did not acknowledge every expected instance in time; see the spoke logs")

    def hub_view(self, accounts: DemoAccounts) -> list[dict[str, object]]:
        """What the researcher sees at the hub: the project's studies, over DICOMweb, under the agreement."""
        response = httpx.get(
            f"{self.hub_url}/dicom-web/studies", params={"includefield": "all"},
            headers={"Authorization": f"Bearer {accounts.researcher_token}", "Accept": "application/dicom+json"},
            verify=ssl.create_default_context(cafile=str(self.folder / "tls" / "ca.pem")), timeout=30,
        )
        response.raise_for_status()
        studies: list[dict[str, object]] = response.json()
        return studies

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        if self.own_log is not None:
            self.own_log.stop()



def summary_table(network: DemoNetwork, samples: list[SiteSample], studies: list[dict[str, object]]) -> Table:
    table = Table(title="Imaging Hub demo network")
    for column in ("site", "instances sent", "kept at the spoke", "delivered and acknowledged"):
        table.add_column(column)
    acknowledged = network.acknowledged()
    for sample in samples:
        status = SpokeStatus.read(network.folder / "sites" / sample.ods / "data")
        dropped = ", ".join(f"{n} {reason}" for reason, n in sorted(status.dropped.items())) or "none"
        table.add_row(f"{sample.ods} {sample.name}", str(len(sample.instances())), f"dropped: {dropped}",
                      str(acknowledged[sample.ods]))
    subjects = {_value(s, "00100020") for s in studies}
    table.caption = (f"hub: {len(studies)} studies of {len(subjects)} pseudonymised participants in {PROJECT}, "
                     f"visible to the researcher under the active data-sharing agreement")
    return table


def _value(study: dict[str, object], tag: str) -> str:
    element = study.get(tag)
    if isinstance(element, dict) and element.get("Value"):
        return str(element["Value"][0])
    return ""


def _send(association: Association, ds: Dataset, ods: str, logs: str, tries: int = 5) -> None:
    """One C-STORE as a modality sends it: an answer of "out of resources" (0xA7xx, the spoke's disk guard or
    intake buffer under pressure) is transient, so the instance is sent again after a pause."""
    for attempt in range(tries):
        sent_at = time.monotonic()
        status = association.send_c_store(ds)
        if not status:
            raise DemoError(f"spoke {ods} gave no answer to a C-STORE: "
                            f"{_no_answer(association, time.monotonic() - sent_at)}; see {logs}")
        code = int(status.Status)
        if code == 0:
            return
        if code >> 8 != 0xA7 or attempt == tries - 1:
            raise DemoError(f"spoke {ods} refused an instance (status 0x{code:04X})")
        time.sleep(2.0 * (attempt + 1))


def _not_associated(association: Association) -> str:
    if association.is_rejected:
        return "rejected the modality's association"
    return (f"did not accept the modality's association (not reachable, aborted, or no answer in "
            f"{association.acse_timeout:.0f} s)")


def _no_answer(association: Association, waited: float) -> str:
    """Why a C-STORE got no status: the modality's DIMSE timeout ran out (it then aborted), or the association
    was aborted first, by the spoke (its network timeout, or an error) or by the connection closing."""
    if association.dimse_timeout is not None and waited >= association.dimse_timeout:
        return f"no response within the modality's DIMSE timeout of {association.dimse_timeout:.0f} s"
    return f"the association was aborted by the spoke or the connection closed, after {waited:.0f} s"
