"""The permission matrix of the on-request disclosure queue (依申请公开): role × department ×
level × in/out of scope × action, through the admin's real URLs.

Modelled on ``tests/security/test_permission_matrix.py``: for every subject
(填报, 审核, 管理 and 签发 in the office of 长沙市, 芙蓉区, 文艺路街道 and the
cousin district 天心区, and a 填报 and a 审核 in a department of each of the
first three), every request row (in 长沙市, 芙蓉区, 文艺路街道 and 天心区, owned
by the office or by a department; in 芙蓉区 also by a second department) and
every action staff reach, the EXPECTED answer comes from the rule table below,
written from the README ("依申请公开 / On-request disclosure", "Roles",
"Departments and sign-off") and never from ``foi/policies.py``; the ACTUAL answer
comes from real requests with the Django test client, signed in as the subject.

Each row holds a signed 补正通知书 (with its PDF) and a draft 答复书 another user drafted.
Actions (each cell is "<subject> × <row> × <action>"):

* ``list``: the row is in the changelist; ``list-personal``: its applicant's name shows there;
* ``view``: the request's page answers 200, or 404 out of scope (exactly like a missing id);
* ``personal``: the page shows the applicant's name and phone (markers unique to the row);
* ``forms``: which controls the page offers (step, letter and transfer forms, 签发, 退回, PDF);
* ``step`` / ``draft`` / ``transfer``: a valid POST of the step, letter and transfer forms (the
  pending draft is withdrawn first for ``draft``); ``sign`` / ``withdraw``: 签发 or 退回 of the
  draft; ``sign-own-draft``: 签发 of the draft after it was made the subject's own; ``pdf``: the
  signed letter's download;
* ``add-choice``: the division the registration form (add/) is for, asked with a forged
  ``?division=``; ``add-post``: the request it registers when posted with a forged ``?division=``
  and a forged POST ``division`` (division × subject); ``add-forged-department``: a posted
  department of another division.

An allowed write answers "done" (its effect checked in the database); a refused one "403" in
scope and "404" out of scope, and a 404 must be the very page a missing id gets.

The bugs this matrix found are fixed: the handling office's 签发 leader could not sign (or send
back) a letter nor see the applicant; the offices above read the applicant's name in the text of
the request's letters; the 签发 button was offered to editors, who may not sign; a department's
staff registered posted requests for the office, not for their department.

Every write is made in a savepoint that is rolled back, so each cell sees the world as built
(once per module, in an outer transaction rolled back at the end). A summary (cells checked per
action) is printed at the end of the module.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from districts.models import Department, Division, Role
from districts.services import membership_grant
from foi import services
from foi.models import InfoRequest, Letter, RequestEvent
from tests.factories import UserFactory
from tests.security.matrix_world import CODES, Who
from workcalendar.services import calendar_seed_from_package

from .conftest import ID_NUMBER

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
ROLES = (EDITOR, REVIEWER, ADMINISTRATOR, LEADER)

# =============================================================================================
# The world: the tree of tests/security/matrix_world.py (real Changsha codes)
#
#     长沙市 "city" ─┬─ 芙蓉区 "district" ──── 文艺路街道 "township"
#                    └─ 天心区 "other-district" (the cousin) ─ 坡子街街道 "other-township"
# =============================================================================================

DIVISIONS = ("city", "district", "township", "other-district", "other-township")
LEVELS = ("city", "district", "township")  # where department staff are tested
COUSIN = "other-district"
DEPARTMENT_NAMES = {
    ("city", "dept"): "市民政局",
    ("district", "dept"): "区民政局",
    ("district", "dept2"): "区城管执法大队",
    ("township", "dept"): "街道社会事务办",
    ("other-district", "dept"): "天心区民政局",
}

SUBJECTS = [
    *(
        Who(level, role, dept)
        for level in LEVELS
        for role in ROLES
        for dept in (False, True)
        if not dept or role in (EDITOR, REVIEWER)  # the database refuses others in departments
    ),
    *(Who(COUSIN, role) for role in ROLES),
]


@dataclass(frozen=True, order=True)
class Req:
    """A request made to ``division``, handled by its office or by one of its departments."""

    division: str
    owner: str  # "office" | "dept" | "dept2"

    @property
    def label(self) -> str:
        return f"{self.division} {self.owner} request"

    def __str__(self) -> str:
        return self.label


ROWS = [
    Req(division, owner)
    for division in ("city", "district", "township", COUSIN)
    for owner in ("office", *(o for d, o in DEPARTMENT_NAMES if d == division))
]


def name_marker(index: int) -> str:
    return f"矩阵申请人{index:02d}"


def phone_marker(index: int) -> str:
    return f"1390731{index:04d}"


def applicant(index: int, description: str) -> dict:
    """The form's fields of a natural person's request, with markers unique to ``index``."""
    return {
        "applicant_kind": "person",
        "name": name_marker(index),
        "contact_person": "",
        "id_type": "resident",
        "id_number": ID_NUMBER,
        "phone": phone_marker(index),
        "email": f"applicant{index}@example.test",
        "address": f"长沙市芙蓉区矩阵路{index}号",
        "postcode": "410011",
        "description": description,
        "purpose": "",
        "delivery": "email",
        "fee_waiver": False,
        "fee_waiver_reason": "",
        "register_consent": True,
    }


# Descriptions unlike each other, so that no row lists another as a similar request.
TOPICS = (
    "最低生活保障资金发放名单",
    "城市道路照明设施维修合同",
    "老旧小区改造工程招标文件",
    "学校食堂食品安全抽检报告",
    "公共停车场收费标准批复",
    "河道清淤工程验收材料",
    "社区养老服务中心运营补贴",
    "农贸市场摊位租金调整方案",
    "消防通道占用整治通报",
    "街巷垃圾分类督查记录",
)


@dataclass
class World:
    users: dict[str, int]  # subject label → user id
    divisions: dict[str, int]  # division label → id
    departments: dict[tuple[str, str], int]  # (division, owner) → department id
    requests: dict[Req, int]  # row → InfoRequest id
    signed: dict[Req, int]  # row → its signed letter (with a PDF)
    drafts: dict[Req, int]  # row → its draft letter (drafted by an author)
    markers: dict[Req, tuple[str, str]]  # row → (name, phone)


def build_world() -> World:
    """Write the world through the services and return its ids."""
    today = timezone.localdate()
    calendar_seed_from_package(years=[today.year])
    divisions = {label: Division.objects.get(code=CODES[label]) for label in DIVISIONS}
    departments = {
        key: Department.objects.create(division=divisions[key[0]], name=name)
        for key, name in DEPARTMENT_NAMES.items()
    }
    users = {}
    for who in SUBJECTS:
        user = UserFactory(username=f"foi-mx-{who.label}")
        department = departments[(who.level, "dept")] if who.dept else None
        membership_grant(
            user=user, division=divisions[who.level], role=who.role, department=department
        )
        users[who.label] = user.pk
    # Authors draft and sign the world's letters and are never tested, so that "never the
    # drafter" hides no cell.
    authors = {}
    for label in DIVISIONS:
        for role in (EDITOR, REVIEWER):
            user = UserFactory(username=f"foi-mx-author-{label}-{role}")
            membership_grant(user=user, division=divisions[label], role=role)
            authors[(label, role)] = user

    requests, signed, drafts, markers = {}, {}, {}, {}
    for index, row in enumerate(ROWS):
        department = departments[(row.division, row.owner)] if row.owner != "office" else None
        created = services.submit(
            division=divisions[row.division],
            data=applicant(index, f"请公开{TOPICS[index]}（矩阵申请）。"),
            channel="post",
            received_on=today,
            department=department,
        )
        editor = authors[(row.division, EDITOR)]
        notice = services.draft_letter(created, "correction", {"days": 10}, None, editor)
        services.approve_letter(notice, authors[(row.division, REVIEWER)])
        draft = services.draft_letter(
            created, "reply", {"category": "unable", "reason": 1}, None, editor
        )
        requests[row], signed[row], drafts[row] = created.pk, notice.pk, draft.pk
        markers[row] = (name_marker(index), phone_marker(index))
        assert name_marker(index) in draft.body  # the letters name the applicant
    return World(
        users=users,
        divisions={label: d.pk for label, d in divisions.items()},
        departments={key: d.pk for key, d in departments.items()},
        requests=requests,
        signed=signed,
        drafts=drafts,
        markers=markers,
    )


# =============================================================================================
# The rule table (the spec). Nothing below calls the product's policies.
# =============================================================================================

PARENT = {
    "city": None,
    "district": "city",
    "township": "district",
    "other-district": "city",
    "other-township": "other-district",
}


def within(division: str | None, holder: str) -> bool:
    """Return True when ``division`` is ``holder`` or lies below it."""
    while division is not None:
        if division == holder:
            return True
        division = PARENT[division]
    return False


def sees(who: Who, row: Req) -> bool:
    """Every role views the requests of its division and every division below (to supervise
    the clocks); a department's staff only their department's, in their own division."""
    if who.dept:
        return row.division == who.level and row.owner == "dept"
    return within(row.division, who.level)


def of_handling_office(who: Who, row: Req) -> bool:
    """Staff of the request's own division (a department's: of the owning department)."""
    return sees(who, row) and row.division == who.level


def handles(who: Who, row: Req) -> bool:
    """Acting on a request (steps, drafting letters, transfer, the PDF): the handling office's
    填报, 审核 and 管理 ("drafted by an editor, signed by a reviewer, administrator or leader":
    the 签发 leader signs, nothing else)."""
    return of_handling_office(who, row) and who.role in (EDITOR, REVIEWER, ADMINISTRATOR)


def signs(who: Who, row: Req) -> bool:
    """签发: a reviewer, administrator or leader of the handling office (not the drafter)."""
    return of_handling_office(who, row) and who.role in (REVIEWER, ADMINISTRATOR, LEADER)


def sees_person(who: Who, row: Req) -> bool:
    """The applicant's personal data: the handling office's staff only (its leader reads the
    letters they sign, which name the applicant)."""
    return of_handling_office(who, row)


def withdraws(who: Who, row: Req) -> bool:
    """退回 a draft to its drafter: whoever of the handling office drafts or signs letters."""
    return handles(who, row) or signs(who, row)


def answer(who: Who, row: Req, allowed: bool, refused: str = "403") -> str:
    if not sees(who, row):
        return "404"
    return "done" if allowed else refused


def registers(who: Who) -> bool:
    """Registering a posted request: the staff who handle requests (not the 签发 leader)."""
    return who.role in (EDITOR, REVIEWER, ADMINISTRATOR)


def owner_of(who: Who) -> str:
    return "dept" if who.dept else "office"


CONTROLS = ("step", "letter", "transfer", "sign", "withdraw", "pdf")


def expect_forms(who: Who, row: Req) -> str:
    if not sees(who, row):
        return "404"
    shown = set()
    if handles(who, row):
        shown |= {"step", "letter", "transfer", "pdf"}
    if signs(who, row):
        shown.add("sign")
    if withdraws(who, row):
        shown.add("withdraw")
    return "+".join(c for c in CONTROLS if c in shown) or "none"


def expect_add_choice(who: Who, division: str) -> str:
    """The registration form is for the division asked for only where the subject registers
    requests (their own division, never below it); a forged one falls back to their own."""
    if not registers(who):
        return "403"
    return who.level


def expect_add_post(who: Who, division: str) -> str:
    """Posted with a forged division, the request is registered in the subject's own division,
    for their department when they are a department's staff."""
    if not registers(who):
        return "403"
    return f"created:{who.level}/{owner_of(who)}"


