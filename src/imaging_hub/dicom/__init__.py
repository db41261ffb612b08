"""Pure DICOM knowledge: tables, VR rules, UID generation, rendering, synthetic instances. No I/O policy."""
