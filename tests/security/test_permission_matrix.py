"""The permission matrix: role × department × level × in/out of scope × action, through the
admin's real URLs.

For every subject of ``matrix_world`` (填报, 审核, 管理, 签发 at 长沙市, 芙蓉区 and 文艺路街道, in
the office and, for 填报 and 审核, in a department), every row (catalog entries and publications
of every owner in every state in five divisions) and every action staff reach, the EXPECTED
answer comes from the rule table below, written from the README ("Roles", "Departments and
sign-off", "Publishing and review") and never from the product's policy code; the ACTUAL answer
comes from real requests with the Django test client, signed in as the subject.

Actions (each cell is "<subject> × <target> × <action>", e.g. "district-dept-editor × township
dept draft entry × edit"):

* ``list-*``: the row is in the changelist (and its events in the event changelist);
* ``view`` / ``history``: the change page and the history page answer 200, or 404 out of scope
  (exactly like a missing id, never 403);
* ``edit``: a POST of the change form with one field changed is saved, refused, or 404;
* ``delete``: a confirmed POST of the delete page: nobody deletes (403 in scope, 404 out);
* ``forge-department`` / ``move-department``: the change form posted with another division's
  department (always refused) or another department of the entry's own division (the office's
  coordination only);
* the review URLs the admin exposes (``<pk>/review/<action>/``): submit, recall, approve,
  return for both; check (业务审核通过) for entries; sign, sign_return, withdraw, revise and
  urgent (紧急发布) for publications. Each is tried on the rows in the state it starts from
  (a draft is submitted, a submitted row recalled, checked, approved or returned, …);
* ``add-entry`` / ``add-entry-choices`` / ``add-entry-department`` / ``add-publication`` /
  ``add-publication-choices``: the add forms, the divisions and entries they accept, and forged
  divisions, entries and departments (refused with a message, never a 500);
* ``export`` (the changelist's 导出) and ``standard-export`` (导出标准目录, per division);
* ``attachment``: the download view ``/attachment/<id>/`` (public once published);
* ``worklist-<tab>``: which rows the working list shows in each tab, the tab it opens on, and
  the count of catalog entries waiting for review.

Every write is made in a savepoint that is rolled back, so each cell sees the world as built.
The world is built once per module (in an outer transaction, rolled back at the end).

Domain review (市直业务部门审核把关, README "Departments and sign-off"): entries of two domains
the city's department reviews, one "before" the city office and one "instead" of it, are rows
too (``domain_review_rows``); every entry action is tried on them, and for the districts' ones
(routed) ``domain_review_expectation`` states who sees them and who decides them at the
department's stage and at the office's, before the general table is asked.

Cells where the product contradicts the rule table in a way that looks like a real bug are
listed in ``KNOWN_BUGS``: the main tests leave them out and ``test_known_bugs_still_fail`` checks
that each still fails, so a fix turns into a failure that asks for the entry's removal.

A summary (cells checked per action) is printed at the end of the module; with xdist the
workers' output is not shown: run with ``-p no:xdist -s`` to see it.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from import_export.formats import base_formats

from catalog.forms import LevelsField
from catalog.models import CatalogEntry, CatalogEvent
from districts.models import Role
from publications.models import Publication, PublicationEvent, PublicationType

from .matrix_world import (
    CODES,
    DEPARTMENT_NAMES,
    DIVISIONS,
    DOMAIN_REVIEW_ROWS,
    ENTRY_ROWS,
    ENTRY_STATES,
    LEVELS,
    PUBLICATION_ROWS,
    SUBJECTS,
    MatrixWorld,
    Row,
    Who,
    build_matrix_world,
    owners,
)

pytestmark = [
    pytest.mark.django_db,
    # WhiteNoise warns once per request that collectstatic has not run; irrelevant here.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

User = get_user_model()
EDITOR, REVIEWER, ADMINISTRATOR, LEADER = (
    Role.EDITOR,
    Role.REVIEWER,
    Role.ADMINISTRATOR,
    Role.LEADER,
)

# =============================================================================================
# The rule table (the spec). Nothing below calls the product's policies.
# =============================================================================================

# The tree: each division's parent (a role held in a division covers it and everything below).
PARENT = {
    "city": None,
    "district": "city",
    "township": "district",
    "other-district": "city",
    "other-township": "other-district",
}
TOWNSHIPS = {"township", "other-township"}
# The world turns on 发布前须领导签发 everywhere: an approval sends a publication to 待签发.
SIGNOFF_REQUIRED = set(DIVISIONS)

# What each role is granted, per kind of row (README, "Roles"). 签发 reads the catalog too:
# every role reads the catalog in its scope (a leader signs publications filed under it).
GRANTS = {
    "entry": {
        EDITOR: {"view", "change", "add"},
        REVIEWER: {"view", "review"},
        ADMINISTRATOR: {"view", "change", "add", "review"},
        LEADER: {"view"},
    },
    "publication": {
        EDITOR: {"view", "change", "add"},
        REVIEWER: {"view", "review"},
        # 紧急发布 (README "Publishing and review"): the division's own office administrator.
        ADMINISTRATOR: {"view", "change", "add", "review", "urgent"},
        LEADER: {"view", "sign"},
    },
}


def within(division: str, holder: str) -> bool:
    """Return True when ``division`` is ``holder`` or lies below it."""
    while division is not None:
        if division == holder:
            return True
        division = PARENT[division]
    return False


def reaches(who: Who, division: str) -> bool:
    """A role covers its division and everything below; a department's only its own division."""
    return division == who.level if who.dept else within(division, who.level)


def owns(who: Who, division: str, owner: str) -> bool:
    """The rows a role covers: a department's staff only the rows their department owns."""
    if who.dept:
        return division == who.level and owner == "dept"
    return within(division, who.level)


