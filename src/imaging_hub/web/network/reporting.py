"""``/network/reporting``: dashboards for network oversight. Turnaround against target per site and pathway,
breaches (waiting now, or reported late), and workload per reporter. Every view and refusal is audited."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from imaging_hub.governance import Governance, Principal
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.web.network.access import oversees, refused, viewed
from imaging_hub.web.network.reporting_charts import turnaround_chart, workload_chart
from imaging_hub.web.network.turnaround import breaches, turnaround, workload
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.pages.session import page


def router(gov: Governance, room: NetworkRoom) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @pages.get("/network/reporting")
    def dashboards(request: Request, who: Principal = who_dep) -> Response:
        if not oversees(who):
            raise refused(gov, who, "reporting.view", "reporting", "the dashboards are for network oversight")
        now = room.now()
        views = room.tasks()
        times = turnaround(views)
        late = breaches(views, now)
        loads = workload(room.reporters(), views)
        viewed(gov, who, "reporting.view", "reporting", tasks=len(views), breaches=len(late))
        return page(
            request,
            "network_reporting.html",
            "Reporting dashboards",
            who,
            "/network/reporting",
            times=times,
            late=late,
            loads=loads,
            turnaround_svg=turnaround_chart(times),
            workload_svg=workload_chart(loads),
            now=now,
        )

    return pages
