"""The permission matrix's world: five divisions, their departments, one user per role, level
and department, and catalog entries and publications of every owner in every review state.

The tree (the real Changsha codes, loaded by ``tests/conftest.py``)::

    长沙市 "city" ─┬─ 芙蓉区 "district" ──── 文艺路街道 "township"
                   └─ 天心区 "other-district" ─ 坡子街街道 "other-township"

Departments: one ("dept") in every division, and a second one ("dept2") in 芙蓉区, so that a
department's staff meet another department's rows in their own division.

Subjects: at each of 长沙市, 芙蓉区 and 文艺路街道, one user per role (填报, 审核, 管理, 签发) in
the division's office (no department), and one 填报 and one 审核 in its department "dept" (the
database refuses a department for 管理 and 签发). Authors (an office editor in every division, an
office reviewer in every division that reviews another) wrote the data and are never tested, so
that "nobody reviews their own submission" never hides a cell.

Rows, in 长沙市, 芙蓉区 and 文艺路街道 for each owner (the office, "dept", and in 芙蓉区 "dept2"),
in 天心区 and 坡子街街道 the office's (out of scope for all but the city's staff, whoever owns
them):

* catalog entries in each state: draft, submitted, published (the city's derived to the
  districts and townships; 芙蓉区's dept2 entries are its own);
* publications in each state: draft, submitted, signoff (待签发), published, each with one PDF
  attachment, filed under the owner's published entry (so owned by the same department).

Every division asks for sign-off (发布前须领导签发), so an approval sends a publication to 待签发.

Domain review (市直业务部门审核把关): the city's department "dept" (市民政局), staffed by its
审核 subject, reviews the districts' entries of two domains, 养老服务 before the city office
(mode "before") and 救灾 instead of it (mode "instead"). In each, the office's entries of 长沙市
(the source, never routed: the city's own catalog stays with the city office) and of 芙蓉区 (the
routed ones) in each state, and for "before" a submitted 芙蓉区 entry the department has checked
(passed on to the city office); ``DOMAIN_REVIEW_ROWS``.

Nothing here decides who may do what: the rule table is in ``test_permission_matrix.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import CatalogEntry, Domain, DomainReview, FirstLevelItem, SecondLevelItem
from catalog.review import catalog_publish_as_loaded, entries_check, entries_submit
from catalog.services import (
    catalog_derive,
    domain_review_save,
    entry_assign_department,
    entry_create,
    entry_update,
)
from districts.models import Department, Division, Role
from districts.services import division_update, membership_grant
from publications import services as publication_services
from publications.models import Attachment, Publication
from tests.factories import UserFactory
from tests.publications.test_attachments import pdf_bytes
from workcalendar.services import calendar_seed_from_package

# ---------------------------------------------------------------------------------------------
# The tree, the departments and the cast

CODES = {
    "city": "430100",  # 长沙市, the root
    "district": "430102",  # 芙蓉区
    "township": "430102001",  # 文艺路街道, in 芙蓉区
    "other-district": "430103",  # 天心区
    "other-township": "430103002",  # 坡子街街道, in 天心区
}
# Parents before children: the order data is written in.
DIVISIONS = ("city", "district", "other-district", "township", "other-township")
LEVELS = ("city", "district", "township")  # where the subjects hold their roles

DEPARTMENT_NAMES = {
    ("city", "dept"): "市民政局",
    ("district", "dept"): "区民政局",
    ("district", "dept2"): "区城管执法大队",
    ("township", "dept"): "街道社会事务办",
    ("other-district", "dept"): "天心区民政局",
    ("other-township", "dept"): "坡子街街道社会事务办",
}
ROLES = (Role.EDITOR, Role.REVIEWER, Role.ADMINISTRATOR, Role.LEADER)
DEPARTMENT_ROLES = (Role.EDITOR, Role.REVIEWER)  # the CHECK constraint membership_department_role

ENTRY_STATES = ("draft", "submitted", "published")
PUBLICATION_STATES = ("draft", "submitted", "signoff", "published")
# A formation date whose due date lies inside a year the calendar covers.
FORMED = dt.date(2026, 11, 2)


def owners(division: str) -> tuple[str, ...]:
    """Return who owns rows in ``division``: its office and its departments."""
    return ("office", *(o for d, o in DEPARTMENT_NAMES if d == division))


def row_owners(division: str) -> tuple[str, ...]:
    """Return the owners of the matrix's rows in ``division``.

    Outside 芙蓉区's branch every subject but the city's is out of scope whoever owns a row:
    the office's rows are enough there (their departments exist, to be forged).
    """
    return owners(division) if division in LEVELS else ("office",)


@dataclass(frozen=True, order=True)
class Who:
    """A subject: a role held at a level, in the office or in the level's department "dept"."""

    level: str
    role: str
    dept: bool = False

    @property
    def label(self) -> str:
        return f"{self.level}-{'dept' if self.dept else 'office'}-{self.role}"

    def __str__(self) -> str:
        return self.label


SUBJECTS = [
    Who(level, role, dept)
    for level in LEVELS
    for role in ROLES
    for dept in (False, True)
    if not dept or role in DEPARTMENT_ROLES
]


