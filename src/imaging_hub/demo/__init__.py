"""A whole research network on one machine: hub, spokes, sample hospital data (``imaging-hub demo``)."""

from imaging_hub.demo.governance_setup import DemoAccounts
from imaging_hub.demo.network import DemoError, DemoNetwork, summary_table

__all__ = ["DemoAccounts", "DemoError", "DemoNetwork", "summary_table"]
