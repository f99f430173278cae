"""Who reviews a district's catalog entry: the city office, or a city department by domain.

市直业务部门审核把关: the city administrator may assign a city department to a domain
(``DomainReview``). A district catalog's submitted entries in that domain then wait at the
department's stage first: its reviewers either decide them (mode "instead") or pass them on to
the city office, which publishes (mode "before"). Townships' entries stay with their district's
office, and the city's own catalog with the city office.

A department without an active reviewer cannot hold anything up: its domains fall back to the
city office until it has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from districts.models import Membership, Role

from .models import CatalogEntry, DomainReview

#: The stage at which a department decides, and the one at which the city office does.
DEPARTMENT = "department"
OFFICE = "office"


@dataclass(frozen=True)
class Route:
    domain_id: int
    department_id: int
    department_name: str
    mode: str
    #: Whether the department has an active reviewer; without one the office reviews.
    staffed: bool

    @property
    def before(self) -> bool:
        return self.mode == DomainReview.Mode.BEFORE


def department_reviewers_q(prefix: str = "") -> Q:
    """Return a Q over Membership keeping the active reviewers of city departments."""
    return Q(
        **{
            f"{prefix}role": Role.REVIEWER,
            f"{prefix}is_active": True,
            f"{prefix}user__is_active": True,
            f"{prefix}department__isnull": False,
            f"{prefix}division__parent__isnull": True,
        }
    )


def load_routes() -> dict[int, Route]:
    """Return every domain's route by domain id, read in one query."""
    staffed = Membership.objects.filter(department_reviewers_q(), department=OuterRef("department"))
    rows = (
        DomainReview.objects.filter(department__is_active=True, department__division__parent=None)
        .annotate(staffed=Exists(staffed))
        .values_list("domain_id", "department_id", "department__name", "mode", "staffed")
    )
    return {row[0]: Route(*row) for row in rows}


def routes_for(user) -> dict[int, Route]:
    """Return the routes, read once per user object (that is, once per request)."""
    cached = getattr(user, "_domain_routes", None)
    if cached is None:
        cached = load_routes()
        if user is not None:
            user._domain_routes = cached
    return cached


def is_district_entry(entry: CatalogEntry) -> bool:
    """Return True for an entry of a district's catalog (the city office reviews those)."""
    return entry.division.depth == 1


def route_of(entry: CatalogEntry, routes: dict[int, Route]) -> Route | None:
    """Return the route that governs ``entry``'s review, or None for the usual chain."""
    if not routes or not is_district_entry(entry):
        return None
    return routes.get(entry.item.first_level.domain_id)


def stage_of(entry: CatalogEntry, route: Route | None) -> str:
    """Return who decides ``entry`` next: the department (DEPARTMENT) or the office (OFFICE)."""
    if route is None or not route.staffed:
        return OFFICE
    if route.before and entry.checked_at is not None:
        return OFFICE
    return DEPARTMENT


def department_stage_q(routes) -> Q:
    """Return a Q over CatalogEntry: district entries waiting at a department's stage."""
    q = Q(pk__in=[])
    for route in routes:
        if not route.staffed:
            continue
        rows = Q(item__first_level__domain_id=route.domain_id)
        if route.before:
            rows &= Q(checked_at__isnull=True)
        q |= rows
    return Q(division__depth=1) & q
