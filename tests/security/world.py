"""The adversarial suite's world: a small tree of the real Changsha data with something of every
kind in each division, the users under test, and who may see what.

长沙市 → 芙蓉区 (文艺路街道, 朝阳街街道) and 天心区 (坡子街街道) hold catalog entries (derived,
published, personalised, submitted, dropped), publications in every state with attachments,
memberships, catalog jobs (each its owner's), guides and their ties; beside them a sync run
with a failure, calendar years, a locked account, a group and an outbox message. Each division's
unpublished text carries a marker (``SECRET<code>X``), each job its owner's (``JOB<label>X``).

Who may see what is worked out here from the README's role table and the tree, not from the
product's permission code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta

from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog.guide_links import links_refresh
from catalog.models import (
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
from catalog.review import catalog_publish_as_loaded, entries_approve, entries_submit
from catalog.services import catalog_derive, entry_create, entry_drop, entry_update
from disclosure.models import AnnualReport, GuideVersion
from districts.models import Department, Division, Membership, Role
from districts.services import membership_grant
from foi import services as foi_services
from foi.models import InfoRequest, LetterTemplate
from guides.models import Guide, SyncFailure, SyncRun
from outbox.models import OutboxMessage
from publications import services as publication_services
from publications.models import (
    Attachment,
    Publication,
    PublicationEvent,
    PublicationSeries,
    PublicationType,
    Theme,
)
from search.models import SearchQueryStat, SearchSynonym, ZeroResultQuery
from tests.catalog.test_guide_links import make_guide, service_entry
from tests.factories import CityEntryFactory, SecondLevelItemFactory, UserFactory
from tests.publications.conftest import Office
from tests.publications.test_attachments import pdf_bytes
from workcalendar.models import CalendarYear, SpecialDay
from workcalendar.services import calendar_seed_from_package

User = get_user_model()

# ---------------------------------------------------------------------------------------------
# The tree, the roles and who sees what

CITY, FURONG, TIANXIN = "430100", "430102", "430103"  # 长沙市, 芙蓉区, 天心区
WENYILU, CHAOYANG, PODZIJIE = "430102001", "430102002", "430103002"  # two of 芙蓉区, one of 天心区
WORLD_CODES = (CITY, FURONG, WENYILU, CHAOYANG, TIANXIN, PODZIJIE)
LEVELS = {"city": CITY, "district": FURONG, "township": WENYILU}
ROLES = (Role.EDITOR, Role.REVIEWER, Role.ADMINISTRATOR)


@dataclass(frozen=True)
class Who:
    """A user of the suite: the roles they hold, by division code."""

    label: str
    holdings: tuple[tuple[str, str], ...] = ()
    superuser: bool = False

    def __str__(self) -> str:
        return self.label

    def holds(self, code: str, *roles: str) -> bool:
        return any(held == code and role in roles for held, role in self.holdings)


SUBJECTS = [
    *(Who(f"{level}-{role}", ((code, role),)) for level, code in LEVELS.items() for role in ROLES),
    # A reviewer of 芙蓉区 who administers 文艺路街道: scope differs per model.
    Who("mixed", ((FURONG, Role.REVIEWER), (WENYILU, Role.ADMINISTRATOR))),
    Who("nobody"),  # staff, but no role anywhere
    Who("superuser", superuser=True),
]
BY_LABEL = {who.label: who for who in SUBJECTS}
# Authors of what lies outside every subject's own division (not tested as users themselves).
AUTHORS = [
    Who("chaoyang-editor", ((CHAOYANG, Role.EDITOR),)),
    Who("tianxin-editor", ((TIANXIN, Role.EDITOR),)),
    Who("tianxin-reviewer", ((TIANXIN, Role.REVIEWER),)),
    Who("podzijie-editor", ((PODZIJIE, Role.EDITOR),)),
]


def marker(code: str) -> str:
    """The text planted in a division's unpublished data (never a prefix of another's)."""
    return f"SECRET{code}X"


def job_marker(label: str) -> str:
    return f"JOB{label}X"


# How the admin decides who reaches an object of each kind.
DIVISION = "division"  # a role covering the object's division
ADMINISTERED = "administered"  # an administrator's role covering it
OWNER = "owner"  # the user's own (catalog jobs)
AREA = "area"  # guides of the county-level areas of divisions in scope
STAFF = "staff"  # shared data: any role anywhere
CITY_ADMIN = "city-admin"  # an administrator of the root division
ANY_ADMIN = "any-admin"  # shared data that any division's administrator may read
SUPERUSER = "superuser"
OBJECT_RULES = {DIVISION, ADMINISTERED, OWNER, AREA}

# Every registered ModelAdmin's model, and the other kinds of ids that URLs carry.
KIND_RULES = {
    "auth.group": SUPERUSER,
    "auth.user": SUPERUSER,
    "districts.division": DIVISION,
    "districts.membership": ADMINISTERED,
    "districts.department": DIVISION,
    "catalog.domain": STAFF,
    "catalog.firstlevelitem": STAFF,
    "catalog.secondlevelitem": STAFF,
    "catalog.channel": STAFF,
    "catalog.domainreview": STAFF,
    "publications.publicationtype": STAFF,
    "publications.theme": STAFF,
    "publications.publicationseries": DIVISION,
    "disclosure.guideversion": DIVISION,
    "disclosure.annualreport": DIVISION,
    "foi.inforequest": DIVISION,
    "foi.lettertemplate": DIVISION,
    "catalog.catalogentry": DIVISION,
    "catalog.catalogevent": DIVISION,
    "catalog.guidelink": DIVISION,
    "guides.guide": STAFF,
    "guides.syncrun": CITY_ADMIN,
    "workcalendar.calendaryear": STAFF,
    "workcalendar.specialday": STAFF,
    "publications.publication": DIVISION,
    "publications.publicationevent": DIVISION,
    "outbox.outboxmessage": SUPERUSER,
    "portal.loginlockout": CITY_ADMIN,
    "search.searchsynonym": ANY_ADMIN,
    "search.searchquerystat": ANY_ADMIN,
    "search.zeroresultquery": ANY_ADMIN,
    # Not ModelAdmins, but named by custom URLs:
    "catalog.catalogjob": OWNER,
    "publications.attachment": DIVISION,
    "guide-area": AREA,
    "view-on-site": None,  # each object carries the rule of its model
}


@dataclass(frozen=True)
class Thing:
    """An object an admin URL can name: its id, its division (or owner), and any extra id."""

    pk: int | str
    code: str | None = None
    owner: str | None = None
    extra: int | None = None  # the publication of an attachment; the content type of a shortcut
    rule: str | None = None  # overrides the kind's rule (the view-on-site shortcut)


# ---------------------------------------------------------------------------------------------
# The world


@dataclass
class World:
    """The ids of what the world holds, by kind, and who may see what."""

    users: dict[str, int]
    things: dict[str, list[Thing]]
    parents: dict[str, str | None]  # every division's code → its parent's code
    division_pks: dict[str, int]
    entries: dict[tuple[str, str], int]  # (code, "plain" | "service" | "filed" | "own")
    publications: dict[tuple[str, str], int]  # (code, status)
    content_types: dict[str, int]

    # -- who sees what ---------------------------------------------------------------------
    def covers(self, holder: str, code: str | None) -> bool:
        while code is not None:
            if code == holder:
                return True
            code = self.parents.get(code)
        return False

    def sees(self, who: Who, code: str | None, roles=ROLES) -> bool:
        """Return True when one of ``who``'s ``roles`` covers the division ``code``."""
        return who.superuser or any(
            role in roles and self.covers(held, code) for held, role in who.holdings
        )

    def visible(self, who: Who, kind: str, thing: Thing) -> bool:
        rule = thing.rule or KIND_RULES[kind]
        if who.superuser:
            return True
        if rule == DIVISION:
            return self.sees(who, thing.code)
        if rule == ADMINISTERED:
            return self.sees(who, thing.code, roles=(Role.ADMINISTRATOR,))
        if rule == OWNER:
            return thing.owner == who.label
        if rule == AREA:
            return any(self.sees(who, code) and code[:6] == thing.code for code in self.parents)
        if rule == STAFF:
            return bool(who.holdings)
        if rule == CITY_ADMIN:
            return who.holds(CITY, Role.ADMINISTRATOR)
        if rule == ANY_ADMIN:
            return any(role == Role.ADMINISTRATOR for _, role in who.holdings)
        assert rule == SUPERUSER, rule
        return False

    def forbidden(self, who: Who) -> tuple[str, ...]:
        """Return the markers that must never reach ``who``."""
        if who.superuser:
            return ()
        hidden = [marker(code) for code in WORLD_CODES if not self.sees(who, code)]
        owners = {t.owner for t in self.things["catalog.catalogjob"]}
        hidden += [job_marker(owner) for owner in owners if owner != who.label]
        return tuple(hidden)

    # -- ids ---------------------------------------------------------------------------------
    def user(self, label: str):
        return User.objects.get(pk=self.users[label])

    def missing(self, kind: str) -> Thing:
        """Return an id that names nothing (for the shortcut, of a real content type)."""
        extra = 10**8 + 8
        if kind == "view-on-site":
            extra = self.content_types["publications.publication"]
        return Thing(pk=10**8 + 7, extra=extra)


