"""The hospital PACS as a source: what the spoke asks of it (by DIMSE or DICOMweb), and the pull scheduler."""
