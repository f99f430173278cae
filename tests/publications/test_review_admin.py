"""The review chain through the admin, with the test client: what each user is offered, what a
POST does, what is refused (a message, no change), what is out of scope (404), and the history.

Whatever is posted, the admin answers with a page, a redirect or a 404, never a 500.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import review
from catalog.models import CatalogEntry, CatalogEvent, ReviewStatus
from catalog.services import entry_update
from districts.models import Role
from publications import services
from publications.models import Publication

from .test_review_matrix import (
    ACTORS,
    COVERS,
    REVIEWERS,
    REVIEWS,
    WRITERS,
    actor_id,
    counts,
    module_office,
    row,
)

Status = Publication.Status
BUTTONS = ("submit", "recall", "approve", "return", "revise", "withdraw")
CATALOG_LIST = "/admin/catalog/catalogentry/"


@pytest.fixture(scope="module")
def shared_office(django_db_setup, django_db_blocker):
    yield from module_office(django_db_blocker)


@pytest.fixture
def office(db, shared_office):
    """Override ``conftest.office`` in this module: the shared one, in the test's savepoint."""
    return shared_office


@pytest.fixture
def as_user(client, office):
    """Return a function that logs ``client`` in as ``office.user(role, where)``."""

    def login(role, where):
        client.force_login(office.user(role, where))
        return client

    return login


def pub_url(publication, action: str | None = None) -> str:
    base = f"/admin/publications/publication/{publication.pk}/"
    return f"{base}review/{action}/" if action else f"{base}change/"


def entry_url(entry, action: str | None = None) -> str:
    base = f"/admin/catalog/catalogentry/{entry.pk}/"
    return f"{base}review/{action}/" if action else f"{base}change/"


def buttons(html: str, base: str) -> set[str]:
    found = {name for name in BUTTONS if f'formaction="{base}review/{name}/"' in html}
    # 保存并提交审核 posts the change form itself (the edits are saved, then submitted).
    if 'name="_submit_review"' in html:
        found.add("submit")
    return found


def last_message(response) -> tuple[str, str]:
    """Return the message this response's request added (earlier unread ones come first)."""
    found = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert found, "no message"
    return found[-1]


def assert_error(response, *words: str) -> None:
    assert response.status_code == 302
    tag, text = last_message(response)
    assert tag == "error", text
    for word in words:
        assert word in text, text


def assert_success(response) -> None:
    assert response.status_code == 302
    tag, text = last_message(response)
    assert tag == "success", text


def entry_row(entry: CatalogEntry) -> dict:
    now = CatalogEntry.objects.get(pk=entry.pk)
    return {f.attname: getattr(now, f.attname) for f in CatalogEntry._meta.concrete_fields}


def entry_in(office, level: str, status: str, *, by=None) -> CatalogEntry:
    editor = by or office.user(Role.EDITOR, level)
    entry = CatalogEntry.objects.get(pk=office.entries[level].pk)
    if status in ("draft", "submitted"):
        entry_update(entry=entry, changes={"remarks": f"{level}改备注"}, user=editor)
    if status == "submitted":
        review.entries_submit(entries=[entry], user=editor)
    return CatalogEntry.objects.get(pk=entry.pk)


# ---------------------------------------------------------------------------------------------
# Publications: the buttons each user is offered on the change page.


def expected_buttons(status: str, role: str, where: str, level: str) -> set[str] | None:
    """Return the buttons offered, or None when the item is out of the user's sight (404)."""
    if level not in COVERS[where]:
        return None
    writes = role in WRITERS
    reviews = role in REVIEWERS and level in REVIEWS[where]
    shown = set()
    if status == "draft" and writes:
        shown.add("submit")
    if status == "submitted":
        if writes:
            shown.add("recall")
        if reviews:
            shown |= {"approve", "return"}
    if status == "published":
        if writes:
            shown.add("revise")
        if writes or reviews:
            shown.add("withdraw")
    return shown


@pytest.mark.parametrize("status", ["draft", "submitted", "published"])
@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_publication_buttons_per_role(office, as_user, actor, status):
    item = office.publication("township", status)
    client = as_user(*actor)
    response = client.get(pub_url(item))
    expected = expected_buttons(status, *actor, "township")
    if expected is None:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    base = f"/admin/publications/publication/{item.pk}/"
    assert buttons(response.content.decode(), base) == expected


