"""The catalog admin's own flows: editing through the services, drop confirmation, upstream."""

import pytest
from django.urls import reverse

from catalog.models import CatalogEntry, CatalogEvent, Channel
from catalog.services import catalog_derive_tree, entry_update
from districts.models import Role
from tests.factories import CityEntryFactory


@pytest.fixture
def catalog(city):
    entries = CityEntryFactory.create_batch(2, division=city)
    catalog_derive_tree(root=city, user=None)
    return entries


def change_url(entry):
    return reverse("admin:catalog_catalogentry_change", args=[entry.pk])


def form_data(entry, **overrides):
    data = {
        "content": entry.content,
        "content_title": entry.content_title,
        "upload_form": entry.upload_form,
        "basis": entry.basis,
        "time_limit": entry.time_limit,
        "subject": entry.subject,
        "channels": [c.pk for c in entry.channels.all()],
        "audience_all": "on" if entry.audience_all else "",
        "mode_active": "on" if entry.mode_active else "",
        "levels": "\n".join(
            f"{lvl['level']}：{'、'.join(lvl['channels'])}" for lvl in entry.levels
        ),
        "item_type": entry.item_type,
        "service_name": entry.service_name,
        "remarks": entry.remarks,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_editing_a_district_entry_personalises_it_and_townships_follow(
    client, make_member, furong, catalog
):
    user = make_member(furong, Role.EDITOR)
    client.force_login(user)
    entry = CatalogEntry.objects.get(division=furong, item=catalog[0].item)
    response = client.post(change_url(entry), form_data(entry, time_limit="5个工作日内"))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    assert entry.time_limit == "5个工作日内" and entry.overridden == ["time_limit"]
    townships = CatalogEntry.objects.filter(source=entry)
    assert townships.count() == 13
    assert set(townships.values_list("time_limit", flat=True)) == {"5个工作日内"}
    event = CatalogEvent.objects.get(entry=entry, action="personalise")
    assert event.user == user and event.new_value == "5个工作日内"


def test_levels_field_reports_a_line_without_a_name(client, make_member, furong, catalog):
    client.force_login(make_member(furong, Role.EDITOR))
    entry = CatalogEntry.objects.get(division=furong, item=catalog[0].item)
    response = client.post(
        change_url(entry), form_data(entry, levels="县级：政府网站\n：政务服务中心")
    )
    assert response.status_code == 200
    assert "第2行缺少层级名称" in response.content.decode()
    entry.refresh_from_db()
    assert entry.levels == [{"level": "县级", "channels": ["政府网站"]}]


def test_audience_needs_one_choice(client, make_member, furong, catalog):
    client.force_login(make_member(furong, Role.EDITOR))
    entry = CatalogEntry.objects.get(division=furong, item=catalog[0].item)
    data = form_data(entry)
    data.pop("audience_all")
    response = client.post(change_url(entry), data)
    assert response.status_code == 200
    assert "至少选择全社会或特定群体之一" in response.content.decode()


def test_drop_asks_for_confirmation_listing_townships(client, make_member, furong, catalog):
    client.force_login(make_member(furong, Role.EDITOR))
    entry = CatalogEntry.objects.get(division=furong, item=catalog[0].item)
    url = reverse("admin:catalog_catalogentry_drop", args=[entry.pk])
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and "文艺路街道" in text and "13" in text
    assert not CatalogEntry.objects.filter(pk=entry.pk, is_dropped=True).exists()
    # Posting without the confirmation shows the same page and drops nothing.
    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 200
    assert CatalogEntry.objects.filter(source=entry, is_dropped=True).count() == 0
    confirmed = client.post(url, {"confirm": "1"})
    assert confirmed.status_code == 302
    assert CatalogEntry.objects.filter(source=entry, is_dropped=True).count() == 13
    restore = client.post(reverse("admin:catalog_catalogentry_restore", args=[entry.pk]))
    assert restore.status_code == 302
    assert CatalogEntry.objects.filter(source=entry, is_dropped=False).count() == 13


def test_bulk_drop_confirms_then_drops(client, make_member, furong, catalog):
    client.force_login(make_member(furong, Role.EDITOR))
    entries = list(CatalogEntry.objects.filter(division=furong))
    changelist = reverse("admin:catalog_catalogentry_changelist")
    selected = {"action": "drop_selected", "_selected_action": [e.pk for e in entries]}
    page = client.post(changelist, selected)
    assert page.status_code == 200 and "确认删减" in page.content.decode()
    assert not CatalogEntry.objects.filter(division=furong, is_dropped=True).exists()
    done = client.post(changelist, {**selected, "post": "yes", "confirm": "1"})
    assert done.status_code == 302
    assert CatalogEntry.objects.filter(division=furong, is_dropped=True).count() == 2
    assert CatalogEntry.objects.filter(division__parent=furong, is_dropped=True).count() == 26


def test_accept_upstream_from_the_change_page(client, make_member, city, furong, wenyilu, catalog):
    user = make_member(wenyilu, Role.EDITOR)
    township = CatalogEntry.objects.get(division=wenyilu, item=catalog[0].item)
    entry_update(entry=township, changes={"subject": "文艺路街道办事处"}, user=user)
    district = township.source
    entry_update(entry=district, changes={"subject": "芙蓉区民政局"}, user=None)
    township.refresh_from_db()
    assert township.upstream_changed == ["subject"]
    client.force_login(user)
    page = client.get(change_url(township))
    assert "上级已调整" in page.content.decode()
    url = reverse("admin:catalog_catalogentry_upstream", args=[township.pk, "subject", "accept"])
    assert client.post(url).status_code == 302
    township.refresh_from_db()
    assert township.subject == "芙蓉区民政局" and township.overridden == []
    assert township.upstream_changed == []


def test_tree_view_counts_entries_under_a_division(client, make_member, furong, catalog):
    client.force_login(make_member(furong, Role.REVIEWER))
    page = client.get(reverse("admin:catalog_catalogentry_tree"), {"within": furong.code})
    assert page.status_code == 200
    tree = page.context["tree"]
    item_counts = [item.n for node in tree for f in node["firsts"] for item in f["items"]]
    # 芙蓉区 and its 13 townships hold each of the two items.
    assert sorted(n for n in item_counts if n) == [14, 14]


def test_derive_view_fills_a_new_item_down_the_tree(
    client, make_member, city, furong, catalog, django_capture_on_commit_callbacks
):
    CityEntryFactory(division=city)
    client.force_login(make_member(city, Role.ADMINISTRATOR))
    # The derivation is a background job, run in-process when the request commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:catalog_catalogentry_derive"),
            {"division": furong.code, "with_children": "1"},
        )
    assert response.status_code == 302
    assert "/jobs/" in response["Location"]
    assert CatalogEntry.objects.filter(division=furong).count() == 3
    assert CatalogEntry.objects.filter(division__parent=furong).count() == 3 * 13


