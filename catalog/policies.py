"""The catalog app's role grants and policies.

Every role reads the shared reference data; the city office maintains it. Editors and
administrators edit their divisions' catalogs (townships only subtract: no new entries there);
reviewers and administrators review what the divisions below them submit.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from districts.models import Membership, Role
from districts.policy import (
    REVIEW,
    ScopedPolicy,
    SharedPolicy,
    Where,
    grant,
    is_root_membership,
    memberships_of,
    permissions_for,
    register,
    sees_everything,
)

from . import routing
from .models import (
    CatalogEntry,
    CatalogEvent,
    CatalogJob,
    Channel,
    Domain,
    DomainReview,
    FirstLevelItem,
    GuideLink,
    SecondLevelItem,
)

REFERENCE = (Domain, FirstLevelItem, SecondLevelItem, Channel)

for _role in Role.values:
    for _model in REFERENCE:
        grant(_role, _model, "view")
    grant(_role, CatalogEntry, "view")
    grant(_role, CatalogEvent, "view")
for _role in (Role.EDITOR, Role.ADMINISTRATOR):
    grant(_role, CatalogEntry, "change")
    grant(_role, CatalogEntry, "add", where=Where.ABOVE_TOWNSHIP)
    for _model in REFERENCE:
        grant(_role, _model, "add", "change", where=Where.AT_CITY)
for _role in (Role.REVIEWER, Role.ADMINISTRATOR):
    grant(_role, CatalogEntry, "review")

for _role in Role.values:
    grant(_role, DomainReview, "view")
grant(Role.ADMINISTRATOR, DomainReview, "add", "change", "delete", where=Where.AT_CITY)


class EntryPolicy(ScopedPolicy):
    """Catalog entries: scoped by division and department, and reviewed by route.

    A district entry in a domain assigned to a city department (``catalog.routing``) is
    reviewed at the department's stage by that department's reviewers, who also see the
    districts' entries of their domains; the city office reviews it only at its own stage.
    """

    def reviewing_departments(self, user) -> set[int]:
        """Return the ids of the city departments for which ``user`` reviews catalog entries."""
        permission = self.permission(REVIEW)
        return {
            m.department_id
            for m in memberships_of(user)
            if m.department_id is not None
            and is_root_membership(m)
            and permission in permissions_for(m)
        }

    def department_reviews(self, user, department_id: int) -> bool:
        """Return True when ``user`` reviews for the city department ``department_id``."""
        return department_id in self.reviewing_departments(user)

    def _own_routes(self, user, routes):
        return [r for r in routes.values() if self.department_reviews(user, r.department_id)]

    def allows(self, user, action, obj=None):
        if action not in (REVIEW, "view") or not isinstance(obj, CatalogEntry):
            return super().allows(user, action, obj)
        if sees_everything(user):
            return True
        if action == "view":
            if super().allows(user, action, obj):
                return True
            # A city department's reviewers read the districts' entries of their domains.
            route = routing.route_of(obj, routing.routes_for(user))
            return route is not None and self.department_reviews(user, route.department_id)
        route = routing.route_of(obj, routing.routes_for(user))
        if routing.stage_of(obj, route) == routing.DEPARTMENT:
            return self.department_reviews(user, route.department_id)
        return super().allows(user, action, obj)

    def scope_q(self, user, *actions):
        q = super().scope_q(user, *actions)
        if sees_everything(user):
            return q
        reviewing = set(actions) == {REVIEW}
        # Only the review queue and city departments' reviewers need the routes: every other
        # page is spared the query.
        if not reviewing and not self.reviewing_departments(user):
            return q
        routes = routing.routes_for(user)
        if not routes:
            return q
        own = self._own_routes(user, routes)
        if reviewing:
            # The office does not review what waits at a department's stage; the department
            # reviews exactly that, in its own domains.
            q &= ~routing.department_stage_q(routes.values())
            if own:
                q |= routing.department_stage_q(own)
        elif own and (REVIEW in actions or "view" in actions):
            q |= self._routed_q(own)
        return q

    @staticmethod
    def _routed_q(own, prefix: str = "") -> Q:
        return Q(
            **{
                f"{prefix}division__depth": 1,
                f"{prefix}item__first_level__domain_id__in": [r.domain_id for r in own],
            }
        )

    def routed_view_q(self, user, prefix: str = "") -> Q | None:
        """Return a Q (over the entries at ``prefix``) keeping the district entries that
        ``user`` reads as a city department's reviewer, or None when there are none."""
        if sees_everything(user) or not self.reviewing_departments(user):
            return None
        own = self._own_routes(user, routing.routes_for(user))
        return self._routed_q(own, prefix) if own else None

    def users_for(self, action, obj=None):
        if action != REVIEW or not isinstance(obj, CatalogEntry):
            return super().users_for(action, obj)
        route = routing.route_of(obj, routing.load_routes())
        if routing.stage_of(obj, route) != routing.DEPARTMENT:
            return super().users_for(action, obj)
        return (
            get_user_model()
            .objects.filter(
                is_active=True,
                memberships__in=Membership.objects.filter(
                    routing.department_reviewers_q(), department_id=route.department_id
                ),
            )
            .distinct()
        )


class EventPolicy(ScopedPolicy):
    """Catalog events: in scope where their entry's division is, and readable wherever the
    entry is (a city department's reviewer reads the history of the entries it reviews)."""

    def allows(self, user, action, obj=None):
        if super().allows(user, action, obj):
            return True
        if (
            action == "view"
            and isinstance(obj, CatalogEvent)
            and entries.reviewing_departments(user)
        ):
            # Exactly what routed_view_q adds to the scope: a district entry of a domain routed
            # to a department the user reviews for.
            route = routing.route_of(obj.entry, routing.routes_for(user))
            return route is not None and entries.department_reviews(user, route.department_id)
        return False

    def scope_q(self, user, *actions):
        q = super().scope_q(user, *actions)
        if "view" in actions:
            routed = entries.routed_view_q(user, prefix="entry__")
            if routed is not None:
                q |= routed
        return q


domain_reviews = register(SharedPolicy(DomainReview))
domains = register(SharedPolicy(Domain))
first_level_items = register(SharedPolicy(FirstLevelItem))
second_level_items = register(SharedPolicy(SecondLevelItem))
channels = register(SharedPolicy(Channel))
entries = register(EntryPolicy(CatalogEntry, department_path="department"))
events = register(EventPolicy(CatalogEvent, department_path="entry__department"))
# Jobs and guide ties are the catalog's working parts: the entries' permissions decide.
jobs = register(ScopedPolicy(CatalogJob, permissions_of=CatalogEntry))
guide_links = register(
    ScopedPolicy(
        GuideLink,
        path="entry__division",
        department_path="entry__department",
        permissions_of=CatalogEntry,
    )
)
