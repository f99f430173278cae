"""The friendly 404 and 500 pages, served with DEBUG off.

The 500 page must render when whatever broke the request was the database, the templates'
context or a template tag, so it is plain HTML: the test requests it with database access
blocked, and checks that the file holds no template syntax at all.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.urls import include, path


def boom(request):
    raise RuntimeError("a view that breaks")


# This module doubles as the URLconf of the 500 tests: the site plus a view that raises.
urlpatterns = [
    path("boom/", boom),
    path("", include("portal.urls")),
]


@pytest.fixture(autouse=True)
def production_debug(settings):
    settings.DEBUG = False


def assert_search_box_and_home_link(html: str) -> None:
    # The page's own search box (the 404 page also has the header's).
    forms = re.finditer(r'<form[^>]*role="search"[^>]*>(.*?)</form>', html, re.S)
    form = next((f for f in forms if 'id="error-q"' in f.group(1)), None)
    assert form, "no search form on the page"
    assert 'action="/search/"' in form.group(0) and 'method="get"' in form.group(0)
    assert 'name="q"' in form.group(1)
    assert re.search(r'<label[^>]*for="error-q"', form.group(1))
    assert '<a href="/">返回首页</a>' in html


@pytest.mark.django_db
def test_unknown_url_gives_the_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "抱歉，您访问的页面不存在" in html
    assert re.search(r'<html lang="zh-CN"[ >]', html)
    assert_search_box_and_home_link(html)


@pytest.mark.django_db
def test_unknown_object_gives_the_friendly_404(client, reference_data):
    for url in ("/d/no-such-place/", "/d/no-such-place/feed/rss/", "/p/999999999/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "抱歉，您访问的页面不存在" in response.content.decode(), url


@pytest.mark.urls(__name__)
def test_a_view_that_raises_gives_the_500_page_without_the_database(client):
    # No django_db mark: any query while handling the error would fail this test.
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "抱歉，服务暂时不可用" in html
    assert re.search(r'<html lang="zh-CN"[ >]', html)
    assert_search_box_and_home_link(html)


def test_500_template_has_no_template_syntax():
    text = (django_settings.BASE_DIR / "templates" / "500.html").read_text(encoding="utf-8")
    for syntax in ("{%", "{{", "{#"):
        assert syntax not in text
    # Nothing fetched from elsewhere either: no static files, scripts or images.
    assert not re.search(r"<(script|link|img)\b", text)