def build_world() -> World:
    """Create the world's rows and return their ids."""
    calendar_seed_from_package(years=[2025, 2026])
    divisions = {code: Division.objects.get(code=code) for code in WORLD_CODES}
    users = {}
    for who in (*SUBJECTS, *AUTHORS):
        user = UserFactory(
            username=f"adv-{who.label}",
            email=f"{who.label}@example.test",
            is_superuser=who.superuser,
        )
        for code, role in who.holdings:
            membership_grant(user=user, division=divisions[code], role=role)
        users[who.label] = user

    # The catalog: three city entries derived everywhere and published as loaded...
    city = divisions[CITY]
    bases = {
        "plain": CityEntryFactory(division=city),
        "service": service_entry(city, "食品经营许可"),
        "filed": CityEntryFactory(division=city),
    }
    for code in (FURONG, WENYILU, CHAOYANG, TIANXIN, PODZIJIE):
        catalog_derive(division=divisions[code], user=None)
    world_entries = CatalogEntry.objects.filter(division__code__in=WORLD_CODES)
    catalog_publish_as_loaded(entry_ids=list(world_entries.values_list("pk", flat=True)))
    entries = {
        (e.division.code, which): e
        for which, base in bases.items()
        for e in world_entries.filter(item=base.item).select_related("division")
    }
    # ... then each division's unpublished text: own entries above the townships, a
    # personalised element in each township (nothing below them follows it).
    for code in (CITY, FURONG, TIANXIN):
        entries[(code, "own")] = entry_create(
            division=divisions[code],
            item=SecondLevelItemFactory(),
            values={"content": marker(code), "time_limit": "20个工作日内", "subject": "本级"},
            user=None,
        )
    for code in (WENYILU, CHAOYANG, PODZIJIE):
        entry_update(entry=entries[(code, "plain")], changes={"remarks": marker(code)}, user=None)
    for key, label in (
        ((CITY, "own"), "city-editor"),
        ((FURONG, "own"), "district-editor"),
        ((WENYILU, "plain"), "township-editor"),
        ((PODZIJIE, "plain"), "podzijie-editor"),
    ):
        entries_submit(entries=[entries[key]], user=users[label])
    entries_approve(entries=[entries[(PODZIJIE, "plain")]], user=users["tianxin-reviewer"])
    entry_drop(entry=entries[(CHAOYANG, "service")], user=None, confirm=True)
    # One recurring series per division, on its published entry.
    for code in WORLD_CODES:
        entry = entries[(code, "plain")]
        PublicationSeries.objects.create(
            entry=entry,
            division=entry.division,
            department=entry.department,
            name=f"日报-{code}",
            cadence=PublicationSeries.Cadence.DAILY,
            due_time=dt.time(10),
            starts_on=dt.date(2026, 11, 2),
        )

    # One 依申请公开 request (its applicant and description carry the marker) and one letter
    # template version per division.
    for code in WORLD_CODES:
        foi_services.submit(
            division=divisions[code],
            data={
                "applicant_kind": "person",
                "name": f"申请人{marker(code)}",
                "id_type": "passport",
                "id_number": f"E{code[-8:]:0>8}",
                "phone": "13812345678",
                "description": f"申请公开{marker(code)}的信息",
                "delivery": "on_site",
            },
            channel="in_person",
            received_on=dt.date(2026, 11, 2),
        )
        LetterTemplate.objects.create(
            kind="reply", division=divisions[code], version=1, body=f"模板{marker(code)}"
        )

    # One 政府信息公开指南 version per division.
    for code in WORLD_CODES:
        GuideVersion.objects.create(
            division=divisions[code],
            version=1,
            office_name=f"政务公开办-{code}",
            address="示例路1号",
            hours="工作日",
            phone="0731-00000000",
            change_note="首次发布",
        )

    # One draft 政府信息公开工作年度报告 per division, its narrative carrying the marker.
    for code in WORLD_CODES:
        AnnualReport.objects.create(division=divisions[code], year=2025, overview=marker(code))

    # Publications in every state in every division, through the review chain.
    def chain(entries_by_level, users_by_level) -> Office:
        return Office(
            divisions={},
            entries={level: entries[(code, "filed")] for level, code in entries_by_level.items()},
            users={(role, level): users[label] for (role, level), label in users_by_level.items()},
        )

    furong_chain = chain(
        {"city": CITY, "district": FURONG, "township": WENYILU},
        {
            (Role.EDITOR, "city"): "city-editor",
            (Role.REVIEWER, "city"): "city-reviewer",
            (Role.EDITOR, "district"): "district-editor",
            (Role.REVIEWER, "district"): "district-reviewer",
            (Role.EDITOR, "township"): "township-editor",
        },
    )
    chaoyang_chain = chain(
        {"township": CHAOYANG},
        {
            (Role.EDITOR, "township"): "chaoyang-editor",
            (Role.REVIEWER, "district"): "district-reviewer",
        },
    )
    tianxin_chain = chain(
        {"district": TIANXIN, "township": PODZIJIE},
        {
            (Role.EDITOR, "district"): "tianxin-editor",
            (Role.REVIEWER, "city"): "city-reviewer",
            (Role.EDITOR, "township"): "podzijie-editor",
            (Role.REVIEWER, "district"): "tianxin-reviewer",
        },
    )
    where = {
        CITY: (furong_chain, "city"),
        FURONG: (furong_chain, "district"),
        WENYILU: (furong_chain, "township"),
        CHAOYANG: (chaoyang_chain, "township"),
        TIANXIN: (tianxin_chain, "district"),
        PODZIJIE: (tianxin_chain, "township"),
    }
    publications = {}
    for code, (office, level) in where.items():
        for status in ("draft", "submitted", "published", "returned", "withdrawn", "superseded"):
            item = office.publication(level, status, title=f"{marker(code)} {status}")
            publications[(code, status)] = item.pk
        draft = Publication.objects.get(pk=publications[(code, "draft")])
        upload = SimpleUploadedFile(f"{marker(code)}.pdf", pdf_bytes(), "application/pdf")
        publication_services.attachment_add(
            publication=draft, upload=upload, user=office.user(Role.EDITOR, level)
        )

    # Catalog jobs, each its owner's.
    now = timezone.now()
    for label, code, kind in (
        ("district-editor", FURONG, CatalogJob.Kind.PREVIEW),
        ("township-editor", WENYILU, CatalogJob.Kind.PREVIEW),
        ("city-administrator", CITY, CatalogJob.Kind.PREVIEW),
        ("mixed", WENYILU, CatalogJob.Kind.DERIVE),
        ("tianxin-editor", TIANXIN, CatalogJob.Kind.PREVIEW),
    ):
        CatalogJob.objects.create(
            kind=kind,
            status=CatalogJob.Status.DONE,
            division=divisions[code],
            user=users[label],
            file_name=f"{job_marker(label)}.xlsx",
            message=job_marker(label),
            result={"has_errors": False, "errors": [job_marker(label)]},
            started_at=now,
            finished_at=now,
        )

    # Guides of three areas, tied to the service entries; a sync run with a failure to retry.
    for area in (CITY, FURONG, TIANXIN):
        make_guide("食品经营许可", area=area)
    make_guide("芙蓉区未关联指南", area=FURONG)
    make_guide("天心区已取消指南", area=TIANXIN, withdrawn=True)
    links_refresh()
    run = SyncRun.objects.create(
        trigger=SyncRun.Trigger.SCHEDULE,
        status=SyncRun.Status.PARTIAL,
        base_url="http://127.0.0.1:1",
        started_at=now - timedelta(minutes=3),
        heartbeat_at=now,
        finished_at=now,
        failed=1,
    )
    SyncFailure.objects.create(
        run=run, stage=SyncFailure.Stage.DETAIL, unify_id="adv-failed", name="失败", reason="超时"
    )
    # A locked account, a group, a task owed to the broker.
    AccessAttempt.objects.create(
        username="adv-locked",
        ip_address="10.0.0.9",
        user_agent="test",
        path_info="/admin/login/",
        failures_since_start=5,
        attempt_time=now,
    )
    Group.objects.create(name="adv-group")
    OutboxMessage.objects.create(task="adv.noop")
    SearchSynonym.objects.create(term="低保", equivalent="最低生活保障")
    SearchQueryStat.objects.create(
        query="低保", week=dt.date(2026, 1, 5), searches=3, zero_result_searches=1
    )
    # One department per division, with a marker name, to probe department pages' scope.
    for code in WORLD_CODES:
        Department.objects.create(division=divisions[code], name=f"部门{marker(code)}")
    # A city department reviewing a domain the world's entries are not in: its pages are
    # probed here; how it routes reviews is tested in tests/catalog/test_domain_review.py.
    used = CatalogEntry.objects.values("item__first_level__domain")
    DomainReview.objects.create(
        domain=Domain.objects.exclude(pk__in=used).order_by("pk").first(),
        department=Department.objects.create(division=divisions[CITY], name="市民政局"),
    )

    return _catalogue(users, divisions, entries, publications)


