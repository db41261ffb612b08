"""Scoring one DICOM instance with an ONNX model on onnxruntime's CPU provider, inside a Dask worker.

The model contract: one float32 input of shape [1, 1, H, W] (the instance's stored pixel values, resized to
H x W and scaled to 0..1 by the stored bit range, so absolute intensity survives; a dynamic H or W is 64), one
output whose single value is the tool's score in 0..1. Each worker keeps one inference session per model hash,
so a model is loaded once per process, not once per image.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imaging_hub.assurance.errors import AssuranceInputError

DYNAMIC_SIDE = 64
_SESSIONS: dict[str, Any] = {}


@dataclass(frozen=True)
class InstanceInput:
    """An instance of the governed cohort; ``path`` is the archive's blob, which every worker must see."""

    sop_uid: str
    study_uid: str
    patient_id: str
    site: str
    path: str


def onnx_runtime() -> Any:
    try:
        import onnxruntime
    except ImportError:
        raise AssuranceInputError("ONNX runs need onnxruntime: reinstall imaging-hub (scripts/setup.sh)") from None
    return onnxruntime


def _session(model: str, sha256: str) -> Any:
    if sha256 not in _SESSIONS:
        options = onnx_runtime().SessionOptions()
        options.intra_op_num_threads = 1  # one thread per Dask worker thread: the cluster is the parallelism
        _SESSIONS[sha256] = onnx_runtime().InferenceSession(model, options, providers=["CPUExecutionProvider"])
    return _SESSIONS[sha256]


def model_side(session: Any) -> tuple[int, int]:
    shape = session.get_inputs()[0].shape
    if len(shape) != 4:
        raise AssuranceInputError("the ONNX model's input must be [1, 1, H, W]")
    return tuple(side if isinstance(side, int) and side > 0 else DYNAMIC_SIDE for side in shape[2:])  # type: ignore[return-value]


def image_tensor(pixels: NDArray[Any], side: tuple[int, int], bits: int = 16, signed: bool = False
                 ) -> NDArray[np.float32]:
    """One grey frame (the middle one of a multi-frame image), resized and scaled to 0..1 by its bit range."""
    from skimage.transform import resize

    image = np.asarray(pixels, dtype=np.float64)
    if image.ndim == 4 or (image.ndim == 3 and image.shape[-1] not in (3, 4)):
        image = image[image.shape[0] // 2]
    if image.ndim == 3:  # colour: the mean of the channels
        image = image[..., :3].mean(axis=-1)
    image = resize(image, side, anti_aliasing=True, preserve_range=True)
    full = float(2**bits - 1)
    scaled = np.clip((image + (2 ** (bits - 1) if signed else 0)) / full, 0.0, 1.0)
    return scaled.astype(np.float32)[np.newaxis, np.newaxis]


def score_instance(model: str, sha256: str, item: InstanceInput) -> float:
    """The tool's score for one instance; refuses an image without pixels or a score outside 0..1."""
    import pydicom

    dataset = pydicom.dcmread(Path(item.path))
    if "PixelData" not in dataset:
        raise AssuranceInputError("the instance has no pixel data to score")
    session = _session(model, sha256)
    tensor = image_tensor(dataset.pixel_array, model_side(session), int(dataset.get("BitsStored", 16)),
                          int(dataset.get("PixelRepresentation", 0)) == 1)
    outputs = session.run(None, {session.get_inputs()[0].name: tensor})
    values = np.asarray(outputs[0], dtype=np.float64).ravel()
    if values.size != 1 or not 0.0 <= values[0] <= 1.0:
        raise AssuranceInputError("the ONNX model must give one score in 0..1 per image")
    return float(values[0])