def expect_forged_department(who: Who, _target: str) -> str:
    return "refused" if registers(who) else "403"


RULES: dict[str, Callable[[Who, Any], str]] = {
    "list": lambda who, row: "shown" if sees(who, row) else "hidden",
    "list-personal": lambda who, row: "shown" if sees_person(who, row) else "hidden",
    "view": lambda who, row: "200" if sees(who, row) else "404",
    "personal": lambda who, row: (
        "404" if not sees(who, row) else "shown" if sees_person(who, row) else "hidden"
    ),
    "forms": expect_forms,
    "step": lambda who, row: answer(who, row, handles(who, row)),
    "draft": lambda who, row: answer(who, row, handles(who, row)),
    "sign": lambda who, row: answer(who, row, signs(who, row)),
    # Never the drafter: a signer is refused with a message (400), the others as always.
    "sign-own-draft": lambda who, row: "refused" if signs(who, row) else answer(who, row, False),
    "withdraw": lambda who, row: answer(who, row, withdraws(who, row)),
    "transfer": lambda who, row: answer(who, row, handles(who, row)),
    "pdf": lambda who, row: answer(who, row, handles(who, row)),
    "add-choice": expect_add_choice,
    "add-post": expect_add_post,
    "add-forged-department": expect_forged_department,
}
ROW_ACTIONS = [name for name in RULES if not name.startswith("add-")]


