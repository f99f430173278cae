"""Who may do what, where: the one place that turns memberships into permissions and scope.

A role held in a division covers that division and everything below it. Objects outside the
scope are treated as if they did not exist (the admin answers 404 for them).
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend
from django.db.models import Q

from .models import Division, Membership, Role, within_q

REFERENCE_VIEW = {
    "catalog.view_domain",
    "catalog.view_firstlevelitem",
    "catalog.view_secondlevelitem",
    "catalog.view_channel",
}
REFERENCE_EDIT = {
    f"catalog.{action}_{model}"
    for action in ("add", "change")
    for model in ("domain", "firstlevelitem", "secondlevelitem", "channel")
}

PUBLICATION_EDIT = {
    "publications.view_publication",
    "publications.add_publication",
    "publications.change_publication",
    "publications.view_publicationevent",
}

# Permissions that let a membership approve or return what divisions below it submitted.
REVIEW_PERMISSIONS = {"catalog.review_catalogentry", "publications.review_publication"}

# Everyone with a role may read the working-day calendar that deadlines are computed on.
CALENDAR_VIEW = {"workcalendar.view_calendaryear", "workcalendar.view_specialday"}
# Only the city's administrators maintain it (a deleted year is the superuser's call).
CALENDAR_EDIT = {
    "workcalendar.add_calendaryear",
    "workcalendar.change_calendaryear",
    "workcalendar.add_specialday",
    "workcalendar.change_specialday",
    "workcalendar.delete_specialday",
}

# Guides are public copies of the platform's: every role may read them in the admin.
GUIDES_VIEW = {"guides.view_guide"}
# The city's administrators run the provincial sync and read its records.
GUIDES_SYNC = {"guides.view_syncrun", "guides.view_syncfailure", "guides.run_sync"}

# Model permissions each role grants wherever it is held.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.EDITOR: REFERENCE_VIEW
    | CALENDAR_VIEW
    | GUIDES_VIEW
    | {
        "districts.view_division",
        "catalog.view_catalogentry",
        "catalog.change_catalogentry",
        "catalog.view_catalogevent",
    }
    | PUBLICATION_EDIT,
    Role.REVIEWER: REFERENCE_VIEW
    | CALENDAR_VIEW
    | GUIDES_VIEW
    | {
        "districts.view_division",
        "catalog.view_catalogentry",
        "catalog.view_catalogevent",
        "catalog.review_catalogentry",
        "publications.view_publication",
        "publications.view_publicationevent",
        "publications.review_publication",
    },
    Role.ADMINISTRATOR: REFERENCE_VIEW
    | CALENDAR_VIEW
    | GUIDES_VIEW
    | {
        "districts.view_division",
        "districts.change_division",
        "districts.view_membership",
        "districts.add_membership",
        "districts.change_membership",
        "districts.delete_membership",
        "catalog.view_catalogentry",
        "catalog.change_catalogentry",
        "catalog.view_catalogevent",
        "catalog.review_catalogentry",
        "publications.review_publication",
    }
    | PUBLICATION_EDIT,
}

# Extra permissions a role grants only where it is held above the township level: townships
# may only subtract from their district's catalog (做减法), so they never add entries.
ROLE_PERMISSIONS_ABOVE_TOWNSHIP: dict[str, set[str]] = {
    Role.EDITOR: {"catalog.add_catalogentry"},
    Role.REVIEWER: set(),
    Role.ADMINISTRATOR: {"catalog.add_catalogentry"},
}

# The city office maintains the shared reference data (domains, items, channels).
ROLE_PERMISSIONS_AT_CITY: dict[str, set[str]] = {
    Role.EDITOR: REFERENCE_EDIT,
    Role.REVIEWER: set(),
    # The tree's shape is the city's: only its administrators add divisions (or move them).
    Role.ADMINISTRATOR: REFERENCE_EDIT | CALENDAR_EDIT | GUIDES_SYNC | {"districts.add_division"},
}


def is_root_membership(membership: Membership) -> bool:
    """Return True when ``membership`` is held in the root division (the city office).

    City-only powers follow from holding a role in the one division without a parent (the
    database allows exactly one), never from a division's ``level``: a level is data that a
    form could once set.
    """
    return membership.division.parent_id is None


def permissions_for(membership: Membership) -> set[str]:
    """Return the model permissions that one membership grants."""
    perms = set(ROLE_PERMISSIONS[membership.role])
    if not membership.division.is_township:
        perms |= ROLE_PERMISSIONS_ABOVE_TOWNSHIP[membership.role]
    if is_root_membership(membership):
        perms |= ROLE_PERMISSIONS_AT_CITY[membership.role]
    return perms


def holds_city_role(user, *roles: str) -> bool:
    """Return True when ``user`` holds one of ``roles`` in the root division, or is a superuser.

    This is the one test for the city office's own powers (the tree's shape, the shared
    reference data, unlocking accounts).
    """
    if sees_everything(user):
        return True
    return any(m.role in roles and is_root_membership(m) for m in memberships_of(user))


def memberships_of(user) -> list[Membership]:
    """Return the user's active memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = list(Membership.objects.for_user(user))
        user._memberships_cache = cached
    return cached


