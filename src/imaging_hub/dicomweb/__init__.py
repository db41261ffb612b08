"""DICOMweb (PS3.18) encoding engine, independent of any web framework and of any store.

Public surface, imported from this package (each line names the module that holds it):
- ``json_model``: ``dataset_to_json`` (Annex F, BulkDataURI for large binaries), ``bulk_path``.
- ``multipart``: the one writer (``encode``, streaming; ``encoded_length``, the body's length before it is
  read; ``content_type_header``, ``new_boundary``) and the one reader (``MultipartReader``, streaming,
  parts spooled to files or sinks; ``iter_parts``, part bodies from an iterator of chunks; ``boundary_of``).
- ``qido``: ``parse_search`` -> ``QidoSearch``; ``QidoParameterError``.
- ``stow``: ``PartOutcome`` / ``FailureReason`` / ``WarningReason`` per part, ``build_response`` and
  ``response_status`` (the server's Store Instances Response), ``parse_stow_response`` -> ``StowResponse``
  (a client's reading of it), ``TRANSIENT_FAILURES``, ``Part10Sink`` (completes a part sent without its preamble).
- ``pixels``: ``read_header`` and frame access straight from stored files.
- ``media``: media types, transfer syntaxes, Accept parsing.
"""

from imaging_hub.dicomweb.json_model import ElementPath, bulk_path, dataset_to_json, parse_bulk_path, tag_key
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
    ReceivedPart,
    boundary_of,
    content_type_header,
    encode,
    encoded_length,
    iter_parts,
    new_boundary,
)
from imaging_hub.dicomweb.pixels import (
    FrameError,
    InstanceHeader,
    check_frame_numbers,
    iter_frame_bytes,
    native_frame_region,
    read_header,
)
from imaging_hub.dicomweb.qido import Level, QidoParameterError, QidoSearch, normalise_value, parse_search
from imaging_hub.dicomweb.stow import (
    TRANSIENT_FAILURES,
    FailureReason,
    Part10Sink,
    PartOutcome,
    StowResponse,
    WarningReason,
    build_response,
    failed_outcome,
    parse_stow_response,
    response_status,
)

__all__ = [
    "DICOM",
    "DICOM_JSON",
    "MULTIPART_RELATED",
    "OCTET_STREAM",
    "TRANSIENT_FAILURES",
    "ElementPath",
    "FailureReason",
    "FrameError",
    "InstanceHeader",
    "Level",
    "MediaRange",
    "MultipartError",
    "MultipartReader",
    "OutgoingPart",
    "Part10Sink",
    "PartOutcome",
    "QidoParameterError",
    "QidoSearch",
    "ReceivedPart",
    "StowResponse",
    "WarningReason",
    "boundary_of",
    "build_response",
    "bulk_path",
    "check_frame_numbers",
    "content_type_header",
    "dataset_to_json",
    "encode",
    "encoded_length",
    "failed_outcome",
    "iter_frame_bytes",
    "iter_parts",
    "native_frame_region",
    "new_boundary",
    "normalise_value",
    "parse_accept",
    "parse_bulk_path",
    "parse_media_type",
    "parse_search",
    "parse_stow_response",
    "read_header",
    "response_status",
    "tag_key",
]
