"""Where sites are, and how far a participant travels to one (great-circle distance)."""

from __future__ import annotations

from dataclasses import dataclass
from math import asin, cos, radians, sin, sqrt

from imaging_hub.network.errors import NetworkInputError

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


@dataclass(frozen=True)
class SiteLocation:
    site: str
    latitude: float
    longitude: float
    name: str = ""

    def __post_init__(self) -> None:
        check_coordinates(self.latitude, self.longitude, f"site {self.site}")


def check_coordinates(latitude: float, longitude: float, what: str) -> None:
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise NetworkInputError(f"{what}: latitude must be within ±90 and longitude within ±180")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = radians(lat1), radians(lat2)
    half_dphi, half_dlambda = radians(lat2 - lat1) / 2, radians(lon2 - lon1) / 2
    a = sin(half_dphi) ** 2 + cos(phi1) * cos(phi2) * sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))
