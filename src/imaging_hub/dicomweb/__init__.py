"""DICOMweb (PS3.18) encoding engine, independent of any web framework.

Public surface:
- ``json_model``: ``dataset_to_json`` (Annex F, BulkDataURI for large binaries), ``bulk_path``.
- ``multipart``: ``encode`` (streaming), ``MultipartReader`` (streaming, parts spooled to files or sinks).
- ``qido``: ``parse_search`` -> ``QidoSearch`` -> store ``Query``; ``QidoParameterError``.
- ``stow``: ``StowSpools`` (parts received into archive spools), ``store_parts``, ``build_response``,
  ``response_status``, ``FailureReason``.
- ``pixels``: ``read_header`` and frame access straight from stored files.
- ``media``: media types, transfer syntaxes, Accept parsing.
"""

from imaging_hub.dicomweb.json_model import dataset_to_json
from imaging_hub.dicomweb.media import (
    DICOM,
    DICOM_JSON,
    MULTIPART_RELATED,
    OCTET_STREAM,
    MediaRange,
    parse_accept,
    parse_media_type,
)
from imaging_hub.dicomweb.multipart import MultipartError, MultipartReader, encode
from imaging_hub.dicomweb.qido import Level, QidoParameterError, QidoSearch, parse_search

__all__ = [
    "DICOM",
    "DICOM_JSON",
    "MULTIPART_RELATED",
    "OCTET_STREAM",
    "Level",
    "MediaRange",
    "MultipartError",
    "MultipartReader",
    "QidoParameterError",
    "QidoSearch",
    "dataset_to_json",
    "encode",
    "parse_accept",
    "parse_media_type",
    "parse_search",
]
