"""Division scope in the staff admin, exercised through its real URLs with the test client.

The matrix: role {editor 填报, reviewer 审核, administrator 管理} × level {city 430100, district
芙蓉区 430102, township 文艺路街道 430102001} × object {in scope, out of scope} × action {list,
view, change, delete, export}. Out of scope is tried twice per lower level: an ancestor (the
district's city, the township's district) and a cousin (a township of another district, the
township's sibling). The city covers everything, so it only has in-scope cases.

Then the side doors: search, the ScopedDivisionFilter (?within=), autocomplete, bulk actions,
the custom entry URLs (drop / restore / upstream), the history page, the catalog tree and derive
views, Membership and Division admin, and the anonymous redirect.

Loading the real Changsha tree and deriving the catalog to its 179 divisions takes ~2.5 s, and
this module has ~450 tests, so the data is built once per module inside an outer transaction
(rolled back at the end) with the same loaders that ``tests/conftest.py`` uses; each test runs
in its own savepoint, so every write a test makes is undone before the next one.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse
from import_export.formats import base_formats

from catalog import services
from catalog.forms import LevelsField
from catalog.models import CatalogEntry, CatalogEvent
from catalog.reference import channels_load, domains_load
from districts.models import Division, Membership, Role
from districts.services import divisions_load, membership_grant
from tests.factories import CityEntryFactory, SecondLevelItemFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    # WhiteNoise warns once per request that collectstatic has not run; irrelevant here.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

User = get_user_model()

CITY, DISTRICT, TOWNSHIP = "430100", "430102", "430102001"  # 长沙市, 芙蓉区, 文艺路街道
CHAOYANG = "430102002"  # 朝阳街街道: sibling township of 文艺路街道, also in 芙蓉区
TIANXIN = "430103"  # 天心区: a district next to 芙蓉区
PODZIJIE = "430103002"  # 坡子街街道: a township of 天心区

LEVELS = {"city": CITY, "district": DISTRICT, "township": TOWNSHIP}
ROLES = [Role.EDITOR, Role.REVIEWER, Role.ADMINISTRATOR]

# (user level, in/out of scope, division of the target entry)
TARGETS = [
    ("city", "in", CITY),
    ("city", "in", PODZIJIE),
    ("district", "in", DISTRICT),
    ("district", "in", TOWNSHIP),
    ("district", "out", CITY),
    ("district", "out", PODZIJIE),
    ("township", "in", TOWNSHIP),
    ("township", "out", DISTRICT),
    ("township", "out", CHAOYANG),
]

MATRIX = [
    pytest.param(role, level, scope, code, id=f"{role}-{level}-{scope}-{code}")
    for role in ROLES
    for level, scope, code in TARGETS
]

ENTRY_CHANGELIST = "/admin/catalog/catalogentry/"
ENTRY_EXPORT = "/admin/catalog/catalogentry/export/"
AUTOCOMPLETE = "/admin/autocomplete/"


# ---------------------------------------------------------------------------------------------
# Module data


@dataclass
class World:
    item_a: int
    item_b: int
    users: dict[tuple[str, str], int] = field(default_factory=dict)
    #: A staff user outside every scope under test: an editor of 坡子街街道.
    cousin_user: int = 0


def _build_world() -> World:
    divisions_load(path=settings.FIXTURES_DIR / "divisions.csv")
    domains_load(path=settings.FIXTURES_DIR / "domains.csv")
    channels_load(path=settings.FIXTURES_DIR / "channels.csv")
    city = Division.objects.get(code=CITY)
    entry_a, entry_b = CityEntryFactory.create_batch(2, division=city)
    services.catalog_derive_tree(root=city, user=None)
    world = World(item_a=entry_a.item_id, item_b=entry_b.item_id)
    for role in ROLES:
        for level, code in LEVELS.items():
            user = UserFactory(username=f"perm-{level}-{role}")
            membership_grant(user=user, division=Division.objects.get(code=code), role=role)
            world.users[(role, level)] = user.pk
    cousin = UserFactory(username="perm-podzijie-editor")
    membership_grant(user=cousin, division=Division.objects.get(code=PODZIJIE), role=Role.EDITOR)
    world.cousin_user = cousin.pk
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Reference data, a 2-entry city catalog derived everywhere, and one user per role × level.

    Everything lives in an outer transaction that is rolled back after the module.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            data = _build_world()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    yield data
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def client():
    """A test client that arrives over HTTPS through the proxy, as production traffic does.

    With DEBUG off the settings redirect plain HTTP to HTTPS (SECURE_SSL_REDIRECT) and trust
    X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
    """
    return Client(HTTP_X_FORWARDED_PROTO="https")


# ---------------------------------------------------------------------------------------------
# Helpers


def login(client, world: World, role: str, level: str):
    user = User.objects.get(pk=world.users[(role, level)])
    client.force_login(user)
    return user


def entry_at(world: World, code: str, item: str = "a") -> CatalogEntry:
    item_id = world.item_a if item == "a" else world.item_b
    return CatalogEntry.objects.get(division__code=code, item_id=item_id)


def missing_entry_pk() -> int:
    return (CatalogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 9999


def scope_codes(level: str) -> set[str]:
    return set(
        Division.objects.within(Division.objects.get(code=LEVELS[level])).values_list(
            "code", flat=True
        )
    )


def entry_url(name: str, pk: int, *extra) -> str:
    return reverse(f"admin:catalog_catalogentry_{name}", args=[pk, *extra])


def change_form_data(entry: CatalogEntry, **overrides) -> dict:
    """The POST a staff member's browser sends from the entry's change page."""
    data = {
        "content": entry.content,
        "content_title": entry.content_title,
        "upload_form": entry.upload_form,
        "basis": entry.basis,
        "time_limit": entry.time_limit,
        "subject": entry.subject,
        "channels": [str(pk) for pk in entry.channels.values_list("pk", flat=True)],
        "levels": LevelsField().prepare_value(entry.levels),
        "item_type": entry.item_type,
        "service_name": entry.service_name,
        "remarks": entry.remarks,
        "_save": "保存",
    }
    for flag in ("audience_all", "audience_specific", "mode_active", "mode_on_request"):
        if getattr(entry, flag):
            data[flag] = "on"
    data.update(overrides)
    return data


def changelist_pks(response) -> set[int]:
    """Every pk the changelist lists (all pages), as the ChangeList itself computed it."""
    assert response.status_code == 200
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


def csv_format_index() -> int:
    model_admin = django_admin.site.get_model_admin(CatalogEntry)
    formats = model_admin.get_export_formats()
    return next(i for i, fmt in enumerate(formats) if fmt is base_formats.CSV)


def export_rows(client, query: str = "") -> list[dict]:
    """POST the export form (CSV, a few selected columns) and return the rows."""
    data = {
        "format": str(csv_format_index()),
        "resource": "0",
        "catalogentryresource_division_code": "on",
        "catalogentryresource_division_name": "on",
        "catalogentryresource_second_level": "on",
        "catalogentryresource_status": "on",
    }
    response = client.post(ENTRY_EXPORT + query, data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def autocomplete_ids(client, model: str, app_label: str, term: str) -> set[int]:
    """Walk every page of the admin autocomplete for ``<model>.division`` and return the ids."""
    ids: set[int] = set()
    page = 1
    while True:
        response = client.get(
            AUTOCOMPLETE,
            {
                "app_label": app_label,
                "model_name": model,
                "field_name": "division",
                "term": term,
                "page": page,
            },
        )
        assert response.status_code == 200
        payload = response.json()
        ids |= {int(row["id"]) for row in payload["results"]}
        if not payload["pagination"]["more"]:
            return ids
        page += 1


# ---------------------------------------------------------------------------------------------
# The matrix


def test_world_is_derived_everywhere(world):
    """The matrix below relies on every division holding the two city entries."""
    assert CatalogEntry.objects.count() == 2 * Division.objects.count()
    for code in (CITY, DISTRICT, TOWNSHIP, CHAOYANG, TIANXIN, PODZIJIE):
        assert entry_at(world, code).division.code == code


@pytest.mark.parametrize(("role", "level", "scope", "code"), MATRIX)
def test_matrix_list(client, world, role, level, scope, code):
    login(client, world, role, level)
    target = entry_at(world, code)
    response = client.get(ENTRY_CHANGELIST)
    pks = changelist_pks(response)
    html = response.content.decode()
    link = f"/admin/catalog/catalogentry/{target.pk}/change/"
    # Every listed row lies in the user's scope, and the scope is listed completely.
    expected = set(
        CatalogEntry.objects.filter(division__code__in=scope_codes(level)).values_list(
            "pk", flat=True
        )
    )
    assert pks == expected
    if scope == "in":
        assert target.pk in pks
        if not response.context["cl"].multi_page:
            assert link in html
    else:
        assert target.pk not in pks
        assert link not in html


@pytest.mark.parametrize(("role", "level", "scope", "code"), MATRIX)
def test_matrix_view(client, world, role, level, scope, code):
    login(client, world, role, level)
    target = entry_at(world, code)
    response = client.get(entry_url("change", target.pk))
    if scope == "out":
        assert response.status_code == 404
        # Exactly like an id that does not exist.
        assert client.get(entry_url("change", missing_entry_pk())).status_code == 404
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert target.item.name in html
    if role == Role.REVIEWER:
        # Read-only view: no editable element, no save button, no drop button.
        assert response.context["has_change_permission"] is False
        assert 'name="time_limit"' not in html
        assert 'name="_save"' not in html
        assert entry_url("drop", target.pk) not in html
    else:
        assert response.context["has_change_permission"] is True
        assert 'name="time_limit"' in html
        assert 'name="_save"' in html


@pytest.mark.parametrize(("role", "level", "scope", "code"), MATRIX)
def test_matrix_change(client, world, role, level, scope, code):
    login(client, world, role, level)
    target = entry_at(world, code)
    before = target.time_limit
    new_value = f"收到申请之日起5个工作日内（{role}-{level}）"
    response = client.post(
        entry_url("change", target.pk), change_form_data(target, time_limit=new_value)
    )
    target.refresh_from_db()
    if scope == "in" and role != Role.REVIEWER:
        assert response.status_code == 302, response.content[:2000]
        assert response["Location"] == ENTRY_CHANGELIST
        assert target.time_limit == new_value
        assert CatalogEvent.objects.filter(
            entry=target, action=CatalogEvent.Action.PERSONALISE, element="time_limit"
        ).exists()
        return
    assert target.time_limit == before
    missing = client.post(
        entry_url("change", missing_entry_pk()), change_form_data(target, time_limit=new_value)
    )
    # The object is looked up in the user's scope before any permission is checked: out of
    # scope answers exactly like a missing id (404); only an in-scope entry that the user may
    # view but not change (a reviewer's) is refused with 403.
    assert missing.status_code == 404
    if scope == "out":
        assert response.status_code == 404
    else:
        assert role == Role.REVIEWER
        assert response.status_code == 403


@pytest.mark.parametrize(("role", "level", "scope", "code"), MATRIX)
def test_matrix_delete(client, world, role, level, scope, code):
    """Entries are never deleted: in scope the delete page refuses everyone (403).

    Out of scope it answers exactly like an id that does not exist (404), GET and POST alike.
    """
    login(client, world, role, level)
    target = entry_at(world, code)
    url = entry_url("delete", target.pk)
    get, post = client.get(url), client.post(url, {"post": "yes"})
    missing_url = entry_url("delete", missing_entry_pk())
    missing_get, missing_post = client.get(missing_url), client.post(missing_url, {"post": "yes"})
    assert CatalogEntry.objects.filter(pk=target.pk).exists()
    expected = 403 if scope == "in" else 404
    assert (get.status_code, post.status_code) == (expected, expected)
    assert (missing_get.status_code, missing_post.status_code) == (404, 404)


@pytest.mark.parametrize(
    ("level", "code"), [("district", PODZIJIE), ("township", CHAOYANG)], ids=["district", "town"]
)
def test_delete_out_of_scope_is_404(client, world, level, code):
    """Even for an administrator the scope check comes before the (always refused) permission."""
    login(client, world, Role.ADMINISTRATOR, level)
    target = entry_at(world, code)
    assert client.get(entry_url("delete", target.pk)).status_code == 404
    assert client.post(entry_url("delete", target.pk), {"post": "yes"}).status_code == 404
    assert CatalogEntry.objects.filter(pk=target.pk).exists()


@pytest.mark.parametrize(("role", "level", "scope", "code"), MATRIX)
def test_matrix_export(client, world, role, level, scope, code):
    login(client, world, role, level)
    rows = export_rows(client)
    exported = {row["区划代码"] for row in rows}
    assert exported <= scope_codes(level)
    # Everything in scope comes out: two entries per division.
    assert len(rows) == 2 * len(scope_codes(level))
    if scope == "in":
        assert code in exported
    else:
        assert code not in exported


# ---------------------------------------------------------------------------------------------
# Search, the ScopedDivisionFilter and other changelist parameters


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("level", "term", "expected_codes"),
    [
        ("district", "坡子街", set()),
        ("district", "天心", set()),
        ("district", "长沙", set()),
        ("district", "文艺路", {TOWNSHIP}),
        ("township", "芙蓉", set()),
        ("township", "朝阳街", set()),
        ("township", "文艺路", {TOWNSHIP}),
        ("city", "坡子街", {PODZIJIE}),
    ],
)
def test_search_by_division_name_stays_in_scope(client, world, role, level, term, expected_codes):
    login(client, world, role, level)
    response = client.get(ENTRY_CHANGELIST, {"q": term})
    pks = changelist_pks(response)
    codes = set(CatalogEntry.objects.filter(pk__in=pks).values_list("division__code", flat=True))
    assert codes == expected_codes
    assert len(pks) == 2 * len(expected_codes)


@pytest.mark.parametrize("level", ["district", "township"])
def test_search_by_item_name_returns_only_scope(client, world, level):
    login(client, world, Role.EDITOR, level)
    item_name = entry_at(world, CITY).item.name
    pks = changelist_pks(client.get(ENTRY_CHANGELIST, {"q": item_name}))
    expected = set(
        CatalogEntry.objects.filter(
            item_id=world.item_a, division__code__in=scope_codes(level)
        ).values_list("pk", flat=True)
    )
    assert pks == expected
    assert entry_at(world, PODZIJIE).pk not in pks


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("level", "code"),
    [
        ("district", TIANXIN),
        ("district", PODZIJIE),
        ("district", CITY),
        # The filter is offered to township users too (their own township), so Django's
        # ChangeList applies it rather than dropping it: an out-of-scope code lists nothing.
        ("township", DISTRICT),
        ("township", CHAOYANG),
    ],
)
def test_within_filter_with_out_of_scope_code_returns_none(client, world, role, level, code):
    login(client, world, role, level)
    response = client.get(ENTRY_CHANGELIST, {"within": code})
    assert changelist_pks(response) == set()
    assert response.context["cl"].result_count == 0


@pytest.mark.parametrize(
    ("level", "code"),
    [("city", DISTRICT), ("city", PODZIJIE), ("district", TOWNSHIP), ("township", TOWNSHIP)],
)
def test_within_filter_with_in_scope_code_narrows(client, world, level, code):
    login(client, world, Role.REVIEWER, level)
    pks = changelist_pks(client.get(ENTRY_CHANGELIST, {"within": code}))
    expected = set(
        CatalogEntry.objects.within(Division.objects.get(code=code)).values_list("pk", flat=True)
    )
    assert expected
    assert pks == expected


@pytest.mark.parametrize("level", ["district", "township"])
def test_within_filter_lookups_offer_only_scope(client, world, level):
    """In-scope divisions above the township level, plus the user's own township."""
    login(client, world, Role.EDITOR, level)
    response = client.get(ENTRY_CHANGELIST)
    html = response.content.decode()
    offered = set(re.findall(r"within=(\d+)", html))
    # 芙蓉区 offers itself but not its townships; 文艺路街道 offers itself (its own township),
    # neither 芙蓉区 above it nor its sibling 朝阳街街道.
    assert offered == {LEVELS[level]}
    (spec,) = [
        f
        for f in response.context["cl"].filter_specs
        if getattr(f, "parameter_name", None) == "within"
    ]
    assert {code for code, _ in spec.lookup_choices} == {LEVELS[level]}


