"""Who may see the network's pages, the audit of each view (refusals included), and the room's errors as the
governance errors every page already answers (403, 404, 400 pages)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from imaging_hub.governance import SITE_ROLES, Forbidden, Governance, GovernanceError, NotFound, Principal
from imaging_hub.network import NetworkInputError
from imaging_hub.network.operations import NetworkNotFound, NetworkRefused
from imaging_hub.network.reporting import TransitionRefused


def oversees(who: Principal) -> bool:
    return who.is_administrator or who.is_auditor


def capacity_sites(who: Principal, all_sites: set[str]) -> set[str]:
    """Network oversight sees every site; a site data manager their own."""
    return set(all_sites) if oversees(who) else all_sites & set(who.sites_with(SITE_ROLES))


def viewed(gov: Governance, who: Principal, action: str, entity_id: str, **detail: object) -> None:
    gov.context.record(who, f"network.{action}", "network_page", entity_id, purpose="network", detail=detail)


def refused(gov: Governance, who: Principal, action: str, entity_id: str, why: str) -> Forbidden:
    gov.context.record(
        who, f"network.{action}", "network_page", entity_id, purpose="network", outcome="denied", detail={"reason": why}
    )
    return Forbidden(why)


@contextmanager
def answering() -> Iterator[None]:
    """The room's refusals as the page answers them; the room has audited them already."""
    try:
        yield
    except NetworkRefused as exc:
        raise Forbidden(str(exc)) from None
    except NetworkNotFound as exc:
        raise NotFound(str(exc)) from None
    except (NetworkInputError, TransitionRefused) as exc:
        raise GovernanceError(str(exc)) from None
