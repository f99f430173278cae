"""foi.identity: numbers checked against checksums computed here, normalised, encrypted, hashed.

GB 11643-1999 (居民身份证): weight of position i (1-based from the left, 17 digits) is
2^(18-i) mod 11; the check value is (12 - Σ mod 11) mod 11, 10 written X.
GB 32100-2015 (统一社会信用代码): characters 0-9 A-H J-N P-R T U W-Y worth 0–30; weight of
position i is 3^(i-1) mod 31; the check character is worth (31 - Σ mod 31) mod 31.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foi import identity
from foi.models import IdType

RESIDENT_EXAMPLES = ["11010519491231002X", "440524188001010014", "110101199003074477"]
CREDIT_EXAMPLES = ["91350100M000100Y43", "91110000600037341L"]
USCC_CHARS = "".join(c for c in string.digits + string.ascii_uppercase if c not in "IOZSV")


def resident_check(body: str) -> str:
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def credit_check(body: str) -> str:
    total = sum(USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return USCC_CHARS[(31 - total % 31) % 31]


@pytest.fixture
def key(settings):
    """A known FOI_ID_KEY; the cached key material is dropped before and after."""
    raw = bytes(range(32))
    identity._key_material.cache_clear()
    settings.FOI_ID_KEY = base64.urlsafe_b64encode(raw).decode()
    yield raw
    identity._key_material.cache_clear()


def use_key(settings, raw: bytes) -> None:
    settings.FOI_ID_KEY = base64.urlsafe_b64encode(raw).decode()
    identity._key_material.cache_clear()


FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


# ---------------------------------------------------------------------------------------------
# 居民身份证


def test_the_test_side_checksums_know_the_published_examples():
    for number in RESIDENT_EXAMPLES:
        assert resident_check(number[:17]) == number[17]
    for code in CREDIT_EXAMPLES:
        assert credit_check(code[:17]) == code[17]


@pytest.mark.parametrize("number", RESIDENT_EXAMPLES)
def test_resident_examples_are_valid(number):
    assert identity.check(IdType.RESIDENT, number) is None


@given(st.text("0123456789", min_size=17, max_size=17))
def test_resident_checksum(body):
    right = resident_check(body)
    assert identity.check(IdType.RESIDENT, body + right) is None
    for wrong in "0123456789X":
        if wrong != right:
            assert "校验位" in identity.check(IdType.RESIDENT, body + wrong)


def test_resident_check_digit_x():
    number = "11010519491231002X"
    assert identity.check(IdType.RESIDENT, number) is None
    # Lower-case x is a format error until normalised.
    assert identity.check(IdType.RESIDENT, number.lower()) is not None
    assert identity.check(IdType.RESIDENT, identity.normalise(number.lower())) is None


@pytest.mark.parametrize(
    "number",
    [
        "",
        "11010519491231002",  # 17
        "11010519491231002X0",  # 19
        "110105194912310",  # the old 15-digit form
        "1101051949123100X2",  # X not last
        "A1010519491231002X",
        "11010519491231002Y",
        "110105 19491231002",
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width, not normalised
    ],
)
def test_resident_format_errors(number):
    problem = identity.check(IdType.RESIDENT, number)
    assert problem is not None and "18位" in problem


# ---------------------------------------------------------------------------------------------
# 统一社会信用代码


@pytest.mark.parametrize("code", CREDIT_EXAMPLES)
def test_credit_code_examples_are_valid(code):
    assert identity.check(IdType.CREDIT_CODE, code) is None


@given(st.text(USCC_CHARS, min_size=17, max_size=17))
def test_credit_code_checksum(body):
    right = credit_check(body)
    assert identity.check(IdType.CREDIT_CODE, body + right) is None
    for wrong in USCC_CHARS:
        if wrong != right:
            assert "校验位" in identity.check(IdType.CREDIT_CODE, body + wrong)


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_credit_code_refuses_the_letters_it_does_not_use(letter):
    body = "91350100M000100Y4"
    code = body[:8] + letter + body[9:]
    problem = identity.check(IdType.CREDIT_CODE, code + "0")
    assert problem is not None and "不含" in problem


@pytest.mark.parametrize(
    "code", ["", "91350100M000100Y4", "91350100M000100Y433", "91350100m000100y43"]
)
def test_credit_code_format_errors(code):
    assert "18位" in identity.check(IdType.CREDIT_CODE, code)


def test_credit_code_lower_case_is_valid_once_normalised():
    assert identity.check(IdType.CREDIT_CODE, identity.normalise(" 91350100m000100y43 ")) is None


# ---------------------------------------------------------------------------------------------
# Passports and the mainland travel permits


@pytest.mark.parametrize(
    "id_type, number",
    [
        (IdType.PASSPORT, "E12345678"),
        (IdType.PASSPORT, "EA1234567"),
        (IdType.PASSPORT, "AB123"),  # 5, the shortest
        (IdType.PASSPORT, "A" * 17),  # 17, the longest
        (IdType.PASSPORT, "123456789"),
        (IdType.HK_MACAO, "H12345678"),
        (IdType.HK_MACAO, "M12345678"),
        (IdType.HK_MACAO, "H1234567890"),
        (IdType.HK_MACAO, "M0000000000"),
        (IdType.TAIWAN, "12345678"),
        (IdType.TAIWAN, "00000000"),
    ],
)
def test_other_documents_valid(id_type, number):
    assert identity.check(id_type, number) is None


@pytest.mark.parametrize(
    "id_type, number",
    [
        (IdType.PASSPORT, ""),
        (IdType.PASSPORT, "E123"),  # 4
        (IdType.PASSPORT, "A" * 18),
        (IdType.PASSPORT, "e12345678"),  # not normalised
        (IdType.PASSPORT, "E1234-5678"),
        (IdType.PASSPORT, "护照12345"),
        (IdType.HK_MACAO, "H1234567"),
        (IdType.HK_MACAO, "H123456789"),  # 9 digits
        (IdType.HK_MACAO, "H123456789012"),
        (IdType.HK_MACAO, "C12345678"),
        (IdType.HK_MACAO, "h12345678"),
        (IdType.HK_MACAO, "12345678"),
        (IdType.HK_MACAO, "HA2345678"),
        (IdType.TAIWAN, "1234567"),
        (IdType.TAIWAN, "123456789"),
        (IdType.TAIWAN, "A1234567"),
        (IdType.TAIWAN, "1234567A"),
    ],
)
def test_other_documents_invalid(id_type, number):
    assert identity.check(id_type, number)


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("digits", [ARABIC_INDIC, DEVANAGARI, FULL_WIDTH])
@pytest.mark.parametrize(
    "id_type, number",
    [
        (IdType.RESIDENT, "440524188001010014"),
        (IdType.RESIDENT, "11010519491231002X"),
        (IdType.HK_MACAO, "H12345678"),
        (IdType.TAIWAN, "12345678"),
    ],
)
def test_only_ascii_digits_are_digits(id_type, number, digits):
    # Python's \d and int() accept any Unicode decimal digit, and normalise folds only the
    # full-width ones: the same number in Arabic-Indic digits would pass the check, get
    # another digest and so slip past the per-applicant limits and the monthly fee count.
    normal = identity.normalise(number.translate(digits))
    assert normal == number or identity.check(id_type, normal) is not None


@given(
    id_type=st.sampled_from(IdType.values),
    number=st.text(st.characters(categories=["Nd", "Lu"]), max_size=20),
)
def test_a_number_that_passes_is_ascii(id_type, number):
    if identity.check(id_type, number) is None:
        assert number.isascii()


def test_an_unknown_document_type():
    assert identity.check("", "12345678") == "请选择证件类型。"
    assert identity.check("driving_licence", "E12345678") == "请选择证件类型。"


def test_every_document_type_is_checked():
    for id_type in IdType.values:
        assert identity.check(id_type, "") is not None


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=0, max_size=25))
def test_passport_pattern(number):
    valid = 5 <= len(number) <= 17
    assert (identity.check(IdType.PASSPORT, number) is None) is valid


# ---------------------------------------------------------------------------------------------
# normalise


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("11010519491231002x", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        (" 110105 1949 1231 002X\n", "11010519491231002X"),
        ("\u3000110105\u300019491231002X\u3000", "11010519491231002X"),
        ("110105-19491231-002X", "11010519491231002X"),
        ("110105－19491231－002X", "11010519491231002X"),  # full-width hyphen
        ("\t91350100m000100y43 ", "91350100M000100Y43"),
        ("ｈ１２３４５６７８", "H12345678"),
        ("e１２３４５６７８", "E12345678"),
        ("", ""),
    ],
)
def test_normalise(raw, normal):
    assert identity.normalise(raw) == normal


@given(st.text(max_size=30))
def test_normalise_is_idempotent(raw):
    once = identity.normalise(raw)
    assert identity.normalise(once) == once
    assert not any(ch.isspace() for ch in once)


@given(st.text("0123456789", min_size=17, max_size=17))
def test_a_full_width_spaced_number_checks_once_normalised(body):
    number = body + resident_check(body)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number.lower())
    messy = f"　{wide[:6]} {wide[6:14]}　{wide[14:]} "
    assert identity.check(IdType.RESIDENT, identity.normalise(messy)) is None


# ---------------------------------------------------------------------------------------------
# Encryption and the keyed hash


@pytest.mark.parametrize(
    "number", [*RESIDENT_EXAMPLES, *CREDIT_EXAMPLES, "E12345678", "H1234567890", "12345678"]
)
def test_round_trip_and_the_token_hides_the_number(key, number):
    token = identity.encrypt(number)
    assert isinstance(token, str) and token.isascii()
    assert identity.decrypt(token) == number
    assert number not in token and number.lower() not in token.lower()
    for start in range(0, len(number) - 5):
        assert number[start : start + 6] not in token  # not even a six-character piece
    # A fresh IV each time: equal numbers do not give equal tokens.
    assert identity.encrypt(number) != token


@FIXTURE_OK
@given(number=st.text(min_size=1, max_size=40))
def test_round_trip_of_anything(key, number):
    assert identity.decrypt(identity.encrypt(number)) == number


def test_another_key_cannot_decrypt(key, settings):
    token = identity.encrypt("11010519491231002X")
    use_key(settings, bytes(range(1, 33)))
    with pytest.raises(ValueError):
        identity.decrypt(token)
    # Back to the first key: readable again.
    use_key(settings, key)
    assert identity.decrypt(token) == "11010519491231002X"


@pytest.mark.parametrize("token", ["", "not-a-token", "证件号码", "gAAAAA" + "A" * 80])
def test_garbage_cannot_be_decrypted(key, token):
    with pytest.raises(ValueError):
        identity.decrypt(token)


def test_a_tampered_token_cannot_be_decrypted(key):
    token = identity.encrypt("11010519491231002X")
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[-40] ^= 1  # a bit of the ciphertext
    with pytest.raises(ValueError):
        identity.decrypt(base64.urlsafe_b64encode(bytes(raw)).decode())


def test_the_key_is_derived_from_secret_key_when_not_configured(settings):
    identity._key_material.cache_clear()
    try:
        settings.FOI_ID_KEY = ""
        settings.SECRET_KEY = "one-secret-key-for-the-test-0123456789-abcdefghijklmnop"
        token = identity.encrypt("E12345678")
        first = identity.digest("E12345678")
        assert identity.decrypt(token) == "E12345678"
        settings.SECRET_KEY = "another-secret-key-for-the-test-0123456789-abcdefghijkl"
        identity._key_material.cache_clear()
        assert identity.digest("E12345678") != first
        with pytest.raises(ValueError):
            identity.decrypt(token)
    finally:
        identity._key_material.cache_clear()


def test_digest_is_stable_and_keyed(key, settings):
    value = "resident:11010519491231002X"
    first = identity.digest(value)
    assert identity.digest(value) == first
    assert first == hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
    assert first != hashlib.sha256(value.encode()).hexdigest()  # not a bare hash
    assert "11010519491231002X" not in first
    assert identity.digest("resident:11010519491231002x") != first
    # Stable across the cache: recomputing the key material gives the same digest.
    identity._key_material.cache_clear()
    assert identity.digest(value) == first
    # Another key, another digest.
    use_key(settings, bytes(range(1, 33)))
    assert identity.digest(value) != first


def test_the_same_applicant_written_differently_has_one_digest(key):
    forms = ["11010519491231002X", "11010519491231002x", " １１０１０５ １９４９１２３１ ００２ｘ"]
    digests = {identity.digest(f"resident:{identity.normalise(form)}") for form in forms}
    assert len(digests) == 1


@FIXTURE_OK
@given(a=st.text(max_size=20), b=st.text(max_size=20))
def test_digest_separates_different_values(key, a, b):
    assert (identity.digest(a) == identity.digest(b)) is (a == b)
