"""Segmentation agreement (Dice, HD95, surface Dice) between an AI tool's masks and the reference."""

from imaging_hub.assurance.segmentation.loading import MaskPair, image_pairs, seg_pairs
from imaging_hub.assurance.segmentation.run import assess_seg_outputs, assess_segmentations
from imaging_hub.masks import Agreement, agreement

__all__ = [
    "Agreement",
    "MaskPair",
    "agreement",
    "assess_seg_outputs",
    "assess_segmentations",
    "image_pairs",
    "seg_pairs",
]