def test_within_filter_on_event_list_with_out_of_scope_code(client, world):
    login(client, world, Role.EDITOR, "district")
    response = client.get("/admin/catalog/catalogevent/", {"within": TIANXIN})
    assert changelist_pks(response) == set()
    # Without the filter the district sees its own derive events but not 天心区's.
    pks = changelist_pks(client.get("/admin/catalog/catalogevent/"))
    codes = set(CatalogEvent.objects.filter(pk__in=pks).values_list("division__code", flat=True))
    assert DISTRICT in codes
    assert codes <= scope_codes("district")


def test_export_respects_search_and_filter(client, world):
    login(client, world, Role.EDITOR, "district")
    rows = export_rows(client, f"?within={TOWNSHIP}")
    assert {row["区划代码"] for row in rows} == {TOWNSHIP}
    assert export_rows(client, f"?within={PODZIJIE}") == []
    assert export_rows(client, "?q=坡子街") == []


# ---------------------------------------------------------------------------------------------
# Autocomplete


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_autocomplete_entry_division_returns_only_scope(client, world, role, level):
    login(client, world, role, level)
    ids = autocomplete_ids(client, "catalogentry", "catalog", "")
    expected = set(
        Division.objects.filter(code__in=scope_codes(level)).values_list("pk", flat=True)
    )
    assert ids == expected


