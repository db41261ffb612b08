"""The reviewer's picture of a held instance: its first frame with the masks drawn on it, made at the spoke
(the candidate's pixels never leave it)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw
from pydicom.dataset import Dataset

from imaging_hub.deid import review_frame

Box = tuple[int, int, int, int]
PROPOSED_COLOUR = (255, 140, 0)  # what the text screen proposed
ADDED_COLOUR = (0, 200, 255)  # what a reviewer added
MAX_SIDE = 768


def thumbnail_png(ds: Dataset, proposed: Sequence[Box], added: Sequence[Box]) -> bytes:
    image = Image.fromarray(review_frame(ds)).convert("RGB")
    draw = ImageDraw.Draw(image)
    width = max(1, max(image.size) // 256)  # stays visible once scaled down
    for boxes, colour in ((proposed, PROPOSED_COLOUR), (added, ADDED_COLOUR)):
        for x, y, w, h in boxes:
            draw.rectangle((x, y, x + w - 1, y + h - 1), outline=colour, width=width)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
