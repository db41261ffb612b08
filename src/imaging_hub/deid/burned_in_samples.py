"""Synthetic instances with a patient's identity burned into the pixels, for recall tests and benchmarks.

Each sample writes three lines (name, NHS number, date of birth) the ways equipment and workstations do:
DejaVu Sans or Mono at 10-20 px (Debian's fonts-dejavu-core) or Pillow's default bitmap font; at a corner
or the middle of an edge; white, yellow (colour images) or low-contrast grey; on ultrasound (single and
multi-frame), secondary capture, CT that declares nothing, and MONOCHROME1 CR; 256 to 1024 pixels;
optionally RLE-compressed. Every line's glyph pixels are returned, so a test can check each is masked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    ComputedRadiographyImageStorage,
    CTImageStorage,
    ExplicitVRLittleEndian,
    RLELossless,
    SecondaryCaptureImageStorage,
    UltrasoundImageStorage,
    UltrasoundMultiFrameImageStorage,
    generate_uid,
)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = ("sans", "mono", "bitmap")
KINDS = ("us", "us-multiframe", "sc", "ct", "cr-monochrome1")
COLOURS = ("white", "yellow", "grey")
PLACES = ("top-left", "top-right", "bottom-left", "bottom-right", "top-centre", "bottom-centre")
_SIZES = (256, 384, 512, 640, 768, 1024)
_SURNAMES = ("SMITH", "OKAFOR", "KOWALSKI", "PATEL", "MACLEOD", "NGUYEN", "HUGHES", "AHMED")
_GIVEN = ("JOHN", "AMARA", "PIOTR", "PRIYA", "ISLA", "MINH", "GARETH", "FATIMA")
_NHS_NUMBERS = ("943 476 5919", "485 777 3456", "401 023 2137", "999 000 0018")


@dataclass(frozen=True)
class Line:
    text: str
    glyphs: np.ndarray  # bool (rows, columns): every pixel the glyphs touch, the same on every frame


@dataclass
class Sample:
    name: str
    kind: str
    font: str
    size: int  # pixel size of the font (the bitmap font is about 11 px)
    colour: str
    place: str
    rle: bool
    dataset: Dataset
    lines: list[Line] = field(default_factory=list)

    def categories(self) -> list[str]:
        size = "bitmap" if self.font == "bitmap" else ("10-13px" if self.size <= 13 else "14-20px")
        return [f"kind={self.kind}", f"font={self.font}", f"size={size}", f"colour={self.colour}",
                f"place={self.place}", f"rle={'yes' if self.rle else 'no'}",
                f"image={'<=512' if self.dataset.Rows <= 512 else '>512'}"]


@lru_cache(maxsize=64)
def font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if name == "bitmap":
        return _bitmap()
    file = "DejaVuSansMono.ttf" if name == "mono" else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / file), size)


def _bitmap() -> ImageFont.ImageFont:
    loaded = ImageFont.load_default()
    # Pillow >= 10.1 gives a FreeType font when FreeType is present; the classic bitmap font is asked for
    # by size=None only through load_default_imagefont
    return ImageFont.load_default_imagefont() if isinstance(loaded, ImageFont.FreeTypeFont) else loaded


def make_sample(rng: random.Random, kind: str, font_name: str, size: int, colour: str, place: str,
                rle: bool = False, image_size: int | None = None) -> Sample:
    side = image_size or rng.choice(_SIZES)
    rows, columns = side, side if kind not in ("us", "us-multiframe") else int(side * 4 / 3) // 2 * 2
    surname, given = rng.choice(_SURNAMES), rng.choice(_GIVEN)
    nhs = rng.choice(_NHS_NUMBERS)
    year, month, day = rng.randrange(1930, 2005), rng.randrange(1, 13), rng.randrange(1, 29)
    texts = [f"{surname}, {given}", f"NHS {nhs}", f"DOB {day:02d}/{month:02d}/{year}"]
    np_rng = np.random.default_rng(rng.randrange(2**32))
    background = _background(kind, rows, columns, np_rng)
    lines, alpha = _render(texts, font(font_name, size), place, rows, columns)
    ds = _dataset(kind, rows, columns, surname, given, nhs, f"{year}{month:02d}{day:02d}")
    frames = 5 if kind == "us-multiframe" else 1
    pixels = _compose(kind, background, alpha, colour, frames, np_rng)
    _set_pixels(ds, kind, pixels, frames)
    if rle:
        ds.compress(RLELossless, generate_instance_uid=False)
    return Sample(f"{kind}-{font_name}{size}-{colour}-{place}{'-rle' if rle else ''}-{side}", kind, font_name,
                  size, colour, place, rle, ds, lines)


def corpus(count: int, seed: int = 21) -> list[Sample]:
    """``count`` samples with every category drawn at random (the same for the same seed)."""
    rng = random.Random(seed)
    samples = []
    for _ in range(count):
        font_name = rng.choice(FONTS)
        kind = rng.choice(KINDS)
        samples.append(make_sample(rng, kind, font_name, rng.randrange(10, 21), rng.choice(COLOURS),
                                   rng.choice(PLACES), rle=rng.random() < 0.25))
    return samples


def representative(seed: int = 5) -> list[Sample]:
    """A fixed set in which every kind, font, colour, place, small and large sizes, and RLE appear."""
    rng = random.Random(seed)
    spec = [
        ("us", "sans", 11, "white", "top-left", False, 640),
        ("us", "bitmap", 11, "yellow", "top-right", False, 512),
        ("us-multiframe", "mono", 12, "grey", "bottom-left", False, 384),
        ("us-multiframe", "sans", 14, "yellow", "top-centre", True, 512),
        ("us", "sans", 11, "white", "bottom-right", True, 640),
        ("sc", "bitmap", 11, "white", "bottom-centre", False, 256),
        ("sc", "mono", 10, "yellow", "top-left", False, 512),
        ("sc", "sans", 20, "grey", "bottom-right", True, 768),
        ("ct", "sans", 12, "white", "top-right", False, 512),
        ("ct", "bitmap", 11, "grey", "bottom-left", False, 256),
        ("cr-monochrome1", "mono", 16, "white", "top-left", False, 1024),
        ("cr-monochrome1", "sans", 10, "grey", "bottom-centre", True, 512),
    ]
    return [make_sample(rng, kind, f, s, c, p, rle, side) for kind, f, s, c, p, rle, side in spec]


def _background(kind: str, rows: int, columns: int, rng: np.random.Generator) -> np.ndarray:
    """A plausible image in [0, 1]: a speckled sector (ultrasound), a body phantom, a smooth radiograph."""
    y, x = np.mgrid[:rows, :columns].astype(np.float32)
    image: np.ndarray
    if kind.startswith("us"):
        cy, cx = rows * 0.12, columns / 2
        radius = np.hypot(y - cy, x - cx)
        angle = np.abs(np.arctan2(x - cx, y - cy))
        sector = (radius < rows * 0.82) & (angle < 0.6)
        speckle = rng.rayleigh(0.25, (rows, columns)).astype(np.float32)
        image = np.where(sector, np.clip(speckle * (0.5 + 0.5 * np.sin(radius / 25) ** 2), 0, 1), 0)
    elif kind == "sc":
        image = 0.15 * (x / columns) + 0.1 * (y / rows)
        blob = ((x - columns * 0.5) ** 2 + (y - rows * 0.5) ** 2) < (min(rows, columns) * 0.3) ** 2
        image = np.where(blob, 0.55 + 0.1 * np.sin(x / 9) * np.cos(y / 13), image)
    elif kind == "ct":
        body = ((x - columns / 2) / (columns * 0.42)) ** 2 + ((y - rows / 2) / (rows * 0.35)) ** 2 <= 1
        image = np.where(body, 0.27, 0.005)
        bone = ((x - columns / 2) ** 2 + (y - rows * 0.62) ** 2) < (rows * 0.05) ** 2
        image = np.where(bone, 0.6, image) + rng.normal(0, 0.004, (rows, columns))
    else:  # radiograph: bright where attenuating, displayed inverted for MONOCHROME1 later
        body = ((x - columns / 2) / (columns * 0.38)) ** 2 + ((y - rows / 2) / (rows * 0.45)) ** 2 <= 1
        image = np.where(body, 0.35 + 0.15 * np.cos((x - columns / 2) / columns * 6), 0.02)
        image = image + rng.normal(0, 0.01, (rows, columns))
    return np.clip(image, 0, 1).astype(np.float32)


def _render(texts: list[str], face: ImageFont.FreeTypeFont | ImageFont.ImageFont, place: str, rows: int,
            columns: int) -> tuple[list[Line], np.ndarray]:
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    alpha = np.zeros((rows, columns), np.float32)
    boxes = [draw.textbbox((0, 0), t, font=face) for t in texts]
    height = max(b[3] - b[1] for b in boxes)
    step = int(height * 1.5) + 2
    block_w = int(max(b[2] - b[0] for b in boxes))
    block_h = step * len(texts)
    margin = 6
    vertical, horizontal = place.split("-")
    top = margin if vertical == "top" else rows - block_h - margin
    lines = []
    for i, (text, box) in enumerate(zip(texts, boxes, strict=True)):
        width = int(box[2] - box[0])
        if horizontal == "left":
            left = margin
        elif horizontal == "right":
            left = columns - width - margin
        else:
            left = (columns - block_w) // 2
        one = Image.new("L", (columns, rows), 0)
        ImageDraw.Draw(one).text((left - box[0], top + i * step - box[1]), text, font=face, fill=255)
        coverage = np.asarray(one, np.float32) / 255.0  # antialiased edges are partly covered
        lines.append(Line(text, coverage > 0))
        alpha = np.maximum(alpha, coverage)
    return lines, alpha


def _compose(kind: str, background: np.ndarray, alpha: np.ndarray, colour: str, frames: int,
             rng: np.random.Generator) -> np.ndarray:
    """Frames of the final stored pixels, text drawn over the background."""
    rgb = kind in ("us", "us-multiframe", "sc") and colour == "yellow"
    value = {"white": 1.0, "yellow": 1.0, "grey": 0.3}[colour]
    out = []
    for f in range(frames):
        image = background if f == 0 else np.clip(background + rng.normal(0, 0.03, background.shape), 0, 1)
        if rgb:
            colours = np.stack([image, image, image], axis=-1)
            ink = np.array([1.0, 1.0, 0.0], np.float32)
            composed = colours * (1 - alpha[..., None]) + ink * alpha[..., None]
        else:
            composed = image * (1 - alpha) + value * alpha
        out.append(composed)
    pixels = np.stack(out)
    if kind == "ct":
        return (pixels * 4095).round().astype(np.uint16)
    if kind == "cr-monochrome1":
        return ((1 - pixels) * 1023).round().astype(np.uint16)  # low stored values display bright
    return (pixels * 255).round().astype(np.uint8)


def _dataset(kind: str, rows: int, columns: int, surname: str, given: str, nhs: str, birth: str) -> Dataset:
    sop_class = {"us": UltrasoundImageStorage, "us-multiframe": UltrasoundMultiFrameImageStorage,
                 "sc": SecondaryCaptureImageStorage, "ct": CTImageStorage,
                 "cr-monochrome1": ComputedRadiographyImageStorage}[kind]
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientName = f"{surname}^{given}"
    ds.PatientID = "RX1" + nhs.replace(" ", "")[-6:]
    ds.PatientBirthDate = birth
    ds.OtherPatientIDsSequence = [Dataset()]
    ds.OtherPatientIDsSequence[0].PatientID = nhs.replace(" ", "")
    ds.Modality = {"us": "US", "us-multiframe": "US", "sc": "OT", "ct": "CT", "cr-monochrome1": "CR"}[kind]
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL" if kind == "ct" else ""]
    ds.StudyDate = "20240102"
    ds.Rows, ds.Columns = rows, columns
    ds.PixelRepresentation = 0
    if kind == "ct":
        ds.RescaleIntercept, ds.RescaleSlope = "-1024", "1"
    return ds


def _set_pixels(ds: Dataset, kind: str, pixels: np.ndarray, frames: int) -> None:
    colour = pixels.ndim == 4
    ds.SamplesPerPixel = 3 if colour else 1
    ds.PhotometricInterpretation = "RGB" if colour else (
        "MONOCHROME1" if kind == "cr-monochrome1" else "MONOCHROME2")
    if colour:
        ds.PlanarConfiguration = 0
    bits = 16 if pixels.dtype == np.uint16 else 8
    ds.BitsAllocated = bits
    ds.BitsStored = {"ct": 12, "cr-monochrome1": 10}.get(kind, 8)
    ds.HighBit = ds.BitsStored - 1
    if frames > 1:
        ds.NumberOfFrames = frames
    else:
        pixels = pixels[0]
    ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    ds["PixelData"].VR = "OW" if bits == 16 else "OB"
    ds._pixel_array = None