@pytest.mark.parametrize(
    ("level", "term", "expected"),
    [
        ("district", "坡子街", set()),
        ("district", "4301030", set()),
        ("district", "长沙", set()),
        ("district", "文艺路", {TOWNSHIP}),
        ("township", "芙蓉", set()),
        ("township", "朝阳街", set()),
        ("township", "文艺路", {TOWNSHIP}),
        ("city", "坡子街", {PODZIJIE}),
    ],
)
def test_autocomplete_entry_division_search_term(client, world, level, term, expected):
    login(client, world, Role.EDITOR, level)
    ids = autocomplete_ids(client, "catalogentry", "catalog", term)
    assert set(Division.objects.filter(pk__in=ids).values_list("code", flat=True)) == expected


# ---------------------------------------------------------------------------------------------
# Bulk actions


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMINISTRATOR])
@pytest.mark.parametrize(
    ("level", "inside", "outside"),
    [("district", TOWNSHIP, PODZIJIE), ("township", TOWNSHIP, CHAOYANG)],
)
def test_drop_selected_skips_out_of_scope(client, world, role, level, inside, outside):
    login(client, world, role, level)
    own, foreign = entry_at(world, inside), entry_at(world, outside)
    action = {"action": "drop_selected", "post": "yes", "confirm": "1"}
    response = client.post(ENTRY_CHANGELIST, {**action, "_selected_action": [foreign.pk]})
    assert response.status_code == 302
    foreign.refresh_from_db()
    assert foreign.is_dropped is False

    response = client.post(ENTRY_CHANGELIST, {**action, "_selected_action": [own.pk, foreign.pk]})
    assert response.status_code == 302
    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.is_dropped is True
    assert own.drop_reason == CatalogEntry.DropReason.OWN
    assert foreign.is_dropped is False
    assert not CatalogEvent.objects.filter(entry=foreign, action="drop").exists()


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMINISTRATOR])
@pytest.mark.parametrize(
    ("level", "inside", "outside"),
    [("district", TOWNSHIP, PODZIJIE), ("township", TOWNSHIP, CHAOYANG)],
)
def test_restore_selected_skips_out_of_scope(client, world, role, level, inside, outside):
    own, foreign = entry_at(world, inside), entry_at(world, outside)
    services.entry_drop(entry=own, user=None)
    services.entry_drop(entry=foreign, user=None)
    login(client, world, role, level)
    action = {"action": "restore_selected", "post": "yes"}
    response = client.post(ENTRY_CHANGELIST, {**action, "_selected_action": [own.pk, foreign.pk]})
    assert response.status_code == 302
    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.is_dropped is False
    assert foreign.is_dropped is True
    assert not CatalogEvent.objects.filter(entry=foreign, action="restore").exists()


