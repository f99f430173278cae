"""Password complexity (等保 2.0 身份鉴别): characters from several classes."""

from __future__ import annotations

import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

CLASSES = (
    ("大写字母", frozenset(string.ascii_uppercase)),
    ("小写字母", frozenset(string.ascii_lowercase)),
    ("数字", frozenset(string.digits)),
)
CLASS_NAMES = "大写字母、小写字母、数字和符号"


def character_classes(password: str) -> int:
    """Return how many of upper case, lower case, digits and symbols ``password`` uses.

    A symbol is anything else: punctuation, spaces, Chinese characters.
    """
    used = sum(1 for _, chars in CLASSES if any(c in chars for c in password))
    letters_and_digits = frozenset().union(*(chars for _, chars in CLASSES))
    return used + (1 if any(c not in letters_and_digits for c in password) else 0)


class CharacterClassesValidator:
    """Require characters from at least ``min_classes`` of the four classes."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        used = character_classes(password)
        if used < self.min_classes:
            raise ValidationError(
                "密码过于简单：须包含%(names)s中的至少 %(min)d 类，此密码只有 %(used)d 类。",
                code="password_too_simple",
                params={"names": CLASS_NAMES, "min": self.min_classes, "used": used},
            )

    def get_help_text(self) -> str:
        return f"密码须包含{CLASS_NAMES}中的至少 {self.min_classes} 类。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length check, with its message in Chinese.

    Django 5.2 changed the message's msgid and its zh-hans catalogue still has the old one,
    so the message would show in English.
    """

    def get_error_message(self) -> str:
        return f"密码长度太短：至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