def test_the_submitter_is_told_someone_else_decides(office, as_user):
    admin = office.user(Role.ADMINISTRATOR, "district")
    item = office.publication("township", "draft")
    services.publication_submit(publication=item, user=admin)
    response = as_user(Role.ADMINISTRATOR, "district").get(pub_url(item))
    html = response.content.decode()
    base = f"/admin/publications/publication/{item.pk}/"
    assert buttons(html, base) == {"recall"}
    assert "这是您本人提交的，须由他人审核" in html


@pytest.mark.parametrize("level", ["city", "district"])
def test_city_buttons_on_its_own_and_district_items(office, as_user, level):
    item = office.publication(level, "submitted")
    html = as_user(Role.REVIEWER, "city").get(pub_url(item)).content.decode()
    base = f"/admin/publications/publication/{item.pk}/"
    assert buttons(html, base) == {"approve", "return"}
    # 芙蓉区's reviewer does not review 芙蓉区 itself (and sees no city item at all).
    response = as_user(Role.REVIEWER, "district").get(pub_url(item))
    if level == "city":
        assert response.status_code == 404
    else:
        assert buttons(response.content.decode(), base) == set()


# ---------------------------------------------------------------------------------------------
# Publications: posting to the review URLs.


def test_the_whole_chain_through_the_admin(office, as_user, client):
    item = office.publication("township", "draft", title="全流程")

    assert_success(as_user(Role.EDITOR, "township").post(pub_url(item, "submit")))
    assert row(item)["status"] == Status.SUBMITTED

    reviewer = office.user(Role.REVIEWER, "district")
    client.force_login(reviewer)
    assert_error(client.post(pub_url(item, "return"), {"reason": "  "}), "原因")
    assert row(item)["status"] == Status.SUBMITTED
    assert_success(client.post(pub_url(item, "return"), {"reason": "缺少文号"}))
    assert (row(item)["status"], row(item)["return_reason"]) == (Status.DRAFT, "缺少文号")

    as_user(Role.EDITOR, "township").post(pub_url(item, "submit"))
    client.force_login(reviewer)
    assert_success(client.post(pub_url(item, "approve")))
    assert (row(item)["status"], row(item)["reviewed_by_id"]) == (Status.PUBLISHED, reviewer.pk)

    editor = as_user(Role.EDITOR, "township")
    response = editor.post(pub_url(item, "revise"))
    draft = Publication.objects.get(replaces=item)
    assert response.status_code == 302 and response["Location"] == pub_url(draft)
    assert (draft.status, draft.revision) == (Status.DRAFT, 2)
    # The published version cannot be withdrawn while its revision is open.
    assert_error(editor.post(pub_url(item, "withdraw"), {"withdraw_reason": "有误"}), "修订")
    assert row(item)["status"] == Status.PUBLISHED

    actions = list(
        item.events.exclude(action="privacy")
        .order_by("id")
        .values_list("action", "reason", "user__username")
    )
    assert actions == [
        ("create", "", "township_editor"),
        ("submit", "", "township_editor"),
        ("return", "缺少文号", "district_reviewer"),
        ("submit", "", "township_editor"),
        ("approve", "", "district_reviewer"),
        ("revise", "发起第2版修订", "township_editor"),
    ]


def test_withdraw_through_the_admin_needs_its_reason(office, as_user):
    item = office.publication("district", "published")
    client = as_user(Role.REVIEWER, "city")
    assert_error(client.post(pub_url(item, "withdraw"), {"reason": "填错了字段"}), "原因")
    assert row(item)["status"] == Status.PUBLISHED
    assert_success(client.post(pub_url(item, "withdraw"), {"withdraw_reason": "政策已废止"}))
    fresh = row(item)
    assert (fresh["status"], fresh["withdraw_reason"]) == (Status.WITHDRAWN, "政策已废止")


@pytest.mark.parametrize(
    ("role", "where", "action", "status"),
    [
        (Role.EDITOR, "township", "approve", "submitted"),
        (Role.REVIEWER, "township", "approve", "submitted"),
        (Role.REVIEWER, "district", "submit", "draft"),
        (Role.REVIEWER, "district", "revise", "published"),
        (Role.EDITOR, "district", "return", "submitted"),
        (Role.ADMINISTRATOR, "township", "return", "submitted"),
        (Role.EDITOR, "township", "withdraw", "draft"),
        (Role.EDITOR, "township", "recall", "draft"),
        (Role.ADMINISTRATOR, "city", "approve", "published"),
    ],
)
def test_a_refused_post_is_an_error_message_and_changes_nothing(
    office, as_user, role, where, action, status
):
    item = office.publication("township", status)
    before, before_counts = row(item), counts()
    response = as_user(role, where).post(
        pub_url(item, action), {"reason": "理由", "withdraw_reason": "理由"}
    )
    assert_error(response, "未完成")
    assert response["Location"] == pub_url(item)
    assert row(item) == before
    assert counts() == before_counts