@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_reviewer_cannot_run_bulk_actions(client, world, level):
    own = entry_at(world, TOWNSHIP)
    login(client, world, Role.REVIEWER, level)
    response = client.get(ENTRY_CHANGELIST)
    page = response.content.decode()
    assert 'value="drop_selected"' not in page
    # Reviewers are offered the review actions only.
    assert 'value="approve_selected"' in page
    assert 'value="submit_selected"' not in page
    response = client.post(
        ENTRY_CHANGELIST,
        {"action": "drop_selected", "post": "yes", "confirm": "1", "_selected_action": [own.pk]},
    )
    # The action is not among the offered ones: Django refuses it and shows the list again.
    assert response.status_code in (200, 302)
    own.refresh_from_db()
    assert own.is_dropped is False


# ---------------------------------------------------------------------------------------------
# The custom entry URLs


def _prepare_for(kind: str, entry: CatalogEntry) -> None:
    if kind == "restore":
        # Dropping an entry that has derived entries needs the cascade confirmed.
        services.entry_drop(entry=entry, user=None, confirm=True)
    elif kind == "accept":
        services.entry_update(entry=entry, changes={"time_limit": "本级自定时限"}, user=None)


def _custom_request(client, kind: str, entry: CatalogEntry, method: str):
    url = {
        "drop": entry_url("drop", entry.pk),
        "restore": entry_url("restore", entry.pk),
        "accept": entry_url("upstream", entry.pk, "time_limit", "accept"),
    }[kind]
    if method == "GET":
        return client.get(url)
    return client.post(url, {"confirm": "1"})


def _state(entry: CatalogEntry) -> tuple:
    entry.refresh_from_db()
    return entry.is_dropped, entry.time_limit, list(entry.overridden), entry.events.count()


CUSTOM_URLS = [("drop", "GET"), ("drop", "POST"), ("restore", "POST"), ("accept", "POST")]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("kind", "method"), CUSTOM_URLS)
@pytest.mark.parametrize(
    ("level", "code"),
    [("district", CITY), ("district", PODZIJIE), ("township", DISTRICT), ("township", CHAOYANG)],
)
def test_custom_entry_urls_out_of_scope_are_404(client, world, role, kind, method, level, code):
    target = entry_at(world, code, item="b")
    _prepare_for(kind, target)
    before = _state(target)
    login(client, world, role, level)
    response = _custom_request(client, kind, target, method)
    assert response.status_code == 404
    assert _state(target) == before


@pytest.mark.parametrize(("kind", "method"), CUSTOM_URLS)
@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_custom_entry_urls_refuse_reviewer_in_scope(client, world, kind, method, level):
    target = entry_at(world, TOWNSHIP, item="b")
    _prepare_for(kind, target)
    before = _state(target)
    login(client, world, Role.REVIEWER, level)
    assert _custom_request(client, kind, target, method).status_code == 403
    assert _state(target) == before


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMINISTRATOR])
@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_custom_entry_urls_work_in_scope(client, world, role, level):
    """The positive side of the 404s above: the same URLs act on an in-scope entry."""
    target = entry_at(world, TOWNSHIP, item="b")
    login(client, world, role, level)
    assert _custom_request(client, "drop", target, "GET").status_code == 200
    assert _custom_request(client, "drop", target, "POST").status_code == 302
    target.refresh_from_db()
    assert target.is_dropped is True
    assert _custom_request(client, "restore", target, "POST").status_code == 302
    target.refresh_from_db()
    assert target.is_dropped is False
    services.entry_update(entry=target, changes={"time_limit": "本级自定时限"}, user=None)
    assert _custom_request(client, "accept", target, "POST").status_code == 302
    target.refresh_from_db()
    assert "time_limit" not in target.overridden
    assert target.time_limit == target.source.time_limit


