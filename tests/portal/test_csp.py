"""The Content-Security-Policy header on every HTML page, public and admin (no browser).

Every page type answers with the policy (scripts and styles only from the portal's own files,
no 'unsafe-inline'), and its markup holds nothing the policy would refuse: no <style> block,
style attribute, inline script or event handler. The 500 page alone adds its style's hash.
The Chromium test (tests/browser/test_csp_in_browser.py) loads the same pages for real.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.conf import settings
from django.urls import reverse

from catalog.models import CatalogEntry
from catalog.review import entries_submit
from catalog.services import entry_update
from districts.models import Role
from portal.csp import server_error_style_hash
from tests.factories import UserFactory

from .csp_pages import admin_pages, build_site, inline_problems, policy_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(office):
    return build_site(office)


def check(response) -> list[str]:
    problems = policy_problems(response.get("Content-Security-Policy"))
    if response["Content-Type"].startswith("text/html"):
        problems += inline_problems(response.content.decode())
    assert "sha256-" not in response.get("Content-Security-Policy", "")
    return problems


def test_public_pages(client, site):
    failures = {}
    for name, url in site.public.items():
        response = client.get(url)
        assert response.status_code == (404 if name == "404" else 200), (name, url)
        if problems := check(response):
            failures[name] = problems
    # Large-text mode renders the same pages with another class on <html>.
    client.cookies["portal_mode"] = "large"
    response = client.get("/")
    assert 'class="mode-large"' in response.content.decode()
    if problems := check(response):
        failures["home, 大字版"] = problems
    assert failures == {}


def test_the_map_stylesheet_replaces_inline_positions(client, site):
    html = client.get("/").content.decode()
    assert '<link rel="stylesheet" href="/citymap.css">' in html
    response = client.get("/citymap.css")
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=3600"
    css = response.content.decode()
    assert re.search(r"\.citymap #tip-430102 \{ left: \d+(\.\d)?%; top: \d+(\.\d)?%; \}", css)
    # Unchanged: the browser's copy stays good.
    again = client.get("/citymap.css", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("who", ["superuser", "city administrator", "township editor"])
def test_admin_pages(client, site, make_member, who):
    office = site.objects["office"]
    user = {
        "superuser": lambda: UserFactory(username="root", is_superuser=True),
        "city administrator": lambda: office.user(Role.ADMINISTRATOR, "city"),
        "township editor": lambda: office.user(Role.EDITOR, "township"),
    }[who]()
    client.force_login(user)
    pages = admin_pages(user)
    assert len(pages) > (40 if who == "superuser" else 15)
    failures, statuses = {}, {}
    for name, url in pages.items():
        # Some pages lead on (a tie's change page to its entry's page): check where they land.
        response = client.get(url, follow=True)
        statuses[name] = response.status_code
        if problems := check(response):
            failures[name] = problems
    assert failures == {}
    assert {name: s for name, s in statuses.items() if s != 200} == {}


def test_sign_in_pages_and_the_lockout_page(client):
    login = reverse("admin:login")
    response = client.get(login)
    assert response.status_code == 200 and check(response) == []
    UserFactory(username="clerk")
    response = client.post(login, {"username": "clerk", "password": "wrong"})
    assert "再输错 4 次" in response.content.decode() and check(response) == []
    for _ in range(4):
        response = client.post(login, {"username": "clerk", "password": "wrong"})
    assert response.status_code == 429 and check(response) == []


def test_the_return_reason_page(client, site):
    office = site.objects["office"]
    editor = office.user(Role.EDITOR, "township")
    entry = office.entries["township"]
    entry_update(entry=entry, changes={"remarks": "新备注"}, user=editor)
    entries_submit(entries=[CatalogEntry.objects.get(pk=entry.pk)], user=editor)
    client.force_login(office.user(Role.REVIEWER, "district"))
    response = client.post(
        reverse("admin:catalog_catalogentry_review", args=[entry.pk, "return"]), {"reason": ""}
    )
    assert response.status_code == 200
    assert "退回修改：请填写原因" in response.content.decode()
    assert check(response) == []


@pytest.mark.urls("tests.portal.test_errors")
def test_the_500_page_is_allowed_its_own_style_only(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    header = response["Content-Security-Policy"]
    assert policy_problems(header.replace(f" {server_error_style_hash()}", "")) == []
    text = (settings.BASE_DIR / "templates" / "500.html").read_text(encoding="utf-8")
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert server_error_style_hash() == f"'sha256-{digest}'"
    assert f"style-src 'self' 'sha256-{digest}'" in header
    # Nothing else inline: one style block (the hashed one), no attributes, no scripts.
    assert inline_problems(response.content.decode()) == ["a <style> block: <style>"]


def test_templates_hold_no_inline_script_or_style():
    """Every template of the project, rendered or not, keeps to the policy."""
    skip = {
        "500.html",  # its style block is allowed by hash (portal/csp.py)
    }
    root = settings.BASE_DIR / "templates"
    failures = {}
    for path in root.rglob("*.html"):
        name = path.relative_to(root).as_posix()
        if name in skip:
            continue
        if problems := inline_problems(path.read_text(encoding="utf-8")):
            failures[name] = problems
    assert failures == {}