# =============================================================================================
# Requests
# =============================================================================================


class Raised:
    """What a view raised instead of answering (the test client re-raises it)."""

    status_code = 500
    streaming = False

    def __init__(self, error: Exception):
        self.error = error

    def __str__(self) -> str:
        return f"raised {type(self.error).__name__}: {self.error}"


MISSING_PK = 10**8 + 7  # an id no request or letter has


class Session:
    """One subject signed in; writes are made in a savepoint and undone."""

    def __init__(self, world: World, who: Who):
        self.world, self.who = world, who
        self.user = User.objects.get(pk=world.users[who.label])
        self.client = Client(HTTP_X_FORWARDED_PROTO="https")
        self.client.force_login(self.user)
        self.pages: dict[str, Any] = {}
        self.missing: dict[tuple[str, str], bytes | None] = {}

    def send(self, method: str, url: str, data: dict | None = None):
        try:
            response = getattr(self.client, method)(url, data or {})
        except Exception as error:  # the test client re-raises what the view raised
            return Raised(error)
        if getattr(response, "streaming", False):
            # Read it through (the wrapper closes the file with request_finished detached).
            response.body = b"".join(response.streaming_content)
        return response

    def page(self, url: str):
        """GET ``url`` once per session (view, personal and forms read the same page)."""
        if url not in self.pages:
            self.pages[url] = self.send("get", url)
        return self.pages[url]

    def write(
        self,
        url: str,
        data: dict,
        read: Callable[[Any], str],
        prepare: Callable[[], None] | None = None,
    ) -> tuple[Any, str]:
        """POST (after ``prepare``), read the outcome, and roll everything back."""
        with transaction.atomic():
            if prepare is not None:
                prepare()
            response = self.send("post", url, data)
            outcome = str(response) if isinstance(response, Raised) else read(response)
            transaction.set_rollback(True)
        # Messages the admin queued for the next page would pile up in the cookie.
        self.client.cookies.pop("messages", None)
        return response, outcome

    def like_missing(self, method: str, response, url: str, missing_url: str) -> bool:
        """Whether a 404 is the very page a missing id gets."""
        key = (method, missing_url)
        if key not in self.missing:
            with transaction.atomic():
                missing = self.send(method, missing_url)
                transaction.set_rollback(True)
            self.missing[key] = (
                body_without(missing, missing_url) if code(missing) == "404" else None
            )
        return body_without(response, url) == self.missing[key]


