"""The adversarial permission suite: every admin URL, every role at every level, 0 leaks.

The patterns are enumerated from the URL resolver (under ``settings.ADMIN_URL``), and every one
must be classified, in ``CUSTOM`` or as a ModelAdmin's own page of a model in ``KIND_RULES``:
a new view or a newly registered model fails ``test_every_admin_pattern_is_classified`` until
it says how its arguments are filled, and from then on every test below tries it.

The world (tests/security/world.py) is a small tree of the real Changsha data with something
of every kind in each division; each division's unpublished text carries a marker
(``SECRET<code>X``), each catalog job its owner's (``JOB<label>X``). The users: each role
(填报, 审核, 管理) at each level (city, 芙蓉区, 文艺路街道), one holding two roles (审核 in 芙蓉区,
管理 in 文艺路街道), a superuser and a staff user without a role. Who may see what is worked out
from the README's role table and the tree, not from the product's permission code.

Every request is checked to answer below 500 and to show no marker out of its user's scope;
each test collects the failures and reports them all at once, naming the user and the URL.
Tests that must not write compare a digest of every table before and after.

The world is built once per module inside an outer transaction (rolled back at the end), as in
tests/portal/test_admin_permissions.py; each test runs in its own savepoint, each request in
one more (a view that breaks the transaction is reported, and the test goes on).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib import admin as django_admin
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from catalog.models import (
    CatalogEntry,
    CatalogEvent,
    Channel,
    Domain,
    DomainReview,
    FirstLevelItem,
    SecondLevelItem,
)
from catalog.services import entry_update
from districts.models import Division, Membership, Role
from publications.models import Publication, PublicationEvent, PublicationType, Theme
from tests.factories import SecondLevelItemFactory
from tests.portal.test_admin_permissions import (
    csv_format_index,
    division_add_data,
    division_form_data,
    entry_add_data,
    membership_form_data,
)
from workcalendar.models import CalendarYear, SpecialDay

from .world import (
    ADMINISTERED,
    BY_LABEL,
    CHAOYANG,
    CITY,
    FURONG,
    KIND_RULES,
    OBJECT_RULES,
    PODZIJIE,
    ROLES,
    SUBJECTS,
    TIANXIN,
    WENYILU,
    WORLD_CODES,
    Thing,
    User,
    Who,
    World,
)

pytestmark = [
    pytest.mark.django_db,
    # WhiteNoise warns once per request that collectstatic has not run; irrelevant here.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

USER_PARAMS = [pytest.param(who, id=who.label) for who in SUBJECTS]
# What an out-of-scope id may answer: a refusal, the same one a missing id gets.
REFUSALS = {403, 404, 405}

# The lookup path from each division-scoped model to its division's code.
CODE_PATHS = {
    "districts.division": "code",
    "districts.membership": "division__code",
    "districts.department": "division__code",
    "catalog.catalogentry": "division__code",
    "catalog.catalogevent": "division__code",
    "catalog.guidelink": "entry__division__code",
    "publications.publication": "division__code",
    "publications.publicationevent": "division__code",
}

# ---------------------------------------------------------------------------------------------
# The admin's URL patterns and how to fill their arguments


@dataclass(frozen=True)
class AdminPattern:
    route: str  # below the admin prefix, e.g. "catalog/catalogentry/<int:pk>/drop/"
    name: str | None

    @property
    def key(self) -> str:
        return self.name or self.route

    def url(self, **kwargs) -> str:
        if self.name:
            return reverse(f"admin:{self.name}", kwargs=kwargs)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), self.route)
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m[1]]), path)
        return "/" + settings.ADMIN_URL + path.replace("^", "").replace("$", "")


def _walk(patterns, prefix: str, namespace: str | None) -> Iterator[tuple[str, str | None, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name, namespace


def admin_patterns() -> list[AdminPattern]:
    """Return every URL pattern of the admin site, as the resolver holds them."""
    found = []
    for route, name, namespace in _walk(get_resolver().url_patterns, "", None):
        if namespace == "admin":
            assert route.startswith(settings.ADMIN_URL), route
            found.append(AdminPattern(route[len(settings.ADMIN_URL) :], name))
    return found


@dataclass(frozen=True)
class Fill:
    """How to fill one pattern's arguments."""

    kind: str | None = None  # what its id names (a key of KIND_RULES); None: it takes no id
    args: Callable[[Thing], dict] = lambda thing: {"pk": thing.pk}
    variants: tuple[dict, ...] = ({},)  # the other arguments, each one tried
    # "404": out of scope and missing ids both answer 404; "refused": both the same refusal
    # (403, 404, 405); "alike": the same status, whatever it is. None: "404" for object-level
    # rules, "refused" for model-level ones.
    expect: str | None = None
    post: bool = True  # False: never POSTed (logout would end the session under test)


def _object_id(thing: Thing) -> dict:
    return {"object_id": thing.pk}


