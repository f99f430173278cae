"""The staff admin's path comes from ADMIN_URL; every link to it is reversed, never spelled."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import clear_url_caches, reverse

import portal.urls
from districts.models import Role

STAFF = "gkml-staff/"


def reload_urls() -> None:
    importlib.reload(portal.urls)
    clear_url_caches()


@pytest.fixture
def moved_admin():
    """Serve the admin at /gkml-staff/ for the test, then put it back."""
    with override_settings(ADMIN_URL=STAFF):
        reload_urls()
        yield f"/{STAFF}"
    reload_urls()


@pytest.mark.django_db
def test_the_admin_answers_at_its_configured_path_only(client, moved_admin, make_member, city):
    assert reverse("admin:index") == moved_admin
    assert reverse("admin:login") == f"{moved_admin}login/"
    response = client.get(moved_admin)
    assert response.status_code == 302
    assert response["Location"] == f"{moved_admin}login/?next={moved_admin}"
    for old in ("/admin/", "/admin/login/", "/admin/catalog/catalogentry/"):
        assert client.get(old).status_code == 404, old

    client.force_login(make_member(city, Role.ADMINISTRATOR))
    index = client.get(moved_admin).content.decode()
    assert f'href="{moved_admin}portal/loginlockout/"' in index
    assert 'href="/admin/' not in index


@pytest.mark.django_db
def test_public_pages_link_to_the_configured_path(client, moved_admin, office):
    html = client.get("/").content.decode()
    assert html.count(f'href="{moved_admin}" rel="nofollow">工作人员登录</a>') == 2
    assert "/admin/" not in html
    robots = client.get("/robots.txt").content.decode()
    assert "gkml-staff" not in robots and "admin" not in robots


@pytest.mark.django_db
def test_signing_in_and_the_lockout_page_use_the_configured_path(client, moved_admin):
    from tests.factories import UserFactory

    UserFactory(username="clerk")
    login = f"{moved_admin}login/"
    for _ in range(5):
        response = client.post(login, {"username": "clerk", "password": "wrong"})
    assert response.status_code == 429
    assert f'href="{login}"' in response.content.decode()
    assert '"/admin/' not in response.content.decode()


@pytest.mark.django_db
def test_notices_link_to_the_configured_path(
    moved_admin, office, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://gkml.example.gov.cn"
    with django_capture_on_commit_callbacks(execute=True):
        office.publication("township", "submitted", title="文艺路街道低保名单")
    with django_capture_on_commit_callbacks(execute=True):
        office.publication("district", "returned", title="芙蓉区低保资金发放公示")
    assert len(mailoutbox) >= 2
    for message in mailoutbox:
        links = re.findall(r"https://gkml\.example\.gov\.cn(\S*)", message.body)
        assert links and all(link.startswith(moved_admin) for link in links), message.body


def test_urls_are_back_at_the_default_afterwards():
    assert reverse("admin:index") == "/admin/"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("admin/", True),
        ("gkml-staff/", True),
        ("x/y-2/", True),
        ("/admin/", False),
        ("admin", False),
        ("", False),
        ("ad min/", False),
        ("admin//", False),
        ("../admin/", False),
        ("./", False),
        (".well-known/", False),
        ("staff.v2/", True),
    ],
)
def test_admin_url_is_checked_at_start_up(value, valid):
    env = {**os.environ, "ADMIN_URL": value, "ALLOW_INSECURE_KEY": "1"}
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if valid:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0
        assert "ADMIN_URL must be a relative path ending with a slash" in result.stderr
