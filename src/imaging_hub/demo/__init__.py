"""A whole research network on one machine: hub, spokes, sample hospital data (``imaging-hub demo``)."""

from imaging_hub.demo.governance_setup import DemoAccounts
from imaging_hub.demo.network import DemoError, DemoNetwork, summary_table
from imaging_hub.demo.rooms import show_rooms

__all__ = ["DemoAccounts", "DemoError", "DemoNetwork", "show_rooms", "summary_table"]