CUSTOM: dict[str, Fill] = {
    # Django's own
    "index": Fill(),
    "login": Fill(post=False),  # a POST is a sign-in attempt (tests/portal/test_login_security)
    "logout": Fill(post=False),
    "password_change": Fill(),
    "password_change_done": Fill(),
    "autocomplete": Fill(),  # its parameters: test_autocomplete_returns_only_scope
    "jsi18n": Fill(),
    "app_list": Fill(
        args=lambda thing: {},
        variants=tuple(
            {"app_label": label}
            for label in sorted({m._meta.app_label for m in django_admin.site._registry})
        ),
    ),
    "(?P<url>.*)$": Fill(args=lambda thing: {}, variants=({"url": "no-such-page/"},)),
    "auth_user_password_change": Fill(kind="auth.user", args=lambda t: {"id": t.pk}),
    "view_on_site": Fill(
        kind="view-on-site",
        args=lambda t: {"content_type_id": t.extra, "object_id": t.pk},
        expect="404",
    ),
    # The catalog
    "catalog_catalogentry_tree": Fill(),
    "catalog_catalogentry_derive": Fill(),
    "catalog_catalogentry_standard_export": Fill(),
    "catalog_catalogentry_export": Fill(),
    "catalog_catalogentry_import": Fill(),
    "catalog_catalogentry_drop": Fill(kind="catalog.catalogentry"),
    "catalog_catalogentry_restore": Fill(kind="catalog.catalogentry"),
    "catalog_catalogentry_upstream": Fill(
        kind="catalog.catalogentry",
        variants=tuple({"element": "time_limit", "decision": d} for d in ("accept", "keep")),
    ),
    "catalog_catalogentry_review": Fill(
        kind="catalog.catalogentry",
        variants=tuple({"action": a} for a in ("submit", "recall", "approve", "return")),
    ),
    "catalog_catalogentry_job": Fill(kind="catalog.catalogjob"),
    "catalog_catalogentry_job_decide": Fill(
        kind="catalog.catalogjob", variants=({"decision": "confirm"}, {"decision": "abandon"})
    ),
    "catalog_guidelink_unlinked_entries": Fill(),
    "catalog_guidelink_unlinked_guides": Fill(),
    "catalog_guidelink_refresh": Fill(),
    "catalog_guidelink_entry": Fill(kind="catalog.catalogentry"),
    "catalog_guidelink_clear": Fill(kind="catalog.catalogentry"),
    # A user without any role is refused the page (403) before the guide is looked up.
    "catalog_guidelink_guide": Fill(kind="guide-area", expect="refused"),
    # Guides, publications, sign-in locks
    "guides_syncrun_start": Fill(),
    "guides_syncrun_retry": Fill(kind="guides.syncrun"),
    "publications_publication_worklist": Fill(),
    "publications_publication_review": Fill(
        kind="publications.publication",
        variants=tuple(
            {"action": a} for a in ("submit", "recall", "approve", "return", "withdraw", "revise")
        ),
    ),
    "publications_publication_detach": Fill(
        kind="publications.attachment", args=lambda t: {"pk": t.extra, "attachment": t.pk}
    ),
    "portal_loginlockout_unlock": Fill(),
    # 依申请公开: a request's steps, letters, transfer and signed PDFs
    "foi_inforequest_step": Fill(kind="foi.inforequest"),
    "foi_inforequest_letter": Fill(kind="foi.inforequest"),
    "foi_inforequest_transfer": Fill(kind="foi.inforequest"),
    "foi_inforequest_sign": Fill(
        kind="foi.inforequest",
        args=lambda t: {"pk": t.pk, "letter": 1},
        variants=({"action": "approve"}, {"action": "withdraw"}),
    ),
    "foi_inforequest_pdf": Fill(kind="foi.inforequest", args=lambda t: {"pk": t.pk, "letter": 1}),
    # The help centre (帮助中心): static pages, the same for every member of staff
    "help_index": Fill(),
    "help_review": Fill(),
    "help_workbooks": Fill(),
    "help_faq": Fill(),
}

# A ModelAdmin's own pages: changelist, add/, <id>/ (a redirect), <id>/history|delete|change/.
GENERIC = re.compile(
    r"(?P<app>\w+)/(?P<model>\w+)/"
    r"(?:(?P<id><path:object_id>/)(?P<page>history/|delete/|change/)?|add/)?"
)

# Generic pages that refuse every id alike, before looking anything up.
EXPECT = {
    # Ties are never deleted here: 403 for any entry, in scope, out of it or missing.
    "catalog_guidelink_delete": "refused",
}


@cache
def classified() -> tuple[tuple[AdminPattern, Fill | None], ...]:
    """Return every admin pattern with how to fill it (None: not classified)."""
    return tuple((p, classify(p)) for p in admin_patterns())


def patterns_with(ids: bool | None = None) -> list[tuple[AdminPattern, Fill]]:
    """Return the classified patterns that take an id (``ids``), take none, or all (None)."""
    return [(p, f) for p, f in classified() if f and (ids is None or (f.kind is not None) is ids)]


def classify(pattern: AdminPattern) -> Fill | None:
    """Return how to fill ``pattern``, or None when nobody has said so yet."""
    if pattern.key in CUSTOM:
        return CUSTOM[pattern.key]
    match = GENERIC.fullmatch(pattern.route)
    if match is None:
        return None
    label = f"{match['app']}.{match['model']}"
    if label not in KIND_RULES:
        return None
    if not match["id"]:
        return Fill()
    # "<id>/" alone only redirects to "<id>/change/", whatever the id: like a missing one.
    expect = EXPECT.get(pattern.key) if match["page"] else "alike"
    return Fill(kind=label, args=_object_id, expect=expect)


# ---------------------------------------------------------------------------------------------
# Requests and their checks


# Everything a form or a button might read: if a guard were missing, this is what would land.
FORGED = {
    "post": "yes",
    "confirm": "1",
    "reason": "越权测试",
    "reason_sent": "1",
    "withdraw_reason": "越权测试",
    "with_children": "on",
    "_save": "保存",
    "name": "越权改名",
    "title": "越权改标题",
    "role": Role.ADMINISTRATOR,
    "is_active": "on",
    "is_staff": "on",
    "is_superuser": "on",
    "level": Division.Level.CITY,
    "parent": "",
    "kind": "account",
    "key": "adv-locked",
}


class Probe:
    """Send requests as one user; collect every answer at or above 500 and every leak."""

    def __init__(self, world: World, who: Who):
        self.world, self.who = world, who
        self.client = Client(HTTP_X_FORWARDED_PROTO="https")
        self.user = None
        if who.label in world.users:
            self.user = world.user(who.label)
            self.client.force_login(self.user)
        self.forbidden = world.forbidden(who)
        self.problems: list[str] = []

    def send(self, method: str, url: str, data: dict | None = None):
        """Return the response, or None when the view raised (recorded as a problem)."""
        send = self.client.get if method == "GET" else self.client.post
        try:
            # A savepoint per request: a view that breaks the transaction cannot take the
            # rest of the test with it (PostgreSQL refuses every query after an error).
            with transaction.atomic():
                response = send(url, data or {})
        except Exception as error:  # the test client re-raises what the view raised
            self.fail(method, url, f"raised {type(error).__name__}: {error}")
            return None
        if response.status_code >= 500:
            self.fail(method, url, f"answered {response.status_code}")
        if not response.streaming:
            body = response.content
            leaked = [m for m in self.forbidden if m.encode() in body]
            if leaked:
                self.fail(method, url, f"answered {response.status_code} showing {leaked}")
        return response

    def fail(self, method: str, url: str, text: str) -> None:
        self.problems.append(f"{self.who} {method} {url}: {text}")

    def expect(self, ok: bool, method: str, url: str, text: str) -> None:
        if not ok:
            self.fail(method, url, text)

    def report(self) -> None:
        assert not self.problems, f"{len(self.problems)} problem(s):\n" + "\n".join(self.problems)