@pytest.mark.parametrize("kind", ["drop", "restore", "accept"])
def test_custom_entry_urls_missing_id_is_404(client, world, kind):
    login(client, world, Role.ADMINISTRATOR, "city")
    url = {
        "drop": entry_url("drop", missing_entry_pk()),
        "restore": entry_url("restore", missing_entry_pk()),
        "accept": entry_url("upstream", missing_entry_pk(), "time_limit", "accept"),
    }[kind]
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("level", "code", "status"),
    [
        ("district", TOWNSHIP, 200),
        ("district", PODZIJIE, 404),
        ("district", CITY, 404),
        ("township", TOWNSHIP, 200),
        ("township", DISTRICT, 404),
        ("township", CHAOYANG, 404),
    ],
)
def test_history_page_is_scoped(client, world, role, level, code, status):
    login(client, world, role, level)
    target = entry_at(world, code)
    assert client.get(entry_url("history", target.pk)).status_code == status
    # Out of scope answers exactly like an id that does not exist.
    assert client.get(entry_url("history", missing_entry_pk())).status_code == 404


# ---------------------------------------------------------------------------------------------
# The catalog tree and the derive views


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("level", "within", "status"),
    [
        ("district", "", 200),
        ("district", DISTRICT, 200),
        ("district", TIANXIN, 404),
        ("district", CITY, 404),
        ("township", "", 200),
        ("township", DISTRICT, 404),
        ("city", TIANXIN, 200),
    ],
)
def test_tree_view_is_scoped(client, world, role, level, within, status):
    login(client, world, role, level)
    response = client.get("/admin/catalog/catalogentry/tree/", {"within": within} if within else {})
    assert response.status_code == status
    if status != 200:
        return
    division = response.context["division"]
    assert division.code == (within or LEVELS[level])
    # The counts cover the division's subtree only.
    counted = sum(node["entries"] for node in response.context["tree"])
    assert counted == CatalogEntry.objects.within(division).active().count()
    choices = {d.code for d in response.context["division_choices"]}
    assert choices <= scope_codes(level)


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMINISTRATOR])
def test_derive_view_refuses_out_of_scope_division(client, world, role):
    login(client, world, role, "district")
    before = CatalogEvent.objects.filter(action=CatalogEvent.Action.DERIVE).count()
    response = client.post("/admin/catalog/catalogentry/derive/", {"division": TIANXIN})
    assert response.status_code == 404
    assert CatalogEvent.objects.filter(action=CatalogEvent.Action.DERIVE).count() == before
    # The form only offers the district's own subtree.
    page = client.get("/admin/catalog/catalogentry/derive/")
    codes = {d.code for d in page.context["choices"]}
    assert codes == scope_codes("district")


@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_derive_view_refuses_reviewer(client, world, level):
    login(client, world, Role.REVIEWER, level)
    assert client.get("/admin/catalog/catalogentry/derive/").status_code == 403
    assert (
        client.post("/admin/catalog/catalogentry/derive/", {"division": TOWNSHIP}).status_code
        == 403
    )


# ---------------------------------------------------------------------------------------------
# Membership admin: administrators only, within scope


MEMBERSHIP_CHANGELIST = "/admin/districts/membership/"


def membership_of(world: World, role: str, level: str) -> Membership:
    return Membership.objects.get(user_id=world.users[(role, level)])


def cousin_membership(world: World) -> Membership:
    return Membership.objects.get(user_id=world.cousin_user)


def missing_membership_pk() -> int:
    return (Membership.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 999


@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_membership_list_is_scoped_for_administrators(client, world, level):
    login(client, world, Role.ADMINISTRATOR, level)
    pks = changelist_pks(client.get(MEMBERSHIP_CHANGELIST))
    expected = set(
        Membership.objects.filter(division__code__in=scope_codes(level)).values_list(
            "pk", flat=True
        )
    )
    assert pks == expected
    in_city = cousin_membership(world).pk in pks
    assert in_city is (level == "city")


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER])
@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_membership_admin_refuses_non_administrators(client, world, role, level):
    """The list and the add page refuse (403); no membership at all is in their scope.

    Editors and reviewers may view memberships nowhere, so even their own membership is out of
    scope: its change, delete and history pages answer exactly like a missing id (404).
    """
    login(client, world, role, level)
    own = membership_of(world, role, level)
    assert client.get(MEMBERSHIP_CHANGELIST).status_code == 403
    assert client.get(f"{MEMBERSHIP_CHANGELIST}add/").status_code == 403
    for pk in (own.pk, missing_membership_pk()):
        url = f"{MEMBERSHIP_CHANGELIST}{pk}/"
        assert client.get(url + "change/").status_code == 404
        assert (
            client.post(url + "change/", membership_form_data(own, is_active="")).status_code == 404
        )
        assert client.get(url + "delete/").status_code == 404
        assert client.post(url + "delete/", {"post": "yes"}).status_code == 404
        assert client.get(url + "history/").status_code == 404
    own.refresh_from_db()
    assert own.is_active is True


def membership_form_data(membership: Membership, **overrides) -> dict:
    data = {
        "user": str(membership.user_id),
        "division": str(membership.division_id),
        "role": membership.role,
        "_save": "保存",
    }
    if membership.is_active:
        data["is_active"] = "on"
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("level", "other_role", "other_level"),
    [("district", Role.EDITOR, "city"), ("township", Role.EDITOR, "district")],
)
def test_membership_change_and_delete_out_of_scope_are_404(
    client, world, level, other_role, other_level
):
    login(client, world, Role.ADMINISTRATOR, level)
    for other in (membership_of(world, other_role, other_level), cousin_membership(world)):
        url = f"{MEMBERSHIP_CHANGELIST}{other.pk}/"
        assert client.get(url + "change/").status_code == 404
        response = client.post(url + "change/", membership_form_data(other, is_active=""))
        assert response.status_code == 404
        assert client.get(url + "delete/").status_code == 404
        assert client.post(url + "delete/", {"post": "yes"}).status_code == 404
        assert client.get(url + "history/").status_code == 404
        other.refresh_from_db()
        assert other.is_active is True
    # Exactly like an id that does not exist.
    url = f"{MEMBERSHIP_CHANGELIST}{missing_membership_pk()}/"
    assert client.get(url + "change/").status_code == 404
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 404