def test_self_approval_through_the_admin_is_refused(office, as_user):
    item = office.publication("city", "draft")
    client = as_user(Role.ADMINISTRATOR, "city")
    assert_success(client.post(pub_url(item, "submit")))
    before = row(item)
    assert_error(client.post(pub_url(item, "approve")), "本人")
    assert row(item) == before


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER, Role.ADMINISTRATOR])
@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_out_of_scope_is_404_everywhere(office, as_user, role, level):
    item = office.publication(level, "submitted")
    before, before_counts = row(item), counts()
    client = as_user(role, "cousin")
    for action in ("submit", "recall", "approve", "return", "withdraw", "revise", "nonsense"):
        assert client.post(pub_url(item, action), {"reason": "越权"}).status_code == 404
    assert client.get(pub_url(item)).status_code == 404
    assert client.get(f"/admin/publications/publication/{item.pk}/history/").status_code == 404
    assert row(item) == before
    assert counts() == before_counts


def test_bad_input_never_answers_500(office, as_user):
    item = office.publication("township", "submitted")
    before, before_counts = row(item), counts()
    client = as_user(Role.REVIEWER, "district")
    # A GET on a review URL goes back to the change page without doing anything.
    for action in ("approve", "return", "nonsense"):
        response = client.get(pub_url(item, action))
        assert response.status_code == 302 and response["Location"] == pub_url(item)
    # An unknown action is a 404; so is an id that does not exist.
    assert client.post(pub_url(item, "publish")).status_code == 404
    assert client.post("/admin/publications/publication/999999/review/approve/").status_code == 404
    # A missing or oversized reason is a message.
    assert_error(client.post(pub_url(item, "return")), "原因")
    assert_error(client.post(pub_url(item, "return"), {"reason": "理" * 2001}), "2000")
    assert row(item) == before
    assert counts() == before_counts


