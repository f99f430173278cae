"""解读 beside its policy (谁起草、谁解读, 国办发〔2016〕80号): a 政策解读 names the policy it
explains; a 规范性文件 is approved with the 解读 submitted with it (both or neither) or with the
reviewer's recorded reason; the public pages link both ways."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from districts.models import Role
from publications import services
from publications.models import Publication, PublicationType
from tests.publications.conftest import calendar, office  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
Status = Publication.Status


def kind(slug: str) -> PublicationType:
    return PublicationType.objects.get(slug=slug)


def draft(office, title, slug, **data):  # noqa: F811
    return services.publication_create(
        entry=office.entries["district"],
        data={"title": title, "formed_on": "2026-11-02", "pub_type": kind(slug).pk, **data},
        user=office.user(Role.EDITOR, "district"),
    )


def submit(office, *items):  # noqa: F811
    for item in items:
        services.publication_submit(publication=item, user=office.user(Role.EDITOR, "district"))


def fresh(item):
    return Publication.objects.get(pk=item.pk)


def test_a_normative_document_and_its_interpretation_are_published_together(office):  # noqa: F811
    rule = draft(office, "芙蓉区城乡低保认定办法", "guifanxing", doc_no="芙政发〔2026〕1号")
    reading = draft(office, "《芙蓉区城乡低保认定办法》解读", "jiedu", interprets=rule.pk)
    submit(office, rule, reading)
    reviewer = office.reviewer_for("district")
    # The 解读 alone waits for its policy.
    with pytest.raises(ValidationError, match="须与“芙蓉区城乡低保认定办法”一并审核"):
        services.publication_approve(publication=reading, user=reviewer)
    services.publication_approve(publication=rule, user=reviewer)
    assert fresh(rule).status == fresh(reading).status == Status.PUBLISHED
    assert fresh(reading).index_no and fresh(reading).index_no != fresh(rule).index_no


def test_both_or_neither(office):  # noqa: F811
    rule = draft(office, "办法", "guifanxing")
    reading = draft(office, "办法解读", "jiedu", interprets=rule.pk, body="<p>联系13812345678</p>")
    submit(office, rule, reading)
    # The 解读 carries a mobile number: without the confirmation it cannot go, so neither does.
    with pytest.raises(ValidationError, match="随附的解读“办法解读”未能一并审核通过"):
        services.publication_approve(publication=rule, user=office.reviewer_for("district"))
    assert fresh(rule).status == fresh(reading).status == Status.SUBMITTED
    assert not fresh(rule).events.filter(action="approve").exists()


def test_without_an_interpretation_the_reviewer_records_why(office):  # noqa: F811
    rule = draft(office, "办法", "guifanxing")
    submit(office, rule)
    reviewer = office.reviewer_for("district")
    with pytest.raises(ValidationError, match="须随附政策解读"):
        services.publication_approve(publication=rule, user=reviewer)
    services.publication_approve(
        publication=rule, user=reviewer, interpretation_waiver="仅调整文字表述，无实质变化"
    )
    rule = fresh(rule)
    assert rule.status == Status.PUBLISHED
    assert rule.interpretation_waiver == "仅调整文字表述，无实质变化"
    assert "未附解读：仅调整文字表述" in rule.events.get(action="approve").reason


def test_a_policy_that_needs_none_is_approved_alone(office):  # noqa: F811
    plain = draft(office, "通知", "tongzhi")
    submit(office, plain)
    services.publication_approve(publication=plain, user=office.reviewer_for("district"))
    assert fresh(plain).status == Status.PUBLISHED


def test_a_late_interpretation_of_a_published_policy_is_approved_alone(office):  # noqa: F811
    policy = office.publication("district", "published", pub_type=kind("zhengce").pk)
    reading = draft(office, "解读", "jiedu", interprets=policy.pk)
    submit(office, reading)
    services.publication_approve(publication=reading, user=office.reviewer_for("district"))
    assert fresh(reading).status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("slug", "target", "message"),
    [
        ("jiedu", None, "政策解读须选择它解读的政策文件"),
        ("tongzhi", "policy", "只有政策解读类信息关联被解读的文件"),
        ("jiedu", "notice", "不是政策文件类信息"),
        ("jiedu", "withdrawn", "当前为已撤销发布"),
    ],
)
def test_the_link_is_checked(office, slug, target, message):  # noqa: F811
    targets = {
        None: None,
        "policy": lambda: office.publication("district", pub_type=kind("zhengce").pk),
        "notice": lambda: office.publication("district", pub_type=kind("tongzhi").pk),
        "withdrawn": lambda: office.publication(
            "district", "withdrawn", pub_type=kind("zhengce").pk
        ),
    }
    make = targets[target]
    data = {"interprets": make().pk} if make else {}
    with pytest.raises(ValidationError) as raised:
        draft(office, "解读", slug, **data)
    assert message in " ".join(raised.value.message_dict["interprets"])


def test_an_out_of_scope_policy_cannot_be_named(office):  # noqa: F811
    cousin = office.publication("district", pub_type=kind("zhengce").pk)  # 芙蓉区's draft
    with pytest.raises(ValidationError) as raised:
        services.publication_create(
            entry=office.entries["township"],
            data={
                "title": "解读",
                "formed_on": "2026-11-02",
                "pub_type": kind("jiedu").pk,
                "interprets": cousin.pk,
            },
            user=office.user(Role.EDITOR, "township"),  # 文艺路街道 does not see 芙蓉区's drafts
        )
    assert "不存在" in " ".join(raised.value.message_dict["interprets"])


def test_signoff_signs_the_interpretation_with_its_policy(office):  # noqa: F811
    district = office.divisions["430102"]
    district.signoff_required = True
    district.save(update_fields=["signoff_required"])
    leader = (
        office.user(Role.LEADER, "district") if (Role.LEADER, "district") in office.users else None
    )
    if leader is None:
        from districts.services import membership_grant
        from tests.factories import UserFactory

        leader = UserFactory(is_staff=True)
        membership_grant(user=leader, division=district, role=Role.LEADER)
    rule = draft(office, "办法", "guifanxing")
    reading = draft(office, "办法解读", "jiedu", interprets=rule.pk)
    submit(office, rule, reading)
    services.publication_approve(publication=rule, user=office.reviewer_for("district"))
    assert fresh(rule).status == fresh(reading).status == Status.SIGNOFF
    with pytest.raises(ValidationError, match="随“办法”一并签发"):
        services.publication_sign(publication=fresh(reading), user=leader)
    services.publication_sign(publication=fresh(rule), user=leader)
    assert fresh(rule).status == fresh(reading).status == Status.PUBLISHED


def test_the_pages_link_both_ways(client, office):  # noqa: F811
    rule = draft(office, "芙蓉区城乡低保认定办法", "guifanxing", doc_no="芙政发〔2026〕1号")
    reading = draft(office, "图解：芙蓉区城乡低保认定办法", "jiedu", interprets=rule.pk)
    submit(office, rule, reading)
    services.publication_approve(publication=rule, user=office.reviewer_for("district"))
    policy_page = client.get(rule.get_absolute_url()).content.decode()
    section = policy_page[policy_page.index('<section class="interpretations"') :]
    assert f'href="{reading.get_absolute_url()}"' in section and "图解：" in section
    reading_page = client.get(reading.get_absolute_url()).content.decode()
    assert (
        f'本文是对<a href="{rule.get_absolute_url()}">《芙蓉区城乡低保认定办法》</a>'
        in reading_page
    )
    assert "（芙政发〔2026〕1号）的解读" in reading_page


def test_a_revised_policy_still_shows_its_interpretation(client, office):  # noqa: F811
    # The 解读 names the first version; the revision keeps the 索引号, so the current page
    # still lists the 解读, and the 解读's link leads to the current version.
    rule = draft(office, "芙蓉区城乡低保认定办法", "guifanxing", doc_no="芙政发〔2026〕1号")
    reading = draft(office, "《芙蓉区城乡低保认定办法》解读", "jiedu", interprets=rule.pk)
    submit(office, rule, reading)
    reviewer = office.reviewer_for("district")
    services.publication_approve(publication=rule, user=reviewer)
    editor = office.user(Role.EDITOR, "district")
    revision = services.publication_revise(publication=fresh(rule), user=editor)
    services.publication_update(
        publication=revision, data={"title": "芙蓉区城乡低保认定办法（修订）"}, user=editor
    )
    services.publication_submit(publication=revision, user=editor)
    services.publication_approve(
        publication=revision, user=reviewer, interpretation_waiver="原解读仍适用于修订后的条文"
    )
    assert fresh(rule).status == Status.SUPERSEDED
    page = client.get(revision.get_absolute_url()).content.decode()
    section = page[page.index('<section class="interpretations"') :]
    assert f'href="{reading.get_absolute_url()}"' in section
    followed = client.get(reading.get_absolute_url()).content.decode()
    assert f'本文是对<a href="{revision.get_absolute_url()}">' in followed
    assert "芙蓉区城乡低保认定办法（修订）" in followed
    # The old version's own address leads to the current one as well.
    assert client.get(rule.get_absolute_url()).url == revision.get_absolute_url()


def test_the_admin_form_offers_policies_in_scope_and_the_reviewer_a_reason_field(client, office):  # noqa: F811
    rule = draft(office, "办法", "guifanxing")
    client.force_login(office.user(Role.EDITOR, "district"))
    add = client.get(reverse("admin:publications_publication_add"))
    choices = add.context["adminform"].form.fields["interprets"].queryset
    assert rule in choices
    submit(office, rule)
    client.force_login(office.reviewer_for("district"))
    change = reverse("admin:publications_publication_change", args=[rule.pk])
    html = client.get(change).content.decode()
    assert "尚无一并提交的解读" in html and 'name="interpretation_waiver"' in html
    approve = reverse("admin:publications_publication_review", args=[rule.pk, "approve"])
    client.post(approve, {"interpretation_waiver": "废止性文件，无需解读"})
    assert fresh(rule).status == Status.PUBLISHED


# -- the 解读's form: 图解 with images, a video link --------------------------------------------


@pytest.mark.parametrize(
    ("slug", "data", "field", "message"),
    [
        ("zhengce", {"interpretation_form": "text"}, "interpretation_form", "只有政策解读类信息"),
        ("jiedu", {"interpretation_form": "video"}, "video_url", "须填写视频发布处的地址"),
        (
            "jiedu",
            {"interpretation_form": "video", "video_url": "http://v.example.gov.cn/1"},
            "video_url",
            "https://",
        ),
        (
            "jiedu",
            {"interpretation_form": "video", "video_url": "javascript:alert(1)"},
            "video_url",
            "https://",
        ),
        (
            "jiedu",
            {"interpretation_form": "qa", "video_url": "https://v.example.gov.cn/1"},
            "video_url",
            "只有解读形式为“视频解读”时填写",
        ),
        ("jiedu", {"interpretation_form": "slides"}, "interpretation_form", "不是可选的值"),
    ],
)
def test_the_form_of_a_reading_is_checked(office, slug, data, field, message):  # noqa: F811
    policy = draft(office, "办法", "zhengce")
    extra = {"interprets": policy.pk} if slug == "jiedu" else {}
    with pytest.raises(ValidationError) as caught:
        draft(office, "办法解读", slug, **extra, **data)
    assert any(message in m for m in caught.value.message_dict.get(field, [])), caught.value


def test_a_graphic_reading_shows_its_images_and_needs_one(client, office, tmp_path):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from tests.publications.test_attachments import pdf_bytes, png_bytes

    with override_settings(MEDIA_ROOT=tmp_path):
        policy = draft(office, "芙蓉区临时救助办法", "zhengce")
        submit(office, policy)
        services.publication_approve(publication=policy, user=office.reviewer_for("district"))
        reading = draft(
            office,
            "图解：临时救助办法",
            "jiedu",
            interprets=policy.pk,
            interpretation_form="graphic",
        )
        editor = office.user(Role.EDITOR, "district")
        services.attachment_add(
            publication=reading,
            upload=SimpleUploadedFile("全文.pdf", pdf_bytes()),
            user=editor,
        )
        with pytest.raises(ValidationError, match="图解须上传至少一张JPEG或PNG图片"):
            services.publication_submit(publication=reading, user=editor)
        image = services.attachment_add(
            publication=reading, upload=SimpleUploadedFile("一图读懂.png", png_bytes()), user=editor
        )
        submit(office, reading)
        services.publication_approve(publication=reading, user=office.reviewer_for("district"))
        page = client.get(reading.get_absolute_url()).content.decode()
        assert f'<img src="{image.get_absolute_url()}" alt="一图读懂.png"' in page
        assert page.count("<img ") == 1  # the PDF is listed, not shown
        assert '<span class="badge">图解</span>' in page
        response = client.get(image.get_absolute_url())
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        policy_page = client.get(policy.get_absolute_url()).content.decode()
        assert "（图解，" in policy_page


def test_a_video_reading_links_out_safely(client, office):  # noqa: F811
    policy = draft(office, "芙蓉区临时救助办法", "zhengce")
    submit(office, policy)
    services.publication_approve(publication=policy, user=office.reviewer_for("district"))
    reading = draft(
        office,
        "视频解读：临时救助办法",
        "jiedu",
        interprets=policy.pk,
        interpretation_form="video",
        video_url="https://v.example.gov.cn/jiedu/1",
    )
    submit(office, reading)
    services.publication_approve(publication=reading, user=office.reviewer_for("district"))
    page = client.get(reading.get_absolute_url()).content.decode()
    assert (
        '<a class="button" href="https://v.example.gov.cn/jiedu/1" rel="noopener noreferrer"'
        in page
    )
    assert "<iframe" not in page
