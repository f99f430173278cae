"""Fixtures of the foi tests: the publications tests' office, and a valid applicant."""

import pytest

from tests.publications.conftest import Office, calendar, office  # noqa: F401

# A resident identity number with a correct GB 11643 check character (a made-up person).
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def applicant() -> dict:
    """Return the public form's fields of a valid natural-person request."""
    return {
        "applicant_kind": "person",
        "name": "张三",
        "contact_person": "",
        "id_type": "resident",
        "id_number": ID_NUMBER,
        "phone": "13812345678",
        "email": "zhangsan@example.test",
        "address": "长沙市芙蓉区示例路1号",
        "postcode": "410011",
        "description": "请公开2026年文艺路街道最低生活保障资金发放的名单和金额。",
        "purpose": "",
        "delivery": "email",
        "fee_waiver": False,
        "fee_waiver_reason": "",
        "register_consent": True,
    }


@pytest.fixture(autouse=True)
def _letters_in_tmp(settings, tmp_path):
    """Keep the signed letters' PDFs of each test in its own temporary folder."""
    settings.FOI_LETTER_DIR = tmp_path / "foi-letters"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start each test with no failed status look-ups counted (they live in the cache)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