@pytest.mark.parametrize(
    ("level", "other_level"),
    [("city", "township"), ("district", "township"), ("district", "district")],
)
def test_membership_change_and_delete_in_scope(client, world, level, other_level):
    login(client, world, Role.ADMINISTRATOR, level)
    other = membership_of(world, Role.EDITOR, other_level)
    url = f"{MEMBERSHIP_CHANGELIST}{other.pk}/"
    assert client.get(url + "change/").status_code == 200
    data = membership_form_data(other)
    del data["is_active"]
    response = client.post(url + "change/", data)
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.is_active is False
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize(
    ("level", "division_code", "allowed"),
    [
        ("district", TOWNSHIP, True),
        ("district", PODZIJIE, False),
        ("district", CITY, False),
        ("township", TOWNSHIP, True),
        ("township", CHAOYANG, False),
        ("township", DISTRICT, False),
    ],
)
def test_membership_add_limited_to_scope(client, world, level, division_code, allowed):
    login(client, world, Role.ADMINISTRATOR, level)
    newcomer = UserFactory(username=f"newcomer-{level}-{division_code}", is_staff=False)
    division = Division.objects.get(code=division_code)
    response = client.post(
        f"{MEMBERSHIP_CHANGELIST}add/",
        {
            "user": str(newcomer.pk),
            "division": str(division.pk),
            "role": Role.EDITOR,
            "is_active": "on",
            "_save": "保存",
        },
    )
    created = Membership.objects.filter(user=newcomer, division=division).exists()
    assert created is allowed
    if allowed:
        assert response.status_code == 302
        newcomer.refresh_from_db()
        assert newcomer.is_staff is True  # membership_grant made them staff
    else:
        assert response.status_code == 200
        assert "division" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("level", "term", "expected"),
    [
        ("district", "", None),
        ("township", "", None),
        ("district", "坡子街", set()),
        ("township", "芙蓉", set()),
    ],
)
def test_membership_division_autocomplete_is_scoped(client, world, level, term, expected):
    login(client, world, Role.ADMINISTRATOR, level)
    ids = autocomplete_ids(client, "membership", "districts", term)
    codes = set(Division.objects.filter(pk__in=ids).values_list("code", flat=True))
    assert codes == (scope_codes(level) if expected is None else expected)


def test_membership_search_does_not_leak(client, world):
    login(client, world, Role.ADMINISTRATOR, "district")
    for term in ("perm-podzijie", "perm-city", "坡子街", "长沙"):
        assert changelist_pks(client.get(MEMBERSHIP_CHANGELIST, {"q": term})) == set()
    pks = changelist_pks(client.get(MEMBERSHIP_CHANGELIST, {"q": "perm-township"}))
    assert len(pks) == 3


# ---------------------------------------------------------------------------------------------
# Division admin: everyone views their scope, administrators change, nobody deletes


DIVISION_CHANGELIST = "/admin/districts/division/"


def division_form_data(division: Division, **overrides) -> dict:
    data = {
        "name": division.name,
        "kind": division.kind,
        "slug": division.slug,
        "display_order": str(division.display_order),
        "nbs_code": division.nbs_code,
        # Shown to the city's administrators only (they may move a division); ignored otherwise.
        "parent": str(division.parent_id or ""),
        "_save": "保存",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_division_list_is_scoped(client, world, role, level):
    login(client, world, role, level)
    pks = changelist_pks(client.get(DIVISION_CHANGELIST))
    codes = set(Division.objects.filter(pk__in=pks).values_list("code", flat=True))
    assert codes == scope_codes(level)
    search = changelist_pks(client.get(DIVISION_CHANGELIST, {"q": "坡子街"}))
    assert bool(search) is (level == "city")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("level", "scope", "code"), TARGETS)
def test_division_change_page(client, world, role, level, scope, code):
    login(client, world, role, level)
    division = Division.objects.get(code=code)
    url = f"{DIVISION_CHANGELIST}{division.pk}/change/"
    new_name = division.name + "（改）"
    get = client.get(url)
    post = client.post(url, division_form_data(division, name=new_name))
    division.refresh_from_db()
    if scope == "out":
        # Looked up in scope before any permission check: 404 for every role, GET and POST.
        assert (get.status_code, post.status_code) == (404, 404)
        assert client.get(f"{DIVISION_CHANGELIST}{division.pk}/history/").status_code == 404
        assert division.name != new_name
        return
    assert get.status_code == 200
    if role == Role.ADMINISTRATOR:
        assert get.context["has_change_permission"] is True
        assert post.status_code == 302, post.content[:2000]
        assert division.name == new_name
    else:
        assert get.context["has_change_permission"] is False
        assert post.status_code == 403
        assert division.name != new_name


def missing_division_pk() -> int:
    return (Division.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 999


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("level", "scope", "code"), TARGETS)
def test_division_is_never_deleted(client, world, role, level, scope, code):
    """In scope the delete page refuses everyone (403); out of scope it is missing (404)."""
    login(client, world, role, level)
    division = Division.objects.get(code=code)
    url = f"{DIVISION_CHANGELIST}{division.pk}/delete/"
    expected = 403 if scope == "in" else 404
    assert client.get(url).status_code == expected
    assert client.post(url, {"post": "yes"}).status_code == expected
    assert Division.objects.filter(pk=division.pk).exists()
    missing = f"{DIVISION_CHANGELIST}{missing_division_pk()}/"
    assert client.get(missing + "delete/").status_code == 404
    assert client.post(missing + "delete/", {"post": "yes"}).status_code == 404
    assert client.get(missing + "change/").status_code == 404


def test_division_administrator_cannot_move_division(client, world):
    """Code, parent and level come from the national register: read-only for staff."""
    login(client, world, Role.ADMINISTRATOR, "district")
    township = Division.objects.get(code=TOWNSHIP)
    tianxin = Division.objects.get(code=TIANXIN)
    response = client.post(
        f"{DIVISION_CHANGELIST}{township.pk}/change/",
        division_form_data(township, parent=str(tianxin.pk), code="430199001", level="county"),
    )
    assert response.status_code == 302
    township.refresh_from_db()
    assert (township.parent.code, township.code, township.level) == (DISTRICT, TOWNSHIP, "township")