def code(response) -> str:
    return str(response) if isinstance(response, Raised) else str(response.status_code)


def body_without(response, url: str) -> bytes:
    if isinstance(response, Raised) or response.streaming:
        return b""
    return response.content.replace(url.encode(), b"")


def refusal(response) -> str:
    status = code(response)
    return "refused" if status == "400" else status


def url_of(name: str, *args) -> str:
    return reverse(f"admin:foi_inforequest_{name}", args=args)


def with_missing(session: Session, method: str, response, outcome: str, url, missing) -> str:
    """A 404 must look exactly like a missing id's."""
    if outcome == "404" and not session.like_missing(method, response, url, missing):
        return "404 unlike a missing id's"
    return outcome


# -- observations, per action: (session, targets) → {target: outcome} -------------------------


def observe_list(session: Session, rows: list[Req]) -> dict:
    response = session.page(url_of("changelist"))
    if code(response) != "200":
        return dict.fromkeys(rows, f"changelist answered {code(response)}")
    pks = set(response.context["cl"].queryset.values_list("pk", flat=True))
    return {row: "shown" if session.world.requests[row] in pks else "hidden" for row in rows}


def observe_list_personal(session: Session, rows: list[Req]) -> dict:
    response = session.page(url_of("changelist"))
    if code(response) != "200":
        return dict.fromkeys(rows, f"changelist answered {code(response)}")
    text = response.content.decode()
    return {row: "shown" if session.world.markers[row][0] in text else "hidden" for row in rows}


