"""Run a registered ONNX model over a governed cohort as Dask jobs: a LocalCluster by default, or the cluster at a
scheduler address. Each instance is one task (its key names the model hash and the instance, so a cluster never
scores one instance twice at once); results arrive as they finish, for a progress bar.

A study's score is the highest of its instances' scores: a finding anywhere in the study is a finding in it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from imaging_hub.assurance.errors import AssuranceInputError
from imaging_hub.assurance.inference.scoring import InstanceInput, score_instance
from imaging_hub.assurance.register import CaseResult, file_sha256
from imaging_hub.cluster import ClusterChoice, dask_client

if TYPE_CHECKING:
    pass


@dataclass
class Inference:
    instances: list[CaseResult] = field(default_factory=list)
    studies: list[CaseResult] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (SOP Instance UID, reason: no values)

    @property
    def results(self) -> list[CaseResult]:
        return [*self.instances, *self.studies]


def study_scores(instances: Sequence[CaseResult]) -> list[CaseResult]:
    best: dict[str, CaseResult] = {}
    for result in instances:
        found = best.get(result.study_uid)
        if found is None or result.score > found.score:
            best[result.study_uid] = result
    return [CaseResult("study", uid, uid, r.patient_id, r.site, r.score) for uid, r in sorted(best.items())]


def run_model(model: Path, sha256: str, cohort: Sequence[InstanceInput], *, cluster: ClusterChoice | None = None,
              on_done: Callable[[InstanceInput], None] | None = None) -> Inference:
    """Score every instance with the model whose file hash is ``sha256`` (the register's), checked first."""
    if file_sha256(model) != sha256:
        raise AssuranceInputError("the model file is not the one registered (SHA-256 differs)")
    if not cohort:
        raise AssuranceInputError("the cohort holds no instances to score")
    from dask.distributed import as_completed

    found = Inference()
    with dask_client(cluster or ClusterChoice()) as client:
        futures = {client.submit(score_instance, str(model.resolve()), sha256, item,
                                 key=f"assurance-{sha256[:16]}-{item.sop_uid}"): item for item in cohort}
        for future in as_completed(futures):
            item = futures[future]
            try:
                score = float(future.result())
                found.instances.append(CaseResult("instance", item.sop_uid, item.study_uid, item.patient_id,
                                                  item.site, score))
            except Exception as exc:  # one unreadable image does not sink the run; it is reported by UID
                found.failed.append((item.sop_uid, type(exc).__name__))
            if on_done is not None:
                on_done(item)
    found.instances.sort(key=lambda r: (r.study_uid, r.case_id))
    found.studies = study_scores(found.instances)
    return found