def may(who: Who, action: str, kind: str, division: str, owner: str = "office") -> bool:
    """Return True when ``who`` may do ``action`` to a ``kind`` row of ``owner`` in ``division``."""
    if action not in GRANTS[kind][who.role]:
        return False
    if action == "review":
        # The office above reviews (the city office also its own); departments never review.
        if who.dept:
            return False
        return within(division, who.level) and (division != who.level or who.level == "city")
    if action in ("sign", "urgent"):
        # The division's own 签发 leader signs what its office approved; its own office
        # administrator publishes urgently (never the office above, nor a department).
        return division == who.level and not who.dept
    if action == "add" and kind == "entry":
        # Townships only subtract (做减法): no new entries there, nor by a township's staff.
        if who.level in TOWNSHIPS or division in TOWNSHIPS:
            return False
        return reaches(who, division)
    # view, change, and adding a publication under an entry of ``owner``.
    return owns(who, division, owner)


def allowed(who: Who, action: str, row: Row) -> bool:
    return may(who, action, row.kind, row.division, row.owner)


def visible(who: Who, row: Row) -> bool:
    return allowed(who, "view", row)


def owner_label(division: str, owner: str) -> str:
    return "office" if owner == "office" else f"{division}/{owner}"


# The review URLs: which grant each needs (any of), the state it starts from and leads to.
TRANSITIONS = {
    "entry": {
        "submit": (("change",), "draft", "submitted"),
        "recall": (("change",), "submitted", "draft"),
        "approve": (("review",), "submitted", "published"),
        "return": (("review",), "submitted", "draft"),
        # 业务审核通过 (it stays submitted, now for the city office): no grant checks an entry of
        # the general table; only a city department on a domain route does (DOMAIN REVIEW below).
        "check": ((), "submitted", "checked"),
    },
    "publication": {
        "submit": (("change",), "draft", "submitted"),
        "recall": (("change",), "submitted", "draft"),
        "approve": (("review",), "submitted", "signoff"),  # SIGNOFF_REQUIRED everywhere
        "return": (("review",), "submitted", "draft"),
        "sign": (("sign",), "signoff", "published"),
        "sign_return": (("sign",), "signoff", "draft"),
        # Its owners and its reviewing office withdraw it.
        "withdraw": (("change", "review"), "published", "withdrawn"),
        # A new draft revision, owned like the published one.
        "revise": (("change",), "published", "revised"),
        # 紧急发布: published at once, sign-off and review skipped (reviewed afterwards).
        "urgent": (("urgent",), "draft", "published"),
    },
}


# -- expected answers, per action -------------------------------------------------------------


def expect_listed(who, row):
    return "shown" if visible(who, row) else "hidden"


def expect_page(who, row):
    return "200" if visible(who, row) else "404"


def expect_edit(who, row):
    if not visible(who, row):
        return "404"
    # A submitted entry is frozen while reviewed; published text changes only by revision.
    editable = row.status != "submitted" if row.kind == "entry" else row.status == "draft"
    return "saved" if allowed(who, "change", row) and editable else "refused"


def expect_delete(who, row):
    # Entries are dropped and publications withdrawn, never deleted.
    return "403 kept" if visible(who, row) else "404 kept"


def expect_drop(who, row):
    # 删减 is an edit of the catalog: its owners drop what is not under review.
    if not visible(who, row):
        return "404"
    return "dropped" if allowed(who, "change", row) and row.status != "submitted" else "refused"


def expect_forged_department(who, row):
    # Another division's department never owns an entry (refused, or ignored when read-only).
    return "kept" if visible(who, row) else "404"


def expect_moved_department(who, row):
    # Handing an entry to another of its division's departments is the office's coordination.
    if not visible(who, row):
        return "404"
    office = not who.dept and allowed(who, "change", row)
    return "moved" if office and row.status != "submitted" else "kept"


def expect_transition(action):
    def expect(who, row):
        needs, _start, end = TRANSITIONS[row.kind][action]
        if not visible(who, row):
            return "404"
        if not any(allowed(who, need, row) for need in needs):
            return "refused"
        signoff = row.division in SIGNOFF_REQUIRED
        if action == "approve" and row.kind == "publication" and not signoff:
            return "done:published"
        if end == "revised":
            return f"revised:{owner_label(row.division, row.owner)}"
        return f"done:{end}"

    return expect


def expect_attachment(who, row):
    return "200" if row.status == "published" or visible(who, row) else "404"


def adds_entries(who: Who) -> bool:
    """Whether the entry add page opens at all: the add grant, held above the townships."""
    return "add" in GRANTS["entry"][who.role] and who.level not in TOWNSHIPS


def expect_add_entry(who, division):
    if not adds_entries(who):
        return "403"
    if not may(who, "add", "entry", division):
        return "refused"
    # A department's editor adds for their department; the office's entries have none.
    return f"created:{owner_label(who.level, 'dept') if who.dept else 'office'}"


def expect_add_entry_choice(who, division):
    if may(who, "add", "entry", division):
        return "offered"
    if not reaches(who, division):
        return "withheld"
    return None  # a township in scope may be offered: posting it is refused with a message


def expect_add_entry_department(who, department):
    division, _owner = department
    if who.dept:
        # Staff of a department add for it, whatever is posted; another division's: refused.
        return f"created:{owner_label(who.level, 'dept')}" if division == who.level else "refused"
    return f"created:{owner_label(*department)}" if division == who.level else "refused"


def expect_add_publication(who, entry_row):
    if "add" not in GRANTS["publication"][who.role]:
        return "403"
    if may(who, "add", "publication", entry_row.division, entry_row.owner):
        # Owned by the department that owns the entry.
        return f"created:{owner_label(entry_row.division, entry_row.owner)}"
    return "refused"


def expect_add_publication_choice(who, entry_row):
    offered = may(who, "add", "publication", entry_row.division, entry_row.owner)
    return "offered" if offered else "withheld"


def expect_exported(who, row):
    return "exported" if visible(who, row) else "absent"