def request_page(session: Session, row: Req):
    return session.page(url_of("change", session.world.requests[row]))


def observe_view(session: Session, rows: list[Req]) -> dict:
    found = {}
    for row in rows:
        url = url_of("change", session.world.requests[row])
        response = session.page(url)
        found[row] = with_missing(
            session, "get", response, code(response), url, url_of("change", MISSING_PK)
        )
    return found


def observe_personal(session: Session, rows: list[Req]) -> dict:
    found = {}
    for row in rows:
        response = request_page(session, row)
        if code(response) != "200":
            found[row] = code(response)
            continue
        text = response.content.decode()
        present = [marker in text for marker in session.world.markers[row]]
        found[row] = (
            "shown"
            if all(present)
            else "hidden"
            if not any(present)
            else f"partly shown ({'name' if present[0] else 'phone'})"
        )
    return found


def observe_forms(session: Session, rows: list[Req]) -> dict:
    world, found = session.world, {}
    for row in rows:
        response = request_page(session, row)
        if code(response) != "200":
            found[row] = code(response)
            continue
        text = response.content.decode()
        pk, draft = world.requests[row], world.drafts[row]
        urls = {
            "step": url_of("step", pk),
            "letter": url_of("letter", pk),
            "transfer": url_of("transfer", pk),
            "sign": url_of("sign", pk, draft, "approve"),
            "withdraw": url_of("sign", pk, draft, "withdraw"),
            "pdf": url_of("pdf", pk, world.signed[row]),
        }
        found[row] = "+".join(c for c in CONTROLS if f'"{urls[c]}"' in text) or "none"
    return found


def observe_write(
    name: str,
    url_for: Callable[[World, Req, int], str],
    data_for: Callable[[Session, Req], dict],
    done: Callable[[Session, Req], bool],
    prepare_for: Callable[[Session, Req], Callable[[], None] | None] = lambda s, r: None,
):
    """A POST to the request's ``url_for`` in a savepoint: "done" when ``done`` says its effect
    is in the database, else the refusal (403, 404, "refused" for a 400)."""

    def observe(session: Session, rows: list[Req]) -> dict:
        world, found = session.world, {}
        for row in rows:
            url = url_for(world, row, world.requests[row])
            missing = url_for(world, row, MISSING_PK)

            def read(response, row=row):
                if code(response) in ("200", "302") and done(session, row):
                    return "done"
                return refusal(response)

            response, outcome = session.write(
                url, data_for(session, row), read, prepare_for(session, row)
            )
            found[row] = with_missing(session, "post", response, outcome, url, missing)
        return found

    observe.__name__ = f"observe_{name}"
    return observe


def today() -> str:
    return timezone.localdate().isoformat()


def step_done(session: Session, row: Req) -> bool:
    return RequestEvent.objects.filter(
        request_id=session.world.requests[row], kind="note", actor=session.user
    ).exists()


def draft_done(session: Session, row: Req) -> bool:
    return Letter.objects.filter(
        request_id=session.world.requests[row], status="draft", drafted_by=session.user
    ).exists()


def withdraw_pending_draft(session: Session, row: Req) -> Callable[[], None]:
    return lambda: Letter.objects.filter(pk=session.world.drafts[row]).delete()


def sign_done(session: Session, row: Req) -> bool:
    return Letter.objects.filter(
        pk=session.world.drafts[row], status="approved", approved_by=session.user
    ).exists()


def own_the_draft(session: Session, row: Req) -> Callable[[], None]:
    return lambda: Letter.objects.filter(pk=session.world.drafts[row]).update(
        drafted_by=session.user
    )


def withdraw_done(session: Session, row: Req) -> bool:
    return not Letter.objects.filter(pk=session.world.drafts[row]).exists()


def transfer_target(row: Req) -> str:
    return "district" if row.division == "city" else "city"


