"""The one Part 10 codec (PS3.10): the preamble and File Meta Information, and whole files in and out.

Public surface::

    part10_header(sop_class, sop_instance, transfer_syntax, implementation_class_uid=, implementation_version_name=)
        -> bytes       preamble, "DICM" and the file meta of one instance, from its UIDs
    encode_file_meta(meta) -> bytes / new_file_meta(...) -> FileMetaDataset
    read_file_meta(data) -> FileMeta(transfer_syntax_uid, media_sop_instance_uid, dataset_offset)
        raises Part10Error naming what is wrong
    read_part10(data) -> FileDataset     the common case straight from the bytes, else pydicom
    sequence_items(value, implicit) -> list[dict] | None   a raw sequence's items as raw elements, if simple
    encode_part10(ds) -> bytes / encode_part10_buffers(ds) -> list[bytes]
        elements left raw are copied as their bytes (the same output as ``ds.save_as(...,
        enforce_file_format=True)``, with a zero preamble); the buffers are the same file, written in order
    encode_value(elem, implicit=) -> bytes    one element's little-endian value, as a raw element holds it
    truncation(ds, size) -> str | None        why a dataset read from ``size`` bytes is cut off, if it is
"""

from imaging_hub.dicom.part10.completeness import truncation
from imaging_hub.dicom.part10.file_meta import (
    DEFLATED,
    EXPLICIT_BIG,
    IMPLICIT_LITTLE,
    PREAMBLE,
    PREAMBLE_LENGTH,
    FileMeta,
    Part10Error,
    encode_file_meta,
    new_file_meta,
    part10_header,
    read_file_meta,
)
from imaging_hub.dicom.part10.reader import read_part10, sequence_items
from imaging_hub.dicom.part10.writer import encode_part10, encode_part10_buffers, encode_value

__all__ = [
    "DEFLATED",
    "EXPLICIT_BIG",
    "IMPLICIT_LITTLE",
    "PREAMBLE",
    "PREAMBLE_LENGTH",
    "FileMeta",
    "Part10Error",
    "encode_file_meta",
    "encode_part10",
    "encode_part10_buffers",
    "encode_value",
    "new_file_meta",
    "part10_header",
    "read_file_meta",
    "read_part10",
    "sequence_items",
    "truncation",
]