def division_add_data(parent: Division | None, code: str, **overrides) -> dict:
    data = {
        "name": "测试新街道",
        "code": code,
        "parent": str(parent.pk) if parent else "",
        "level": "township",
        "kind": "街道",
        "slug": f"test-new-{code}",
        "display_order": "99",
        "nbs_code": "",
        "_save": "保存",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("level", ["district", "township"])
@pytest.mark.parametrize("parent_code", [None, DISTRICT, TOWNSHIP])
def test_only_city_administrators_add_divisions(client, world, role, level, parent_code):
    """The tree's shape is the city's: nobody below it adds a division, whatever they post."""
    login(client, world, role, level)
    parent = Division.objects.get(code=parent_code) if parent_code else None
    before = list(Division.objects.values_list("pk", "parent_id", "level", "tree_id"))
    for forged in ("city", "county", "township"):
        response = client.post(
            f"{DIVISION_CHANGELIST}add/",
            division_add_data(parent, "430102998", level=forged, kind="地级市"),
        )
        assert response.status_code == 403
    assert client.get(f"{DIVISION_CHANGELIST}add/").status_code == 403
    assert list(Division.objects.values_list("pk", "parent_id", "level", "tree_id")) == before
    assert Division.objects.root().code == CITY


def test_city_administrator_adds_a_township_whose_level_follows_the_parent(client, world):
    login(client, world, Role.ADMINISTRATOR, "city")
    parent = Division.objects.get(code=DISTRICT)
    # The posted level is ignored: the parent (a district) makes it a township.
    response = client.post(
        f"{DIVISION_CHANGELIST}add/", division_add_data(parent, "430102999", level="city")
    )
    assert response.status_code == 302
    added = Division.objects.get(code="430102999")
    assert (added.parent_id, added.level) == (parent.pk, Division.Level.TOWNSHIP)


@pytest.mark.parametrize(
    ("parent_code", "kind", "message"),
    [
        (None, "地级市", "请选择上级区划"),
        (TOWNSHIP, "街道", "其下不能再设区划"),  # nothing under a township: not even offered
        (DISTRICT, "区", "区划类型应为"),  # a township's kind under a district
    ],
)
def test_city_administrator_cannot_add_a_second_root_or_misplace_one(
    client, world, parent_code, kind, message
):
    login(client, world, Role.ADMINISTRATOR, "city")
    parent = Division.objects.get(code=parent_code) if parent_code else None
    response = client.post(
        f"{DIVISION_CHANGELIST}add/",
        division_add_data(parent, "430102997", level="city", kind=kind or "地级市"),
    )
    assert response.status_code == 200
    assert not Division.objects.filter(code="430102997").exists()
    assert message in response.content.decode()
    assert Division.objects.filter(parent__isnull=True).count() == 1


# ---------------------------------------------------------------------------------------------
# Adding catalog entries: the city and districts add, within scope; townships only subtract


def entry_add_data(division: Division, item_id: int) -> dict:
    return {
        "division": str(division.pk),
        "item": str(item_id),
        "content": "新增事项的公开内容",
        "time_limit": "20个工作日内",
        "levels": "县级：政府网站",
        "item_type": CatalogEntry.ItemType.NON_SERVICE,
        "audience_all": "on",
        "mode_active": "on",
        "_save": "保存",
    }


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMINISTRATOR])
@pytest.mark.parametrize(
    ("level", "code", "allowed"),
    [
        ("city", TIANXIN, True),
        ("district", DISTRICT, True),
        ("district", TIANXIN, False),
        ("district", CITY, False),
        ("district", TOWNSHIP, False),  # in scope, but a township catalog never adds
    ],
)
def test_entry_add_limited_to_scope(client, world, role, level, code, allowed):
    login(client, world, role, level)
    division = Division.objects.get(code=code)
    item = SecondLevelItemFactory()
    response = client.post(
        reverse("admin:catalog_catalogentry_add"), entry_add_data(division, item.pk)
    )
    created = CatalogEntry.objects.filter(division=division, item=item).exists()
    assert created is allowed
    if allowed:
        assert response.status_code == 302
        assert CatalogEvent.objects.filter(
            division=division, action=CatalogEvent.Action.CREATE
        ).exists()
    else:
        assert response.status_code == 200
        assert "division" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("role", "level"),
    [
        (Role.EDITOR, "township"),
        (Role.ADMINISTRATOR, "township"),
        (Role.REVIEWER, "city"),
        (Role.REVIEWER, "district"),
    ],
)
def test_entry_add_refused_to_townships_and_reviewers(client, world, role, level):
    login(client, world, role, level)
    item = SecondLevelItemFactory()
    url = reverse("admin:catalog_catalogentry_add")
    assert client.get(url).status_code == 403
    response = client.post(url, entry_add_data(Division.objects.get(code=TOWNSHIP), item.pk))
    assert response.status_code == 403
    assert not CatalogEntry.objects.filter(item=item).exists()


# ---------------------------------------------------------------------------------------------
# Users holding different roles in different divisions: object permissions decide


@pytest.fixture
def reviewer_and_township_editor(world):
    """Reviewer (审核) of 芙蓉区 and editor (填报) of its township 文艺路街道."""
    user = UserFactory(username="perm-mixed-reviewer-editor")
    membership_grant(user=user, division=Division.objects.get(code=DISTRICT), role=Role.REVIEWER)
    membership_grant(user=user, division=Division.objects.get(code=TOWNSHIP), role=Role.EDITOR)
    return user


def test_mixed_roles_change_only_where_editor(client, world, reviewer_and_township_editor):
    client.force_login(reviewer_and_township_editor)
    own, sibling = entry_at(world, TOWNSHIP), entry_at(world, CHAOYANG)
    district = entry_at(world, DISTRICT)
    pks = changelist_pks(client.get(ENTRY_CHANGELIST))
    assert {own.pk, sibling.pk, district.pk} <= pks

    assert client.get(entry_url("change", sibling.pk)).context["has_change_permission"] is False
    assert client.get(entry_url("change", own.pk)).context["has_change_permission"] is True

    before = sibling.time_limit
    response = client.post(
        entry_url("change", sibling.pk), change_form_data(sibling, time_limit="改时限")
    )
    assert response.status_code == 403
    sibling.refresh_from_db()
    assert sibling.time_limit == before
    response = client.post(entry_url("change", own.pk), change_form_data(own, time_limit="改时限"))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.time_limit == "改时限"