def status(response) -> int | None:
    return None if response is None else response.status_code


def page_of(response, url: str) -> bytes:
    """Return the body of a refusal, without the address it names."""
    body = b"" if response is None or response.streaming else response.content
    return body.replace(url.encode(), b"")


# Tables a request may write to without changing any data: sign-in records and sessions, and
# content types (created on first use).
UNFINGERPRINTED = {
    "sessions.session",
    "axes.accesslog",
    "axes.accessfailurelog",
    "contenttypes.contenttype",
}


def fingerprint() -> dict[str, str]:
    """Return a digest of every row of every table (the users' last sign-in aside)."""
    digests = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in UNFINGERPRINTED or model._meta.proxy:
            continue
        columns = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
        rows = model._base_manager.order_by("pk").values_list(*columns)
        digests[label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digests


def changed_tables(before: dict[str, str]) -> list[str]:
    after = fingerprint()
    return sorted(label for label in after if after[label] != before.get(label))


# ---------------------------------------------------------------------------------------------
# 1. Every pattern is classified


def test_every_admin_pattern_is_classified(world):
    """A new admin view (or a newly registered model) must say here how to fill its URL."""
    patterns = admin_patterns()
    unclassified = [p.key for p in patterns if classify(p) is None]
    assert not unclassified, (
        "admin URL patterns the adversarial suite does not know; add them to CUSTOM (or the "
        f"model to KIND_RULES): {unclassified}"
    )
    registered = {m._meta.label_lower for m in django_admin.site._registry}
    assert registered <= set(KIND_RULES), registered - set(KIND_RULES)
    # Every kind of id a pattern takes has objects in the world to try.
    for pattern, fill in patterns_with(ids=True):
        assert world.things[fill.kind] or fill.kind == "portal.loginlockout", pattern.key
    stale = set(CUSTOM) - {p.key for p in patterns}
    assert not stale, f"CUSTOM names patterns that no longer exist: {stale}"


# ---------------------------------------------------------------------------------------------
# 2. Out-of-scope ids answer exactly like missing ones, and write nothing


def in_turn(things: list[Thing], turn: int, count: int = 2) -> list[Thing]:
    """Return up to ``count`` of ``things``, each from another division (or owner), taking turns.

    Trying every object on every pattern would take minutes; trying two per pattern, the next
    two divisions each time and the next object of each, reaches every division (ancestors,
    siblings and cousins alike) across a kind's patterns.
    """
    groups: dict = {}
    for thing in things:
        groups.setdefault(thing.code or thing.owner or thing.pk, []).append(thing)
    keys = list(groups)
    picked = []
    for k in range(min(count, len(keys))):
        group = groups[keys[(turn + k) % len(keys)]]
        picked.append(group[(turn // len(keys)) % len(group)])
    return picked


@pytest.mark.parametrize("who", USER_PARAMS)
def test_out_of_scope_ids_answer_like_missing_ones(world, who):
    """For every pattern with an id: objects out of the user's scope, GET and POST.

    Object-level scope (divisions, administered divisions, a job's owner, a guide's area): 404,
    exactly as for an id that does not exist. Model-level refusals (shared data for a user
    without a role, city-only or superuser-only models): the status a missing id gets.
    """
    probe = Probe(world, who)
    before = fingerprint()
    turns: dict[str, int] = {}
    for pattern, fill in patterns_with(ids=True):
        outside = [t for t in world.things[fill.kind] if not world.visible(who, fill.kind, t)]
        if not outside:
            continue
        methods = ("GET", "POST") if fill.post else ("GET",)
        for variant in fill.variants:
            missing_url = pattern.url(**fill.args(world.missing(fill.kind)), **variant)
            missing = {m: probe.send(m, missing_url, FORGED) for m in methods}
            turn = turns[fill.kind] = turns.get(fill.kind, -2) + 2
            for thing in in_turn(outside, turn):
                url = pattern.url(**fill.args(thing), **variant)
                rule = thing.rule or KIND_RULES[fill.kind]
                expect = fill.expect or ("404" if rule in OBJECT_RULES else "refused")
                for method in methods:
                    answer = probe.send(method, url, FORGED)
                    got, wanted = status(answer), status(missing[method])
                    ok = got == wanted
                    if expect == "404":
                        ok = ok and got == 404
                    elif expect == "refused":
                        ok = ok and got in REFUSALS
                    probe.expect(ok, method, url, f"answered {got}, a missing id {wanted}")
                    if ok and got in REFUSALS:
                        # The same page, but for the address it names.
                        same = page_of(answer, url) == page_of(missing[method], missing_url)
                        probe.expect(same, method, url, "a page unlike a missing id's")
    written = changed_tables(before)
    probe.expect(not written, "*", "(all of the above)", f"wrote to {written}")
    probe.report()


# ---------------------------------------------------------------------------------------------
# 3. Every page, in scope: never a 500, never another division's text


READ_ONLY = {"index", "jsi18n", "app_list", "password_change_done", "autocomplete"}


def reads_only(pattern: AdminPattern, fill: Fill) -> bool:
    """Return True for pages that answer a POST as they answer a GET (not worth a request)."""
    return (
        pattern.key in READ_ONLY
        or pattern.key.endswith("_history")
        or fill.expect == "alike"
        or pattern.key == "(?P<url>.*)$"
    )


@pytest.mark.parametrize("who", USER_PARAMS)
def test_every_page_in_scope_answers_below_500(world, who):
    """GET and an empty POST on every pattern, with an id the user may see (another one for
    each pattern, taking turns), checking each answer for a 500 and for markers out of scope."""
    probe = Probe(world, who)
    turns: dict[str, int] = {}
    for pattern, fill in patterns_with():
        methods = ("GET", "POST") if fill.post and not reads_only(pattern, fill) else ("GET",)
        if fill.kind is None:
            things = [Thing(0)]
        else:
            inside = [t for t in world.things[fill.kind] if world.visible(who, fill.kind, t)]
            turn = turns[fill.kind] = turns.get(fill.kind, -1) + 1
            things = in_turn(inside, turn, count=1)
        for thing in things:
            for variant in fill.variants:
                args = fill.args(thing) if fill.kind else {}
                url = pattern.url(**args, **variant)
                for method in methods:
                    probe.send(method, url)
    probe.report()


def test_anonymous_visitors_are_sent_to_sign_in(world):
    """Every pattern, GET and POST, without signing in: the login page, nothing else."""
    probe = Probe(world, Who("anonymous"))
    login = reverse("admin:login")
    for pattern, fill in patterns_with():
        thing = world.things[fill.kind][0] if fill.kind else Thing(0)
        args = fill.args(thing) if fill.kind else {}
        for variant in fill.variants[:1]:
            url = pattern.url(**args, **variant)
            for method in ("GET", "POST") if fill.post else ("GET",):
                response = probe.send(method, url, FORGED)
                if response is None or pattern.key in ("login", "logout", "jsi18n"):
                    continue
                where = response.get("Location", "")
                probe.expect(
                    response.status_code == 302 and where.startswith(login),
                    method,
                    url,
                    f"answered {response.status_code} {where}",
                )
    probe.report()


# ---------------------------------------------------------------------------------------------
# 4. Forged POSTs inside the admin's own forms


def outcome(response, *values) -> tuple:
    """Return what a response tells its reader: status, where it leads, errors and messages.

    ``values`` (the ids or codes that were posted) are blanked, so that an answer to an id out
    of scope can be compared with the answer to one that does not exist.
    """
    if response is None:
        return ("raised",)

    def blank(text: str) -> str:
        for value in values:
            text = re.sub(rf"(?<![\w]){re.escape(str(value))}(?![\w])", "…", text)
        return text

    context = response.context or {}
    form = getattr(context.get("adminform"), "form", None) or context.get("form")
    errors = form.errors.get_json_data() if getattr(form, "errors", None) else {}
    # The messages this request added (earlier ones may wait in the cookie).
    storage = getattr(response.wsgi_request, "_messages", None)
    notes = [str(m) for m in getattr(storage, "_queued_messages", ())]
    return (
        response.status_code,
        blank(response.get("Location", "")),
        blank(repr(errors)),
        blank(repr(notes)),
    )


def upload(name: str = "目录.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"PK\x03\x04 not really a workbook", "application/zip")


@dataclass(frozen=True)
class Forgery:
    """A request of one of the admin's own forms with one value swapped for another's."""

    label: str
    kind: str  # what the swapped value names
    value: Callable[[Thing, World], str]  # the value to send for an object of that kind
    send: Callable[[Probe, str], object]  # send the request with the swapped value
    rule: str | None = None  # who may name it, when not the kind's rule


def _entry_add(probe: Probe, value: str):
    item = SecondLevelItem.objects.order_by("-pk").first()
    data = {**entry_add_data(Division(pk=0), item.pk), "division": value}
    return probe.send("POST", reverse("admin:catalog_catalogentry_add"), data)


def _publication_add(probe: Probe, value: str):
    data = {"entry": value, "title": "越权新增", "formed_on": "2026-11-02", "_save": "保存"}
    return probe.send("POST", reverse("admin:publications_publication_add"), data)


def _membership_add(probe: Probe, value: str):
    user = probe.world.users[probe.who.label]
    data = {"user": user, "division": value, "role": Role.ADMINISTRATOR, "is_active": "on"}
    return probe.send("POST", reverse("admin:districts_membership_add"), {**data, "_save": "保存"})


def _division_add(probe: Probe, value: str):
    data = {**division_add_data(None, "430102990", kind="街道", level="city"), "parent": value}
    return probe.send("POST", reverse("admin:districts_division_add"), data)


def _import(probe: Probe, value: str):
    data = {"division": value, "import_file": upload()}
    return probe.send("POST", reverse("admin:catalog_catalogentry_import"), data)


def _derive(probe: Probe, value: str):
    data = {"division": value, "with_children": "on"}
    return probe.send("POST", reverse("admin:catalog_catalogentry_derive"), data)


def _tie_from_guide(probe: Probe, value: str):
    guides = probe.world.things["guide-area"]
    mine = [g for g in guides if probe.world.visible(probe.who, "guide-area", g)]
    guide = mine[0].pk if mine else guides[0].pk
    url = reverse("admin:catalog_guidelink_guide", args=[guide])
    return probe.send("POST", url, {"entry": value})


def _detach_from_own(probe: Probe, value: str):
    drafts = [
        pk
        for (code, state), pk in probe.world.publications.items()
        if state == "draft" and probe.world.sees(probe.who, code)
    ]
    pk = drafts[0] if drafts else probe.world.publications[(WENYILU, "draft")]
    url = reverse("admin:publications_publication_detach", args=[pk, value])
    return probe.send("POST", url, FORGED)


def _get(name: str, parameter: str, **more):
    def send(probe: Probe, value: str):
        return probe.send("GET", reverse(f"admin:{name}"), {parameter: value, **more})

    return send


def _pk(thing: Thing, world: World) -> str:
    return str(thing.pk)


def _code(thing: Thing, world: World) -> str:
    return thing.code


def _area(thing: Thing, world: World) -> str:
    return thing.code[:6]


FORGERIES = [
    Forgery("entry add: division", "districts.division", _pk, _entry_add),
    Forgery("publication add: entry", "catalog.catalogentry", _pk, _publication_add),
    Forgery("membership add: division", "districts.division", _pk, _membership_add, ADMINISTERED),
    Forgery("division add: parent", "districts.division", _pk, _division_add),
    Forgery("import: division", "districts.division", _pk, _import),
    Forgery("derive: division", "districts.division", _code, _derive),
    Forgery("tie from a guide: entry", "catalog.catalogentry", _pk, _tie_from_guide),
    Forgery("detach: attachment", "publications.attachment", _pk, _detach_from_own),
    Forgery(
        "standard export: division",
        "districts.division",
        _code,
        _get("catalog_catalogentry_standard_export", "division", format="csv"),
    ),
    Forgery(
        "tree: within", "districts.division", _code, _get("catalog_catalogentry_tree", "within")
    ),
    Forgery(
        "unlinked guides: area",
        "districts.division",
        _area,
        _get("catalog_guidelink_unlinked_guides", "area"),
    ),
]


@pytest.mark.parametrize("who", USER_PARAMS)
def test_forged_values_answer_like_missing_ones(world, who):
    """Each form or parameter that names a division, entry or attachment, given one out of the
    user's scope, answers exactly as for one that does not exist, and writes nothing."""
    probe = Probe(world, who)
    SecondLevelItemFactory()  # an item no division holds yet, for the entry add form
    before = fingerprint()
    for forgery in FORGERIES:
        things = [replace(t, rule=forgery.rule) for t in world.things[forgery.kind]]
        outside = [t for t in things if not world.visible(who, forgery.kind, t)]
        if not outside:
            continue
        missing_value = "999999999" if forgery.value is _code else str(10**8 + 3)
        expected = outcome(forgery.send(probe, missing_value), missing_value)
        for thing in in_turn(outside, 0, count=len(outside)):
            value = forgery.value(thing, world)
            got = outcome(forgery.send(probe, value), value)
            probe.expect(
                got == expected,
                "*",
                f"{forgery.label}={value}",
                f"answered {got}, a missing one {expected}",
            )
    written = changed_tables(before)
    probe.expect(not written, "*", "(all of the above)", f"wrote to {written}")
    probe.report()


@pytest.mark.parametrize("who", USER_PARAMS)
def test_bulk_actions_on_rows_out_of_scope_write_nothing(world, who):
    """Every action of every changelist (and delete_selected), asked for rows out of scope
    only, first and confirmed: nothing changes."""
    probe = Probe(world, who)
    before = fingerprint()
    for model, model_admin in django_admin.site._registry.items():
        label = model._meta.label_lower
        outside = [t.pk for t in world.things[label] if not world.visible(who, label, t)]
        if not outside:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        names = {"delete_selected"}
        names |= {a if isinstance(a, str) else a.__name__ for a in model_admin.actions or ()}
        for name in sorted(names):
            data = {"action": name, "_selected_action": outside, "index": "0"}
            probe.send("POST", url, data)
            probe.send("POST", url, {**data, **FORGED})
    written = changed_tables(before)
    probe.expect(not written, "*", "(all of the above)", f"wrote to {written}")
    probe.report()


# Where each model reached through an autocomplete keeps its division's code.
AUTOCOMPLETE_CODES = {
    "districts.division": "code",
    "catalog.catalogentry": "division__code",
    "publications.publication": "division__code",
}
AUTOCOMPLETE_TERMS = ("", "SECRET", "天心", "芙蓉", "文艺路", "长沙")


def autocomplete_fields() -> list[tuple[str, str, str, str]]:
    """Every relation of every model whose target the admin could autocomplete."""
    found = []
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if f.is_relation and f.concrete and f.related_model in django_admin.site._registry:
                target = f.related_model._meta.label_lower
                found.append((model._meta.app_label, model._meta.model_name, f.name, target))
    return found


@pytest.mark.parametrize("who", USER_PARAMS)
def test_autocomplete_returns_only_scope(world, who):
    """/admin/autocomplete/ for every relation of every model, with terms naming divisions and
    markers out of scope (once per target model, whose admin answers): only rows in scope
    come back; users and groups only to superusers."""
    probe = Probe(world, who)
    url = reverse("admin:autocomplete")
    searched = set()
    for app_label, model_name, field_name, target in autocomplete_fields():
        scoped = target in AUTOCOMPLETE_CODES
        # Every term once per target (the target's admin answers); the others with no term.
        terms = AUTOCOMPLETE_TERMS if scoped and target not in searched else ("",)
        searched.add(target)
        for term in terms:
            query = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
            response = probe.send("GET", url, {**query, "term": term})
            if response is None or response.status_code != 200:
                continue
            where = f"{url}?{app_label}.{model_name}.{field_name}&term={term}"
            ids = [row["id"] for row in response.json()["results"]]
            if target in ("auth.user", "auth.group"):
                probe.expect(who.superuser, "GET", where, f"listed {target} {ids}")
            if not scoped:
                continue
            model = apps.get_model(target)
            codes = model._base_manager.filter(pk__in=ids).values_list(
                AUTOCOMPLETE_CODES[target], flat=True
            )
            leaked = sorted({c for c in codes if not world.sees(who, c)})
            probe.expect(not leaked, "GET", where, f"listed rows of {leaked}")
    # Nonsense parameters are refused, not a 500.
    for query in (
        {},
        {"app_label": "catalog", "model_name": "nothing", "field_name": "division"},
        {"app_label": "catalog", "model_name": "catalogentry", "field_name": "nothing"},
        {"app_label": "catalog", "model_name": "catalogentry", "field_name": "content"},
        {"app_label": "guides", "model_name": "syncrun", "field_name": "retry_of"},
    ):
        probe.send("GET", url, {**query, "term": "x"})
    probe.report()


# How a forged filter names a division on each division-scoped changelist.
ID_LOOKUPS = {
    "districts.division": "parent__id__exact",
    "catalog.guidelink": "entry__division__id__exact",
}


def filter_parameters(world: World, who: Who, label: str) -> list[dict]:
    """Search, ordering, popup and filter parameters, the filters naming divisions outside."""
    params: list[dict] = [{"q": "SECRET"}, {"q": "天心"}, {"o": "-2"}]
    params += [{"_to_field": "id", "_popup": "1"}]
    if label == "catalog.catalogentry":
        params += [{"status__exact": "mine"}, {"division__level": "city"}]
    lookup = ID_LOOKUPS.get(label, "division__id__exact")
    for code in [c for c in WORLD_CODES if not world.sees(who, c)][:2]:
        params += [{"within": code}, {lookup: world.division_pks[code]}]
    return params


@pytest.mark.parametrize("who", USER_PARAMS)
def test_filters_searches_and_exports_stay_in_scope(world, who):
    """Filter, search and ordering parameters naming what lies out of scope, on every
    division-scoped changelist and in both exports: nothing out of scope is listed."""
    probe = Probe(world, who)
    for label, path in CODE_PATHS.items():
        app_label, model_name = label.split(".")
        url = reverse(f"admin:{app_label}_{model_name}_changelist")
        roles = (Role.ADMINISTRATOR,) if KIND_RULES[label] == ADMINISTERED else ROLES
        for params in filter_parameters(world, who, label):
            response = probe.send("GET", url, params)
            changelist = (response.context or {}).get("cl") if response is not None else None
            if changelist is None:
                continue
            codes = set(changelist.queryset.values_list(path, flat=True))
            leaked = sorted(c for c in codes if not world.sees(who, c, roles))
            probe.expect(not leaked, "GET", f"{url}?{params}", f"listed rows of {leaked}")
    # The flat export (django-import-export), searched and filtered towards what lies outside.
    export = reverse("admin:catalog_catalogentry_export")
    data = {"format": str(csv_format_index()), "resource": "0"}
    data |= {f"catalogentryresource_{f}": "on" for f in ("division_code", "status", "content")}
    outside = [c for c in WORLD_CODES if not world.sees(who, c)]
    for query in ("", "?q=SECRET", *(f"?within={c}" for c in outside[:2])):
        response = probe.send("POST", export + query, data)
        if response is None or response.status_code != 200:
            continue
        text = response.content.decode("utf-8-sig")
        codes = {row["区划代码"] for row in csv.DictReader(io.StringIO(text))}
        leaked = sorted(c for c in codes if not world.sees(who, c))
        probe.expect(not leaked, "POST", export + query, f"exported rows of {leaked}")
    # The standard export of the user's own catalog, in each format (markers are checked).
    standard = reverse("admin:catalog_catalogentry_standard_export")
    for code in {held for held, _ in who.holdings} or ({CITY} if who.superuser else set()):
        for kind in ("csv", "json"):
            probe.send("GET", standard, {"division": code, "format": kind})
    probe.report()


# Users who may both submit and review something: the office that reviews its own division
# (the city), and an office above a township whose submission it would review.
SELF_REVIEW = [("city-administrator", CITY), ("district-administrator", WENYILU)]
SELF_REVIEW += [("mixed", WENYILU), ("superuser", CITY)]


@pytest.mark.parametrize(("label", "code"), SELF_REVIEW, ids=[label for label, _ in SELF_REVIEW])
def test_nobody_approves_or_returns_what_they_submitted(world, label, code):
    """Submitted through the admin, then approved or returned by the same user through the
    review buttons and the bulk actions: refused every time, for entries and publications."""
    who = BY_LABEL[label]
    probe = Probe(world, who)
    entry = CatalogEntry.objects.get(pk=world.entries[(code, "service")])
    entry_update(entry=entry, changes={"time_limit": "自审测试"}, user=None)  # a draft again
    publication = Publication.objects.get(pk=world.publications[(code, "draft")])
    review = {
        "entry": (entry, "admin:catalog_catalogentry_review", CatalogEvent),
        "publication": (publication, "admin:publications_publication_review", PublicationEvent),
    }
    for name, (target, view, events) in review.items():
        submit = reverse(view, args=[target.pk, "submit"])
        probe.send("POST", submit)
        target.refresh_from_db()
        probe.expect(target.status == "submitted", "POST", submit, f"left it {target.status}")
        for action in ("approve", "return"):
            url = reverse(view, args=[target.pk, action])
            probe.send("POST", url, {"reason": "自己退回自己"})
        if name == "entry":
            changelist = reverse("admin:catalog_catalogentry_changelist")
            for action in ("approve_selected", "return_selected"):
                data = {"action": action, "_selected_action": [target.pk], "index": "0"}
                probe.send("POST", changelist, {**data, "reason": "自己退回自己", "post": "yes"})
        target.refresh_from_db()
        probe.expect(
            target.status == "submitted", "*", f"{name} {target.pk}", f"became {target.status}"
        )
        decided = events.objects.filter(action__in=("approve", "return"), user__pk=probe.user.pk)
        probe.expect(not decided.exists(), "*", f"{name} {target.pk}", "recorded a decision")
    probe.report()


# ---------------------------------------------------------------------------------------------
# 5. Privilege escalation


# City-only powers, by the roles of the root division that hold them (README, "Roles").
CITY_POWERS = {
    "divisions": (Role.ADMINISTRATOR,),
    "reference": (Role.EDITOR, Role.ADMINISTRATOR),
    "calendar": (Role.ADMINISTRATOR,),
    "sync": (Role.ADMINISTRATOR,),
    "lockouts": (Role.ADMINISTRATOR,),
    "domain reviews": (Role.ADMINISTRATOR,),
}


def may(who: Who, power: str) -> bool:
    return who.superuser or who.holds(CITY, *CITY_POWERS[power])


@pytest.mark.parametrize("who", USER_PARAMS)
def test_only_the_city_shapes_the_tree(world, who):
    """Adding a division (no parent, the user's own township, any level or kind posted) and
    moving or re-levelling one: only a city administrator adds, only where a division fits;
    the divisions holding catalogs never move; the root stays the single root."""
    probe = Probe(world, who)
    add = reverse("admin:districts_division_add")
    answer = status(probe.send("GET", add))
    probe.expect((answer == 200) is may(who, "divisions"), "GET", add, f"answered {answer}")
    fits = {(CITY, "区"): Division.Level.COUNTY}
    fits |= {(FURONG, "街道"): Division.Level.TOWNSHIP, (TIANXIN, "街道"): Division.Level.TOWNSHIP}
    for n, (parent, kind) in enumerate(
        (parent, kind)
        for parent in ("", CITY, FURONG, WENYILU, TIANXIN, PODZIJIE)
        for kind in ("地级市", "区", "街道")
    ):
        code = f"4301{50 + n}" if kind != "街道" else f"430102{900 + n}"
        parent_pk = world.division_pks[parent] if parent else ""
        level = ("city", "county", "township")[n % 3]  # posted, and never read
        data = division_add_data(None, code, kind=kind, level=level, slug=f"adv-new-{n}")
        probe.send("POST", add, {**FORGED, **data, "parent": parent_pk, "name": "越权新区划"})
        made = Division.objects.filter(code=code).select_related("parent").first()
        got = made and (made.parent.code if made.parent else None, made.level)
        fit = fits.get((parent, kind)) if may(who, "divisions") else None
        wanted = fit and (parent, fit)
        probe.expect(
            got == wanted, "POST", add, f"parent {parent or '-'}, {kind}: made {got}, not {wanted}"
        )
    # Moving and re-levelling the divisions that hold catalogs.
    shape = {
        row[0]: row for row in Division.objects.values_list("pk", "parent_id", "level", "code")
    }
    elsewhere = {CITY: FURONG, FURONG: WENYILU, TIANXIN: CITY, WENYILU: TIANXIN}
    elsewhere |= {CHAOYANG: TIANXIN, PODZIJIE: FURONG}
    for n, (code, other) in enumerate(elsewhere.items()):
        division = Division.objects.get(code=code)
        url = reverse("admin:districts_division_change", args=[division.pk])
        data = division_form_data(division, parent=str(world.division_pks[other]))
        data |= {"level": ("city", "county", "township")[n % 3], "code": "430199"}
        for kind in ("地级市", "区", "街道"):
            probe.send("POST", url, {**data, "kind": kind})
        after = Division.objects.get(pk=division.pk)
        now = (after.pk, after.parent_id, after.level, after.code)
        probe.expect(now == shape[division.pk], "POST", url, f"became {now}")
    roots = Division.objects.filter(parent__isnull=True)
    probe.expect(
        [d.code for d in roots] == [CITY], "*", "(tree)", f"roots {[d.code for d in roots]}"
    )
    probe.expect(
        not Division.objects.filter(children__level=Division.Level.COUNTY, level="county").exists()
        and not Division.objects.filter(parent__level=Division.Level.TOWNSHIP).exists(),
        "*",
        "(tree)",
        "a division under a township or a county under a county",
    )
    probe.report()


@pytest.mark.parametrize("who", USER_PARAMS)
def test_memberships_are_granted_only_within_the_granters_scope(world, who):
    """Granting a role (to oneself or another) in every division of the tree, re-pointing
    memberships at another user or division, deactivating or revoking someone else's: only
    an administrator covering the division grants or changes, and a membership's user and
    division never change."""
    probe = Probe(world, who)
    add = reverse("admin:districts_membership_add")
    grantees = {world.users["nobody"], world.users.get(who.label)} - {None}
    for code in WORLD_CODES:
        for user in sorted(grantees):
            role = Role.ADMINISTRATOR
            held = Membership.objects.filter(user_id=user, division__code=code, role=role)
            if held.exists():
                continue
            data = {"user": user, "division": world.division_pks[code], "role": role}
            probe.send("POST", add, {**data, "is_active": "on", "_save": "保存", **FORGED})
            allowed = world.sees(who, code, roles=(Role.ADMINISTRATOR,))
            probe.expect(
                held.exists() is allowed,
                "POST",
                add,
                f"grant in {code} to user {user}: {'made' if held.exists() else 'refused'}",
            )
    for membership in Membership.objects.filter(division__code__in=WORLD_CODES):
        url = reverse("admin:districts_membership_change", args=[membership.pk])
        if not world.sees(who, membership.division.code, roles=(Role.ADMINISTRATOR,)):
            # Someone else's role out of scope: neither deactivated nor revoked (404).
            delete = reverse("admin:districts_membership_delete", args=[membership.pk])
            answers = [
                status(probe.send("POST", url, membership_form_data(membership, is_active=""))),
                status(probe.send("POST", delete, {"post": "yes"})),
            ]
            kept = Membership.objects.filter(pk=membership.pk, is_active=True).exists()
            probe.expect(
                answers == [404, 404] and kept, "POST", url, f"answered {answers}, kept {kept}"
            )
            continue
        data = membership_form_data(membership, role=Role.ADMINISTRATOR)
        forged = {"user": world.users["superuser"], "division": world.division_pks[CITY]}
        probe.send("POST", url, {**data, **forged})
        after = Membership.objects.get(pk=membership.pk)
        probe.expect(
            (after.user_id, after.division_id) == (membership.user_id, membership.division_id),
            "POST",
            url,
            f"moved to user {after.user_id} in division {after.division_id}",
        )
    probe.report()


def auth_state() -> dict[str, str]:
    return {k: v for k, v in fingerprint().items() if k.startswith("auth.")}


@pytest.mark.parametrize("who", USER_PARAMS)
def test_no_form_makes_anyone_staff_or_superuser(world, who):
    """The user and group pages, and the extra fields posted to every other form: nobody but a
    superuser changes a user's flags, permissions, groups or password, or makes a group."""
    probe = Probe(world, who)
    before = auth_state()
    every_permission = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]
    group = Group.objects.get(name="adv-group")
    escalate = {
        "is_superuser": "on",
        "is_staff": "on",
        "is_active": "on",
        "user_permissions": every_permission,
        "groups": [str(group.pk)],
        "_save": "保存",
    }
    secret = "Xy-越权-2026-abcdef"
    passwords = {"password1": secret, "password2": secret, "usable_password": "true"}
    others = [world.users["township-editor"], world.users["nobody"]]
    for pk in {world.users.get(who.label), *others} - {None}:
        user = User.objects.get(pk=pk)
        change = reverse("admin:auth_user_change", args=[pk])
        probe.send("POST", change, {"username": user.username, **escalate})
        probe.send("POST", reverse("admin:auth_user_password_change", args=[pk]), passwords)
    new_user = {"username": "adv-escalated", **passwords}
    probe.send("POST", reverse("admin:auth_user_add"), {**new_user, **escalate})
    group_data = {"name": "adv-escalation", "permissions": every_permission, "_save": "保存"}
    probe.send("POST", reverse("admin:auth_group_add"), group_data)
    probe.send("POST", reverse("admin:auth_group_change", args=[group.pk]), group_data)
    # The extra fields are ignored by the forms the user may post: a division of their own.
    for code in WORLD_CODES:
        if world.sees(who, code, roles=(Role.ADMINISTRATOR,)):
            division = Division.objects.get(code=code)
            url = reverse("admin:districts_division_change", args=[division.pk])
            probe.send("POST", url, {**division_form_data(division), **escalate})
    if not who.superuser:
        changed = sorted(k for k, v in auth_state().items() if before.get(k) != v)
        probe.expect(not changed, "*", "(all of the above)", f"changed {changed}")
    probe.report()


@pytest.mark.parametrize("who", USER_PARAMS)
def test_city_only_powers_stay_with_the_city(world, who):
    """Reference data (domains, items, channels, publication types and 主题分类), the calendar,
    the guide sync and sign-in locks: below the city (and for the city's other roles) refused,
    and nothing changes; the city's own holders of each power can use it."""
    probe = Probe(world, who)
    domain, first = Domain.objects.first(), FirstLevelItem.objects.first()
    second, channel = SecondLevelItem.objects.first(), Channel.objects.first()
    pages = {
        "reference": {
            "catalog_domain": (domain, {"name": "越权领域", "slug": "adv-domain"}),
            "catalog_firstlevelitem": (first, {"domain": domain.pk, "name": "越权一级事项"}),
            "catalog_secondlevelitem": (second, {"first_level": first.pk, "name": "越权二级"}),
            "catalog_channel": (channel, {"name": "越权渠道"}),
            "publications_publicationtype": (
                PublicationType.objects.first(),
                {"name": "越权类型", "slug": "adv-type", "is_active": "on"},
            ),
            "publications_theme": (Theme.objects.first(), {"code": "99", "name": "越权主题"}),
        },
        "domain reviews": {
            "catalog_domainreview": (
                DomainReview.objects.get(),
                {
                    "domain": Domain.objects.exclude(city_review__isnull=False).last().pk,
                    "department": DomainReview.objects.get().department_id,
                    "mode": "instead",
                },
            ),
        },
        "calendar": {
            "workcalendar_specialday": (
                SpecialDay.objects.filter(calendar_year=2026).first(),
                {"calendar_year": 2026, "date": "2026-12-30", "kind": "holiday", "name": "越权"},
            ),
            "workcalendar_calendaryear": (
                CalendarYear.objects.get(year=2026),
                {"year": 2030, "source": "越权", "note": "越权"},
            ),
        },
    }
    inline = {"special_days-TOTAL_FORMS": "0", "special_days-INITIAL_FORMS": "0"}
    for power, forms in pages.items():
        before = fingerprint()
        for name, (obj, data) in forms.items():
            payload = {**data, **inline, "display_order": "1", "_save": "保存"}
            add = reverse(f"admin:{name}_add")
            change = reverse(f"admin:{name}_change", args=[obj.pk])
            delete = reverse(f"admin:{name}_delete", args=[obj.pk])
            for url, post in ((add, payload), (change, payload), (delete, {"post": "yes"})):
                answer = status(probe.send("POST", url, post))
                if not may(who, power):
                    probe.expect(answer in REFUSALS, "POST", url, f"answered {answer}")
        tables = {f"{name.replace('_', '.', 1)}" for name in forms}
        changed = sorted(tables & set(changed_tables(before)))
        if may(who, power):  # the city's own holders of the power: what they posted is saved
            probe.expect(changed == sorted(tables), "*", f"({power})", f"changed only {changed}")
        else:
            probe.expect(not changed, "*", f"({power})", f"changed {changed}")
    # The guide sync and its retry.
    before = fingerprint()
    start = reverse("admin:guides_syncrun_start")
    retry = reverse("admin:guides_syncrun_retry", args=[world.things["guides.syncrun"][0].pk])
    for url in (start, retry):
        answer = status(probe.send("POST", url))
        expected = 302 if may(who, "sync") else 404
        probe.expect(answer == expected, "POST", url, f"answered {answer}, expected {expected}")
    queued = "outbox.outboxmessage" in changed_tables(before)
    probe.expect(queued is may(who, "sync"), "*", "(sync)", f"queued a sync: {queued}")
    # Sign-in locks.
    lockouts = reverse("admin:portal_loginlockout_changelist")
    unlock = reverse("admin:portal_loginlockout_unlock")
    page = probe.send("GET", lockouts)
    expected = 200 if may(who, "lockouts") else 404
    probe.expect(status(page) == expected, "GET", lockouts, f"answered {status(page)}")
    if page is not None and page.status_code == 200:
        probe.expect("adv-locked" in page.content.decode(), "GET", lockouts, "lists no lock")
    answer = status(probe.send("POST", unlock, {"kind": "account", "key": "adv-locked"}))
    expected = 302 if may(who, "lockouts") else 404
    probe.expect(answer == expected, "POST", unlock, f"answered {answer}, expected {expected}")
    locked = AccessAttempt.objects.filter(username="adv-locked").exists()
    probe.expect(locked is not may(who, "lockouts"), "*", "(lockouts)", f"still locked: {locked}")
    probe.report()