def test_anonymous_users_are_sent_to_the_login(office, client):
    item = office.publication("township", "submitted")
    response = client.post(pub_url(item, "approve"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert row(item)["status"] == Status.SUBMITTED


# ---------------------------------------------------------------------------------------------
# Publications: the history page.


def test_the_history_page_shows_every_step_with_its_reason(office, as_user):
    item = office.publication("township", "returned")
    services.publication_submit(publication=item, user=office.user(Role.EDITOR, "township"))
    services.publication_approve(publication=item, user=office.user(Role.REVIEWER, "district"))
    services.publication_withdraw(
        publication=item, user=office.user(Role.EDITOR, "township"), reason="政策已调整"
    )
    response = as_user(Role.REVIEWER, "district").get(
        f"/admin/publications/publication/{item.pk}/history/"
    )
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("请补充附件", "政策已调整", "district_reviewer", "township_editor", "退回修改"):
        assert text in html
    assert "待审核 → 草稿" in html and "已发布 → 已撤销发布" in html
    assert [e.action for e in response.context["events"]][:2] == ["withdraw", "approve"]


def test_the_history_page_query_count_does_not_grow_with_the_events(office, as_user):
    item = office.publication("township", "draft")
    client = as_user(Role.EDITOR, "township")
    url = f"/admin/publications/publication/{item.pk}/history/"
    client.get(url)  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    editor = office.user(Role.EDITOR, "township")
    for n in range(6):
        services.publication_update(publication=item, data={"title": f"第{n}稿"}, user=editor)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_catalog_history_page_query_count_does_not_grow_with_the_events(office, as_user):
    entry = CatalogEntry.objects.get(pk=office.entries["township"].pk)
    editor = office.user(Role.EDITOR, "township")
    client = as_user(Role.EDITOR, "township")
    url = f"/admin/catalog/catalogentry/{entry.pk}/history/"
    # One event by a person already: the page reads the named people's memberships once.
    entry_update(entry=entry, changes={"remarks": "初稿"}, user=editor)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(4):
        entry_update(entry=entry, changes={"remarks": f"第{n}次"}, user=editor)
    review.entries_submit(entries=[entry], user=editor)
    review.entries_return(
        entries=[entry], user=office.user(Role.REVIEWER, "district"), reason="再改"
    )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200 and "再改" in response.content.decode()
    assert len(many) == len(few)


# ---------------------------------------------------------------------------------------------
# Publications: the working list's review tab.


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_the_worklist_review_tab_lists_what_waits_for_the_user(office, as_user, actor):
    role, where = actor
    item = office.publication("township", "submitted")
    response = as_user(role, where).get("/admin/publications/publication/worklist/?tab=review")
    assert response.status_code == 200
    listed = item.pk in {p.pk for p in response.context["rows"]}
    # Reviewers see what they review; the others what they sent up and still waits.
    scope = REVIEWS if role in REVIEWERS else COVERS
    assert listed == ("township" in scope[where])


# ---------------------------------------------------------------------------------------------
# Catalog entries: buttons, single-entry review URLs.


@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
def test_catalog_buttons_on_a_submitted_township_entry(office, as_user, actor):
    role, where = actor
    entry = entry_in(office, "township", "submitted")
    response = as_user(role, where).get(entry_url(entry))
    if "township" not in COVERS[where]:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    shown = buttons(response.content.decode(), f"/admin/catalog/catalogentry/{entry.pk}/")
    expected = set()
    if role in WRITERS:
        expected.add("recall")
    if role in REVIEWERS and "township" in REVIEWS[where]:
        expected |= {"approve", "return"}
    assert shown == expected


def test_catalog_draft_offers_submit_to_its_writers_only(office, as_user):
    entry = entry_in(office, "district", "draft")
    base = f"/admin/catalog/catalogentry/{entry.pk}/"
    html = as_user(Role.EDITOR, "district").get(entry_url(entry)).content.decode()
    assert buttons(html, base) == {"submit"}
    html = as_user(Role.REVIEWER, "city").get(entry_url(entry)).content.decode()
    assert buttons(html, base) == set()
    assert "公众仍看到上次发布的内容" in html


def test_catalog_chain_through_the_single_entry_urls(office, as_user, client):
    entry = entry_in(office, "township", "draft")
    editor = as_user(Role.EDITOR, "township")
    assert_success(editor.post(entry_url(entry, "submit")))
    assert entry_row(entry)["status"] == ReviewStatus.SUBMITTED

    client.force_login(office.user(Role.REVIEWER, "district"))
    # No reason: a page that asks for one, and nothing changes.
    response = client.post(entry_url(entry, "return"), {"reason": "   "})
    assert response.status_code == 200
    assert "admin/review_reason.html" in [t.name for t in response.templates]
    assert entry_row(entry)["status"] == ReviewStatus.SUBMITTED
    assert_success(client.post(entry_url(entry, "return"), {"reason": "依据不全"}))
    assert (entry_row(entry)["status"], entry_row(entry)["return_reason"]) == (
        ReviewStatus.DRAFT,
        "依据不全",
    )

    as_user(Role.EDITOR, "township").post(entry_url(entry, "submit"))
    assert_success(as_user(Role.EDITOR, "township").post(entry_url(entry, "recall")))
    as_user(Role.EDITOR, "township").post(entry_url(entry, "submit"))
    client.force_login(office.user(Role.REVIEWER, "district"))
    assert_success(client.post(entry_url(entry, "approve")))
    now = CatalogEntry.objects.get(pk=entry.pk)
    assert now.status == ReviewStatus.PUBLISHED
    assert now.published_values["remarks"] == "township改备注"

    history = client.get(f"/admin/catalog/catalogentry/{entry.pk}/history/")
    assert history.status_code == 200
    html = history.content.decode()
    assert "依据不全" in html and "district_reviewer" in html
    assert "待审核 → 已发布" in html


@pytest.mark.parametrize(
    ("role", "where", "action"),
    [
        (Role.EDITOR, "township", "approve"),
        (Role.REVIEWER, "township", "approve"),
        (Role.REVIEWER, "district", "recall"),
        (Role.ADMINISTRATOR, "township", "return"),
    ],
)
def test_a_refused_catalog_post_is_an_error_message_and_changes_nothing(
    office, as_user, role, where, action
):
    entry = entry_in(office, "township", "submitted")
    before, events = entry_row(entry), CatalogEvent.objects.count()
    response = as_user(role, where).post(entry_url(entry, action), {"reason": "理由"})
    assert_error(response, "没有任何事项被改动")
    assert entry_row(entry) == before
    assert CatalogEvent.objects.count() == events


def test_catalog_self_approval_through_the_admin_is_refused(office, as_user):
    admin = office.user(Role.ADMINISTRATOR, "district")
    entry = entry_in(office, "township", "submitted", by=admin)
    before = entry_row(entry)
    assert_error(as_user(Role.ADMINISTRATOR, "district").post(entry_url(entry, "approve")), "本人")
    assert entry_row(entry) == before


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER, Role.ADMINISTRATOR])
def test_catalog_out_of_scope_is_404(office, as_user, role):
    entry = entry_in(office, "township", "submitted")
    before = entry_row(entry)
    client = as_user(role, "cousin")
    for action in ("submit", "recall", "approve", "return"):
        assert client.post(entry_url(entry, action), {"reason": "越权"}).status_code == 404
    assert client.get(entry_url(entry)).status_code == 404
    assert client.get(f"/admin/catalog/catalogentry/{entry.pk}/history/").status_code == 404
    assert entry_row(entry) == before


