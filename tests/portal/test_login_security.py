"""Staff sign-in throttling (等保 2.0 登录失败处理) with django-axes.

An account is locked after LOGIN_FAILURE_LIMIT (5) failures from any address, an address after
LOGIN_ADDRESS_FAILURE_LIMIT (20) failures naming any accounts, for LOGIN_LOCKOUT_MINUTES (30);
the lockout page is Chinese, in the admin's look, status 429; the city's administrators list
and lift locks (登录锁定), and the admin log records who did.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory
from django.urls import reverse

from districts.models import Role
from districts.services import demo_user, membership_grant
from portal.login_security import client_ip, current_lockouts, locked_until, sign_in_standing
from portal.management.commands.load_demo_data import DEMO_PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "pw-12345"  # tests.factories.UserFactory's password
LOCKOUTS = "/admin/portal/loginlockout/"
UNLOCK = "/admin/portal/loginlockout/unlock/"


@pytest.fixture(autouse=True)
def default_limits(settings):
    # The defaults of portal/settings.py, spelled out: the tests count against them.
    assert settings.AXES_FAILURE_LIMIT == settings.LOGIN_FAILURE_LIMIT == 5
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20
    assert settings.LOGIN_LOCKOUT_MINUTES == 30
    assert dt.timedelta(minutes=30) == settings.AXES_COOLOFF_TIME
    assert settings.TRUSTED_PROXY_COUNT == 0


def sign_in(client, username: str, password: str, address: str = "10.0.0.1", **extra):
    return client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def age_attempts(minutes: int) -> None:
    """Move every recorded failure ``minutes`` into the past."""
    AccessAttempt.objects.update(
        attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    )


def test_fifty_wrong_passwords_then_the_right_one(client, caplog):
    """The issue's finding (50 wrong passwords all answered 200, then the right one signed in),
    replayed: the 5th failure locks the account, the right password is refused while locked."""
    user = UserFactory(username="clerk")
    statuses, started = [], time.monotonic()
    for _ in range(50):
        statuses.append(sign_in(client, "clerk", "wrong-password").status_code)
    right = sign_in(client, "clerk", RIGHT)
    elapsed = time.monotonic() - started
    print(
        f"\n50 wrong passwords then the right one in {elapsed:.2f} s: "
        f"{statuses[:4]} then {statuses[4]} ×{statuses.count(429)}; right password: "
        f"{right.status_code}, signed in: {signed_in(client)}"
    )
    assert statuses[:4] == [200] * 4
    assert statuses[4:] == [429] * 46
    assert right.status_code == 429 and not signed_in(client)
    assert "登录已被暂时锁定" in right.content.decode()
    # Only the failures before the lock count: a locked client cannot extend its own lock.
    assert AccessAttempt.objects.get(username="clerk").failures_since_start == 5
    # The audit trail: axes keeps each counted failure (the 5th marked as locking) and no
    # sign-in; the portal's log names each refused attempt.
    assert AccessFailureLog.objects.filter(username="clerk").count() == 5
    assert AccessFailureLog.objects.get(username="clerk", locked_out=True)
    assert not AccessLog.objects.filter(username=user.username).exists()
    refused = [r for r in caplog.records if r.getMessage().startswith("Sign-in refused")]
    assert len(refused) == 47
    assert refused[-1].getMessage() == (
        "Sign-in refused, locked: account clerk from 10.0.0.1 (account locked)"
    )


def test_the_login_page_says_how_many_tries_are_left(client):
    UserFactory(username="clerk")
    for left in (4, 3, 2, 1):
        response = sign_in(client, "clerk", "wrong")
        assert response.status_code == 200
        assert (
            f"用户名或密码不正确（均区分大小写）。再输错 {left} 次，该账号将被锁定 30 分钟。"
            in response.content.decode()
        )
    # Fewer failures than the limit lock nothing: the right password signs in.
    response = sign_in(client, "clerk", RIGHT)
    assert response.status_code == 302 and signed_in(client)
    assert AccessLog.objects.filter(username="clerk", ip_address="10.0.0.1").count() == 1


def test_the_lockout_page(client):
    UserFactory(username="clerk")
    for _ in range(5):
        response = sign_in(client, "clerk", "wrong")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert 1700 <= int(response["Retry-After"]) <= 1800
    assert "admin/login_locked.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "管理后台" in html and 'id="site-name"' in html  # the admin's header
    until = AccessAttempt.objects.get().attempt_time + dt.timedelta(minutes=30)
    until = until.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M")
    assert f"账号“clerk”在 30 分钟内登录失败 5 次（上限 5 次），已被锁定，将于 {until}" in html
    assert "约 30 分钟后）自动解除" in html
    assert "即使输入正确的密码也无法登录" in html
    assert "市级管理员" in html and "登录锁定" in html
    assert f'href="{reverse("admin:login")}"' in html


def test_a_locked_account_is_refused_from_any_address(client):
    UserFactory(username="clerk")
    for _ in range(5):
        sign_in(client, "clerk", "wrong", address="10.0.0.1")
    response = sign_in(client, "clerk", RIGHT, address="172.16.5.9")
    assert response.status_code == 429 and not signed_in(client)
    # The other address is not locked for other accounts.
    UserFactory(username="other")
    response = sign_in(client, "other", RIGHT, address="172.16.5.9")
    assert response.status_code == 302 and signed_in(client)


def test_a_locked_address_is_refused_for_any_account(client):
    UserFactory(username="victim")
    # 20 failures from one address, 4 per account name: no account reaches its own limit.
    for n in range(20):
        response = sign_in(client, f"guess{n // 4}", "wrong", address="10.9.9.9")
    assert response.status_code == 429
    assert "您所在的网络地址（10.9.9.9）在 30 分钟内登录失败 20 次（上限 20 次）" in (
        response.content.decode()
    )
    response = sign_in(client, "victim", RIGHT, address="10.9.9.9")
    assert response.status_code == 429 and not signed_in(client)
    # The same account from another address is fine.
    response = sign_in(client, "victim", RIGHT, address="10.9.9.10")
    assert response.status_code == 302 and signed_in(client)


def test_the_warning_names_the_address_when_it_is_nearer_its_limit(client):
    for n in range(18):
        sign_in(client, f"guess{n // 3}", "wrong", address="10.9.9.9")
    response = sign_in(client, "someone", "wrong", address="10.9.9.9")
    assert "再输错 1 次，您所在的网络地址将被锁定 30 分钟。" in response.content.decode()


def test_the_lock_lifts_after_the_cool_off(client):
    UserFactory(username="clerk")
    for _ in range(5):
        sign_in(client, "clerk", "wrong")
    age_attempts(29)
    assert sign_in(client, "clerk", RIGHT).status_code == 429
    age_attempts(31)
    response = sign_in(client, "clerk", RIGHT)
    assert response.status_code == 302 and signed_in(client)


def test_locked_until_drops_the_oldest_failures_first():
    base = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)
    rows = [(base, 3), (base + dt.timedelta(minutes=10), 2), (base + dt.timedelta(minutes=20), 1)]
    # 6 failures, limit 5: dropping the oldest row (3) leaves 3 < 5.
    assert locked_until(rows, 5) == base + dt.timedelta(minutes=30)
    # Limit 3: the first two rows must go.
    assert locked_until(rows, 3) == base + dt.timedelta(minutes=40)
    assert locked_until(rows, 7) is None


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "", "203.0.113.7"),
        # Not behind a trusted proxy: the header is the client's word, ignored.
        (0, "203.0.113.7", "10.1.1.1", "203.0.113.7"),
        # One proxy appends the address it was reached from; what the client wrote is left of it.
        (1, "172.18.0.2", "198.51.100.4", "198.51.100.4"),
        (1, "172.18.0.2", "1.2.3.4, 198.51.100.4", "198.51.100.4"),
        (2, "172.18.0.2", "1.2.3.4, 198.51.100.4, 10.0.0.3", "198.51.100.4"),
        (1, "172.18.0.2", "2001:db8::1", "2001:db8::1"),
        # A header shorter than the proxies write, or not an address: the connection counts.
        (2, "172.18.0.2", "198.51.100.4", "172.18.0.2"),
        (1, "172.18.0.2", "unknown", "172.18.0.2"),
        (1, "172.18.0.2", "", "172.18.0.2"),
    ],
)
def test_client_ip_behind_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)
    assert client_ip(request) == expected


def test_a_spoofed_forwarded_for_does_not_escape_the_address_lock(client):
    for n in range(20):
        sign_in(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"10.7.0.{n}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}
    UserFactory(username="clerk")
    response = sign_in(client, "clerk", RIGHT, HTTP_X_FORWARDED_FOR="10.7.7.7")
    assert response.status_code == 429


def test_behind_the_proxy_each_client_is_locked_on_its_own(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(20):
        sign_in(client, f"guess{n}", "wrong", address="172.18.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1")
    UserFactory(username="clerk")
    proxied = {"address": "172.18.0.2", "HTTP_X_FORWARDED_FOR": "9.9.9.9, 2.2.2.2"}
    assert sign_in(client, "clerk", RIGHT, **proxied).status_code == 302
    client.logout()
    proxied["HTTP_X_FORWARDED_FOR"] = "1.1.1.1"
    assert sign_in(client, "clerk", RIGHT, **proxied).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"1.1.1.1"}


def test_demo_accounts_still_sign_in(client, city):
    user = demo_user(username="city_admin", full_name="市级管理员", password=DEMO_PASSWORD)
    membership_grant(user=user, division=city, role=Role.ADMINISTRATOR)
    response = sign_in(client, "city_admin", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# -- 登录锁定: the city administrators' page ------------------------------------------------


def lock_account(client, username: str = "clerk", address: str = "10.0.0.1") -> None:
    for _ in range(5):
        sign_in(client, username, "wrong", address=address)


def lock_address(client, address: str = "10.9.9.9") -> None:
    for n in range(20):
        sign_in(client, f"guess{n // 4}", "wrong", address=address)


def test_city_administrator_lists_and_lifts_locks(
    client, make_member, city, django_assert_num_queries
):
    UserFactory(username="clerk")
    lock_account(client)
    lock_address(client)
    admin = make_member(city, Role.ADMINISTRATOR, username="city_admin")
    client.force_login(admin)

    index = client.get("/admin/").content.decode()
    assert f'href="{LOCKOUTS}"' in index and "登录锁定" in index
    # Session, user, memberships, the failures, and the sidebar's user and group permissions.
    with django_assert_num_queries(6):
        response = client.get(LOCKOUTS)
    assert response.status_code == 200
    html = response.content.decode()
    accounts = html[html.index("被锁定的账号") : html.index("被锁定的网络地址")]
    addresses = html[html.index("被锁定的网络地址") :]
    assert re.search(r"<td>clerk</td>\s*<td>5</td>\s*<td>10\.0\.0\.1</td>", accounts)
    assert "guess" not in accounts  # 4 failures each: not locked
    assert re.search(r"<td>10\.9\.9\.9</td>\s*<td>20</td>\s*<td>guess0、guess1", addresses)
    assert html.count(">解除锁定</button>") == 2
    assert set(current_lockouts()) == {"account", "address"}

    response = client.post(UNLOCK, {"kind": "account", "key": "clerk"}, follow=True)
    assert response.redirect_chain == [(LOCKOUTS, 302)]
    assert "已解除账号“clerk”的登录锁定（清除 5 次失败记录）。" in response.content.decode()
    assert "目前没有被锁定的账号。" in response.content.decode()
    entry = LogEntry.objects.get(object_repr="账号 clerk")
    assert entry.user == admin and entry.action_flag == DELETION
    assert entry.change_message == "解除登录锁定（清除 5 次登录失败记录）"

    client.post(UNLOCK, {"kind": "address", "key": "10.9.9.9"})
    assert LogEntry.objects.filter(object_repr="网络地址 10.9.9.9", user=admin).exists()
    assert not AccessAttempt.objects.exists()

    # Unlocked: the account signs in again at once.
    client.logout()
    assert sign_in(client, "clerk", RIGHT, address="10.9.9.9").status_code == 302


def test_superusers_may_unlock(client):
    lock_account(client, "someone")
    client.force_login(UserFactory(username="root", is_superuser=True))
    assert "someone" in client.get(LOCKOUTS).content.decode()
    client.post(UNLOCK, {"kind": "account", "key": "someone"})
    assert not sign_in_standing(username="someone", address=None).locks


@pytest.mark.parametrize(
    ("division", "role"),
    [
        ("city", Role.REVIEWER),
        ("city", Role.EDITOR),
        ("furong", Role.ADMINISTRATOR),
        ("wenyilu", Role.ADMINISTRATOR),
    ],
)
def test_nobody_else_sees_the_page(client, make_member, request, division, role):
    lock_account(client)
    client.force_login(make_member(request.getfixturevalue(division), role))
    assert "登录锁定" not in client.get("/admin/").content.decode()
    assert client.get(LOCKOUTS).status_code == 404
    assert client.post(UNLOCK, {"kind": "account", "key": "clerk"}).status_code == 404
    assert AccessAttempt.objects.exists()
    assert not LogEntry.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(LOCKOUTS)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.post(UNLOCK, {"kind": "account", "key": "clerk"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_unlock_refuses_get_and_unknown_kinds(client, make_member, city):
    client.force_login(make_member(city, Role.ADMINISTRATOR))
    assert client.get(UNLOCK).status_code == 405
    response = client.post(UNLOCK, {"kind": "everything", "key": "x"}, follow=True)
    assert "未知的锁定对象。" in response.content.decode()
    assert not LogEntry.objects.exists()
