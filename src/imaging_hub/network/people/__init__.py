"""The network's people: imaging champions and mentors (``Profile``, ``Training``), mentoring requests matched
to mentors at other sites with a reason for every match (``match_mentors``), and the pairing history
(``Pairing``). ``PeopleRoom.open(engine, audit=sink)`` keeps them in the hub's database under their own Alembic
history (``alembic_version_network_people``) and audits every change, refusals included."""

from imaging_hub.network.people.database import VERSION_TABLE
from imaging_hub.network.people.matching import Match, match_mentors, places_left
from imaging_hub.network.people.profiles import MentoringRequest, Pairing, Profile, Training
from imaging_hub.network.people.room import PeopleRoom, RequestView

__all__ = [
    "VERSION_TABLE",
    "Match",
    "MentoringRequest",
    "Pairing",
    "PeopleRoom",
    "Profile",
    "RequestView",
    "Training",
    "match_mentors",
    "places_left",
]
