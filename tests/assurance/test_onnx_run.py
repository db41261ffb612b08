"""ONNX runs: the tiny model built in code, scored over DICOM files as Dask jobs on a real LocalCluster, checked
against the same arithmetic done here with numpy; the model hash is checked against the register."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from imaging_hub.assurance import AssuranceInputError
from imaging_hub.assurance.inference import (
    ClusterChoice,
    InstanceInput,
    image_tensor,
    mean_intensity_model,
    run_model,
)
from imaging_hub.assurance.register import file_sha256

pytest.importorskip("onnxruntime")
CENTRE, GAIN = 0.3, 12.0


def write_image(path: Path, pixels: np.ndarray, study: str) -> InstanceInput:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.7")
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, str(generate_uid())
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return InstanceInput(str(ds.SOPInstanceUID), study, "P" + study[-1], "RXA", str(path))


def expected_score(pixels: np.ndarray) -> float:
    """The model's arithmetic, done independently: mean of the 12-bit values scaled to 0..1, then a logistic."""
    mean = float(pixels.astype(np.float64).mean()) / 4095.0
    return 1.0 / (1.0 + math.exp(-GAIN * (mean - CENTRE)))


@pytest.fixture
def cohort(tmp_path: Path) -> tuple[list[InstanceInput], dict[str, float]]:
    rng = np.random.default_rng(7)
    items, expected = [], {}
    for index in range(6):
        study = f"1.2.826.0.1.3680043.10.99.{index // 2}"
        pixels = rng.integers(0, 4096 if index % 3 else 1600, size=(32, 32))
        item = write_image(tmp_path / f"{index}.dcm", pixels, study)
        items.append(item)
        expected[item.sop_uid] = expected_score(pixels)
    return items, expected


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.onnx"
    path.write_bytes(mean_intensity_model(CENTRE, GAIN))
    return path


def test_scores_per_instance_and_study_match_the_models_arithmetic(
        model: Path, cohort: tuple[list[InstanceInput], dict[str, float]]) -> None:
    items, expected = cohort
    seen: list[str] = []
    found = run_model(model, file_sha256(model), items, cluster=ClusterChoice(n_workers=1, processes=False),
                      on_done=lambda item: seen.append(item.sop_uid))
    assert sorted(seen) == sorted(expected) and not found.failed
    assert {r.case_id: r.score for r in found.instances} == pytest.approx(expected, abs=1e-5)
    by_study: dict[str, float] = {}
    for item in items:
        by_study[item.study_uid] = max(by_study.get(item.study_uid, 0.0), expected[item.sop_uid])
    assert {r.case_id: r.score for r in found.studies} == pytest.approx(by_study, abs=1e-5)
    assert {r.level for r in found.results} == {"instance", "study"}
    assert len({round(s, 3) for s in expected.values()}) > 2  # the images really differ


def test_a_model_other_than_the_registered_one_is_refused_before_any_job(
        model: Path, cohort: tuple[list[InstanceInput], dict[str, float]]) -> None:
    with pytest.raises(AssuranceInputError, match="not the one registered"):
        run_model(model, "0" * 64, cohort[0], cluster=ClusterChoice(n_workers=1, processes=False))


def test_an_unreadable_instance_is_reported_by_uid_and_the_rest_are_scored(
        model: Path, cohort: tuple[list[InstanceInput], dict[str, float]], tmp_path: Path) -> None:
    items, _ = cohort
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(b"not dicom")
    bad = InstanceInput("1.2.3.999", "1.2.3", "P9", "RXB", str(broken))
    found = run_model(model, file_sha256(model), [*items, bad], cluster=ClusterChoice(n_workers=1, processes=False))
    assert [uid for uid, _ in found.failed] == ["1.2.3.999"] and len(found.instances) == len(items)


def test_a_larger_image_is_resized_and_scaled_by_its_bit_range() -> None:
    pixels = np.full((64, 48), 2048, dtype=np.int32)
    tensor = image_tensor(pixels, (32, 32), bits=12, signed=False)
    assert tensor.shape == (1, 1, 32, 32) and tensor.dtype == np.float32
    assert float(tensor.mean()) == pytest.approx(2048 / 4095, abs=1e-6)
    signed = image_tensor(np.zeros((32, 32)), (32, 32), bits=12, signed=True)
    assert float(signed.mean()) == pytest.approx(2048 / 4095, abs=1e-6)


def test_the_tiny_model_is_valid_onnx() -> None:
    import onnx

    model = onnx.load_from_string(mean_intensity_model(CENTRE, GAIN))
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == ["image"]
