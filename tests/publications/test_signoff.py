"""Sign-off (签发): where a division asks for it, what its office approved waits for its leader.

送审 (submit), 送签 (approved, to the leader) and 签发 (signed, published) are each recorded;
nothing reaches the public before the leader signs; only a leader whose role covers the
division signs, and a leader may send it back with a reason.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districts.models import Role
from districts.services import division_update, membership_grant
from publications import services, worklist
from publications.models import Publication, PublicationEvent
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

Status = Publication.Status
Action = PublicationEvent.Action


@pytest.fixture
def signing(office):
    """文艺路街道 asks for sign-off (turned on by its administrator) and has a leader."""
    township = office.divisions["430102001"]
    division_update(
        division=township,
        changes={"signoff_required": True},
        user=office.user(Role.ADMINISTRATOR, "township"),
    )
    leader = UserFactory(username="wenyilu_leader", is_staff=True)
    membership_grant(user=leader, division=township, role=Role.LEADER)
    return leader


def approved(office) -> Publication:
    item = office.publication("township", "submitted", title="低保名单公示")
    services.publication_approve(publication=item, user=office.reviewer_for("township"))
    item.refresh_from_db()
    return item


def test_only_the_divisions_administrators_turn_sign_off_on(office):
    township = office.divisions["430102001"]
    with pytest.raises(PermissionDenied):
        division_update(
            division=township,
            changes={"signoff_required": True},
            user=office.user(Role.EDITOR, "township"),
        )
    township.refresh_from_db()
    assert not township.signoff_required


def test_approval_sends_to_the_leader_and_nothing_is_public_yet(client, office, signing):
    item = approved(office)
    assert item.status == Status.SIGNOFF
    assert item.published_at is None and item.reviewed_by == office.reviewer_for("township")
    actions = list(
        item.events.exclude(action="privacy").order_by("id").values_list("action", flat=True)
    )
    assert actions == [Action.CREATE, Action.SUBMIT, Action.SEND_SIGNOFF]
    assert client.get(item.get_absolute_url()).status_code == 404


def test_the_leader_signs_and_it_is_published(client, office, signing):
    item = approved(office)
    services.publication_sign(publication=item, user=signing)
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert (item.signed_by, item.published_at is not None) == (signing, True)
    assert item.events.order_by("-id").first().action == Action.SIGN
    assert client.get(item.get_absolute_url()).status_code == 200


def test_nothing_is_signed_under_an_entry_dropped_meanwhile(office, signing):
    # The entry was dropped (pending its own review) after the office approved the item: the
    # leader's signature would put up what the catalog stops promising.
    item = approved(office)
    item.entry.__class__.objects.filter(pk=item.entry_id).update(is_dropped=True, drop_reason="own")
    with pytest.raises(ValidationError, match="已被删减（待审核），不能发布该信息"):
        services.publication_sign(publication=item, user=signing)
    item.refresh_from_db()
    assert item.status == Publication.Status.SIGNOFF and item.published_at is None


def test_nobody_else_signs(office, signing):
    item = approved(office)
    cousin_leader = UserFactory(is_staff=True)
    membership_grant(user=cousin_leader, division=office.divisions["430103"], role=Role.LEADER)
    for user in (
        office.user(Role.EDITOR, "township"),
        office.user(Role.ADMINISTRATOR, "township"),
        office.reviewer_for("township"),
        cousin_leader,
    ):
        with pytest.raises(PermissionDenied):
            services.publication_sign(publication=item, user=user)
    item.refresh_from_db()
    assert item.status == Status.SIGNOFF
    # Not before the office approved it either.
    draft = office.publication("township", "submitted", title="另一条")
    with pytest.raises(ValidationError):
        services.publication_sign(publication=draft, user=signing)


def test_the_leader_sends_it_back_with_a_reason(office, signing):
    item = approved(office)
    with pytest.raises(ValidationError):
        services.publication_sign_return(publication=item, user=signing, reason="  ")
    services.publication_sign_return(publication=item, user=signing, reason="名单需脱敏后再发")
    item.refresh_from_db()
    assert (item.status, item.return_reason) == (Status.DRAFT, "名单需脱敏后再发")
    assert item.events.order_by("-id").first().action == Action.SIGN_RETURN


def test_divisions_without_sign_off_publish_on_approval(office, signing):
    item = office.publication("district", "published")
    assert item.status == Status.PUBLISHED and item.signed_by is None


def test_working_list_opens_on_sign_off_for_the_leader(rf, office, signing):
    approved(office)
    request = rf.get("/admin/publications/publication/worklist/")
    request.user = signing
    context = worklist.build(request)
    assert context["tab"] == "signoff"
    counts = {key: count for key, _label, count, _url in context["tabs"]}
    assert counts["signoff"] == 1 and counts["todo"] == 0
    # The township's editor sees it waiting for the leader, not among their own to-dos.
    request.user = office.user(Role.EDITOR, "township")
    counts = {key: count for key, _label, count, _url in worklist.build(request)["tabs"]}
    assert counts["signoff"] == 1


def test_the_admin_offers_and_performs_sign_off(client, office, signing):
    item = approved(office)
    url = f"/admin/publications/publication/{item.pk}/change/"
    client.force_login(office.user(Role.EDITOR, "township"))
    assert not client.get(url).context["can_sign"]
    client.force_login(signing)
    page = client.get(url)
    assert page.status_code == 200 and page.context["can_sign"]
    assert "签发并发布" in page.content.decode()
    done = client.post(f"/admin/publications/publication/{item.pk}/review/sign/")
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.signed_by == signing
