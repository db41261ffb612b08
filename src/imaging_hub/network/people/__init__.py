"""The network's people: imaging champions and mentors (``Profile``, ``Training``), mentoring requests matched
to mentors at other sites with a reason for every match (``match_mentors``), and the pairing history
(``Pairing``, ended by either member or an administrator with its outcome; each ``Step`` from request to end).
``PeopleRoom.open(engine, audit=sink)`` keeps them in the hub's database under their own Alembic
history (``alembic_version_network_people``) and audits every change, refusals included."""

from imaging_hub.network.people.database import VERSION_TABLE
from imaging_hub.network.people.matching import Match, match_mentors, places_left
from imaging_hub.network.people.profiles import MentoringRequest, Pairing, Profile, Step, Training
from imaging_hub.network.people.room import PeopleRoom, RequestView

__all__ = [
    "VERSION_TABLE",
    "Match",
    "MentoringRequest",
    "Pairing",
    "PeopleRoom",
    "Profile",
    "RequestView",
    "Step",
    "Training",
    "match_mentors",
    "places_left",
]
