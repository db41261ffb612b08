"""The scanner form of the capacity page, one model for adding a scanner and editing one.

FastAPI reads it from the posted form (``Annotated[ScannerForm, Form()]``) and refuses a value out of shape
before the page runs, with a 422 naming the field (audited by ``capacity_forms.audited_forms``). What only
makes sense as a whole, the capabilities list and the scanner itself, is checked by ``scanner``: its
``ValueError`` or ``NetworkInputError`` is the refusal shown beside the form.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from imaging_hub.network.capacity import Scanner
from imaging_hub.web.network.capacity_forms import NAME, capabilities_of

MODALITY = r"^[A-Z]{2}$"


class ScannerForm(BaseModel):
    """What an edit may change; the scanner's id comes from the path and its site stays as registered."""

    model_config = ConfigDict(str_strip_whitespace=True)

    modality: str = Field(pattern=MODALITY)
    manufacturer: str = Field(min_length=1, max_length=200)
    model: str = Field(min_length=1, max_length=200)
    field_strength: float | None = Field(None, gt=0, le=12)  # tesla; empty for a modality without one
    software_version: str = Field("", max_length=200)
    capabilities: str = Field("", max_length=500)  # words separated by ';' or ','

    def scanner(self, scanner_id: str, site: str) -> Scanner:
        return Scanner(
            scanner_id,
            site,
            self.modality,
            self.manufacturer,
            self.model,
            self.field_strength,
            self.software_version,
            capabilities_of(self.capabilities),
        )


class NewScannerForm(ScannerForm):
    """Adding a scanner: its id and site too."""

    scanner_id: str = Field(pattern=NAME)
    site: str = Field(pattern=NAME)