def expect_standard_export(who, row):
    # A division's catalog as the standard table: only divisions in reach, only visible rows.
    if not reaches(who, row.division):
        return "404"
    return "exported" if visible(who, row) else "absent"


def reviews_at_all(who: Who) -> bool:
    return not who.dept and "review" in GRANTS["publication"][who.role]


def expect_worklist(tab):
    def expect(who, row):
        if tab == "todo":  # drafts they may edit, returned ones included
            shown = allowed(who, "change", row) and row.status == "draft"
        elif tab == "review":  # what waits for them; for others, what their office sent up
            if reviews_at_all(who):
                shown = allowed(who, "review", row) and row.status == "submitted"
            else:
                shown = allowed(who, "change", row) and row.status == "submitted"
        elif tab == "signoff":  # for a leader what they sign; for others what waits for one
            if who.role == LEADER:
                shown = allowed(who, "sign", row) and row.status == "signoff"
            else:
                shown = visible(who, row) and row.status == "signoff"
        else:
            shown = visible(who, row) and row.status == "published"
        return "listed" if shown else "absent"

    return expect


def expect_default_tab(who, _target):
    if who.role == LEADER:
        return "signoff"
    if who.role == REVIEWER:
        return "review"
    return "todo"


def expect_entries_waiting(who, _target):
    waiting = [r for r in ENTRY_ROWS if r.status == "submitted" and allowed(who, "review", r)]
    return str(len(waiting))


# =============================================================================================
# DOMAIN REVIEW: city departments review the districts' catalogs by domain (README, "Departments
# and sign-off", 市直业务部门审核把关). In the world the city's department "dept" (市民政局),
# staffed by its 审核 subject, reviews the districts' entries of one domain before the city
# office ("before": it checks, 业务审核通过, then the office approves) and of another instead of it
# ("instead": it approves or returns, the office does not review them). Its rows are the office's
# entries of those domains in 芙蓉区, which the routes govern, in every state (and, for "before",
# submitted both unchecked and checked), and in 长沙市, which they do not (the city's own catalog
# stays with the city office): the general table judges those. For a routed row:
#   * who sees it: whoever the general table lets see it, and the department's reviewers, who
#     read it (list, pages, history, export) and may do nothing else to it but review;
#   * who decides it at the department's stage (an unchecked "before" entry, an "instead" one):
#     the department's reviewers, who check ("before") or approve ("instead") it, or return it;
#     not the city office, which neither approves nor returns it then; nobody approves an
#     unchecked "before" entry;
#   * who decides it at the office's stage (a checked "before" entry): the general table's
#     reviewers approve or return it; the department does nothing more, not even check it again;
#   * ``check`` is done by a department's reviewer on a routed "before" entry at its stage, and
#     refused to every other who sees a submitted entry;
#   * the working list counts, for each reviewer, the routed entries waiting at their stage.
# =============================================================================================

DISTRICTS = {"district", "other-district"}  # the catalogs a domain route governs


def domain_review_rows() -> list[Row]:
    """The entry rows of the routed domains: 芙蓉区's (routed) and the city's (not)."""
    return list(DOMAIN_REVIEW_ROWS)


def routed(row: Any) -> bool:
    """Whether a domain route governs ``row``: a district's entry of a routed domain."""
    return (
        isinstance(row, Row)
        and row.kind == "entry"
        and bool(row.route)
        and row.division in DISTRICTS
    )


def department_reviewer(who: Who) -> bool:
    """Whether ``who`` reviews for the routes' department: 审核 staff of the city's "dept"."""
    return who.dept and who.level == "city" and "review" in GRANTS["entry"][who.role]


def at_department(row: Row) -> bool:
    """Whether a submitted routed row waits at the department's stage (else the office's)."""
    return not (row.route == "before" and row.checked)


def decides_now(who: Who, row: Row) -> bool:
    """Whether ``who`` reviews (checks or approves, or returns) the submitted routed ``row``."""
    if at_department(row):
        return department_reviewer(who)
    return allowed(who, "review", row)


# What a department's reviewer, who only reads a routed row, gets; the other actions: the
# general table (the standard export is a division's whole catalog, out of a city
# department's reach: 404; they add no publications: 403).
READER_ANSWERS = {
    "list-entries": "shown",
    "list-entry-events": "shown",
    "view-entry": "200",
    "history-entry": "200",
    "export": "exported",
    "edit-entry": "refused",
    "delete-entry": "403 kept",
    "drop-entry": "refused",
    "submit-entry": "refused",
    "recall-entry": "refused",
}


def domain_review_expectation(who: Who, target: Any, action: str) -> str | None:
    """The answer a domain route dictates for ``who`` × ``target`` × ``action``; None: the
    general rule table decides."""
    if action == "worklist-entries-waiting":
        waiting = [
            r
            for r in domain_review_rows()
            if r.status == "submitted"
            and (decides_now(who, r) if routed(r) else allowed(who, "review", r))
        ]
        return str(int(expect_entries_waiting(who, target)) + len(waiting))
    if not routed(target):
        return None
    step = action.removesuffix("-entry")
    if step in ("check", "approve", "return"):
        if not (visible(who, target) or department_reviewer(who)):
            return "404"
        if step == "check":
            checks = target.route == "before" and at_department(target)
            return "done:checked" if checks and department_reviewer(who) else "refused"
        if step == "approve" and target.route == "before" and at_department(target):
            return "refused"  # the department passes it on; the office waits for that
        if not decides_now(who, target):
            return "refused"
        return "done:published" if step == "approve" else "done:draft"
    if department_reviewer(who):
        return READER_ANSWERS.get(action)
    return None


# Every entry row an entry action is tried on: the general table's, then the routed domains'.
ALL_ENTRY_ROWS = [*ENTRY_ROWS, *domain_review_rows()]


def sees(who: Who, row: Row) -> bool:
    """Whether ``who`` sees ``row`` (for the coverage check), routes included."""
    if routed(row) and department_reviewer(who):
        return True
    return visible(who, row)


# =============================================================================================
# Requests
# =============================================================================================


