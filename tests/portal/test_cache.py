"""The public page cache: a hit costs no query, and publishing drops exactly what it changed."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from guides.signals import guides_synced
from publications import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def caching(settings):
    """Cache pages, under a key prefix of this test's own.

    Not ``cache.clear()``: on Redis that empties the whole database, under the feet of the
    tests other pytest-xdist workers run at the same time.
    """
    settings.PUBLIC_CACHE_SECONDS = 600
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-cache-{uuid.uuid4().hex[:12]}"}
        for name, config in settings.CACHES.items()
    }
    yield


def get(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response


def pages(office):
    """Return the public pages around the township's entry, with a page of the other district."""
    district, township = office.divisions["430102"], office.divisions["430102001"]
    cousin = office.divisions["430103"]
    entry = office.entries["township"]
    domain = entry.item.first_level.domain
    return {
        "home": "/",
        "city": office.divisions["430100"].get_absolute_url(),
        "district": district.get_absolute_url(),
        "township": township.get_absolute_url(),
        "township_list": f"/d/{township.slug}/publications/",
        "domain": f"/d/{township.slug}/{domain.slug}/",
        "entry": entry.get_absolute_url(),
        "cousin": cousin.get_absolute_url(),
        "cousin_entry": office.entries["cousin"].get_absolute_url(),
    }


def states(client, urls) -> dict[str, str]:
    return {name: client.get(url)["X-Page-Cache"] for name, url in urls.items()}


def test_a_second_request_is_served_from_the_cache_without_a_query(
    client, office, django_assert_num_queries
):
    url = pages(office)["district"]
    first = get(client, url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = get(client, url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_publishing_drops_the_pages_above_it_and_keeps_the_others(
    client, office, django_capture_on_commit_callbacks
):
    urls = pages(office)
    assert set(states(client, urls).values()) == {"miss"}
    assert set(states(client, urls).values()) == {"hit"}

    with django_capture_on_commit_callbacks(execute=True):
        item = office.publication("township", "published", title="文艺路街道低保名单（缓存测试）")

    after = states(client, urls)
    for name in ("home", "city", "district", "township", "township_list", "entry"):
        assert after[name] == "miss", name
    assert after["cousin"] == after["cousin_entry"] == "hit"
    for name in ("township", "township_list", "entry"):
        assert item.title in get(client, urls[name]).content.decode(), name


def test_withdrawing_drops_the_publication_page(client, office, django_capture_on_commit_callbacks):
    item = office.publication("township", "published", title="将撤销的公开信息")
    url = item.get_absolute_url()
    get(client, url)
    assert get(client, url)["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(
            publication=item, user=office.user("editor", "township"), reason="信息有误"
        )

    assert client.get(url).status_code == 404


def test_a_rolled_back_publication_drops_nothing(
    client, office, django_capture_on_commit_callbacks
):
    urls = pages(office)
    states(client, urls)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        office.publication("township", "published", title="回滚的公开信息")
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert set(states(client, urls).values()) == {"hit"}


def test_drafts_and_submissions_do_not_drop_pages(
    client, office, django_capture_on_commit_callbacks
):
    urls = pages(office)
    states(client, urls)
    with django_capture_on_commit_callbacks(execute=True):
        office.publication("township", "submitted", title="待审核的公开信息")
    assert set(states(client, urls).values()) == {"hit"}


def test_approving_catalog_entries_drops_catalog_pages(
    client, office, django_capture_on_commit_callbacks
):
    from catalog.review import catalog_publish_as_loaded

    urls = pages(office)
    states(client, urls)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_publish_as_loaded(entry_ids=[office.entries["township"].pk])
    after = states(client, urls)
    assert after["domain"] == after["entry"] == after["cousin"] == "miss"


def test_a_sync_that_wrote_guides_drops_entry_pages(
    client, office, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from guides.models import SyncRun

    url = pages(office)["entry"]
    get(client, url)
    now = timezone.now()
    run = SyncRun.objects.create(
        trigger="command",
        base_url="http://127.0.0.1:9",
        started_at=now,
        heartbeat_at=now,
        status="succeeded",
        finished_at=now,
    )
    with django_capture_on_commit_callbacks(execute=True):
        guides_synced.send(sender=SyncRun, run=run)
    assert get(client, url)["X-Page-Cache"] == "miss"


def test_the_display_mode_is_part_of_the_key(client, office):
    from portal.context_processors import A11Y_COOKIE, A11Y_LARGE

    url = pages(office)["district"]
    standard = get(client, url)
    client.cookies[A11Y_COOKIE] = A11Y_LARGE
    large = get(client, url)
    assert large["X-Page-Cache"] == "miss"
    assert large.content != standard.content
    assert get(client, url)["X-Page-Cache"] == "hit"


def test_logged_in_staff_always_get_fresh_pages(client, office):
    url = pages(office)["district"]
    get(client, url)
    client.force_login(office.user("editor", "district"))
    assert "X-Page-Cache" not in get(client, url)


def test_not_found_is_not_cached(client, office):
    assert client.get("/d/no-such-place/").status_code == 404
    assert "X-Page-Cache" not in client.get("/d/no-such-place/")


def test_caching_off_serves_fresh_pages(client, office, settings):
    settings.PUBLIC_CACHE_SECONDS = 0
    url = pages(office)["district"]
    get(client, url)
    assert "X-Page-Cache" not in get(client, url)


def test_query_strings_the_page_does_not_read_share_one_cached_page(client, office):
    """?utm_source=…, ?x=1, ?x=2 … are the same page: no new cache entry per query string."""
    url = pages(office)["township"]
    assert get(client, url)["X-Page-Cache"] == "miss"
    for junk in ("?x=1", "?x=2", "?utm_source=wechat&a=b", "?page=3"):
        assert get(client, url + junk)["X-Page-Cache"] == "hit", junk


def test_the_page_parameter_is_normalised_where_it_is_read(client, office):
    url = pages(office)["township_list"]
    assert get(client, url + "?page=1")["X-Page-Cache"] == "miss"
    for same in ("?page=01", "?page=%201", "?page=1&x=9", "?page=abc", "?page=" + "9" * 4000):
        assert get(client, url + same)["X-Page-Cache"] == "hit", same[:20]
    # A page number the view reads differently is a page of its own.
    assert get(client, url + "?page=2")["X-Page-Cache"] == "miss"
