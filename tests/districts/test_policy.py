"""The permission policies: one vocabulary, consistent answers, and no permission names elsewhere.

For every role at every level (the permission matrix's world: the real Changsha tree, a city
catalog derived everywhere), each scoped policy must give the same answer three ways: the rows
``instances_for`` returns are exactly those ``allows`` accepts one by one, and ``users_for``
returns exactly the users ``allows`` accepts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from catalog.models import CatalogEntry, CatalogEvent
from catalog.policies import entries, events
from districts.models import Division, Membership, Role
from districts.policies import divisions, memberships
from districts.policy import (
    CityPolicy,
    ScopedPolicy,
    SuperuserPolicy,
    policy_for,
    registered,
)
from outbox.models import OutboxMessage
from portal.models import LoginLockout
from tests.factories import UserFactory
from tests.portal import test_admin_permissions as matrix
from tests.portal.test_admin_permissions import LEVELS, ROLES, World

pytestmark = [pytest.mark.django_db]

# The permission matrix's module-scoped world: the real tree, a catalog derived everywhere, and
# one user per role × level.
world = matrix.world

User = get_user_model()

ACTIONS = ("view", "add", "change", "delete", "review")
CASES = [(role, level) for role in ROLES for level in LEVELS]


def _user(world: World, role: str, level: str):
    return User.objects.get(pk=world.users[(role, level)])


def _sample(model, limit: int = 400):
    return list(model.objects.order_by("pk")[:limit])


SCOPED = [
    (Division, divisions),
    (Membership, memberships),
    (CatalogEntry, entries),
    (CatalogEvent, events),
]


@pytest.mark.parametrize("role,level", CASES, ids=[f"{r}-{lv}" for r, lv in CASES])
@pytest.mark.parametrize("model,policy", SCOPED, ids=[m.__name__ for m, _ in SCOPED])
def test_instances_for_is_exactly_what_allows_accepts(world, role, level, model, policy):
    user = _user(world, role, level)
    rows = _sample(model)
    assert rows, f"the world holds no {model.__name__}"
    for action in ACTIONS:
        listed = set(policy.instances_for(user, action).values_list("pk", flat=True))
        allowed = {row.pk for row in rows if policy.allows(user, action, row)}
        sample = {row.pk for row in rows}
        assert listed & sample == allowed, (model.__name__, action)


@pytest.mark.parametrize("code", sorted(set(LEVELS.values())))
@pytest.mark.parametrize("action", ["view", "add", "change"])
def test_users_for_is_exactly_who_allows_names(world, code, action):
    division = Division.objects.get(code=code)
    entry = CatalogEntry.objects.filter(division=division).first()
    staff = [_user(world, role, level) for role, level in CASES]
    expected = {u.pk for u in staff if entries.allows(u, action, entry)}
    named = set(entries.users_for(action, entry).values_list("pk", flat=True))
    assert named & {u.pk for u in staff} == expected
    # Whoever users_for names is allowed, even beyond the matrix's users.
    for user in entries.users_for(action, entry):
        assert entries.allows(user, action, entry)


def test_review_goes_to_the_office_above(world):
    township = Division.objects.get(code=LEVELS["township"])
    entry = CatalogEntry.objects.filter(division=township).first()
    reviewers = set(entries.users_for("review", entry))
    district_reviewers = {
        _user(world, Role.REVIEWER, "district"),
        _user(world, Role.ADMINISTRATOR, "district"),
    }
    assert district_reviewers <= reviewers
    assert all(entries.allows(u, "review", entry) for u in reviewers)
    # Nobody reviews their own office's submissions, except the city office (none above it).
    assert not entries.allows(_user(world, Role.REVIEWER, "township"), "review", entry)
    city_entry = CatalogEntry.objects.filter(division__parent__isnull=True).first()
    assert entries.allows(_user(world, Role.REVIEWER, "city"), "review", city_entry)
    assert not entries.allows(_user(world, Role.EDITOR, "city"), "review", city_entry)


def test_townships_never_add_entries_and_only_the_city_keeps_the_tree(world):
    township = Division.objects.get(code=LEVELS["township"])
    for role in ROLES:
        assert not entries.allows(_user(world, role, "township"), "add", township)
        assert divisions.allows(_user(world, role, "city"), "add") is (role == Role.ADMINISTRATOR)
        for level in ("district", "township"):
            assert not divisions.allows(_user(world, role, level), "add")


def test_machinery_and_lockouts_are_not_a_division_role(world):
    outbox, lockouts = policy_for(OutboxMessage), policy_for(LoginLockout)
    assert isinstance(outbox, SuperuserPolicy) and isinstance(lockouts, CityPolicy)
    for role, level in CASES:
        user = _user(world, role, level)
        assert not outbox.allows(user, "view")
        assert lockouts.allows(user, "unlock") is (role == Role.ADMINISTRATOR and level == "city")
    root = UserFactory(is_superuser=True, is_staff=True)
    assert outbox.allows(root, "view") and lockouts.allows(root, "unlock")


def test_inactive_users_are_allowed_nothing(world):
    user = _user(world, Role.ADMINISTRATOR, "city")
    user.is_active = False
    entry = CatalogEntry.objects.first()
    for action in ACTIONS:
        assert not entries.allows(user, action, entry)
        assert not entries.instances_for(user, action).exists()


def test_every_model_that_belongs_to_a_division_has_a_scoped_or_declared_policy():
    policies = registered()
    for model in (Division, Membership, CatalogEntry, CatalogEvent):
        assert isinstance(policies[model], ScopedPolicy)


# -- no permission names outside the policies ----------------------------------------------------
PERMISSION = re.compile(r"[\"'](\w+)\.(view|add|change|delete|review|run)_\w+[\"']")
PRODUCT = ("catalog", "districts", "guides", "outbox", "portal", "publications", "search")


def _product_files():
    base = Path(settings.BASE_DIR)
    for package in PRODUCT:
        for path in (base / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path
    yield from (base / "templates").rglob("*.html")
    yield from (base / "workcalendar").rglob("*.py")


def test_no_permission_name_outside_the_policies():
    found = []
    for path in _product_files():
        if path.name == "policies.py":
            continue
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PERMISSION.search(line):
                found.append(f"{path}:{line_no}: {line.strip()}")
    assert not found, "permission names outside a policies module:\n" + "\n".join(found)


def test_districts_names_no_other_apps_models():
    base = Path(settings.BASE_DIR) / "districts"
    others = re.compile(r"\b(catalog|publications|guides|workcalendar|outbox|search)\.")
    for path in base.rglob("*.py"):
        if "migrations" in path.parts or path.name == "checks.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not others.search(text), f"{path} names another app"
