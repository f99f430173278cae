"""Staff sessions (等保 2.0 登录连接超时): they end after STAFF_SESSION_IDLE_MINUTES without a
request and when the browser closes; anonymous visitors get no session and cause no write."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from districts.models import Role
from portal.sessions import LAST_SEEN
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def idle_for(client, seconds: int) -> None:
    """Pretend the session's last request was ``seconds`` ago."""
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


@pytest.fixture
def staff(client, make_member, city):
    user = make_member(city, Role.EDITOR)
    client.force_login(user)
    return user


def test_the_idle_clock_starts_at_sign_in(client, staff):
    assert abs(client.session[LAST_SEEN] - time.time()) < 5


def test_a_session_idle_too_long_is_ended(client, staff, settings):
    assert settings.STAFF_SESSION_IDLE_MINUTES == 30
    idle_for(client, 31 * 60)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:login") + "?next=/admin/"
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "您已超过 30 分钟未操作，为保护账号安全已自动退出，请重新登录。" in page


def test_activity_keeps_the_session_alive(client, staff):
    idle_for(client, 29 * 60)
    assert client.get("/admin/").status_code == 200
    # The request moved the clock: 29 more minutes later the session still lives.
    assert abs(client.session[LAST_SEEN] - time.time()) < 5
    idle_for(client, 29 * 60)
    assert client.get("/admin/").status_code == 200


def test_the_clock_is_written_at_most_once_a_minute(client, staff):
    with CaptureQueriesContext(connection) as fresh:
        assert client.get("/admin/").status_code == 200
    assert session_writes(fresh.captured_queries) == []
    idle_for(client, 61)
    with CaptureQueriesContext(connection) as stale:
        assert client.get("/admin/").status_code == 200
    assert len(session_writes(stale.captured_queries)) == 1


def test_the_idle_limit_is_configurable(client, staff, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    idle_for(client, 4 * 60)
    assert client.get("/admin/").status_code == 200
    idle_for(client, 6 * 60)
    assert client.get("/admin/").status_code == 302


def test_public_pages_follow_the_idle_limit_too(client, staff):
    idle_for(client, 31 * 60)
    assert client.get("/").status_code == 200
    assert SESSION_KEY not in client.session


def test_the_session_cookie_ends_with_the_browser(client):
    UserFactory(username="clerk")
    response = client.post(reverse("admin:login"), {"username": "clerk", "password": "pw-12345"})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]


def test_anonymous_public_pages_create_no_session(client, office):
    publication = office.publication("district", "published")
    for url in ("/", "/d/furong/", publication.get_absolute_url(), "/search/?q=低保"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert "sessionid" not in response.cookies, url
        assert not any("django_session" in q["sql"] for q in queries.captured_queries), url
    assert not Session.objects.exists()
