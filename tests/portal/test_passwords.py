"""Password complexity (等保 2.0 身份鉴别): at least 10 characters from at least 3 of upper case,
lower case, digits and symbols, with Chinese messages; the demo's passwords are set directly."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.password_validation import validate_password as validate
from django.core.exceptions import ValidationError
from django.utils import translation

from districts.services import demo_user
from portal.management.commands.load_demo_data import DEMO_PASSWORD
from portal.passwords import CharacterClassesValidator, character_classes
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("password", "classes"),
    [
        ("abcdefghij", 1),
        ("ABCdefghij", 2),
        ("abcdefghi1", 2),
        ("abcdefgh1!", 3),
        ("Abcdefgh1!", 4),
        ("政务公开abc123", 3),  # Chinese characters count as symbols
        ("pass word1", 3),
        ("", 0),
    ],
)
def test_character_classes(password, classes):
    assert character_classes(password) == classes


def messages(password: str, user=None) -> list[str]:
    try:
        with translation.override("zh-hans"):  # as every request is (LANGUAGE_CODE)
            validate(password, user)
    except ValidationError as error:
        return error.messages
    return []


@pytest.mark.django_db
def test_the_configured_validators():
    assert messages("Gkml-2026-xq") == []
    assert messages("gkml2026xq!") == []  # lower, digits, a symbol
    assert messages("gkmlxqzwpt") == [
        "密码过于简单：须包含大写字母、小写字母、数字和符号中的至少 3 类，此密码只有 1 类。"
    ]
    assert messages("Gk-2026") == ["密码长度太短：至少需要 10 个字符。"]
    assert "这个密码太常见了。" in messages("password123")
    user = UserFactory(username="wenyilu_clerk")
    assert any("相似" in m for m in messages("Wenyilu_clerk1", user))


def test_help_texts_are_chinese():
    with translation.override("zh-hans"):
        texts = password_validators_help_texts()
    assert "密码须包含大写字母、小写字母、数字和符号中的至少 3 类。" in texts
    assert "密码至少需要 10 个字符。" in texts
    assert CharacterClassesValidator(min_classes=4).get_help_text().endswith("至少 4 类。")


@pytest.mark.django_db
def test_the_demo_password_is_set_directly(reference_data):
    assert messages(DEMO_PASSWORD)  # too short for the validators, and that is fine for a demo
    user = demo_user(username="city_admin", full_name="市级管理员", password=DEMO_PASSWORD)
    assert user.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_the_admin_password_change_applies_them(client):
    user = UserFactory(username="clerk")
    client.force_login(user)
    response = client.post(
        "/admin/password_change/",
        {"old_password": "pw-12345", "new_password1": "abcdefghij", "new_password2": "abcdefghij"},
    )
    assert response.status_code == 200
    assert "密码过于简单" in response.content.decode()
    response = client.post(
        "/admin/password_change/",
        {
            "old_password": "pw-12345",
            "new_password1": "Gkml-2026-xq",
            "new_password2": "Gkml-2026-xq",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Gkml-2026-xq")