def _levels(*names):
    return [{"level": name, "channels": ["政府网站"]} for name in names]


def test_derive_by_level_gives_each_division_only_what_its_level_publishes(
    client, make_member, city, furong, django_capture_on_commit_callbacks
):
    """按公开层级生成: a township takes no 市级|县级-only licence, a district no 市级-only
    item; an entry naming no level is copied, as one cannot tell whom it concerns."""
    county = CityEntryFactory(division=city, levels=_levels("市级", "县级"))
    # Stored before levels were canonical: 镇(街)级 is 乡级.
    down = CityEntryFactory(division=city, levels=_levels("县级", "镇(街)级"))
    village = CityEntryFactory(division=city, levels=_levels("村级"))
    unlabelled = CityEntryFactory(division=city, levels=[])
    city_only = CityEntryFactory(division=city, levels=_levels("市级"))
    client.force_login(make_member(city, Role.ADMINISTRATOR))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:catalog_catalogentry_derive"),
            {"division": furong.code, "with_children": "1", "by_level": "1"},
        )
    assert response.status_code == 302
    job_page = client.get(response["Location"])
    assert "按公开层级" in job_page.content.decode()

    def items(division):
        return set(CatalogEntry.objects.filter(division=division).values_list("item", flat=True))

    assert items(furong) == {e.item_id for e in (county, down, village, unlabelled)}
    townships = list(furong.children.all())
    assert len(townships) == 13
    for township in townships:
        assert items(township) == {e.item_id for e in (down, village, unlabelled)}
    event = CatalogEvent.objects.get(action=CatalogEvent.Action.DERIVE, division=townships[0])
    assert event.detail["by_level"] is True and event.detail["skipped"] == 1
    assert city_only.item_id not in items(furong)

    # Derived again without the option, a township completes its catalog from its district's.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:catalog_catalogentry_derive"), {"division": townships[0].code})
    assert county.item_id in items(townships[0])
    assert county.item_id not in items(townships[1])


def test_channel_change_in_admin_follows_down(client, make_member, city, catalog):
    client.force_login(make_member(city, Role.EDITOR))
    entry = catalog[0]
    new = list(Channel.objects.filter(name__in=["政府网站", "政务服务中心"]))
    response = client.post(change_url(entry), form_data(entry, channels=[c.pk for c in new]))
    assert response.status_code == 302
    derived = CatalogEntry.objects.filter(item=entry.item).exclude(pk=entry.pk)
    assert derived.count() == 179
    for other in derived.prefetch_related("channels")[:20]:
        assert {c.name for c in other.channels.all()} == {"政府网站", "政务服务中心"}
