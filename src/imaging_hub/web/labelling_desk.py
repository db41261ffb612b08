"""The labelling room as the web face uses it: opened beside the archive, its audit written to governance's
trail, people as the room's actors, the archive read for the room (source images, label objects), and the SEGs
readers save from the viewer filed as their labels.

Readers save a segmentation from OHIF by STOW to the hub's own ``/dicom-web`` (same ingest path, governance and
audit as any instance); an ``InstanceStored`` subscriber here checks each stored SEG and files it under the
storing person's open assignment of that study, so their next read of it names it.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import SegmentationStorage

from imaging_hub.events import InstanceStored
from imaging_hub.governance import Forbidden, Governance, InvalidInput, NotFound, Principal, Role, TrailSink
from imaging_hub.labelling import Actor, LabellingError, LabellingRoom, Refused, segment_labels
from imaging_hub.labelling import NotFound as LabellingNotFound
from imaging_hub.store import Archive

log = logging.getLogger(__name__)
_LABEL_CLASSES = frozenset({SegmentationStorage})
_NOT_IMAGES = frozenset(
    {
        SegmentationStorage,
        "1.2.840.10008.5.1.4.1.1.88.33",
        "1.2.840.10008.5.1.4.1.1.88.34",
        "1.2.840.10008.5.1.4.1.1.88.22",
        "1.2.840.10008.5.1.4.1.1.88.11",
    }
)


def actor_of(who: Principal) -> Actor:
    """Readers are known by account email; a project's lead manages its labelling tasks."""
    return Actor(
        who.email, kind=who.via, address=who.address, manages=who.projects_with(frozenset({Role.PROJECT_LEAD}))
    )


def _account(audit_name: str) -> str:
    """The account behind an origin's audit name ("email" or "email (token name)")."""
    return audit_name.split(" (token ", 1)[0]


class StudyAids(Protocol):
    """What a reading page may add beside the form for a task (an AI tool's output in a reader study's aided
    condition), and why it may hold a reader back (order, washout). The face wires the hub's reader studies."""

    def refusal(self, reader: str, task_id: int, study_uid: str) -> str | None: ...

    def aid(self, reader: str, task_id: int, study_uid: str) -> Any | None: ...


@dataclass
class LabellingDesk:
    gov: Governance
    archive: Archive
    room: LabellingRoom
    aids: StudyAids | None = None

    @classmethod
    def open(cls, gov: Governance, archive: Archive) -> LabellingDesk:
        desk = cls(gov, archive, LabellingRoom.open(archive.database.writer, audit=TrailSink(gov.audit)))
        archive.events.subscribe(InstanceStored, desk.on_stored)
        return desk

    def may_read(self, who: Principal, project: str) -> bool:
        """Labels are read on the images: the same rule as DICOMweb (a data-reading role, an agreement in force)."""
        return self.gov.authority.may_read(who, project)

    # --- the archive, read for the room -----------------------------------------------------------------------

    def dataset(self, sop_instance_uid: str, *, pixels: bool = True) -> Dataset | None:
        held = self.archive.get(sop_instance_uid)
        if held is None:
            return None
        with warnings.catch_warnings():  # pydicom may quote a value in a warning
            warnings.simplefilter("ignore")
            return dcmread(held.path, stop_before_pixels=not pixels)

    def series_images(self, study_uid: str, series_uid: str) -> list[Dataset]:
        found: list[Dataset] = []
        for held in self.archive.instances(study_uid, series_uid):
            if held.sop_class_uid not in _NOT_IMAGES:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    found.append(dcmread(held.path))
        return found

    def source_images(self, study_uid: str) -> list[Dataset]:
        """The study's images (headers only: a report references them, it does not copy their pixels)."""
        found: list[Dataset] = []
        for held in self.archive.instances(study_uid):
            if held.sop_class_uid not in _NOT_IMAGES:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    found.append(dcmread(held.path, stop_before_pixels=True))
        return found

    def label_bytes(self, sop_instance_uid: str) -> bytes | None:
        held = self.archive.get(sop_instance_uid)
        return held.path.read_bytes() if held is not None else None

    # --- SEGs saved from the viewer -----------------------------------------------------------------------------

    def on_stored(self, event: InstanceStored) -> None:
        if event.sop_class_uid not in _LABEL_CLASSES or event.origin is None or not event.origin.principal:
            return
        seg = self.dataset(event.sop_instance_uid)
        actor = Actor(_account(event.origin.principal), kind=event.origin.interface, address=event.origin.address)
        if seg is None:
            return
        try:
            labels = segment_labels(seg, event.study_instance_uid)
        except LabellingError as exc:
            # Stored by governance's rules all the same; it is only not filed as anyone's label.
            self.room.record_refusal(actor, "label.file", event.sop_instance_uid, event.project, str(exc))
            return
        self.room.file_label(actor, event.study_instance_uid, event.sop_instance_uid, labels)


@contextmanager
def page_errors() -> Iterator[None]:
    """The room's refusals as the pages' own (WebRoute renders them): 403, 404 and 400 with the room's words."""
    try:
        yield
    except Refused as exc:
        raise Forbidden(str(exc)) from None
    except LabellingNotFound as exc:
        raise NotFound(str(exc)) from None
    except LabellingError as exc:
        raise InvalidInput(str(exc)) from None
