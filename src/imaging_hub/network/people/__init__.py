"""The network's people: imaging champions and mentors (``Profile``, ``Training``), mentoring requests matched
to mentors at other sites with a reason for every match (``match_mentors``), and the pairing history
(``Pairing``). Pure engines; the hub keeps and shows them."""

from imaging_hub.network.people.matching import Match, match_mentors, places_left
from imaging_hub.network.people.profiles import MentoringRequest, Pairing, Profile, Training

__all__ = ["Match", "MentoringRequest", "Pairing", "Profile", "Training", "match_mentors", "places_left"]