def test_catalog_bad_input_never_answers_500(office, as_user):
    entry = entry_in(office, "township", "submitted")
    before = entry_row(entry)
    client = as_user(Role.REVIEWER, "district")
    assert client.get(entry_url(entry, "approve")).status_code == 302
    assert client.post(entry_url(entry, "publish")).status_code in (302, 404)
    assert client.post("/admin/catalog/catalogentry/999999/review/approve/").status_code == 404
    response = client.post(entry_url(entry, "return"))
    assert response.status_code == 200  # the reason page
    response = client.post(entry_url(entry, "return"), {"reason": "理" * 2001})
    assert_error(response, "2000")
    assert entry_row(entry) == before


# ---------------------------------------------------------------------------------------------
# Catalog entries: bulk actions on the change list.


def bulk(client, action: str, entries, **extra):
    data = {"action": action, "_selected_action": [str(e.pk) for e in entries], **extra}
    return client.post(CATALOG_LIST, data)


def test_bulk_submit_and_approve(office, as_user, client):
    district, township = (
        entry_in(office, "district", "draft"),
        entry_in(office, "township", "draft"),
    )
    response = bulk(as_user(Role.EDITOR, "district"), "submit_selected", [district, township])
    assert_success(response)
    assert {entry_row(e)["status"] for e in (district, township)} == {ReviewStatus.SUBMITTED}

    reviewer = office.user(Role.REVIEWER, "city")
    client.force_login(reviewer)
    assert_success(bulk(client, "approve_selected", [district, township]))
    for entry in (district, township):
        assert entry_row(entry)["status"] == ReviewStatus.PUBLISHED
        event = CatalogEvent.objects.filter(entry_id=entry.pk).order_by("-id").first()
        assert (event.action, event.user) == (CatalogEvent.Action.APPROVE, reviewer)


def test_bulk_approve_with_one_refused_entry_changes_none(office, as_user):
    district, township = (
        entry_in(office, "district", "submitted"),
        entry_in(office, "township", "submitted"),
    )
    before, events = [entry_row(e) for e in (district, township)], CatalogEvent.objects.count()
    # 芙蓉区's reviewer reviews 文艺路 but not 芙蓉区 itself.
    response = bulk(as_user(Role.REVIEWER, "district"), "approve_selected", [district, township])
    assert_error(response, "没有任何事项被改动")
    assert [entry_row(e) for e in (district, township)] == before
    assert CatalogEvent.objects.count() == events


def test_bulk_return_asks_for_a_reason_then_applies_it(office, as_user):
    district, township = (
        entry_in(office, "district", "submitted"),
        entry_in(office, "township", "submitted"),
    )
    client = as_user(Role.REVIEWER, "city")
    asked = bulk(client, "return_selected", [district, township])
    assert asked.status_code == 200
    assert "admin/review_reason.html" in [t.name for t in asked.templates]
    html = asked.content.decode()
    assert "将退回以下2项" in html
    for entry in (district, township):
        assert f'name="_selected_action" value="{entry.pk}"' in html
    assert {entry_row(e)["status"] for e in (district, township)} == {ReviewStatus.SUBMITTED}

    # Sent again without a reason: asked again, with a note.
    again = bulk(client, "return_selected", [district, township], reason=" ", reason_sent="1")
    assert again.status_code == 200 and "退回须填写原因" in again.content.decode()

    done = bulk(
        client, "return_selected", [district, township], reason="格式不规范", reason_sent="1"
    )
    assert_success(done)
    for entry in (district, township):
        now = entry_row(entry)
        assert (now["status"], now["return_reason"]) == (ReviewStatus.DRAFT, "格式不规范")


