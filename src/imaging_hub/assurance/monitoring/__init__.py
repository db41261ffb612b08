"""Monitoring an AI tool after deployment: CUSUM and EWMA on its error rate, drift on case metadata."""

from imaging_hub.assurance.monitoring.arl import markov_arl
from imaging_hub.assurance.monitoring.cusum import CusumDesign, design_cusum, run_cusum
from imaging_hub.assurance.monitoring.drift import DriftRules, detect_drift
from imaging_hub.assurance.monitoring.ewma import EwmaDesign, design_ewma, run_ewma
from imaging_hub.assurance.monitoring.monitor import Monitoring, MonitorOptions, monitor
from imaging_hub.assurance.monitoring.stream import STREAM_COLUMNS, Stream, read_stream
from imaging_hub.assurance.monitoring.webhook import send_alarms

__all__ = [
    "STREAM_COLUMNS", "CusumDesign", "DriftRules", "EwmaDesign", "MonitorOptions", "Monitoring", "Stream",
    "design_cusum", "design_ewma", "detect_drift", "markov_arl", "monitor", "read_stream", "run_cusum", "run_ewma",
    "send_alarms",
]
