"""ONNX runs: a registered model (onnxruntime, CPU) over a governed cohort's instances as Dask jobs, results per
instance and per study.

    run_model(model_path, tool.model_sha256, [InstanceInput(...)], cluster=ClusterChoice(scheduler=None))
"""

from imaging_hub.assurance.inference.jobs import ClusterChoice, Inference, run_model, study_scores
from imaging_hub.assurance.inference.scoring import InstanceInput, image_tensor, onnx_runtime
from imaging_hub.assurance.inference.tiny_model import mean_intensity_model

__all__ = ["ClusterChoice", "Inference", "InstanceInput", "image_tensor", "mean_intensity_model", "onnx_runtime",
           "run_model", "study_scores"]
