"""Permission policies: who may do what to which rows, asked in one vocabulary everywhere.

Each app declares, in its own ``policies.py``, two things:

* its role grants (``grant(Role.EDITOR, CatalogEntry, "view", "change")``): which role, held
  where (everywhere, above the township level, or in the city office), grants which action on
  which of its models. No other module names a permission.
* one policy per model that staff reach (``register(ScopedPolicy(CatalogEntry))``), which
  answers three questions, after Wagtail's permission policies:

  - ``instances_for(user, *actions)``: the rows on which the user may do any of ``actions``;
  - ``allows(user, action, obj=None)``: whether the user may do ``action`` to ``obj`` (an
    instance, or the Division a new one would belong to; None: anywhere);
  - ``users_for(action, obj)``: the active users who may do ``action`` to ``obj``.

The admin, views, services, exports, the working list and the attachment view ask the policy;
the system checks in ``districts.checks`` refuse to start when a model that belongs to a
division has no policy, or a ModelAdmin over a scoped model is not scoped.

The action ``review`` follows the review chain, not plain scope: an office reviews what the
divisions below it submit, and the city office also its own (nobody stands above it).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q

from .models import Division, Membership, within_q

REVIEW = "review"


class Where(enum.Enum):
    """Where a role must be held for a grant to apply."""

    EVERYWHERE = "everywhere"
    #: Districts and the city: townships only subtract from their district's catalog (做减法).
    ABOVE_TOWNSHIP = "above_township"
    #: The root division, the city office: the shared reference data and the tree's shape.
    AT_CITY = "at_city"


@dataclass(frozen=True)
class Grant:
    role: str
    where: Where
    permission: str


_grants: list[Grant] = []


def permission_name(model: type[models.Model], action: str) -> str:
    """Return Django's permission name for ``action`` on ``model`` ("app.action_model").

    A custom permission the model declares under the action's own name ("run_sync") keeps it.
    """
    opts = model._meta
    if any(codename == action for codename, _label in opts.permissions):
        return f"{opts.app_label}.{action}"
    return f"{opts.app_label}.{action}_{opts.model_name}"


def grant(role: str, model: type[models.Model], *actions: str, where: Where = Where.EVERYWHERE):
    """Declare that ``role``, held ``where``, grants ``actions`` on ``model``."""
    for action in actions:
        _grants.append(Grant(role, where, permission_name(model, action)))
    _role_permissions.cache_clear()


@cache
def _role_permissions(role: str, township: bool, root: bool) -> frozenset[str]:
    perms = set()
    for g in _grants:
        if g.role != role:
            continue
        applies = {
            Where.EVERYWHERE: True,
            Where.ABOVE_TOWNSHIP: not township,
            Where.AT_CITY: root,
        }[g.where]
        if applies:
            perms.add(g.permission)
    return frozenset(perms)


def is_root_membership(membership: Membership) -> bool:
    """Return True when ``membership`` is held in the root division (the city office).

    City-only powers follow from holding a role in the one division without a parent (the
    database allows exactly one), never from a division's ``level``: a level is data that a
    form could once set.
    """
    return membership.division.parent_id is None


def permissions_for(membership: Membership) -> frozenset[str]:
    """Return the permissions that one membership grants, from every app's declared grants."""
    division = membership.division
    return _role_permissions(membership.role, division.is_township, is_root_membership(membership))


def grants() -> list[Grant]:
    """Return every role grant the apps declared."""
    return list(_grants)


def roles_granting(permission: str) -> set[str]:
    """Return the roles that grant ``permission`` somewhere."""
    return {g.role for g in _grants if g.permission == permission}