def transfer_done(session: Session, row: Req) -> bool:
    moved = InfoRequest.objects.get(pk=session.world.requests[row])
    return moved.division_id == session.world.divisions[transfer_target(row)]


def observe_pdf(session: Session, rows: list[Req]) -> dict:
    world, found = session.world, {}
    for row in rows:
        url = url_of("pdf", world.requests[row], world.signed[row])
        missing = url_of("pdf", MISSING_PK, world.signed[row])
        response = session.send("get", url)
        outcome = code(response)
        if outcome == "200":
            outcome = "done" if getattr(response, "body", b"").startswith(b"%PDF") else "no PDF"
        found[row] = with_missing(session, "get", response, outcome, url, missing)
    return found


def register_data(session: Session, division: str, **extra) -> dict:
    """The registration form's POST, with a forged ``division`` field."""
    data = applicant(90, "请公开矩阵登记的政府信息（邮寄申请）。")
    data = {k: v for k, v in data.items() if v not in (False, None)}
    data["name"] = "矩阵登记人"
    return {
        **data,
        "channel": "post",
        "received_on": today(),
        "department": "",
        "division": session.world.divisions[division],
        **extra,
    }


def registered(session: Session) -> str | None:
    created = (
        InfoRequest.objects.filter(name="矩阵登记人")
        .select_related("division", "department")
        .first()
    )
    if created is None:
        return None
    world = session.world
    division = next(k for k, pk in world.divisions.items() if pk == created.division_id)
    owner = next(
        (o for (d, o), pk in world.departments.items() if pk == created.department_id),
        "office",
    )
    return f"created:{division}/{owner}"


def observe_add_choice(session: Session, divisions: list[str]) -> dict:
    found = {}
    for division in divisions:
        url = f"{url_of('add')}?division={session.world.divisions[division]}"
        response = session.send("get", url)
        if code(response) != "200":
            found[division] = code(response)
            continue
        chosen = response.context["division"].pk
        found[division] = next(k for k, pk in session.world.divisions.items() if pk == chosen)
    return found


def observe_add_post(session: Session, divisions: list[str]) -> dict:
    found = {}
    for division in divisions:
        url = f"{url_of('add')}?division={session.world.divisions[division]}"

        def read(response):
            created = registered(session)
            return created if created and code(response) == "302" else refusal(response)

        found[division] = session.write(url, register_data(session, division), read)[1]
    return found


def observe_forged_department(session: Session, targets: list[str]) -> dict:
    """The department of another division (the cousin's; the district's for the cousin's
    staff), posted to the form."""
    other = "district" if session.who.level == COUSIN else COUSIN
    forged = session.world.departments[(other, "dept")]

    def read(response):
        created = registered(session)
        return created if created and code(response) == "302" else refusal(response)

    data = register_data(session, session.who.level, department=forged)
    return dict.fromkeys(targets, session.write(url_of("add"), data, read)[1])


OBSERVE: dict[str, Callable[[Session, list], dict]] = {
    "list": observe_list,
    "list-personal": observe_list_personal,
    "view": observe_view,
    "personal": observe_personal,
    "forms": observe_forms,
    "step": observe_write(
        "step",
        lambda w, r, pk: url_of("step", pk),
        lambda s, r: {"kind": "note", "on": today(), "note": "矩阵备注"},
        step_done,
    ),
    "draft": observe_write(
        "draft",
        lambda w, r, pk: url_of("letter", pk),
        lambda s, r: {"kind": "reply", "reply": "unable:1", "explanation": "经检索无此信息"},
        draft_done,
        withdraw_pending_draft,
    ),
    "sign": observe_write(
        "sign",
        lambda w, r, pk: url_of("sign", pk, w.drafts[r], "approve"),
        lambda s, r: {},
        sign_done,
    ),
    "sign-own-draft": observe_write(
        "sign-own-draft",
        lambda w, r, pk: url_of("sign", pk, w.drafts[r], "approve"),
        lambda s, r: {},
        sign_done,
        own_the_draft,
    ),
    "withdraw": observe_write(
        "withdraw",
        lambda w, r, pk: url_of("sign", pk, w.drafts[r], "withdraw"),
        lambda s, r: {},
        withdraw_done,
    ),
    "transfer": observe_write(
        "transfer",
        lambda w, r, pk: url_of("transfer", pk),
        lambda s, r: {
            "division": s.world.divisions[transfer_target(r)],
            "department": "",
            "note": "矩阵转办：不属于本机关职责",
        },
        transfer_done,
        # A request with a letter waiting for signature is not transferred: settle it first.
        withdraw_pending_draft,
    ),
    "pdf": observe_pdf,
    "add-choice": observe_add_choice,
    "add-post": observe_add_post,
    "add-forged-department": observe_forged_department,
}
assert set(OBSERVE) == set(RULES)


