"""DICOMweb (PS3.18) encoding engine, independent of any web framework and of any store.

Public surface:
- ``json_model``: ``dataset_to_json`` (Annex F, BulkDataURI for large binaries), ``bulk_path``.
- ``multipart``: the one writer (``encode``, streaming; ``encoded_length``, the body's length before it is
  read; ``content_type_header``, ``new_boundary``) and the one reader (``MultipartReader``, streaming,
  parts spooled to files or sinks; ``iter_parts``, part bodies from an iterator of chunks; ``boundary_of``).
- ``qido``: ``parse_search`` -> ``QidoSearch``; ``QidoParameterError``.
- ``stow``: ``PartOutcome`` / ``FailureReason`` per part, ``build_response`` and ``response_status`` (the
  server's Store Instances Response), ``parse_stow_response`` -> ``StowResponse`` (a client's reading of
  it), ``TRANSIENT_FAILURES``, ``Part10Sink`` (completes a part sent without its preamble).
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
from imaging_hub.dicomweb.multipart import (
    MultipartError,
    MultipartReader,
    OutgoingPart,
    boundary_of,
    content_type_header,
    encode,
    encoded_length,
    iter_parts,
    new_boundary,
)
from imaging_hub.dicomweb.qido import Level, QidoParameterError, QidoSearch, parse_search
from imaging_hub.dicomweb.stow import TRANSIENT_FAILURES, StowResponse, parse_stow_response

__all__ = [
    "DICOM",
    "DICOM_JSON",
    "MULTIPART_RELATED",
    "OCTET_STREAM",
    "TRANSIENT_FAILURES",
    "Level",
    "MediaRange",
    "MultipartError",
    "MultipartReader",
    "OutgoingPart",
    "QidoParameterError",
    "QidoSearch",
    "StowResponse",
    "boundary_of",
    "content_type_header",
    "dataset_to_json",
    "encode",
    "encoded_length",
    "iter_parts",
    "new_boundary",
    "parse_accept",
    "parse_media_type",
    "parse_search",
    "parse_stow_response",
]