class Raised:
    """What a view raised instead of answering (the test client re-raises it)."""

    def __init__(self, error: Exception):
        self.error = error
        self.status_code = 500

    def __str__(self) -> str:
        return f"raised {type(self.error).__name__}: {self.error}"


class Session:
    """One subject signed in; writes are made in a savepoint and undone."""

    def __init__(self, world: MatrixWorld, who: Who):
        self.world, self.who = world, who
        self.client = Client(HTTP_X_FORWARDED_PROTO="https")
        self.client.force_login(User.objects.get(pk=world.users[who.label]))
        self.missing: dict[str, bytes | None] = {}  # a missing id's 404 page, by address

    def send(self, method: str, url: str, data: dict | None = None):
        try:
            return getattr(self.client, method)(url, data or {})
        except Exception as error:  # the test client re-raises what the view raised
            return Raised(error)

    def get(self, url: str, data: dict | None = None):
        response = self.send("get", url, data)
        if getattr(response, "streaming", False):
            # Read it through: the test client's wrapper then closes the file with the
            # request_finished signal detached. A bare close() fires close_old_connections,
            # which drops the PostgreSQL connection that holds the world's open transaction.
            b"".join(response.streaming_content)
        return response

    def write(self, url: str, data: dict, read: Callable[[Any], str]) -> str:
        """POST, then return ``read(response)`` taken before the savepoint is rolled back."""
        with transaction.atomic():
            response = self.send("post", url, data)
            outcome = str(response) if isinstance(response, Raised) else read(response)
            transaction.set_rollback(True)
        # Messages the admin queued for the next page would pile up in the cookie.
        self.client.cookies.pop("messages", None)
        return outcome


def code(response) -> str:
    return str(response) if isinstance(response, Raised) else str(response.status_code)


def form_errors(response) -> bool:
    """Return True when the page shows form errors (the refusal's message)."""
    context = getattr(response, "context", None) or {}
    form = getattr(context.get("adminform"), "form", None)
    return bool(form is not None and form.errors)


def refusal(response) -> str:
    status = response.status_code
    if status == 404:
        return "404"
    return "refused" if status in (200, 302, 403) else f"answered {status}"


def model_of(row: Row):
    return CatalogEntry if row.kind == "entry" else Publication


def admin_url(row: Row, page: str, *extra) -> str:
    app = "catalog_catalogentry" if row.kind == "entry" else "publications_publication"
    return reverse(f"admin:{app}_{page}", args=[*extra])


def changelist_pks(session: Session, url: str) -> set[int] | str:
    """Every id the changelist lists (all pages, as the ChangeList computed them), or its status."""
    response = session.get(url)
    if isinstance(response, Raised) or response.status_code != 200:
        return code(response)
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


# -- observations, per action: (session, targets) → {target: outcome} -------------------------


def observe_listed(session, rows):
    pks = changelist_pks(session, admin_url(rows[0], "changelist"))
    if isinstance(pks, str):
        return dict.fromkeys(rows, f"changelist answered {pks}")
    return {row: "shown" if session.world.pk(row) in pks else "hidden" for row in rows}


def observe_events_listed(session, rows):
    row = rows[0]
    if row.kind == "entry":
        url, events, key = reverse("admin:catalog_catalogevent_changelist"), CatalogEvent, "entry"
    else:
        url = reverse("admin:publications_publicationevent_changelist")
        events, key = PublicationEvent, "publication"
    shown = changelist_pks(session, url)
    if isinstance(shown, str):
        return dict.fromkeys(rows, f"changelist answered {shown}")
    found = {}
    for row in rows:
        pks = set(
            events.objects.filter(**{key: session.world.pk(row)}).values_list("pk", flat=True)
        )
        assert pks, f"{row} has events"
        seen = pks & shown
        found[row] = "shown" if seen == pks else "hidden" if not seen else "partly shown"
    return found


MISSING_PK = 10**8 + 7  # an id no row has


def body_without(response, url: str) -> bytes:
    """The page a refusal shows, without the address it names."""
    if isinstance(response, Raised) or response.streaming:
        return b""
    return response.content.replace(url.encode(), b"")


def answer_like_missing(session, response, url: str, missing_url: str) -> str:
    """The status, and for a 404 whether it is the very page a missing id gets."""
    answer = code(response)
    if answer == "404":
        if missing_url not in session.missing:
            missing = session.get(missing_url)
            page = body_without(missing, missing_url) if code(missing) == "404" else None
            session.missing[missing_url] = page
        if body_without(response, url) != session.missing[missing_url]:
            return "404 unlike a missing id's"
    return answer


def observe_page(page):
    def observe(session, rows):
        found = {}
        for row in rows:
            url = admin_url(row, page, session.world.pk(row))
            missing = admin_url(row, page, MISSING_PK)
            found[row] = answer_like_missing(session, session.get(url), url, missing)
        return found

    return observe


def entry_form_data(entry: CatalogEntry, **overrides) -> dict:
    """The POST a browser sends from an entry's change page (tests/portal's, with the owner)."""
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
        "department": str(entry.department_id or ""),
        "_save": "保存",
    }
    for flag in ("audience_all", "audience_specific", "mode_active", "mode_on_request"):
        if getattr(entry, flag):
            data[flag] = "on"
    data.update(overrides)
    return data


def notice_type() -> int:
    """Return the id of the 通知公告 type (every publication form names a type)."""
    return PublicationType.objects.get(slug="tongzhi").pk


