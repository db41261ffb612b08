"""Process-wide logging policy: no identifiable value reaches a log line.

Our own code never logs patient attributes. Third-party libraries can: pydicom's validation warnings and
log records quote the offending value (a malformed PatientName, say), and pynetdicom can dump whole datasets
at debug level. Those channels are raised to a level at which they carry only structural messages.
"""

from __future__ import annotations

import logging
import warnings

from pydicom import config as pydicom_config

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # every process's log lines, files and stderr alike

# Loggers whose lower levels quote element values or dump datasets.
_QUOTING_LOGGERS = {"pydicom": logging.ERROR, "pynetdicom": logging.WARNING}


def configure(level: str | int = "INFO") -> None:
    """Set up logging for a command: our records at ``level``, value-quoting libraries kept quiet."""
    logging.basicConfig(level=level if isinstance(level, int) else level.upper(),
                        format=LINE_FORMAT)
    silence_value_quoting_libraries()


def silence_value_quoting_libraries() -> None:
    """Keep pydicom and pynetdicom from writing element values to logs or stderr."""
    for name, floor in _QUOTING_LOGGERS.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), floor))
    # pydicom reports invalid values with warnings.warn, quoting the value; those would reach stderr.
    warnings.filterwarnings("ignore", module=r"pydicom(\.|$)")
    # With its warnings silenced, pydicom's default validation (WARN) checks every value read or set only to
    # say nothing: about a twentieth of de-identifying a CT slice. A RAISE chosen by the caller stays.
    for setting in ("reading_validation_mode", "writing_validation_mode"):
        if getattr(pydicom_config.settings, setting) == pydicom_config.WARN:
            setattr(pydicom_config.settings, setting, pydicom_config.IGNORE)
