"""Imaging Hub: the shared platform of an NHS imaging research network.

Layers, imports pointing down only:

1. ``dicom``   pure DICOM knowledge (tables, VR rules, UIDs, rendering)
2. ``deid``, ``store``, ``dimse``, ``dicomweb``   engines, each usable alone
3. ``spoke``, ``governance``, ...   the domain
4. ``web``, ``api``, ``cli``   faces: parse, authorise, call the domain, render
"""

__version__ = "0.1.0"