def test_bulk_actions_cannot_reach_out_of_scope_entries(office, as_user):
    township = entry_in(office, "township", "submitted")
    before = entry_row(township)
    response = bulk(as_user(Role.REVIEWER, "cousin"), "approve_selected", [township])
    assert response.status_code in (200, 302)
    assert entry_row(township) == before


def test_bulk_actions_are_offered_per_role(office, as_user):
    def offered(role, where):
        response = as_user(role, where).get(CATALOG_LIST)
        assert response.status_code == 200
        return {name for name, _ in response.context["action_form"].fields["action"].choices}

    editor = offered(Role.EDITOR, "township")
    assert {"submit_selected", "recall_selected"} <= editor
    reviewer = offered(Role.REVIEWER, "district")
    assert {"approve_selected", "return_selected"} <= reviewer
    assert not {"submit_selected", "recall_selected"} & reviewer


def test_a_bulk_refusal_for_a_reviewer_submitting_changes_nothing(office, as_user):
    draft = entry_in(office, "township", "draft")
    before = entry_row(draft)
    response = bulk(as_user(Role.REVIEWER, "district"), "submit_selected", [draft])
    # The action is not offered to reviewers: Django answers with its own message, no change.
    assert response.status_code in (200, 302)
    assert entry_row(draft) == before


# ---------------------------------------------------------------------------------------------
# 保存并提交审核: the change form is saved, then submitted; never the one without the other


def entry_form(entry: CatalogEntry, **changes) -> dict:
    data = {
        "content": entry.content,
        "basis": entry.basis,
        "time_limit": entry.time_limit,
        "subject": entry.subject,
        "levels": "",
        "item_type": entry.item_type,
        "service_name": entry.service_name,
        "content_title": entry.content_title,
        "upload_form": entry.upload_form,
        "remarks": entry.remarks,
        "channels": [str(c.pk) for c in entry.channels.all()],
    }
    for flag in ("audience_all", "audience_specific", "mode_active", "mode_on_request"):
        if getattr(entry, flag):
            data[flag] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_save_and_submit_saves_the_edits_then_submits(office, as_user):
    entry = CatalogEntry.objects.get(pk=office.entries["district"].pk)
    client = as_user(Role.EDITOR, "district")
    url = f"{CATALOG_LIST}{entry.pk}/change/"
    response = client.post(
        url, {**entry_form(entry, remarks="页面上的修改"), "_submit_review": "1"}
    )
    assert response.status_code == 302 and response["Location"] == url
    entry.refresh_from_db()
    assert (entry.remarks, entry.status) == ("页面上的修改", ReviewStatus.SUBMITTED)
    assert [e.action for e in entry.events.order_by("id")][-2:] == ["personalise", "submit"]


def test_save_and_submit_with_nothing_to_submit_is_refused_on_the_form(office, as_user):
    entry = CatalogEntry.objects.get(pk=office.entries["district"].pk)  # published
    client = as_user(Role.EDITOR, "district")
    url = f"{CATALOG_LIST}{entry.pk}/change/"
    response = client.post(url, {**entry_form(entry), "_submit_review": "1"})
    assert response.status_code == 200
    assert "已发布且没有修改，无需提交审核" in response.content.decode()
    assert CatalogEntry.objects.get(pk=entry.pk).status == ReviewStatus.PUBLISHED


def test_save_and_submit_with_an_invalid_edit_writes_nothing(office, as_user):
    entry = CatalogEntry.objects.get(pk=office.entries["district"].pk)
    before = entry.events.count()
    client = as_user(Role.EDITOR, "district")
    data = entry_form(entry, remarks="不会保存", time_limit="x" * 201)
    response = client.post(f"{CATALOG_LIST}{entry.pk}/change/", {**data, "_submit_review": "1"})
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.remarks != "不会保存" and entry.status == ReviewStatus.PUBLISHED
    assert entry.events.count() == before


def test_publication_save_and_submit(office, as_user):
    item = office.publication("district", "draft", title="原标题")
    client = as_user(Role.EDITOR, "district")
    data = {
        "title": "新标题",
        "doc_no": "",
        "formed_on": item.formed_on.isoformat(),
        "responsible_body": item.responsible_body,
        "expires_on": "",
        "body": item.body,
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "_submit_review": "1",
    }
    response = client.post(pub_url(item), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    item.refresh_from_db()
    assert (item.title, item.status) == ("新标题", Publication.Status.SUBMITTED)
