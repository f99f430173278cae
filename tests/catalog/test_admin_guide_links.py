"""The guide-link admin: scoped lists, hand ties and clears through the services, refusals in
Chinese, the refresh button, and constant query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.guide_links import links_refresh
from catalog.models import CatalogEntry, GuideLink
from catalog.review import catalog_publish_as_loaded
from catalog.services import catalog_derive, entry_update
from districts.models import Role
from tests.catalog.test_guide_links import make_guide, service_entry, ties
from tests.factories import CityEntryFactory, UserFactory

CHANGELIST = "admin:catalog_guidelink_changelist"
UNLINKED_ENTRIES = "admin:catalog_guidelink_unlinked_entries"
UNLINKED_GUIDES = "admin:catalog_guidelink_unlinked_guides"


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def entry_url(entry) -> str:
    return url("admin:catalog_guidelink_entry", entry.pk)


def guide_url(guide) -> str:
    return url("admin:catalog_guidelink_guide", guide.pk)


def page(client, target: str, **params) -> str:
    response = client.get(target, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def tie_of(entry) -> GuideLink | None:
    return GuideLink.objects.filter(entry=entry).first()


@pytest.fixture
def world(furong, tianxin):
    """Two districts, each with a tied entry, an untied one and an untied guide."""
    data = {
        "furong_guide": make_guide("食品经营许可"),
        "furong_orphan": make_guide("药品零售企业许可"),
        "furong_withdrawn": make_guide("已取消的指南", withdrawn=True),
        "tianxin_guide": make_guide("食品经营许可", area="430103"),
        "tianxin_orphan": make_guide("天心区孤儿指南", area="430103"),
        "furong_tied": service_entry(furong, "食品经营许可"),
        "furong_untied": service_entry(furong, "芙蓉区待关联事项"),
        "furong_plain": CityEntryFactory(division=furong, service_name="非政务服务"),
        "tianxin_tied": service_entry(tianxin, "食品经营许可"),
        "tianxin_untied": service_entry(tianxin, "天心区待关联事项"),
    }
    links_refresh()
    return data


@pytest.fixture
def furong_editor(client, make_member, furong):
    user = make_member(furong, Role.EDITOR)
    client.force_login(user)
    return user


@pytest.fixture
def tianxin_editor(client, make_member, tianxin):
    user = make_member(tianxin, Role.EDITOR)
    client.force_login(user)
    return user


# -- lists and scope ------------------------------------------------------------------------
def test_the_index_and_changelist_lead_to_both_lists_and_the_refresh(client, world, furong_editor):
    index = page(client, url("admin:index"))
    assert "目录事项与办事指南的关联" in index
    text = page(client, url(CHANGELIST))
    assert url(UNLINKED_ENTRIES) in text and url(UNLINKED_GUIDES) in text
    assert url("admin:catalog_guidelink_refresh") in text and "重新自动关联" in text
    # The index's "add" starts from the entries that lack a guide.
    response = client.get(url("admin:catalog_guidelink_add"))
    assert response.status_code == 302 and response.url == url(UNLINKED_ENTRIES)


def test_changelist_shows_the_ties_in_scope_only(client, world, tianxin_editor):
    text = page(client, url(CHANGELIST))
    assert world["tianxin_tied"].item.name in text
    assert world["furong_tied"].item.name not in text
    assert "按事项名称" in text and "天心区" in text


def test_a_reviewer_sees_ties_but_not_the_refresh_button(client, world, make_member, furong):
    client.force_login(make_member(furong, Role.REVIEWER))
    text = page(client, url(CHANGELIST))
    assert world["furong_tied"].item.name in text
    assert "重新自动关联" not in text
    listing = page(client, url(UNLINKED_ENTRIES))
    assert world["furong_untied"].item.name in listing
    assert ">关联</a></td>" not in listing and ">查看</a></td>" in listing


def test_unlinked_entries_are_the_service_entries_in_scope_without_a_tie(
    client, world, furong_editor
):
    text = page(client, url(UNLINKED_ENTRIES))
    assert world["furong_untied"].item.name in text and "芙蓉区待关联事项" in text
    assert world["furong_tied"].item.name not in text
    assert world["furong_plain"].item.name not in text
    assert world["tianxin_untied"].item.name not in text
    assert "共 1 条" in text
    assert entry_url(world["furong_untied"]) in text
    # Searching by the service name.
    assert "共 0 条" in page(client, url(UNLINKED_ENTRIES), q="天心")
    assert "共 1 条" in page(client, url(UNLINKED_ENTRIES), q="待关联")


def test_lists_follow_the_published_item_type(client, world, furong, furong_editor):
    was_plain = CityEntryFactory(division=furong, service_name="草稿中改为服务事项")
    was_service = service_entry(furong, "草稿中改为非服务事项")
    catalog_publish_as_loaded(entry_ids=[was_plain.pk, was_service.pk])
    entry_update(entry=was_plain, changes={"item_type": "service"}, user=None)
    entry_update(entry=was_service, changes={"item_type": "non_service"}, user=None)
    listing = page(client, url(UNLINKED_ENTRIES))
    assert was_service.item.name in listing and was_plain.item.name not in listing
    candidates = page(client, guide_url(world["furong_orphan"]))
    assert was_service.item.name in candidates and was_plain.item.name not in candidates


def test_a_township_editor_sees_the_townships_entries_and_the_districts_guides(
    client, world, make_member, furong, wenyilu
):
    catalog_derive(division=wenyilu, user=None)
    links_refresh()
    client.force_login(make_member(wenyilu, Role.EDITOR))
    entries = page(client, url(UNLINKED_ENTRIES))
    assert "共 1 条" in entries and "文艺路街道" in entries
    guides = page(client, url(UNLINKED_GUIDES))
    assert world["furong_orphan"].name in guides
    assert world["tianxin_orphan"].name not in guides


def test_unlinked_guides_are_the_active_guides_of_the_users_areas(client, world, furong_editor):
    text = page(client, url(UNLINKED_GUIDES))
    assert world["furong_orphan"].name in text
    assert world["furong_withdrawn"].name not in text
    assert world["tianxin_orphan"].name not in text
    assert "共 1 条" in text and guide_url(world["furong_orphan"]) in text
    # Asking for an area outside the scope lists nothing rather than that area's guides.
    assert world["tianxin_orphan"].name not in page(client, url(UNLINKED_GUIDES), area="430103")
    assert "共 0 条" in page(client, url(UNLINKED_GUIDES), area="430103")


def test_unlinked_guides_filter_by_area_and_search(client, world, make_member, city):
    client.force_login(make_member(city, Role.EDITOR))
    everything = page(client, url(UNLINKED_GUIDES))
    assert "共 2 条" in everything and "天心区" in everything
    only_tianxin = page(client, url(UNLINKED_GUIDES), area="430103")
    assert world["tianxin_orphan"].name in only_tianxin
    assert world["furong_orphan"].name not in only_tianxin
    # A search ignores width and brackets, and finds codes.
    found = page(client, url(UNLINKED_GUIDES), q="药品 零售")
    assert world["furong_orphan"].name in found and "共 1 条" in found


def test_lists_page_fifty_rows_at_a_time(client, world, furong, furong_editor):
    for i in range(55):
        service_entry(furong, f"批量事项{i}")
    first = page(client, url(UNLINKED_ENTRIES))
    assert "共 56 条" in first and "第 1 / 2 页" in first and "page=2" in first
    second = page(client, url(UNLINKED_ENTRIES), page=2)
    assert "第 2 / 2 页" in second and second.count(">关联</a></td>") == 6


# -- tying and clearing by hand -------------------------------------------------------------
def test_tie_an_untied_entry_by_hand(client, world, furong_editor):
    entry, guide = world["furong_untied"], world["furong_orphan"]
    text = page(client, entry_url(entry))
    assert guide.name in text and world["furong_guide"].name in text
    assert world["tianxin_orphan"].name not in text
    assert world["furong_withdrawn"].name not in text
    back = url(UNLINKED_ENTRIES)
    response = client.post(entry_url(entry), {"guide": guide.pk, "next": back})
    assert response.status_code == 302 and response.url == back
    link = tie_of(entry)
    assert (link.guide, link.method, link.linked_by) == (
        guide,
        GuideLink.Method.MANUAL,
        furong_editor,
    )
    assert "共 0 条" in page(client, back)
    # The tie page now shows it; the search narrows the offered guides.
    shown = page(client, entry_url(entry), q="食品")
    assert "人工关联" in shown and "当前关联" not in shown
    assert world["furong_guide"].name in shown


def test_clear_a_tie(client, world, furong_editor):
    entry = world["furong_tied"]
    clear = url("admin:catalog_guidelink_clear", entry.pk)
    assert client.get(clear).status_code == 405
    response = client.post(clear)
    assert response.status_code == 302 and response.url == entry_url(entry)
    assert tie_of(entry) is None
    assert "已清除" in page(client, entry_url(entry))


def test_the_changelist_row_opens_the_tie_page(client, world, furong_editor):
    entry = world["furong_tied"]
    change = url("admin:catalog_guidelink_change", entry.pk)
    response = client.get(change)
    assert response.status_code == 302 and response.url == entry_url(entry)


def test_tie_a_guide_to_an_entry_from_the_guide_page(client, world, furong_editor):
    guide, entry = world["furong_orphan"], world["furong_untied"]
    text = page(client, guide_url(guide))
    assert entry.item.name in text and world["furong_tied"].item.name in text
    assert world["tianxin_untied"].item.name not in text
    assert world["furong_plain"].item.name not in text
    # Untied entries come first.
    assert text.index(entry.item.name) < text.index(world["furong_tied"].item.name)
    response = client.post(guide_url(guide), {"entry": entry.pk})
    assert response.status_code == 302
    assert tie_of(entry).guide == guide and tie_of(entry).method == GuideLink.Method.MANUAL


# -- refusals -------------------------------------------------------------------------------
def test_out_of_scope_entries_and_ties_answer_404(client, world, tianxin_editor):
    before = ties()
    entry = world["furong_tied"]
    assert client.get(entry_url(entry)).status_code == 404
    assert client.post(entry_url(entry), {"guide": world["furong_orphan"].pk}).status_code == 404
    assert client.post(url("admin:catalog_guidelink_clear", entry.pk)).status_code == 404
    assert client.get(url("admin:catalog_guidelink_change", entry.pk)).status_code == 404
    assert client.get(guide_url(world["furong_orphan"])).status_code == 404
    assert client.get(entry_url(CatalogEntry(pk=999999))).status_code == 404
    assert ties() == before


def test_tying_an_out_of_scope_entry_from_a_guide_page_is_refused(client, world, tianxin_editor):
    before = ties()
    response = client.post(guide_url(world["tianxin_orphan"]), {"entry": world["furong_untied"].pk})
    assert response.status_code == 200
    assert "没有这个目录事项，或它不在您的管辖范围内" in response.content.decode()
    assert ties() == before


@pytest.mark.parametrize(
    ("guide_key", "value", "message"),
    [
        (None, "999999", "没有这个办事指南"),
        (None, "not-a-number", "没有这个办事指南"),
        (None, "", "请选择要关联的办事指南"),
        ("tianxin_orphan", None, "与目录事项所在区划（芙蓉区）不一致"),
        ("furong_withdrawn", None, "该办事指南已在省平台取消"),
    ],
)
def test_bad_guides_are_refused_in_chinese(client, world, furong_editor, guide_key, value, message):
    before = ties()
    chosen = world[guide_key].pk if guide_key else value
    response = client.post(entry_url(world["furong_tied"]), {"guide": chosen})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ties() == before


def test_an_entry_that_is_not_a_service_item_is_refused(client, world, furong_editor):
    response = client.post(entry_url(world["furong_plain"]), {"guide": world["furong_orphan"].pk})
    assert response.status_code == 200
    assert "只有事项类型为“政务服务事项”的目录事项才能关联办事指南" in response.content.decode()
    assert tie_of(world["furong_plain"]) is None


def test_a_withdrawn_guides_page_refuses_the_tie(client, world, furong_editor):
    response = client.post(
        guide_url(world["furong_withdrawn"]), {"entry": world["furong_untied"].pk}
    )
    assert response.status_code == 200
    assert "已在省平台取消" in response.content.decode()
    assert tie_of(world["furong_untied"]) is None


def test_a_reviewer_may_not_tie_or_clear(client, world, make_member, furong):
    before = ties()
    client.force_login(make_member(furong, Role.REVIEWER))
    entry = world["furong_tied"]
    text = page(client, entry_url(entry))
    assert "没有修改目录事项的权限" in text and "清除关联" not in text
    response = client.post(entry_url(entry), {"guide": world["furong_orphan"].pk})
    assert response.status_code == 200
    assert "您无权修改该区划的目录事项" in response.content.decode()
    client.post(url("admin:catalog_guidelink_clear", entry.pk))
    assert "您无权修改该区划的目录事项" in page(client, entry_url(entry))
    assert client.post(url("admin:catalog_guidelink_refresh")).status_code == 403
    assert ties() == before


def test_staff_without_a_role_see_nothing(client, world):
    client.force_login(UserFactory())
    assert client.get(url(CHANGELIST)).status_code == 403
    assert client.get(url(UNLINKED_ENTRIES)).status_code == 403
    assert client.get(url(UNLINKED_GUIDES)).status_code == 403
    assert client.get(entry_url(world["furong_tied"])).status_code == 404


# -- the refresh button ---------------------------------------------------------------------
def test_refresh_ties_again_and_reports_the_counts(client, world, furong_editor):
    entry = world["furong_untied"]
    make_guide("芙蓉区待关联事项")
    GuideLink.objects.filter(entry=world["tianxin_tied"]).delete()
    refresh = url("admin:catalog_guidelink_refresh")
    assert client.get(refresh).status_code == 405
    response = client.post(refresh, {"next": url(UNLINKED_ENTRIES)}, follow=True)
    assert response.redirect_chain == [(url(UNLINKED_ENTRIES), 302)]
    text = response.content.decode()
    # Only the editor's own catalogs are tied again: 天心区's lost tie is its own staff's to
    # refresh (or the city's), not 芙蓉区's.
    assert "已重新自动关联：新增 1 项，变更 0 项，解除 0 项，保持不变 1 项" in text
    assert tie_of(entry) is not None and tie_of(world["tianxin_tied"]) is None


def test_a_superuser_refresh_ties_every_catalog_again(admin_client, world):
    GuideLink.objects.filter(entry=world["tianxin_tied"]).delete()
    admin_client.post(url("admin:catalog_guidelink_refresh"))
    assert tie_of(world["tianxin_tied"]) is not None


def test_refresh_keeps_hand_made_ties(client, world, furong_editor):
    entry = world["furong_tied"]
    client.post(entry_url(entry), {"guide": world["furong_orphan"].pk})
    client.post(url("admin:catalog_guidelink_refresh"))
    link = tie_of(entry)
    assert link.guide == world["furong_orphan"] and link.method == GuideLink.Method.MANUAL


def test_refresh_refuses_an_outside_redirect(client, world, furong_editor):
    response = client.post(url("admin:catalog_guidelink_refresh"), {"next": "https://evil.test/"})
    assert response.status_code == 302 and response.url == url(CHANGELIST)


# -- query counts ---------------------------------------------------------------------------
# Session, user, the auth backend's two permission reads, memberships; then each page's own.
BASE = 5


def _grow(furong, n: int) -> None:
    """Add ``n`` tied entries, ``n`` untied entries and ``n`` untied guides to 芙蓉区."""
    for i in range(n):
        make_guide(f"已关联指南{i}")
        service_entry(furong, f"已关联指南{i}")
        service_entry(furong, f"未关联事项{i}")
        make_guide(f"未关联指南{i}")
    links_refresh()


@pytest.mark.parametrize("n", [1, 8])
@pytest.mark.parametrize(
    ("name", "queries"),
    [
        # Division filter choices, the count, the page.
        (CHANGELIST, BASE + 3),
        # The count, the page.
        (UNLINKED_ENTRIES, BASE + 2),
        # The user's areas, the count, the page.
        (UNLINKED_GUIDES, BASE + 3),
    ],
)
def test_list_query_counts_do_not_grow_with_the_list(
    client, world, furong, furong_editor, django_assert_num_queries, n, name, queries
):
    _grow(furong, n)
    with django_assert_num_queries(queries):
        text = page(client, url(name))
    assert "未关联" in text


@pytest.mark.parametrize("n", [1, 8])
def test_tie_page_query_counts_do_not_grow_with_the_candidates(
    client, world, furong, furong_editor, django_assert_num_queries, n
):
    _grow(furong, n)
    # The entry with its tie, the candidate guides and their count.
    with django_assert_num_queries(BASE + 3):
        page(client, entry_url(world["furong_tied"]))
    # The user's areas, the guide, the candidate entries and their count.
    with django_assert_num_queries(BASE + 4):
        page(client, guide_url(world["furong_orphan"]))


def test_a_superuser_sees_every_area(client, world):
    client.force_login(UserFactory(is_superuser=True))
    assert "共 2 条" in page(client, url(UNLINKED_ENTRIES))
    guides = page(client, url(UNLINKED_GUIDES))
    assert "共 2 条" in guides and world["tianxin_orphan"].name in guides
    ties_page = page(client, url(CHANGELIST))
    assert world["furong_tied"].item.name in ties_page
    assert world["tianxin_tied"].item.name in ties_page
    response = client.post(
        guide_url(world["tianxin_orphan"]), {"entry": world["tianxin_untied"].pk}
    )
    assert response.status_code == 302
    assert tie_of(world["tianxin_untied"]).guide == world["tianxin_orphan"]