def targets_of(action: str) -> list:
    if action == "add-forged-department":
        return ["-"]
    if action.startswith("add-"):
        return list(DIVISIONS)
    return ROWS


# =============================================================================================
# The world, and the tally of cells checked
# =============================================================================================

CHECKED: Counter[str] = Counter()


@pytest.fixture(scope="module")
def letter_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("foi-matrix-letters")


@pytest.fixture(autouse=True)
def _letters_in_tmp(settings, letter_dir):
    """The signed letters of the module's world live in one folder (the conftest's fixture of
    this name gives each test its own, where the world's PDFs would be missing)."""
    settings.FOI_LETTER_DIR = letter_dir


@pytest.fixture(scope="module")
def world(request, django_db_setup, django_db_blocker, letter_dir):
    """The world, built once; rolled back after the module."""
    with override_settings(FOI_LETTER_DIR=letter_dir), django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if CHECKED and reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in summary().splitlines():
                reporter.write_line(line)


def summary() -> str:
    lines = [f"foi permission matrix: {sum(CHECKED.values())} cells checked"]
    width = max(len(name) for name in RULES)
    for name in RULES:
        if CHECKED[name]:
            lines.append(f"  {name:<{width}}  {CHECKED[name]:>5}")
    return "\n".join(lines)


def label_of(target) -> str:
    return target.label if isinstance(target, Req) else f"division {target}"


# =============================================================================================
# The tests
# =============================================================================================


@pytest.fixture(autouse=True, scope="module")
def quiet_refusals():
    """Keep Django from logging each of the module's 403s and 404s (a 500 is still logged)."""
    import logging

    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize("who", [pytest.param(who, id=who.label) for who in SUBJECTS])
def test_matrix(world, who):
    """Every action on every target as ``who``; all mismatches reported at once."""
    session = Session(world, who)
    problems = []
    for action, rule in RULES.items():
        targets = targets_of(action)
        actual = OBSERVE[action](session, targets)
        for target in targets:
            CHECKED[action] += 1
            expected, got = rule(who, target), actual[target]
            if got != expected:
                problems.append(
                    f"{who} × {label_of(target)} × {action}: expected {expected}, got {got}"
                )
    if problems:
        pytest.fail(
            f"{len(problems)} cell(s) contradict the rule table:\n" + "\n".join(problems),
            pytrace=False,
        )


def test_matrix_covers_every_dimension():
    """Every role in the office at every level (and the cousin's), 填报 and 审核 in a department;
    rows of the office and a department in every division, two departments in one; every row
    seen by someone and hidden from someone; every action with at least two answers."""
    assert len(SUBJECTS) == 22
    for level in (*LEVELS, COUSIN):
        held = {(w.role, w.dept) for w in SUBJECTS if w.level == level}
        office = {(role, False) for role in ROLES}
        assert held == (office | {(EDITOR, True), (REVIEWER, True)} if level in LEVELS else office)
    assert {(r.division, r.owner) for r in ROWS} == {
        (d, o) for d, o in DEPARTMENT_NAMES if d in PARENT
    } | {(d, "office") for d in ("city", "district", "township", COUSIN)}
    for row in ROWS:
        assert {sees(who, row) for who in SUBJECTS} == {True, False}, row
        assert {sees_person(who, row) for who in SUBJECTS} == {True, False}, row
    for action, rule in RULES.items():
        answers = {rule(who, t) for who in SUBJECTS for t in targets_of(action)}
        assert len(answers) >= 2, f"{action}: the same answer everywhere"
