"""Segmentation masks: how far two binary masks on one grid agree (Dice, HD95, surface Dice), with SimpleITK.

A small foundation both ``assurance`` (an AI tool against the reference) and ``labelling`` (reader against
reader) use, since domain packages do not import each other.

Public surface::

    agreement(reference, prediction, tolerance_mm) -> Agreement(dice, hd95, surface_dice, ...)
"""

from imaging_hub.masks.overlap import Agreement, agreement

__all__ = ["Agreement", "agreement"]