def publication_form_data(publication: Publication, **overrides) -> dict:
    data = {
        "title": publication.title,
        "doc_no": publication.doc_no,
        "formed_on": publication.formed_on.isoformat(),
        "responsible_body": publication.responsible_body,
        "expires_on": "",
        "body": publication.body,
        "pub_type": str(notice_type()),
        "disclosure": "active",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    data.update(overrides)
    return data


EDITED = "矩阵修改"


def observe_edit(session, rows):
    found = {}
    for row in rows:
        pk, model = session.world.pk(row), model_of(row)
        obj = model.objects.get(pk=pk)
        if row.kind == "entry":
            data, field = entry_form_data(obj, remarks=EDITED), "remarks"
        else:
            data, field = publication_form_data(obj, title=EDITED), "title"

        def read(response, pk=pk, field=field, model=model):
            if getattr(model.objects.get(pk=pk), field) == EDITED:
                return "saved"
            return refusal(response)

        found[row] = session.write(admin_url(row, "change", pk), data, read)
    return found


def observe_delete(session, rows):
    found = {}
    for row in rows:
        pk, model = session.world.pk(row), model_of(row)

        def read(response, pk=pk, model=model):
            kept = "kept" if model.objects.filter(pk=pk).exists() else "deleted"
            return f"{response.status_code} {kept}"

        found[row] = session.write(admin_url(row, "delete", pk), {"post": "yes"}, read)
    return found


def department_outcome(session, pk, response, before) -> str:
    after = CatalogEntry.objects.get(pk=pk).department_id
    if response.status_code == 404:
        return "404"
    if response.status_code not in (200, 302, 403):
        return f"answered {response.status_code}"
    if after == before:
        return "kept"
    return f"moved to {session.world.department_label(after)}"


def observe_drop(session, rows):
    found = {}
    for row in rows:
        pk = session.world.pk(row)

        def read(response, pk=pk):
            if response.status_code == 404:
                return "404"
            if CatalogEntry.objects.get(pk=pk).is_dropped:
                return "dropped"
            return refusal(response)

        found[row] = session.write(admin_url(row, "drop", pk), {"confirm": "1"}, read)
    return found


def foreign_department(world: MatrixWorld, row: Row) -> int:
    """A department of another division than ``row``'s."""
    other = "other-district" if row.division != "other-district" else "district"
    return world.departments[(other, "dept")]


def sibling_owner(row: Row) -> str:
    """Another owner in ``row``'s division (a department, or the office)."""
    return next(o for o in owners(row.division) if o != row.owner)


def observe_department(forged: bool):
    def observe(session, rows):
        found = {}
        for row in rows:
            pk = session.world.pk(row)
            entry = CatalogEntry.objects.get(pk=pk)
            if forged:
                department = foreign_department(session.world, row)
            else:
                other = sibling_owner(row)
                department = (
                    "" if other == "office" else session.world.departments[(row.division, other)]
                )
            data = entry_form_data(entry, department=str(department))

            def read(response, pk=pk, before=entry.department_id):
                outcome = department_outcome(session, pk, response, before)
                return "moved" if outcome.startswith("moved") and not forged else outcome

            found[row] = session.write(admin_url(row, "change", pk), data, read)
        return found

    return observe


def observe_transition(action):
    def observe(session, rows):
        found = {}
        for row in rows:
            pk, model = session.world.pk(row), model_of(row)
            data = {
                "reason": "矩阵退回",
                "sign_reason": "矩阵签发退回",
                "withdraw_reason": "矩阵撤销",
                "urgent_reason": "矩阵紧急发布",
            }

            checked = model.objects.get(pk=pk).checked_at if action == "check" else None

            def read(
                response,
                pk=pk,
                model=model,
                start=TRANSITIONS[row.kind][action][1],
                checked=checked,
            ):
                if response.status_code == 404:
                    return "404"
                if response.status_code != 302:
                    return f"answered {response.status_code}"
                if action == "check":
                    entry = model.objects.get(pk=pk)
                    if entry.status != start:
                        return f"moved to {entry.status}"
                    return "refused" if entry.checked_at == checked else "done:checked"
                if action == "revise":
                    draft = Publication.objects.filter(replaces_id=pk).first()
                    if draft is None:
                        return "refused"
                    return f"revised:{session.world.department_label(draft.department_id)}"
                status = model.objects.get(pk=pk).status
                return "refused" if status == start else f"done:{status}"

            found[row] = session.write(admin_url(row, "review", pk, action), data, read)
        return found

    return observe


def observe_attachment(session, rows):
    found = {}
    missing = reverse("portal:attachment", args=[MISSING_PK])
    for row in rows:
        url = reverse("portal:attachment", args=[session.world.attachments[row]])
        found[row] = answer_like_missing(session, session.get(url), url, missing)
    return found


def entry_add_data(division_pk: int, item_pk: int, department: str = "") -> dict:
    return {
        "division": str(division_pk),
        "item": str(item_pk),
        "department": department,
        "content": "矩阵新增事项的公开内容",
        "time_limit": "20个工作日内",
        "levels": "县级：政府网站",
        "item_type": CatalogEntry.ItemType.NON_SERVICE,
        "audience_all": "on",
        "mode_active": "on",
        "_save": "保存",
    }


def added_entry_outcome(session, division_pk, response) -> str:
    if response.status_code == 403:
        return "403"
    made = CatalogEntry.objects.filter(division_id=division_pk, item_id=session.world.new_item)
    made = made.first()
    if made is not None:
        return f"created:{session.world.department_label(made.department_id)}"
    if response.status_code == 200:
        return "refused" if form_errors(response) else "refused without a message"
    return f"answered {response.status_code}"


def observe_add_entry(session, divisions):
    url = reverse("admin:catalog_catalogentry_add")
    found = {}
    for division in divisions:
        pk = session.world.divisions[division]
        data = entry_add_data(pk, session.world.new_item)
        found[division] = session.write(
            url, data, lambda response, pk=pk: added_entry_outcome(session, pk, response)
        )
    return found


def observe_add_entry_department(session, departments):
    url = reverse("admin:catalog_catalogentry_add")
    own = session.world.divisions[session.who.level]
    found = {}
    for department in departments:
        data = entry_add_data(
            own, session.world.new_item, str(session.world.departments[department])
        )
        found[department] = session.write(
            url, data, lambda response: added_entry_outcome(session, own, response)
        )
    return found


def observe_add_entry_choices(session, divisions):
    response = session.get(reverse("admin:catalog_catalogentry_add"))
    if isinstance(response, Raised) or response.status_code != 200:
        return {d: f"add page answered {code(response)}" for d in divisions}
    offered = set(
        response.context["adminform"].form.fields["division"].queryset.values_list("pk", flat=True)
    )
    return {
        d: "offered" if session.world.divisions[d] in offered else "withheld" for d in divisions
    }


PUBLISHED_TITLE = "矩阵新增公开信息"


def observe_add_publication(session, entry_rows):
    url = reverse("admin:publications_publication_add")
    found = {}
    for row in entry_rows:
        data = {
            "entry": str(session.world.pk(row)),
            "title": PUBLISHED_TITLE,
            "doc_no": "",
            "formed_on": "2026-11-02",
            "responsible_body": "",
            "expires_on": "",
            "body": "",
            "pub_type": str(notice_type()),
            "disclosure": "active",
            "_save": "保存",
        }

        def read(response):
            if response.status_code == 403:
                return "403"
            made = Publication.objects.filter(title=PUBLISHED_TITLE).first()
            if made is not None:
                return f"created:{session.world.department_label(made.department_id)}"
            if response.status_code == 200:
                return "refused" if form_errors(response) else "refused without a message"
            return f"answered {response.status_code}"

        found[row] = session.write(url, data, read)
    return found


def observe_add_publication_choices(session, entry_rows):
    response = session.get(reverse("admin:publications_publication_add"))
    if isinstance(response, Raised) or response.status_code != 200:
        return {r: f"add page answered {code(response)}" for r in entry_rows}
    field = response.context["adminform"].form.fields["entry"]
    offered = set(field.queryset.values_list("pk", flat=True))
    return {r: "offered" if session.world.pk(r) in offered else "withheld" for r in entry_rows}


def csv_index() -> int:
    formats = django_admin.site.get_model_admin(CatalogEntry).get_export_formats()
    return next(i for i, fmt in enumerate(formats) if fmt is base_formats.CSV)


def observe_export(session, rows):
    data = {
        "format": str(csv_index()),
        "resource": "0",
        "catalogentryresource_division_code": "on",
        "catalogentryresource_second_level": "on",
    }
    response = session.send("post", reverse("admin:catalog_catalogentry_export"), data)
    if isinstance(response, Raised) or response.status_code != 200:
        return {row: f"export answered {code(response)}" for row in rows}
    lines = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    exported = {(line["区划代码"], line["二级事项"]) for line in lines}
    return {row: "exported" if row_key(row) in exported else "absent" for row in rows}


def row_key(row: Row) -> tuple[str, str]:
    """A row as the exports name it: its division's code and its item's name."""
    return CODES[row.division], row.item


def observe_standard_export(session, rows):
    found = {}
    for division in DIVISIONS:
        mine = [r for r in rows if r.division == division]
        if not mine:
            continue
        url = reverse("admin:catalog_catalogentry_standard_export")
        response = session.get(url, {"division": CODES[division], "format": "csv"})
        if isinstance(response, Raised) or response.status_code != 200:
            found |= {row: code(response) for row in mine}
            continue
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        exported = {(line[0], line[4]) for line in lines[1:]}
        found |= {row: "exported" if row_key(row) in exported else "absent" for row in mine}
    return found


WORKLIST = "admin:publications_publication_worklist"


def observe_worklist(tab):
    def observe(session, rows):
        response = session.get(reverse(WORKLIST), {"tab": tab})
        if isinstance(response, Raised) or response.status_code != 200:
            return {row: f"worklist answered {code(response)}" for row in rows}
        listed = {p.pk for p in response.context["rows"]}
        return {row: "listed" if session.world.pk(row) in listed else "absent" for row in rows}

    return observe


def observe_worklist_context(key):
    def observe(session, targets):
        response = session.get(reverse(WORKLIST))
        if isinstance(response, Raised) or response.status_code != 200:
            return {t: f"worklist answered {code(response)}" for t in targets}
        return {t: str(response.context[key]) for t in targets}

    return observe


# =============================================================================================
# The actions: what each is tried on, the expected answer, the observation
# =============================================================================================


@dataclass(frozen=True)
class Action:
    name: str
    group: str
    targets: Callable[[Who], list]
    expect: Callable[[Who, Any], str | None]
    observe: Callable[[Session, list], dict]


def rows_of(kind: str, *states: str) -> Callable[[Who], list[Row]]:
    rows = ALL_ENTRY_ROWS if kind == "entry" else PUBLICATION_ROWS
    chosen = [r for r in rows if not states or r.status in states]
    return lambda who: chosen


def entry_targets_for_editors(*states: str) -> Callable[[Who], list[Row]]:
    """Entry rows in ``states``, for those who may edit somewhere (others get the edit's 403)."""
    rows = [r for r in ALL_ENTRY_ROWS if r.status in states]
    return lambda who: rows if "change" in GRANTS["entry"][who.role] else []


# One per owner, and one per routed domain in the city and in 芙蓉区.
PUBLISHED_ENTRIES = [r for r in ALL_ENTRY_ROWS if r.status == "published"]


def _actions() -> list[Action]:
    found = [
        Action("list-entries", "lists", rows_of("entry"), expect_listed, observe_listed),
        Action("list-publications", "lists", rows_of("publication"), expect_listed, observe_listed),
        Action(
            "list-entry-events", "lists", rows_of("entry"), expect_listed, observe_events_listed
        ),
        Action(
            "list-publication-events",
            "lists",
            rows_of("publication"),
            expect_listed,
            observe_events_listed,
        ),
    ]
    for kind in ("entry", "publication"):
        found += [
            Action(f"view-{kind}", "pages", rows_of(kind), expect_page, observe_page("change")),
            Action(f"history-{kind}", "pages", rows_of(kind), expect_page, observe_page("history")),
            Action(f"edit-{kind}", "writes", rows_of(kind), expect_edit, observe_edit),
            Action(f"delete-{kind}", "writes", rows_of(kind), expect_delete, observe_delete),
        ]
        for action, (_needs, start, _end) in TRANSITIONS[kind].items():
            found.append(
                Action(
                    f"{action}-{kind}",
                    "review",
                    rows_of(kind, start),
                    expect_transition(action),
                    observe_transition(action),
                )
            )
    found += [
        Action(
            "drop-entry",
            "writes",
            rows_of("entry", "draft", "submitted"),
            expect_drop,
            observe_drop,
        ),
        Action(
            "forge-department",
            "writes",
            entry_targets_for_editors("draft"),
            expect_forged_department,
            observe_department(forged=True),
        ),
        Action(
            "move-department",
            "writes",
            # A submitted entry is frozen: its department too.
            entry_targets_for_editors("draft", "submitted"),
            expect_moved_department,
            observe_department(forged=False),
        ),
        Action(
            "add-entry", "adds", lambda who: list(DIVISIONS), expect_add_entry, observe_add_entry
        ),
        Action(
            "add-entry-choices",
            "adds",
            lambda who: list(DIVISIONS) if adds_entries(who) else [],
            expect_add_entry_choice,
            observe_add_entry_choices,
        ),
        Action(
            "add-entry-department",
            "adds",
            lambda who: list(DEPARTMENT_NAMES) if adds_entries(who) else [],
            expect_add_entry_department,
            observe_add_entry_department,
        ),
        Action(
            "add-publication",
            "adds",
            lambda who: PUBLISHED_ENTRIES,
            expect_add_publication,
            observe_add_publication,
        ),
        Action(
            "add-publication-choices",
            "adds",
            lambda who: ALL_ENTRY_ROWS if "add" in GRANTS["publication"][who.role] else [],
            expect_add_publication_choice,
            observe_add_publication_choices,
        ),
        Action("export", "exports", rows_of("entry"), expect_exported, observe_export),
        Action(
            "standard-export",
            "exports",
            rows_of("entry"),
            expect_standard_export,
            observe_standard_export,
        ),
        Action(
            "attachment", "exports", rows_of("publication"), expect_attachment, observe_attachment
        ),
    ]
    for tab in ("todo", "review", "signoff", "published"):
        found.append(
            Action(
                f"worklist-{tab}",
                "worklist",
                rows_of("publication"),
                expect_worklist(tab),
                observe_worklist(tab),
            )
        )
    found += [
        Action(
            "worklist-opens-on",
            "worklist",
            lambda who: ["-"],
            expect_default_tab,
            observe_worklist_context("tab"),
        ),
        Action(
            "worklist-entries-waiting",
            "worklist",
            lambda who: ["-"],
            expect_entries_waiting,
            observe_worklist_context("entries_waiting"),
        ),
    ]
    return found


ACTIONS = {action.name: action for action in _actions()}
GROUPS = sorted({action.group for action in ACTIONS.values()})


def target_label(target) -> str:
    if isinstance(target, Row):
        return target.label
    if isinstance(target, tuple):
        return f"department {owner_label(*target)}"
    if target == "-":
        return "(page)"
    return f"division {target}"


@dataclass(frozen=True)
class Cell:
    who: Who
    target: Any
    action: str

    def __str__(self) -> str:
        return f"{self.who} × {target_label(self.target)} × {self.action}"


def cells(who: Who, action: Action) -> list[Cell]:
    return [Cell(who, target, action.name) for target in action.targets(who)]


def expected(cell: Cell) -> str | None:
    """The cell's expected answer: a domain route's, else the general table's (None: open)."""
    answer = domain_review_expectation(cell.who, cell.target, cell.action)
    if answer is None:
        answer = ACTIONS[cell.action].expect(cell.who, cell.target)
    return answer


# =============================================================================================
# Known bugs: cells where the product contradicts the rule table (each an xfail, strict)
# =============================================================================================


@dataclass(frozen=True)
class Bug:
    reason: str
    matches: Callable[[Cell], bool]


def _leader_above(cell: Cell) -> bool:
    row = cell.target
    return (
        cell.action in ("sign-publication", "sign_return-publication", "worklist-signoff")
        and cell.who.role == LEADER
        and isinstance(row, Row)
        and row.status == "signoff"
        and row.division != cell.who.level
        and within(row.division, cell.who.level)
    )


def _department_standard_export(cell: Cell) -> bool:
    row = cell.target
    return (
        cell.action == "standard-export"
        and cell.who.dept
        and row.division == cell.who.level
        and row.owner != "dept"
    )


def _revision_loses_department(cell: Cell) -> bool:
    row = cell.target
    return (
        cell.action == "revise-publication"
        and row.owner != "office"
        and allowed(cell.who, "change", row)
    )


# The bugs this matrix found (a leader signing below their division, a department's standard
# export holding the whole division, a revision losing its department, a city department's
# reviewer not seeing the events of the entries it reviews) are fixed; an open one goes here as
# Bug(reason, matcher).
KNOWN_BUGS: list[Bug] = []


def known_bug(cell: Cell) -> Bug | None:
    return next((bug for bug in KNOWN_BUGS if bug.matches(cell)), None)


# =============================================================================================
# The world, and the tally of cells checked
# =============================================================================================

CHECKED: Counter[str] = Counter()
SKIPPED_AS_BUGS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def matrix(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The matrix's world, built once; rolled back after the module."""
    media = tmp_path_factory.mktemp("matrix-media")
    with override_settings(MEDIA_ROOT=media):
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                world = build_matrix_world()
            except BaseException:
                outer.__exit__(*sys.exc_info())
                raise
        yield world
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if CHECKED and reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in matrix_summary().splitlines():
                reporter.write_line(line)


def matrix_summary() -> str:
    lines = [f"permission matrix: {sum(CHECKED.values())} cells checked"]
    width = max((len(name) for name in ACTIONS), default=0)
    for name in ACTIONS:
        if CHECKED[name] or SKIPPED_AS_BUGS[name]:
            bugs = f"  (+{SKIPPED_AS_BUGS[name]} known bugs)" if SKIPPED_AS_BUGS[name] else ""
            lines.append(f"  {name:<{width}}  {CHECKED[name]:>5}{bugs}")
    return "\n".join(lines)


def check(session: Session, action: Action) -> list[str]:
    """Try ``action`` on its targets as ``session``'s subject; return the mismatches."""
    todo = []
    for cell in cells(session.who, action):
        if known_bug(cell):
            SKIPPED_AS_BUGS[action.name] += 1
        else:
            todo.append(cell)
    if not todo:
        return []
    actual = action.observe(session, [cell.target for cell in todo])
    problems = []
    for cell in todo:
        answer = expected(cell)
        if answer is None:
            continue  # the rule table leaves this cell open
        CHECKED[action.name] += 1
        got = actual[cell.target]
        if got != answer:
            problems.append(f"{cell}: expected {answer}, got {got}")
    return problems


# =============================================================================================
# The tests
# =============================================================================================

SUBJECT_PARAMS = [pytest.param(who, id=who.label) for who in SUBJECTS]


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("who", SUBJECT_PARAMS)
def test_matrix(matrix, who, group):
    """Every action of ``group`` on every target, as ``who``; all mismatches reported at once."""
    session = Session(matrix, who)
    problems = []
    for action in ACTIONS.values():
        if action.group == group:
            problems += check(session, action)
    if problems:
        pytest.fail(
            f"{len(problems)} cell(s) contradict the rule table:\n" + "\n".join(problems),
            pytrace=False,
        )


def bug_cells() -> list:
    return [
        cell
        for who in SUBJECTS
        for action in ACTIONS.values()
        for cell in cells(who, action)
        if known_bug(cell) is not None
    ]


def test_known_bugs_still_fail(matrix):
    """Each known bug's cell still contradicts the rule table; a fixed one must leave KNOWN_BUGS.

    One test over a list (not a parametrised one): with no known bugs an empty parameter set
    would be reported as a skip, which CI treats as a failure.
    """
    fixed, listed = [], bug_cells()
    for cell in listed:
        action = ACTIONS[cell.action]
        got = action.observe(Session(matrix, cell.who), [cell.target])[cell.target]
        if got == expected(cell):
            fixed.append(f"{cell} ({known_bug(cell).reason})")
    assert not fixed, "fixed, remove from KNOWN_BUGS:\n" + "\n".join(fixed)
    assert all(any(bug.matches(c) for c in listed) for bug in KNOWN_BUGS), (
        "a KNOWN_BUGS entry matches no cell"
    )


def test_matrix_covers_every_dimension():
    """Every role at every level, in the office and (editors, reviewers) in a department; rows
    of every owner in every state in every division; every row seen by someone and hidden from
    someone; every row action tried on every row of its kind and state."""
    assert len(SUBJECTS) == 18
    for level in ("city", "district", "township"):
        held = {(w.role, w.dept) for w in SUBJECTS if w.level == level}
        assert held == {(r, False) for r in GRANTS["entry"]} | {(EDITOR, True), (REVIEWER, True)}
    for kind, rows, states in (
        ("entry", ENTRY_ROWS, ("draft", "submitted", "published")),
        ("publication", PUBLICATION_ROWS, ("draft", "submitted", "signoff", "published")),
    ):
        for division in DIVISIONS:
            assert {(r.owner, r.status) for r in rows if r.division == division} == {
                (o, s)
                for o in owners(division)
                if o == "office" or division in LEVELS
                for s in states
            }, (kind, division)
    for row in ALL_ENTRY_ROWS + PUBLICATION_ROWS:
        seen = {sees(who, row) for who in SUBJECTS}
        assert seen == {True, False}, f"{row}: {seen}"
    for action in ACTIONS.values():
        for who in SUBJECTS:
            targets = action.targets(who)
            if action.group in ("pages", "lists") or action.name.startswith(("edit-", "delete-")):
                assert targets == (ALL_ENTRY_ROWS if "entr" in action.name else PUBLICATION_ROWS)
        answers = {action.expect(c.who, c.target) for who in SUBJECTS for c in cells(who, action)}
        if action.name not in ("worklist-opens-on",):
            assert len(answers - {None}) >= 2, f"{action.name}: the same answer everywhere"


def test_matrix_covers_domain_review():
    """Both modes, a routed entry in every state it passes through (a "before" one submitted
    unchecked and checked) and the city's own entries of those domains; every entry action
    tried on them as on the general table's rows of their state; the department's reviewer
    among the subjects; every subject tries to check every submitted entry."""
    rows = domain_review_rows()
    assert {(r.route, r.status, r.checked) for r in rows if routed(r)} == {
        (route, status, False) for route in ("before", "instead") for status in ENTRY_STATES
    } | {("before", "submitted", True)}
    assert {(r.division, r.route, r.status) for r in rows if not routed(r)} == {
        ("city", route, status) for route in ("before", "instead") for status in ENTRY_STATES
    }
    assert len(set(rows)) == len(rows) and not set(rows) & set(ENTRY_ROWS)
    assert [who for who in SUBJECTS if department_reviewer(who)] == [Who("city", REVIEWER, True)]
    for action in ACTIONS.values():
        for who in SUBJECTS:
            tried = set(action.targets(who))
            for row in rows:
                general = Row("entry", row.division, row.owner, row.status)
                assert (general in tried) == (row in tried), (action.name, who.label, row.label)
    submitted = [r for r in ALL_ENTRY_ROWS if r.status == "submitted"]
    for who in SUBJECTS:
        assert ACTIONS["check-entry"].targets(who) == submitted
    answers = {
        expected(c)
        for who in SUBJECTS
        for c in cells(who, ACTIONS["check-entry"])
        if routed(c.target)
    }
    assert answers == {"404", "refused", "done:checked"}