def _catalogue(users, divisions, entries, publications) -> World:
    """Record the ids of the world's objects, by kind."""
    codes = {d.pk: d.code for d in Division.objects.all()}

    def scoped(model, path: str, **filters) -> list[Thing]:
        rows = model.objects.filter(**{f"{path}__in": WORLD_CODES}, **filters)
        return [Thing(pk, code) for pk, code in rows.values_list("pk", path).order_by("pk")]

    def first_per_division(things: list[Thing]) -> list[Thing]:
        seen: dict[str, Thing] = {}
        for thing in things:
            seen.setdefault(thing.code, thing)
        return list(seen.values())

    def sample(model) -> list[Thing]:
        return [Thing(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:1]]

    things = {
        "districts.division": [Thing(divisions[c].pk, c) for c in WORLD_CODES],
        "districts.membership": scoped(Membership, "division__code"),
        "districts.department": scoped(Department, "division__code"),
        "catalog.catalogentry": scoped(CatalogEntry, "division__code"),
        "catalog.catalogevent": first_per_division(scoped(CatalogEvent, "division__code")),
        "catalog.guidelink": scoped(GuideLink, "entry__division__code"),
        "publications.publication": scoped(Publication, "division__code"),
        "publications.publicationseries": scoped(PublicationSeries, "division__code"),
        "disclosure.guideversion": scoped(GuideVersion, "division__code"),
        "disclosure.annualreport": scoped(AnnualReport, "division__code"),
        "foi.inforequest": scoped(InfoRequest, "division__code"),
        "foi.lettertemplate": scoped(LetterTemplate, "division__code"),
        "publications.publicationevent": first_per_division(
            scoped(PublicationEvent, "division__code")
        ),
        "publications.attachment": [
            Thing(a.pk, a.publication.division.code, extra=a.publication_id)
            for a in Attachment.objects.select_related("publication__division")
        ],
        "catalog.catalogjob": [
            Thing(job.pk, owner=job.user.username.removeprefix("adv-"))
            for job in CatalogJob.objects.select_related("user")
        ],
        "guides.guide": [Thing(g.pk, g.area_code) for g in Guide.objects.order_by("pk")],
        "guide-area": [Thing(g.pk, g.area_code[:6]) for g in Guide.objects.order_by("pk")],
        "guides.syncrun": sample(SyncRun),
        "catalog.domain": sample(Domain),
        "catalog.firstlevelitem": sample(FirstLevelItem),
        "catalog.secondlevelitem": sample(SecondLevelItem),
        "catalog.channel": sample(Channel),
        "catalog.domainreview": sample(DomainReview),
        "publications.publicationtype": sample(PublicationType),
        "publications.theme": sample(Theme),
        "workcalendar.calendaryear": sample(CalendarYear),
        "workcalendar.specialday": sample(SpecialDay),
        "auth.user": [Thing(users[label].pk) for label in ("township-editor", "superuser")],
        "auth.group": sample(Group),
        "outbox.outboxmessage": sample(OutboxMessage),
        "portal.loginlockout": [],
        "search.searchsynonym": sample(SearchSynonym),
        "search.searchquerystat": sample(SearchQueryStat),
        "search.zeroresultquery": sample(ZeroResultQuery),
    }
    content_types = {
        label: ContentType.objects.get_for_model(apps.get_model(label)).pk
        for label in (
            "districts.division",
            "catalog.catalogentry",
            "publications.publication",
            "guides.guide",
        )
    }
    things["view-on-site"] = [
        Thing(t.pk, t.code, extra=content_types[label], rule=KIND_RULES[label])
        for label in content_types
        for t in things[label]
    ]
    return World(
        users={label: user.pk for label, user in users.items()},
        things=things,
        parents={
            d.code: codes.get(d.parent_id) for d in Division.objects.only("code", "parent_id")
        },
        division_pks={code: d.pk for code, d in divisions.items()},
        entries={key: e.pk for key, e in entries.items()},
        publications=publications,
        content_types=content_types,
    )