def sees_everything(user) -> bool:
    """Return True for superusers, who stand above every division."""
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def scope_q(user, prefix: str = "") -> Q:
    """Return a Q that keeps rows whose division (reached through ``prefix``) is in scope.

    ``prefix`` is the lookup path to a Division, e.g. ``"division__"``; empty for divisions.
    """
    if sees_everything(user):
        return Q()
    q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    for membership in memberships_of(user):
        q |= within_q(membership.division, prefix=prefix)
    return q


def scope_q_for(user, *perms: str, prefix: str = "") -> Q:
    """Return a Q for the divisions where ``user`` holds any of ``perms``."""
    if sees_everything(user):
        return Q()
    q = Q(**{f"{prefix}pk__in": []})
    for membership in memberships_of(user):
        if not permissions_for(membership).isdisjoint(perms):
            q |= within_q(membership.division, prefix=prefix)
    return q


def divisions_in(q: Q, field: str = "division") -> Q:
    """Return a Q keeping rows whose ``field`` is among the divisions that ``q`` selects.

    It filters by an id subquery instead of a join, so that on large tables the database can
    walk an index in the page's order and stop at the page's end; Q() when ``q`` keeps all.
    """
    if not q:
        return Q()
    return Q(**{f"{field}__in": Division.objects.filter(q).values("pk")})


def visible_divisions(user):
    """Return the divisions the user may see."""
    return Division.objects.filter(scope_q(user))


def division_of(obj) -> Division | None:
    """Return the division that decides who may touch ``obj`` (None: not division-scoped)."""
    if isinstance(obj, Division):
        return obj
    return getattr(obj, "scope_division", None)


def has_division_perm(user, perm: str, division: Division) -> bool:
    """Return True when one of the user's memberships covering ``division`` grants ``perm``."""
    if sees_everything(user):
        return True
    return any(
        division.is_within(m.division) and perm in permissions_for(m) for m in memberships_of(user)
    )


def _reviews(membership: Membership, division: Division) -> bool:
    """Return True when ``membership``'s division is the review office for ``division``.

    An office reviews what the divisions below it submit (township → district, district →
    city); the city office also reviews the city's own submissions, as nobody stands above it.
    """
    office = membership.division
    if is_root_membership(membership):
        return True
    return division.pk != office.pk and division.is_within(office)


def can_review(user, perm: str, division: Division) -> bool:
    """Return True when ``user`` may approve or return ``division``'s submissions under ``perm``.

    Self-approval is not decided here: the review services compare the submitter themselves.
    """
    if sees_everything(user):
        return True
    return any(perm in permissions_for(m) and _reviews(m, division) for m in memberships_of(user))


def review_q(user, perm: str, prefix: str = "") -> Q:
    """Return a Q for the rows (division reached through ``prefix``) that ``user`` may review."""
    if sees_everything(user):
        return Q()
    q = Q(**{f"{prefix}pk__in": []})
    for membership in memberships_of(user):
        if perm not in permissions_for(membership):
            continue
        office = membership.division
        if is_root_membership(membership):
            q |= within_q(office, prefix=prefix)
        else:
            q |= within_q(office, prefix=prefix) & ~Q(**{f"{prefix}pk": office.pk})
    return q


def review_office_users(division: Division, perm: str):
    """Return the active users who review ``division``'s submissions in the first place.

    That is the office of the division directly above; for the city, the city office itself.
    When the office above has nobody holding ``perm``, the city office is asked instead.
    """
    from django.contrib.auth import get_user_model

    User = get_user_model()
    offices = [division.parent_id or division.pk]
    root = Division.objects.root()
    if root is not None and root.pk not in offices:
        offices.append(root.pk)
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    for office in offices:
        users = User.objects.filter(
            is_active=True,
            memberships__division_id=office,
            memberships__role__in=roles,
            memberships__is_active=True,
        ).distinct()
        if users.exists():
            return users
    return User.objects.none()


class DivisionRoleBackend(BaseBackend):
    """Grant model and object permissions from the user's division memberships."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        memberships = memberships_of(user_obj)
        if obj is None:
            perms: set[str] = set()
            for membership in memberships:
                perms |= permissions_for(membership)
            return perms
        division = division_of(obj)
        if division is None:
            # Shared reference data (domains, items, channels): the model permission decides.
            return self.get_all_permissions(user_obj)
        perms = set()
        for membership in memberships:
            if division.is_within(membership.division):
                perms |= permissions_for(membership)
        return perms

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label):
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
