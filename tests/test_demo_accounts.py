"""The demo's accounts: everyone listed can sign in with the demo password, in the role listed, and each
site data manager belongs to their own trust."""

from __future__ import annotations

from pathlib import Path

from imaging_hub.demo.governance_setup import set_up_governance
from imaging_hub.governance import Governance, Role

SITES = {"RX1": "Northtown Teaching Hospitals", "RX2": "Southport General"}


def test_every_demo_account_signs_in_in_its_role(tmp_path: Path) -> None:
    gov = Governance.open(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    try:
        accounts = set_up_governance(gov, SITES)
        emails = [email for email, _roles in accounts.people]
        assert {"data.manager@rx1.nhs.example", "data.manager@rx2.nhs.example", accounts.admin_email,
                accounts.researcher_email} <= set(emails)
        for email, roles in accounts.people:
            _secret, principal = gov.access.sign_in(email, accounts.password)
            assert principal.email == email
            if roles.startswith("site data manager"):
                ods = roles.rsplit(" ", 1)[1]
                assert any(g.role == Role.SITE_DATA_MANAGER and g.site == ods for g in principal.grants)
                person = gov.directory.person(principal.person_id)
                assert person.organisation.name == SITES[ods]
                assert person.organisation.kind == "nhs_trust" and person.organisation.ods_code == ods
    finally:
        gov.close()