def memberships_of(user) -> list[Membership]:
    """Return the user's active memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = list(Membership.objects.for_user(user))
        user._memberships_cache = cached
    return cached


def memberships_prime(users: Iterable) -> None:
    """Read the active memberships of all ``users`` in one query and cache them on each.

    ``memberships_of`` then answers from the cache: a page that names many people (a list
    showing each row's author with the department they act for) costs one query, not one per
    row. Users already cached, inactive users and None are skipped.
    """
    waiting: dict[int, list] = {}
    for user in users:
        if user is None or not user.is_active or hasattr(user, "_memberships_cache"):
            continue
        waiting.setdefault(user.pk, []).append(user)
    if not waiting:
        return
    found: dict[int, list[Membership]] = {pk: [] for pk in waiting}
    rows = Membership.objects.filter(user_id__in=waiting, is_active=True)
    for membership in rows.select_related("division", "department"):
        found[membership.user_id].append(membership)
    for pk, same in waiting.items():
        for user in same:
            user._memberships_cache = list(found[pk])


def sees_everything(user) -> bool:
    """Return True for active superusers, who stand above every division."""
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def all_permissions(user) -> set[str]:
    """Return every permission the user's memberships grant, wherever they are held."""
    perms: set[str] = set()
    for membership in memberships_of(user):
        perms |= permissions_for(membership)
    return perms


def holds_city_role(user, *roles: str) -> bool:
    """Return True when ``user`` holds one of ``roles`` in the root division, or is a superuser.

    This is the one test for the city office's own powers (the tree's shape, the shared
    reference data, unlocking accounts).
    """
    if sees_everything(user):
        return True
    return any(m.role in roles and is_root_membership(m) for m in memberships_of(user))


def acting_department(user, division: Division):
    """Return the department ``user`` acts for in ``division``, or None for the office.

    Anyone whose role covers ``division`` without a department (the disclosure office, the
    offices above, superusers) acts for the office; otherwise a department membership held in
    ``division`` itself names the department.
    """
    if user is None or sees_everything(user):
        return None
    found = None
    for membership in memberships_of(user):
        if membership.department_id is None:
            if division.is_within(membership.division):
                return None
        elif membership.division_id == division.pk:
            found = membership.department
    return found


def _reviews(membership: Membership, division: Division) -> bool:
    office = membership.division
    if is_root_membership(membership):
        return True
    return division.pk != office.pk and division.is_within(office)


def divisions_in(q: Q, field: str) -> Q:
    """Return a Q keeping rows whose ``field`` is among the divisions that ``q`` selects.

    It filters by an id subquery instead of a join, so that on large tables the database can
    walk an index in the page's order and stop at the page's end; Q() when ``q`` keeps all.
    """
    if not q:
        return Q()
    return Q(**{f"{field}__in": Division.objects.filter(q).values("pk")})


class Policy:
    """The base policy: answers from the user's role grants, without division scope."""

    #: True for policies whose rows belong to a division (the admin must scope them).
    scoped = False

    def __init__(self, model: type[models.Model], *, permissions_of: type[models.Model] = None):
        self.model = model
        # A model whose rows are governed by another's permissions (an event, an attachment,
        # a job) names that model; otherwise the model's own permissions decide.
        self.permissions_model = permissions_of or model

    def __repr__(self):
        return f"{type(self).__name__}({self.model._meta.label})"

    def permission(self, action: str) -> str:
        """Return the permission name that ``action`` stands for under this policy."""
        return permission_name(self.permissions_model, action)

    def _granted(self, user, actions: Iterable[str]) -> bool:
        if sees_everything(user):
            return True
        perms = all_permissions(user)
        return any(self.permission(a) in perms for a in actions)

    def allows(self, user, action: str, obj=None) -> bool:
        """Return True when ``user`` may do ``action`` (to ``obj``, when given)."""
        return self._granted(user, [action])

    def allows_any(self, user, *actions: str, obj=None) -> bool:
        """Return True when ``user`` may do any of ``actions`` (to ``obj``, when given)."""
        return any(self.allows(user, action, obj) for action in actions)

    def instances_for(self, user, *actions: str) -> models.QuerySet:
        """Return the rows on which ``user`` may do any of ``actions``."""
        qs = self.model._default_manager.all()
        return qs if self._granted(user, actions) else qs.none()

    def users_for(self, action: str, obj=None):
        """Return the active users who may do ``action`` (to ``obj``, when given)."""
        User = get_user_model()
        roles = roles_granting(self.permission(action))
        return User.objects.filter(
            Q(is_superuser=True) | Q(memberships__role__in=roles, memberships__is_active=True),
            is_active=True,
        ).distinct()


class SharedPolicy(Policy):
    """Data the city shares with every division (reference data, calendar, guides).

    Rows are not scoped: the role grants alone decide, wherever the role is held.
    """


class SuperuserPolicy(Policy):
    """Machinery only a superuser may touch (the outbox, say)."""

    def _granted(self, user, actions):
        return sees_everything(user)

    def users_for(self, action, obj=None):
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


class CityPolicy(Policy):
    """Powers of the city office's holders of ``roles`` (and superusers): unlocking accounts."""

    def __init__(self, model, *, roles: Iterable[str]):
        super().__init__(model)
        self.roles = tuple(roles)

    def _granted(self, user, actions):
        return holds_city_role(user, *self.roles)

    def users_for(self, action, obj=None):
        root = Division.objects.root()
        return (
            get_user_model()
            .objects.filter(
                Q(is_superuser=True)
                | Q(
                    memberships__division=root,
                    memberships__role__in=self.roles,
                    memberships__is_active=True,
                ),
                is_active=True,
            )
            .distinct()
        )


#: What a department's staff may do to their division as a whole: see it, and add their own
#: items to it. Everything else on a whole division (derive, import, review) is the office's.
DEPARTMENT_DIVISION_ACTIONS = {"view", "add"}


class ScopedPolicy(Policy):
    """Rows that belong to a division: a role covers its division and everything below it.

    ``path`` is the lookup from the model to its Division ("" for Division itself);
    ``department_path`` the lookup to its owning Department, for models that have one.

    A membership in a department (区民政局 inside 芙蓉区) covers only its own division, never
    those below, and, where rows have an owner, only the rows its department owns; department
    staff never review. Staff without a department are the division's disclosure office.

    ``own_division_actions`` are done only in the division where the role is held, never below
    it (a leader signs for their own division).
    """

    scoped = True

    def __init__(
        self,
        model,
        *,
        path: str = "division",
        department_path: str | None = None,
        permissions_of=None,
        own_division_actions: Iterable[str] = (),
    ):
        super().__init__(model, permissions_of=permissions_of)
        self.path = path
        self.department_path = department_path
        self.own_division_actions = frozenset(own_division_actions)

    def department_of(self, obj) -> int | None:
        """Return the id of the department that owns ``obj`` (None: the office's own)."""
        if self.department_path is None:
            return None
        *hops, last = self.department_path.split("__")
        for attr in hops:
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return getattr(obj, f"{last}_id", None)

    # -- divisions ----------------------------------------------------------------------
    def division_of(self, obj) -> Division | None:
        """Return the division that decides who may touch ``obj`` (a Division is its own)."""
        if obj is None or isinstance(obj, Division):
            return obj
        for attr in self.path.split("__") if self.path else []:
            # An unsaved row may lack its division yet: it belongs to nobody's scope.
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return obj

    def division_q(self, user, *actions: str) -> Q:
        """Return a Q over Division: where ``user`` may do any of ``actions`` on this model."""
        if sees_everything(user):
            return Q()
        q = Q(pk__in=[])
        for membership in memberships_of(user):
            perms = permissions_for(membership)
            for action in actions:
                if self.permission(action) not in perms:
                    continue
                office = membership.division
                if membership.department_id is not None:
                    if action in DEPARTMENT_DIVISION_ACTIONS:
                        q |= Q(pk=office.pk)
                        break
                    continue
                if action in self.own_division_actions:
                    q |= Q(pk=office.pk)
                    continue
                if action == REVIEW and not is_root_membership(membership):
                    q |= within_q(office) & ~Q(pk=office.pk)
                else:
                    q |= within_q(office)
                break
        return q

    def divisions_for(self, user, *actions: str):
        """Return the divisions where ``user`` may do any of ``actions``, in tree order."""
        return Division.objects.filter(self.division_q(user, *actions)).order_by("tree_id", "lft")

    def scope_q(self, user, *actions: str) -> Q:
        """Return a Q over this model keeping the rows ``user`` may do any of ``actions`` to."""
        if sees_everything(user):
            return Q()
        offices = Q(pk__in=[])
        own = Q(pk__in=[])
        for membership in memberships_of(user):
            perms = permissions_for(membership)
            granted = [a for a in actions if self.permission(a) in perms]
            if not granted:
                continue
            office = membership.division
            if membership.department_id is not None:
                if granted == [REVIEW]:
                    continue
                rows = Q(**{self.path or "pk": office.pk})
                if self.department_path is not None:
                    rows &= Q(**{self.department_path: membership.department_id})
                own |= rows
            elif REVIEW in granted and len(granted) == 1 and not is_root_membership(membership):
                offices |= within_q(office) & ~Q(pk=office.pk)
            elif set(granted) <= self.own_division_actions:
                offices |= Q(pk=office.pk)
            else:
                offices |= within_q(office)
        scoped = divisions_in(offices, self.path) if self.path else offices
        return scoped | own

    # -- the three questions --------------------------------------------------------------
    def instances_for(self, user, *actions: str) -> models.QuerySet:
        return self.filter(self.model._default_manager.all(), user, *actions)

    def filter(self, queryset: models.QuerySet, user, *actions: str) -> models.QuerySet:
        """Return ``queryset`` restricted to rows ``user`` may do any of ``actions`` to."""
        return queryset.filter(self.scope_q(user, *actions))

    def allows(self, user, action: str, obj=None) -> bool:
        """Return True when ``user`` may do ``action`` to ``obj``.

        ``obj`` is an instance or the Division a new instance would belong to; without it the
        question is whether the user may do ``action`` anywhere.
        """
        if sees_everything(user):
            return True
        permission = self.permission(action)
        if obj is None:
            return any(permission in permissions_for(m) for m in memberships_of(user))
        division = self.division_of(obj)
        if division is None:
            return False
        for membership in memberships_of(user):
            if permission not in permissions_for(membership):
                continue
            if membership.department_id is not None:
                if action == REVIEW or division.pk != membership.division_id:
                    continue
                if isinstance(obj, Division):
                    if action in DEPARTMENT_DIVISION_ACTIONS:
                        return True
                    continue
                if self.department_path is None or (
                    self.department_of(obj) == membership.department_id
                ):
                    return True
                continue
            if action == REVIEW:
                if _reviews(membership, division):
                    return True
            elif action in self.own_division_actions:
                if division.pk == membership.division_id:
                    return True
            elif division.is_within(membership.division):
                return True
        return False

    def users_for(self, action: str, obj=None):
        """Return the active users who may do ``action`` to ``obj``.

        For ``review`` that is the first office that reviews ``obj``'s division: the office
        directly above (the city office for the city itself), or the city office when that
        office has no reviewer.
        """
        User = get_user_model()
        roles = roles_granting(self.permission(action))
        division = self.division_of(obj)
        if division is None:
            return super().users_for(action)
        if action == REVIEW:
            offices = [division.parent_id or division.pk]
            root = Division.objects.root()
            if root is not None and root.pk not in offices:
                offices.append(root.pk)
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
        above = division.ancestors(include_self=True)
        candidates = User.objects.filter(
            is_active=True,
            memberships__division__in=above,
            memberships__role__in=roles,
            memberships__is_active=True,
        ).distinct()
        # Township-only or city-only grants depend on where the role is held: check each.
        return User.objects.filter(
            pk__in=[u.pk for u in candidates if self.allows(u, action, division)]
        )


# -- the registry ---------------------------------------------------------------------------
_policies: dict[type[models.Model], Policy] = {}


def register(policy: Policy) -> Policy:
    """Register ``policy`` as the one for its model and return it."""
    _policies[policy.model] = policy
    return policy


def policy_for(model) -> Policy | None:
    """Return the policy registered for ``model`` (a class or an instance), or None."""
    if not isinstance(model, type):
        model = type(model)
    return _policies.get(model) or _policies.get(model._meta.concrete_model)


def registered() -> dict[type[models.Model], Policy]:
    """Return every registered policy by model."""
    return dict(_policies)