@dataclass(frozen=True, order=True)
class Row:
    """A catalog entry or a publication of one owner, in one state, in one division.

    ``route`` names the domain review mode of the entry's domain ("before", "instead"; "" for
    the unrouted domain of every other row); ``checked``: a submitted entry the department has
    checked and passed on to the city office ("before" only).
    """

    kind: str  # "entry" | "publication"
    division: str
    owner: str  # "office" | "dept" | "dept2"
    status: str
    route: str = ""
    checked: bool = False

    @property
    def label(self) -> str:
        status = f"{self.status} checked" if self.checked else self.status
        domain = f" of the {self.route} domain" if self.route else ""
        return f"{self.division} {self.owner} {status} {self.kind}{domain}"

    @property
    def item(self) -> str:
        """The name of the row's second-level item (an entry's; a publication's entry's)."""
        return item_name(self.owner, self.status, self.route, self.checked)

    def __str__(self) -> str:
        return self.label


ENTRY_ROWS = [Row("entry", d, o, s) for d in DIVISIONS for o in row_owners(d) for s in ENTRY_STATES]
PUBLICATION_ROWS = [
    Row("publication", d, o, s)
    for d in DIVISIONS
    for o in row_owners(d)
    for s in PUBLICATION_STATES
]

# Who reviews each division's submissions while the world is built (the office above; the
# city office reviews the city's own).
REVIEWING_OFFICE = {
    "city": "city",
    "district": "city",
    "other-district": "city",
    "township": "district",
    "other-township": "other-district",
}


def item_name(owner: str, status: str, route: str = "", checked: bool = False) -> str:
    """The name of the second-level item of a slot (the same in every division)."""
    name = f"矩阵事项-{owner}-{status}"
    if route:
        name += f"-{route}"
    return f"{name}-checked" if checked else name


# DOMAIN REVIEW: the domain each mode routes to the city's department "dept", and its rows: the
# office's entries of the city (the sources, unrouted) and of 芙蓉区 (routed) in every state, and
# a submitted 芙蓉区 entry the department checked ("before"; its city source stays published).
ROUTE_DOMAINS = {"before": "养老服务", "instead": "救灾"}
DOMAIN_REVIEW_ROWS = [
    *(
        Row("entry", division, "office", status, route)
        for route in ROUTE_DOMAINS
        for division in ("city", "district")
        for status in ENTRY_STATES
    ),
    Row("entry", "district", "office", "submitted", "before", checked=True),
]


# ---------------------------------------------------------------------------------------------
# The world


@dataclass
class MatrixWorld:
    users: dict[str, int]  # subject label → user id
    divisions: dict[str, int]  # division label → id
    departments: dict[tuple[str, str], int]  # (division, owner) → department id
    rows: dict[Row, int]  # row → entry or publication id
    attachments: dict[Row, int]  # publication row → its attachment's id
    new_item: int  # a second-level item no division holds yet (for the add forms)

    def pk(self, row: Row) -> int:
        return self.rows[row]

    def department_label(self, department_id: int | None) -> str:
        """Return "office" for no department, else "<division>/<owner>"."""
        if department_id is None:
            return "office"
        for (division, owner), pk in self.departments.items():
            if pk == department_id:
                return f"{division}/{owner}"
        return f"department {department_id}"


