"""Organisation codes of the bodies that publish: 组织机构代码 (GB 11714) and 统一社会信用代码
(GB 32100), each with its check character.

A publication's 索引号 begins with its publisher's code (the national 目录系统 format), so a
mistyped code would print on every document the division issues: the check characters catch
most typing mistakes before that happens.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 32100: 31 characters (no I, O, S, V, Z), each worth its index.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def org_check(body: str) -> str:
    """Return the check character of an 8-character 组织机构代码 body (0-9, X)."""
    total = sum(_org_value(c) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _org_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    return ord(char) - ord("A") + 10


def uscc_check(body: str) -> str:
    """Return the check character of a 17-character 统一社会信用代码 body."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def validate_org_code(value: str) -> None:
    """Raise ValidationError unless ``value`` is a 9-character 组织机构代码 or an 18-character
    统一社会信用代码 whose check character is right."""
    code = value.strip().upper()
    if len(code) == 9:
        body = code[:8]
        if not all(c.isdigit() or "A" <= c <= "Z" for c in body):
            raise ValidationError("组织机构代码的前8位只能是数字或大写字母。")
        if code[8] != org_check(body):
            raise ValidationError(
                f"组织机构代码“{value}”的校验码不对（应为 {body}{org_check(body)}），请核对。"
            )
        return
    if len(code) == 18:
        if any(c not in USCC_CHARS for c in code):
            raise ValidationError(
                "统一社会信用代码只能含数字和大写字母（不含 I、O、S、V、Z），请核对。"
            )
        if code[17] != uscc_check(code[:17]):
            raise ValidationError(
                f"统一社会信用代码“{value}”的校验码不对（应为 "
                f"{code[:17]}{uscc_check(code[:17])}），请核对。"
            )
        return
    raise ValidationError(
        f"“{value}”应为9位组织机构代码或18位统一社会信用代码（现为{len(code)}位）。"
    )


def demo_uscc(division_code: str) -> str:
    """Return a checksum-valid, made-up 统一社会信用代码 for a demo division's government.

    "11" (机关) + the 6-digit area code + a 9-character 组织机构代码 derived from the division
    code + the check character. Labelled as demo data wherever it shows.
    """
    body8 = division_code.ljust(9, "0")[-8:]  # 430102 → 30102000, 430102001 → 30102001
    org = body8 + org_check(body8)
    body = "11" + division_code[:6] + org
    return body + uscc_check(body)
