"""Imaging Hub: the shared platform of an NHS imaging research network.

Layers, imports pointing down only:

1. ``dicom``   pure DICOM knowledge (tables, VR rules, UIDs, rendering)
2. ``deid``, ``store``, ``dimse``, ``dicomweb``   engines, each usable alone
3. ``spoke``, ``governance``, ...   the domain
4. ``web``, ``api``, ``cli``   faces: parse, authorise, call the domain, render

Importing it changes nothing process-wide: the entry points (the ``imaging-hub`` command, the spoke's child
processes) call ``imaging_hub.logs.silence_value_quoting_libraries()`` as they start, and a program using the
package as a library should do the same before it handles identifiable data.
"""

__version__ = "0.1.0"
