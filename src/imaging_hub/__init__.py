"""Imaging Hub: the shared platform of an NHS imaging research network.

Layers, imports pointing down only:

1. ``dicom``   pure DICOM knowledge (tables, VR rules, UIDs, rendering)
2. ``deid``, ``store``, ``dimse``, ``dicomweb``   engines, each usable alone
3. ``spoke``, ``governance``, ...   the domain
4. ``web``, ``api``, ``cli``   faces: parse, authorise, call the domain, render
"""

from imaging_hub import logs

__version__ = "0.1.0"

# Whoever uses the package, library or command: pydicom's value-quoting warnings and log records must not
# reach a log or stderr (logging's last-resort handler prints WARNING records when nothing is configured).
logs.silence_value_quoting_libraries()
