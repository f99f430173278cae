"""Our wording for Django's own admin and sign-in strings (locale/zh_Hans/LC_MESSAGES).

The compiled .mo files are committed (``make run`` and ``make test`` need no msgfmt): these
tests check that each .mo holds exactly its .po, that every msgid is one Django really uses
(a Django upgrade that renames a string would silently bring its old wording back), and that
the pages show the new wording.
"""

from __future__ import annotations

import ast
import gettext
import json
import re
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
DJANGO = Path(django.__file__).parent / "contrib"
SOURCES = {
    "django": [
        DJANGO / "admin/locale/zh_Hans/LC_MESSAGES/django.po",
        DJANGO / "auth/locale/zh_Hans/LC_MESSAGES/django.po",
    ],
    "djangojs": [DJANGO / "admin/locale/zh_Hans/LC_MESSAGES/djangojs.po"],
}
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def read_entries(path: Path) -> list[dict]:
    """Return a .po file's entries (msgctxt, msgid, msgid_plural, msgstr, msgstr[n], flags)."""
    entries: list[dict] = []
    entry: dict = {}
    key = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry["flags"] = line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            match = KEYWORD.match(line)
            assert match, f"{path.name}: cannot read {line!r}"
            key = match.group(1)
            entry[key] = ast.literal_eval(match.group(3))
    return entries


def read_po(path: Path) -> dict:
    """Return a .po file's catalog as gettext keys it: msgid, or (msgid, n) for plural forms.

    Fuzzy entries are left out (msgfmt leaves them out), and so is the header.
    """
    catalog: dict = {}
    for entry in read_entries(path):
        if not entry["msgid"] or "fuzzy" in entry.get("flags", ""):
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            for name, value in entry.items():
                if name.startswith("msgstr["):
                    catalog[(msgid, int(name[7:-1]))] = value
        else:
            catalog[msgid] = entry["msgstr"]
    return catalog


def read_mo(path: Path) -> dict:
    with path.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    catalog.pop("", None)  # the header
    return catalog


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_committed_mo_is_compiled_from_the_po(domain):
    po = read_po(LOCALE / f"{domain}.po")
    assert len(po) >= 10
    assert read_mo(LOCALE / f"{domain}.mo") == po, (
        f"locale/zh_Hans/LC_MESSAGES/{domain}.mo is out of date: run /usr/bin/msgfmt --check "
        f"-o locale/zh_Hans/LC_MESSAGES/{domain}.mo locale/zh_Hans/LC_MESSAGES/{domain}.po"
    )


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_msgid_is_one_django_uses(domain):
    known: set = set()
    for source in SOURCES[domain]:
        known |= set(read_po(source))
    unknown = set(read_po(LOCALE / f"{domain}.po")) - known
    assert not unknown, f"not in Django's zh_Hans catalogs (renamed upstream?): {unknown}"


def test_the_running_site_speaks_our_wording():
    with translation.override("zh-hans"):
        for entry in read_entries(LOCALE / "django.po"):
            if not entry["msgid"]:
                continue
            if "msgid_plural" in entry:
                for n in (1, 2):
                    found = translation.ngettext(entry["msgid"], entry["msgid_plural"], n)
                    assert found == entry["msgstr[0]"], entry["msgid"]
            else:
                assert translation.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


def test_the_admin_javascript_catalog_carries_our_wording(client):
    client.force_login(UserFactory(is_superuser=True))
    script = client.get(reverse("admin:jsi18n")).content.decode()
    found = re.search(r"const newcatalog = (\{.*?\n  \});", script, re.S)
    catalog = json.loads(found.group(1))
    assert catalog["%(sel)s of %(cnt)s selected"] == ["已选中 %(sel)s 条，共 %(cnt)s 条"]
    assert catalog["Available %s"] == "可选的%s"


@pytest.fixture
def https():
    return Client(HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.7")


def sign_in(client, username: str, password: str):
    return client.post(reverse("admin:login"), {"username": username, "password": password})


@override_settings(AXES_ENABLED=False)
def test_a_wrong_password_reads_naturally_without_the_lockout_counter(https):
    UserFactory(username="clerk")
    html = sign_in(https, "clerk", "wrong").content.decode()
    assert "用户名或密码不正确，或该账号不是工作人员账号。请注意两者均区分大小写。" in html
    assert "请输入一个正确的" not in html and "注意他们都是区分大小写的" not in html


def test_a_non_staff_account_reads_naturally(https):
    # The right password of an account that may not use the admin: Django's staff message.
    UserFactory(username="resident", is_staff=False)
    html = sign_in(https, "resident", "pw-12345").content.decode()
    assert "用户名或密码不正确，或该账号不是工作人员账号。" in html


def test_the_admin_pages_use_the_new_words(client):
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert "最近操作" in html and "暂无" in html and "无可选的" not in html
    listing = client.get(reverse("admin:districts_division_changelist")).content.decode()
    assert "按层级" in listing and "以 层级" not in listing  # the filter's heading
    assert "过滤器" not in listing
