"""Settings from the environment, the demo loader, and the basic public pages."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog.models import CatalogEntry, Domain
from districts.models import Division, Membership
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "False",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "disclosure.example.gov.cn",
    # The footer identity a government site must show (disclosure.W001 warns without it).
    "SITE_ID_CODE": "4301000001",
    "SITE_ICP": "湘ICP备00000000号",
    "SITE_PSB": "湘公网安备43010202000001号",
    "SITE_PHONE": "0731-00000000",
    # The key of applicants' identity numbers (foi.W001 warns without it).
    "FOI_ID_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    clean.pop("ALLOW_INSECURE_KEY", None)
    clean["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_production_site_without_its_identity_is_warned():
    env = {**PRODUCTION_ENV, "SITE_ICP": "", "SITE_PSB": ""}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 1
    assert "disclosure.W001" in result.stderr + result.stdout
    assert "SITE_ICP, SITE_PSB" in result.stderr + result.stdout
    bad = {**PRODUCTION_ENV, "SITE_PSB_URL": "https://www.beian.gov.cn/"}
    result = run_manage("check", "--deploy", env=bad)
    assert result.returncode == 1 and "disclosure.E001" in result.stderr + result.stdout


def test_the_identity_number_key_is_checked():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "FOI_ID_KEY": ""}
    )
    assert result.returncode == 1 and "foi.W001" in result.stderr + result.stdout
    result = run_manage("check", env={**PRODUCTION_ENV, "FOI_ID_KEY": "c2hvcnQ="})
    assert result.returncode == 1 and "foi.E001" in result.stderr + result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


SHOW = (
    "from django.conf import settings as s; print(s.CACHES['default']['BACKEND']); "
    "print(s.CELERY_TASK_ALWAYS_EAGER); print(s.CELERY_BROKER_URL); print(s.TIME_ZONE); "
    "print(s.LANGUAGE_CODE); print(s.DATABASES['default']['ENGINE']); "
    "print(s.CACHES['default'].get('LOCATION', '-')); print(s.CELERY_RESULT_BACKEND)"
)


def test_without_redis_tasks_run_eagerly_and_cache_is_local():
    result = run_manage("shell", "--no-imports", "-c", SHOW, env={**PRODUCTION_ENV})
    lines = result.stdout.split()
    assert result.returncode == 0, result.stderr
    assert lines[:6] == [
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
        "memory://",
        "Asia/Shanghai",
        "zh-hans",
        "django.db.backends.sqlite3",
    ]


def test_with_redis_url_redis_is_broker_and_cache():
    env = {
        **PRODUCTION_ENV,
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
    }
    result = run_manage("shell", "--no-imports", "-c", SHOW, env=env)
    lines = result.stdout.split()
    assert result.returncode == 0, result.stderr
    # Django's Redis cache, made to degrade to misses; on the database after the broker's.
    assert lines[0] == "portal.cache_backend.ResilientRedisCache"
    assert lines[1] == "False" and lines[2] == "redis://127.0.0.1:6379/3"
    assert lines[5] == "django.db.backends.postgresql"
    assert lines[6] == "redis://127.0.0.1:6379/4" and lines[7] == "None"


def test_cache_url_puts_the_cache_on_a_server_of_its_own():
    env = {
        **PRODUCTION_ENV,
        "REDIS_URL": "redis://broker:6379/0",
        "CACHE_URL": "redis://cache:6379/0",
    }
    result = run_manage("shell", "--no-imports", "-c", SHOW, env=env)
    lines = result.stdout.split()
    assert result.returncode == 0, result.stderr
    assert lines[2] == "redis://broker:6379/0" and lines[6] == "redis://cache:6379/0"


@pytest.mark.services
def test_redis_cache_round_trip():
    """Store and read back through Django's Redis cache backend against the real server."""
    import redis
    from django.core.cache.backends.redis import RedisCache

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        require_service(f"Redis at {url} does not answer")
    cache = RedisCache(url, {"KEY_PREFIX": "portal-test"})
    cache.set("probe", {"区划": "长沙市"}, 30)
    assert cache.get("probe") == {"区划": "长沙市"}
    cache.delete("probe")
    assert cache.get("probe") is None


@pytest.mark.django_db
def test_load_demo_data_builds_every_catalog_and_account_idempotently(capsys):
    call_command("load_demo_data")
    out = capsys.readouterr().out
    reference = CatalogEntry.objects.filter(division__code="430100").count()
    assert reference > 30
    assert Division.objects.count() == 180 and Domain.objects.count() == 26
    # The demo derives by 公开层级: every district holds a copy of each reference entry that
    # reaches 县级 or below, every township of each that reaches 乡级 or 村级, and no more.
    levels = {
        pk: {row["level"] for row in rows}
        for pk, rows in CatalogEntry.objects.filter(division__code="430100").values_list(
            "pk", "levels"
        )
    }
    county = {pk for pk, names in levels.items() if names & {"县级", "乡级", "村级"}}
    township = {pk for pk, names in levels.items() if names & {"乡级", "村级"}}
    assert county and township and township < county
    for division, wanted in (("430102", county), ("430102001", township), ("430121", county)):
        sources = CatalogEntry.objects.filter(division__code=division).values_list(
            "source__source_id" if len(division) == 9 else "source_id", flat=True
        )
        assert set(sources) == wanted, division
    assert CatalogEntry.objects.filter(is_demo=True).count() == (
        reference + 9 * len(county) + 170 * len(township)
    )
    assert CatalogEntry.objects.filter(source__isnull=True).count() == reference
    assert Membership.objects.filter(user__username="wenyilu_editor").get().division.code == (
        "430102001"
    )
    assert "city_admin" in out and "演示账号" in out
    before = CatalogEntry.objects.count()
    call_command("load_demo_data")
    assert CatalogEntry.objects.count() == before


@pytest.mark.django_db
def test_public_pages_render_and_label_demo_data(client, settings):
    settings.DEMO_MODE = True
    call_command("load_demo_data")
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    text = home.content.decode()
    assert "演示数据" in text and "芙蓉区" in text and "保障性住房" in text
    division = client.get(reverse("portal:division", kwargs={"slug": "wenyilu"}))
    assert division.status_code == 200 and "文艺路街道" in division.content.decode()
    entry = CatalogEntry.objects.filter(division__slug="wenyilu").first()
    page = client.get(entry.get_absolute_url())
    assert page.status_code == 200 and entry.item.name in page.content.decode()
    missing = client.get("/d/no-such-place/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


@pytest.mark.django_db
def test_demo_entries_satisfy_the_element_rules():
    """Every demo entry discloses to someone, in some way, through some channel."""
    from catalog.services import get_value, normalise_value

    call_command("load_demo_data")
    for entry in CatalogEntry.objects.filter(division__code="430100").prefetch_related("channels"):
        for element in ("audience", "mode", "levels", "item_type"):
            normalise_value(element, get_value(entry, element))
        assert entry.channels.exists(), entry