def build_matrix_world() -> MatrixWorld:
    """Write the world's rows through the services and return their ids."""
    calendar_seed_from_package(years=[2025, 2026])
    divisions = {label: Division.objects.get(code=code) for label, code in CODES.items()}
    departments = {
        key: Department.objects.create(division=divisions[key[0]], name=name)
        for key, name in DEPARTMENT_NAMES.items()
    }

    users = {}
    for who in SUBJECTS:
        user = UserFactory(username=f"mx-{who.label}", email=f"{who.label}@example.test")
        department = departments[(who.level, "dept")] if who.dept else None
        membership_grant(
            user=user, division=divisions[who.level], role=who.role, department=department
        )
        users[who.label] = user.pk
    authors = {}
    for label in DIVISIONS:
        for role in (Role.EDITOR, Role.REVIEWER):
            user = UserFactory(username=f"mx-author-{label}-{role}")
            membership_grant(user=user, division=divisions[label], role=role)
            authors[(label, role)] = user

    # The catalog: the city's slots derived to every division below, 芙蓉区's dept2 slots its own.
    domain = Domain.objects.get(name="社会救助")
    first, _ = FirstLevelItem.objects.get_or_create(domain=domain, name="矩阵一级事项")
    values = {"time_limit": "制定或获取信息之日起10个工作日内", "subject": "本级政务公开办"}

    def own_entry(division: str, owner: str, status: str) -> None:
        item = SecondLevelItem.objects.create(first_level=first, name=item_name(owner, status))
        entry_create(division=divisions[division], item=item, values=values, user=None)

    for status in ENTRY_STATES:
        for owner in ("office", "dept"):
            own_entry("city", owner, status)
    for label in DIVISIONS[1:]:
        catalog_derive(division=divisions[label], user=None, refresh_ties=False)
    for status in ENTRY_STATES:
        own_entry("district", "dept2", status)
    catalog_publish_as_loaded(entry_ids=list(CatalogEntry.objects.values_list("pk", flat=True)))

    rows: dict[Row, int] = {}
    entries = {(e.division_id, e.item.name): e for e in CatalogEntry.objects.select_related("item")}
    for row in ENTRY_ROWS:
        entry = entries[(divisions[row.division].pk, item_name(row.owner, row.status))]
        rows[row] = entry.pk
        if row.owner != "office":
            department = departments[(row.division, row.owner)]
            entry_assign_department(entry=entry, department=department, user=None)
    # States, parents first: an edit takes a published entry back to draft.
    for row in ENTRY_ROWS:
        if row.status == "published":
            continue
        entry = CatalogEntry.objects.get(pk=rows[row])
        entry_update(entry=entry, changes={"remarks": f"草稿：{row.label}"}, user=None)
        if row.status == "submitted":
            entries_submit(entries=[entry], user=authors[(row.division, Role.EDITOR)])

    # Publications, under each owner's published entry, taken along the review chain.
    attachments = {}
    for row in PUBLICATION_ROWS:
        entry = CatalogEntry.objects.get(
            pk=rows[Row("entry", row.division, row.owner, "published")]
        )
        editor = authors[(row.division, Role.EDITOR)]
        upload = SimpleUploadedFile(f"{row.label}.pdf", pdf_bytes(), "application/pdf")
        item = publication_services.publication_create(
            entry=entry,
            data={"title": f"矩阵信息 {row.label}", "formed_on": FORMED},
            user=editor,
            uploads=[upload],
        )
        rows[row] = item.pk
        attachments[row] = Attachment.objects.get(publication=item).pk
        if row.status != "draft":
            publication_services.publication_submit(publication=item, user=editor)
        if row.status == "published":
            reviewer = authors[(REVIEWING_OFFICE[row.division], Role.REVIEWER)]
            publication_services.publication_approve(publication=item, user=reviewer)
    for label in DIVISIONS:
        division_update(division=divisions[label], changes={"signoff_required": True}, user=None)
    for row in PUBLICATION_ROWS:
        if row.status == "signoff":
            reviewer = authors[(REVIEWING_OFFICE[row.division], Role.REVIEWER)]
            item = publication_services.publication_approve(
                publication=Publication.objects.get(pk=rows[row]),
                user=reviewer,
            )
            assert item.status == "signoff", item.status

    # DOMAIN REVIEW (city departments review district catalogs by domain): the city's "dept"
    # (its 审核 subject staffs it) reviews 芙蓉区's entries of one domain before the city office
    # and of another instead of it. The rows are derived like the others: the city's first, 芙蓉区
    # from it, then taken to their states, parents first. An author in the department checks.
    city_dept = departments[("city", "dept")]
    checker = UserFactory(username="mx-author-city-dept-reviewer")
    membership_grant(
        user=checker, division=divisions["city"], role=Role.REVIEWER, department=city_dept
    )
    routed_ids = []
    for route, domain_name in ROUTE_DOMAINS.items():
        domain = Domain.objects.get(name=domain_name)
        domain_review_save(review=DomainReview(domain=domain, department=city_dept, mode=route))
        routed_first = FirstLevelItem.objects.create(domain=domain, name=f"矩阵一级事项-{route}")
        for name in sorted({row.item for row in DOMAIN_REVIEW_ROWS if row.route == route}):
            item = SecondLevelItem.objects.create(first_level=routed_first, name=name)
            entry = entry_create(division=divisions["city"], item=item, values=values, user=None)
            routed_ids.append(entry.pk)
    catalog_derive(division=divisions["district"], user=None, refresh_ties=False)
    routed_ids += CatalogEntry.objects.filter(
        division=divisions["district"], source_id__in=routed_ids
    ).values_list("pk", flat=True)
    catalog_publish_as_loaded(entry_ids=routed_ids)
    routed = CatalogEntry.objects.filter(pk__in=routed_ids)
    ids = {(d, name): pk for d, name, pk in routed.values_list("division", "item__name", "pk")}
    for row in DOMAIN_REVIEW_ROWS:  # the city's rows come first
        rows[row] = ids[(divisions[row.division].pk, row.item)]
        if row.status == "published":
            continue
        entry = CatalogEntry.objects.get(pk=rows[row])
        entry_update(entry=entry, changes={"remarks": f"草稿：{row.label}"}, user=None)
        if row.status == "submitted":
            entries_submit(entries=[entry], user=authors[(row.division, Role.EDITOR)])
        if row.checked:
            entries_check(entries=[entry], user=checker)

    new_item = SecondLevelItem.objects.create(first_level=first, name="矩阵新增事项")
    return MatrixWorld(
        users=users,
        divisions={label: d.pk for label, d in divisions.items()},
        departments={key: d.pk for key, d in departments.items()},
        rows=rows,
        attachments=attachments,
        new_item=new_item.pk,
    )
