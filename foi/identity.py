"""Identity documents on requests: validate the number, keep it encrypted, count by a keyed hash.

The number is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, the ``cryptography`` package)
under ``FOI_ID_KEY``; without that setting the key is derived from SECRET_KEY (HKDF), so a
development portal needs no configuration, and a production one is warned (foi/checks.py)
that rotating SECRET_KEY would make the stored numbers unreadable. Throttling and the fee
count need "the same applicant", which a keyed hash (HMAC-SHA256) of the normalised number
answers without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from .models import IdType

# GB 11643-1999: weights and check characters of the 18-digit resident identity number.
# Every pattern is re.ASCII: \d (and int()) would take any Unicode digit, so the same number in
# Arabic-Indic digits would pass with another digest, past the per-applicant limits.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# GB 32100-2015: the unified social credit code's alphabet (no I, O, Z, S, V) and weights.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_PATTERNS = {
    IdType.PASSPORT: (re.compile(r"^[A-Z0-9]{5,17}$"), "护照号码应为5至17位字母或数字。"),
    IdType.HK_MACAO: (
        re.compile(r"^[HM]\d{8}(\d{2})?$", re.ASCII),
        "港澳居民来往内地通行证号码应为H或M开头，后接8位或10位数字。",
    ),
    IdType.TAIWAN: (re.compile(r"^\d{8}$", re.ASCII), "台湾居民来往大陆通行证号码应为8位数字。"),
}


def normalise(number: str) -> str:
    """Return ``number`` without spaces, in upper case, with full-width characters folded."""
    folded = "".join(chr(ord(ch) - 0xFEE0) if "！" <= ch <= "～" else ch for ch in number.strip())
    return re.sub(r"[\s\-]", "", folded).upper()


def check(id_type: str, number: str) -> str | None:
    """Return why ``number`` is not a valid number of ``id_type`` (Chinese), or None."""
    if id_type == IdType.RESIDENT:
        if not re.fullmatch(r"\d{17}[\dX]", number, re.ASCII):
            return "居民身份证号码应为18位，前17位为数字，最后一位为数字或X。"
        total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
        if _ID_CHECK[total % 11] != number[17]:
            return "居民身份证号码的校验位不正确，请核对。"
        return None
    if id_type == IdType.CREDIT_CODE:
        if len(number) != 18 or any(ch not in _USCC_ALPHABET for ch in number):
            return "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）。"
        total = sum(
            _USCC_ALPHABET.index(ch) * w for ch, w in zip(number[:17], _USCC_WEIGHTS, strict=True)
        )
        if _USCC_ALPHABET[(31 - total % 31) % 31] != number[17]:
            return "统一社会信用代码的校验位不正确，请核对。"
        return None
    pattern, message = _PATTERNS.get(id_type, (None, "请选择证件类型。"))
    if pattern is None or not pattern.fullmatch(number):
        return message
    return None


@cache
def _key_material() -> bytes:
    configured = getattr(settings, "FOI_ID_KEY", "")
    if configured:
        return base64.urlsafe_b64decode(configured)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"foi-id-number").derive(
        settings.SECRET_KEY.encode()
    )


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key_material()))


def encrypt(number: str) -> str:
    """Return ``number`` encrypted (a Fernet token, ASCII)."""
    return _fernet().encrypt(number.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """Return the number in ``token``; raise ValueError when it cannot be read with this key."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as error:
        raise ValueError("证件号码无法解密：密钥已更换或数据已损坏。") from error


def digest(value: str) -> str:
    """Return a keyed hash of ``value`` (hex): equal inputs match, nothing can be read back."""
    return hmac.new(_key_material(), value.encode(), hashlib.sha256).hexdigest()
