"""Property tests: identities planted in standard attributes, nested sequences, private blocks and free
text never survive anywhere in the output bytes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset

from imaging_hub.deid import Deidentifier, Profile, ProjectKey
from imaging_hub.nhs_number import nhs_number_check_digit

from .helpers import add_private_block, synthetic_study, to_bytes

KEY = ProjectKey(b"property-test-key-0123456789abcdef")
DEIDS = {name: Deidentifier(Profile.builtin(name), KEY) for name in ("basic", "research")}
TEXT_ATTRIBUTES = [
    "InstitutionName", "StationName", "StudyDescription", "SeriesDescription", "ProtocolName",
    "ImageComments", "AdditionalPatientHistory", "PerformedProcedureStepDescription",
    "InstitutionalDepartmentName", "DerivationDescription", "ConvolutionKernel", "ReceiveCoilName",
    "RequestedProcedureDescription", "PatientComments", "ReasonForStudy", "AcquisitionComments",
    "ContrastBolusAgent", "DeviceSerialNumber", "SoftwareVersions", "SeriesDescription",
]

names = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=5, max_size=10).map(str.capitalize)


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    while True:
        stem = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
        check = nhs_number_check_digit(stem)
        if check is not None and stem[0] != "0":
            return stem + str(check)


@st.composite
def identities(draw: st.DrawFn) -> dict[str, str]:
    return {
        "family": draw(names),
        "given": draw(names),
        "id": "RX" + draw(st.text(alphabet="0123456789", min_size=7, max_size=8)),
        "nhs": draw(nhs_numbers()),
        "dob": f"{draw(st.integers(1930, 2005))}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}",
    }


def _forms(who: dict[str, str]) -> list[str]:
    nhs = who["nhs"]
    dob = who["dob"]
    return [
        who["family"], who["given"].upper(), f"{who['given']} {who['family']}".lower(),
        f"{who['family'].upper()}, {who['given']}", who["id"], nhs, f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
        f"DOB {dob[6:]}/{dob[4:6]}/{dob[:4]}", f"born {dob[:4]}-{dob[4:6]}-{dob[6:]}",
    ]


def _survivors(data: bytes, who: dict[str, str]) -> list[str]:
    upper = data.upper()
    found = [k for k in ("family", "given") if who[k].upper().encode() in upper]
    found += [k for k in ("id", "nhs") if who[k].encode() in data]
    return found


def _patient(ds: Dataset, who: dict[str, str]) -> None:
    ds.PatientName = f"{who['family']}^{who['given']}"
    ds.PatientID = who["id"]
    ds.PatientBirthDate = who["dob"]
    ds.OtherPatientIDsSequence[0].PatientID = who["nhs"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(who=identities(), data=st.data(), profile=st.sampled_from(["basic", "research"]))
def test_planted_in_standard_attributes_and_free_text(who: dict[str, str], data: st.DataObject, profile: str) -> None:
    _, study = synthetic_study(instances=1)
    ds = study[0]
    _patient(ds, who)
    forms = _forms(who)
    for keyword in data.draw(st.lists(st.sampled_from(TEXT_ATTRIBUTES), min_size=1, max_size=6, unique=True)):
        form = data.draw(st.sampled_from(forms))
        setattr(ds, keyword, f"seen {form} today"[:16] if keyword in ("StationName", "ConvolutionKernel",
                                                                     "ReceiveCoilName") else f"note: {form} ok")
    out = to_bytes(DEIDS[profile].deidentify(ds).dataset)
    assert _survivors(out, who) == []
    assert who["dob"].encode() not in out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(who=identities(), depth=st.integers(1, 4), profile=st.sampled_from(["basic", "research"]))
def test_planted_in_nested_sequences(who: dict[str, str], depth: int, profile: str) -> None:
    _, study = synthetic_study(instances=1)
    ds = study[0]
    _patient(ds, who)
    item = Dataset()
    item.TextValue = f"{who['given']} {who['family']} NHS {who['nhs']}"
    item.PersonName = f"{who['family']}^{who['given']}"
    item.PatientID = who["id"]
    item.CodeMeaning = f"for {who['family']}"
    for _ in range(depth):
        parent = Dataset()
        parent.ContentSequence = [item]
        item = parent
    ds.AcquisitionContextSequence = [item]
    ds.ReferencedStudySequence = [item]
    out = to_bytes(DEIDS[profile].deidentify(ds).dataset)
    assert _survivors(out, who) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(who=identities(), creator=st.sampled_from(["ACME 1.0", "GEMS_ACQU_01", "SIEMENS CSA HEADER", "X"]),
       group=st.sampled_from([0x0009, 0x0019, 0x0029, 0x7FD1]), profile=st.sampled_from(["basic", "research"]))
def test_planted_in_private_blocks(who: dict[str, str], creator: str, group: int, profile: str) -> None:
    _, study = synthetic_study(instances=1)
    ds = study[0]
    _patient(ds, who)
    add_private_block(ds, group, creator, {
        0x03: ("LO", who["family"]), 0x10: ("LT", f"patient {who['id']}"),
        0x20: ("OB", f"{who['given']}\x00{who['nhs']}".encode()), 0x77: ("SH", who["nhs"]),
    })
    out = to_bytes(DEIDS[profile].deidentify(ds).dataset)
    assert _survivors(out, who) == []