def test_mixed_roles_custom_urls_and_bulk_only_where_editor(
    client, world, reviewer_and_township_editor
):
    client.force_login(reviewer_and_township_editor)
    own, sibling = entry_at(world, TOWNSHIP, "b"), entry_at(world, CHAOYANG, "b")
    assert client.get(entry_url("drop", sibling.pk)).status_code == 403
    assert client.post(entry_url("drop", sibling.pk), {"confirm": "1"}).status_code == 403
    assert client.get(entry_url("drop", own.pk)).status_code == 200
    response = client.post(
        ENTRY_CHANGELIST,
        {
            "action": "drop_selected",
            "post": "yes",
            "confirm": "1",
            "_selected_action": [own.pk, sibling.pk],
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    sibling.refresh_from_db()
    assert own.is_dropped is True
    assert sibling.is_dropped is False


@pytest.fixture
def township_admin_and_district_reviewer(world):
    """Administrator (管理) of 文艺路街道 who is also a reviewer (审核) of 芙蓉区."""
    user = UserFactory(username="perm-mixed-admin-reviewer")
    membership_grant(
        user=user, division=Division.objects.get(code=TOWNSHIP), role=Role.ADMINISTRATOR
    )
    membership_grant(user=user, division=Division.objects.get(code=DISTRICT), role=Role.REVIEWER)
    return user


def test_mixed_roles_membership_pages_only_where_administrator(
    client, world, township_admin_and_district_reviewer
):
    """The district's memberships cannot be changed or deleted by the township administrator.

    They lie in the scope of the user's reviewer role only, and reviewers may not view
    memberships, so they are out of scope for MembershipAdmin: 404, GET and POST alike.
    """
    client.force_login(township_admin_and_district_reviewer)
    district_member = membership_of(world, Role.EDITOR, "district")
    url = f"{MEMBERSHIP_CHANGELIST}{district_member.pk}/"
    assert client.get(url + "change/").status_code == 404
    response = client.post(url + "change/", membership_form_data(district_member, is_active=""))
    assert response.status_code == 404
    assert client.get(url + "delete/").status_code == 404
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 404
    assert client.get(url + "history/").status_code == 404
    district_member.refresh_from_db()
    assert district_member.is_active is True
    # The positive side: a membership of the township the user administers.
    township_member = membership_of(world, Role.EDITOR, "township")
    url = f"{MEMBERSHIP_CHANGELIST}{township_member.pk}/"
    response = client.get(url + "change/")
    assert response.status_code == 200
    assert response.context["has_change_permission"] is True
    assert client.get(url + "delete/").status_code == 200
    assert client.get(url + "history/").status_code == 200


def test_mixed_roles_membership_list_only_where_administrator(
    client, world, township_admin_and_district_reviewer
):
    """The list shows the township's memberships, none of 芙蓉区's (where the user reviews)."""
    client.force_login(township_admin_and_district_reviewer)
    pks = changelist_pks(client.get(MEMBERSHIP_CHANGELIST))
    expected = set(Membership.objects.filter(division__code=TOWNSHIP).values_list("pk", flat=True))
    assert pks == expected
    assert changelist_pks(client.get(MEMBERSHIP_CHANGELIST, {"q": "perm-district"})) == set()


@pytest.mark.parametrize(
    ("page", "method"),
    [
        ("change", "get"),
        ("change", "post"),
        ("delete", "get"),
        ("delete", "post"),
        ("history", "get"),
    ],
)
def test_mixed_roles_membership_outside_admin_scope_answers_like_missing_id(
    client, world, township_admin_and_district_reviewer, page, method
):
    client.force_login(township_admin_and_district_reviewer)
    district_member = membership_of(world, Role.EDITOR, "district")
    data = {}
    if method == "post":
        data = (
            {"post": "yes"}
            if page == "delete"
            else membership_form_data(district_member, is_active="")
        )
    send = getattr(client, method)
    assert (
        send(f"{MEMBERSHIP_CHANGELIST}{missing_membership_pk()}/{page}/", data).status_code == 404
    )
    assert send(f"{MEMBERSHIP_CHANGELIST}{district_member.pk}/{page}/", data).status_code == 404
    assert Membership.objects.filter(pk=district_member.pk, is_active=True).exists()


# ---------------------------------------------------------------------------------------------
# Anonymous visitors and the admin index


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        ENTRY_CHANGELIST,
        ENTRY_EXPORT,
        "/admin/catalog/catalogentry/tree/",
        "/admin/catalog/catalogentry/derive/",
        "/admin/catalog/catalogentry/1/change/",
        "/admin/catalog/catalogentry/1/drop/",
        "/admin/catalog/catalogevent/",
        DIVISION_CHANGELIST,
        MEMBERSHIP_CHANGELIST,
        AUTOCOMPLETE + "?app_label=catalog&model_name=catalogentry&field_name=division&term=",
    ],
)
def test_anonymous_is_redirected_to_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    post = client.post(url, {})
    assert post.status_code == 302
    assert post["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_admin_index_lists_what_the_role_may_see(client, world, role, level):
    login(client, world, role, level)
    response = client.get("/admin/")
    assert response.status_code == 200
    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert {"CatalogEntry", "Division", "CatalogEvent", "Domain"} <= models
    assert ("Membership" in models) is (role == Role.ADMINISTRATOR)


def test_staff_without_membership_sees_nothing(client, world):
    """The list and export refuse (403); with no scope at all, every entry is missing (404)."""
    user = UserFactory(username="perm-nobody")
    client.force_login(user)
    assert client.get(ENTRY_CHANGELIST).status_code == 403
    assert client.post(ENTRY_EXPORT, {"format": str(csv_format_index())}).status_code == 403
    for pk in (entry_at(world, TOWNSHIP).pk, missing_entry_pk()):
        assert client.get(entry_url("change", pk)).status_code == 404
        assert client.get(entry_url("delete", pk)).status_code == 404
        assert client.get(entry_url("history", pk)).status_code == 404
