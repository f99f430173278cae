"""Find personal information in a publication before it is published (个人信息检查).

Lists such as 名单公示 and 资金发放 often carry citizens' ID numbers, mobile numbers, bank
card numbers and home addresses, which 国办发〔2018〕23号 requires to be de-identified before
publication. :func:`scan` finds them in text pieces (from :mod:`publications.extract` or plain
strings) and suggests a masked form for each; :func:`mask` and :func:`mask_html` apply the
suggestions to a text or to an HTML body (text nodes only, tags untouched).

What counts as a hit, chosen for precision (a reviewer who sees false alarms stops reading):

- 居民身份证号码: 18 characters, a province code, a real birth date (1900 to this year) and the
  GB 11643-1999 check character (ISO 7064 MOD 11-2); ``x`` is accepted for ``X``; also written
  ``6-8-4`` with spaces. A number with a wrong check character is not an ID number.
- 手机号码: 11 digits starting ``13``–``19``, optionally after ``+86``/``0086``/``86`` and
  grouped ``3-4-4`` by spaces or hyphens.
- 银行卡号: 16–19 digits, or groups of four separated by spaces or hyphens, passing the Luhn
  check, beginning like a card of a payment network (3, 4, 5, 6, 9, or 2221–2720), not
  labelled as an order, serial or document number, and not shaped like an ID number (18
  digits, a province code, then a year 19xx or 20xx: an ID with a wrong check character).
- 家庭住址: an address down to the door: road + number + building/unit/room, a residential
  estate + building + unit/room, or a village (+ group) + house number. An office address
  (a road and number only, or a floor of an office building) is not a home address.

None of the digits may be part of a longer run of digits. Full-width digits count as digits.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html as html_lib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .extract import Extraction

ID_CARD, MOBILE, BANK_CARD, ADDRESS = "id_card", "mobile", "bank_card", "address"
KIND_LABELS = {
    ID_CARD: "居民身份证号码",
    MOBILE: "手机号码",
    BANK_CARD: "银行卡号",
    ADDRESS: "家庭住址",
}
# When two detectors claim the same characters, the earlier kind wins: an ID number that
# happens to pass the Luhn check is an ID number, not a card.
PRIORITY = (ID_CARD, BANK_CARD, MOBILE, ADDRESS)
ADDRESS_MASK = "**"
_DIGIT = re.compile("[0-9]")

# One character for one character, so that offsets in the normalised text are offsets in the
# original: full-width digits, X, hyphen, plus, and the ideographic and no-break spaces.
_NORMALISE = str.maketrans(
    {
        **{chr(0xFF10 + n): str(n) for n in range(10)},
        "Ｘ": "X",
        "ｘ": "x",
        "－": "-",
        "＋": "+",
        "\u3000": " ",
        "\u00a0": " ",
    }
)

# --- 居民身份证号码 ------------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"  # indexed by the weighted sum mod 11
# The first two digits of an address code (GB/T 2260), with 81–83 for the residence permits of
# residents of Hong Kong, Macao and Taiwan.
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
# re.ASCII: \d is 0-9 only (full-width digits are normalised to them first).
_ID = re.compile(r"(?<![0-9])(\d{6})( ?)(\d{8})\2(\d{3}[0-9Xx])(?![0-9])", re.ASCII)


def id_check_char(first17: str) -> str:
    """Return the check character (0–9 or X) of the first 17 digits of an ID number."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def is_valid_id(number: str, *, today: dt.date | None = None) -> bool:
    """Return whether ``number`` (18 characters) is a valid resident ID number.

    Valid: a province code, a real birth date from 1900 to this year, and the right check
    character (``x`` or ``X``).
    """
    number = number.translate(_NORMALISE)
    if len(number) != 18 or not number[:17].isdigit() or int(number[:2]) not in PROVINCES:
        return False
    year = int(number[6:10])
    if not 1900 <= year <= (today or dt.date.today()).year:
        return False
    try:
        dt.date(year, int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return id_check_char(number[:17]) == number[17].upper()


def mask_id(number: str) -> str:
    """Return an ID number with all but its first 3 and last 4 characters as ``*``."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


# --- 手机号码 ----------------------------------------------------------------------------------

_MOBILE = re.compile(
    r"(?<![0-9+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?P<sep>[ -]?)\d{4}(?P=sep)\d{4}(?![0-9])",
    re.ASCII,
)


def mask_mobile(number: str) -> str:
    """Return a mobile number with the 4th–7th of its last 11 digits as ``*``, separators kept."""
    digits = [i for i, c in enumerate(number.translate(_NORMALISE)) if c.isdigit()][-11:]
    hidden = set(digits[3:7])
    return "".join("*" if i in hidden else c for i, c in enumerate(number))


# --- 银行卡号 ----------------------------------------------------------------------------------

_CARD = re.compile(
    r"(?<![0-9])(?:"
    r"\d{16,19}"
    r"|\d{4}(?P<sep>[ -])\d{4}(?P=sep)\d{4}(?P=sep)\d{4}(?P<tail>(?P=sep)\d{1,3})?"
    r"(?![0-9])(?!(?P=sep)\d{4}(?![0-9]))"
    r")(?![0-9])",
    re.ASCII,
)
# A number labelled like this is an order, serial or document number, even if it passes Luhn.
_NOT_CARD_LABEL = re.compile(
    r"(?:订单|单号|流水号|交易号|编号|批次号|凭证号|发票号|合同号|索引号|文号|信用代码|税号"
    r"|登记号|许可证号|运单|快递)码?\s*[：:#]?\s*$"
)


def luhn_ok(digits: str) -> bool:
    """Return whether a string of digits passes the Luhn (mod 10) check (False if not digits)."""
    if not digits.isdigit():
        return False
    total = 0
    for n, char in enumerate(reversed(digits)):
        d = int(char)
        if n % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_prefix_ok(digits: str) -> bool:
    """Return whether a number begins like a payment card (ISO/IEC 7812 issuer numbers in use).

    UnionPay 62, Visa 4, Mastercard 51–55 and 2221–2720, American Express, JCB and Diners
    3, the old domestic debit cards 9 (9558…), the other 6s (Discover, 60/65). Order numbers
    that begin with a date (2026…) or with 1, 7, 8 or 0 are not cards.
    """
    first = digits[0]
    if first in "34569":
        return True
    return first == "2" and 2221 <= int(digits[:4]) <= 2720


def mask_card(number: str) -> str:
    """Return a card number with every digit but the last 4 as ``*``, separators kept."""
    digits = [i for i, c in enumerate(number.translate(_NORMALISE)) if c.isdigit()]
    hidden = set(digits[:-4])
    return "".join("*" if i in hidden else c for i, c in enumerate(number))


# --- 家庭住址 ----------------------------------------------------------------------------------

_HAN = "\u3400-\u9fff"
_CN_DIGITS = "零〇一二三四五六七八九十百两"
_NUM = rf"(?:\d{{1,5}}|[{_CN_DIGITS}]{{1,4}})"
# One level of a door: building, unit, floor, room, 3-2-501, a house number, a bare room
# number (501) after a higher level.
_LEVEL_KINDS = (
    ("bldg", rf"第?(?:{_NUM}|[A-Za-z]\d{{0,2}})(?:栋|幢|号楼|座)"),
    ("unit", rf"第?{_NUM}单元"),
    ("floor", rf"{_NUM}(?:楼|层)"),
    ("room", rf"(?:[A-Za-z]?\d{{1,5}}|[{_CN_DIGITS}]{{1,4}})(?:室|号房|户)"),
    ("dash", r"\d{1,4}(?:-\d{1,4}){1,3}(?:室|号|户)?(?![\d-])"),
    ("no", r"\d{1,5}号(?![楼院房])"),
    ("bare", r"\d{3,4}(?![\d号年月日元万%.,，])"),
)
_LEVEL_TOKEN = re.compile(
    "|".join(f"(?P<{name}>{pattern})" for name, pattern in _LEVEL_KINDS), re.ASCII
)
_LEVELS = "(?:" + "|".join(pattern for _, pattern in _LEVEL_KINDS) + ")+"
_ADDRESS = re.compile(
    rf"""
      (?P<road>大道|大街|胡同|[路街巷道弄里段])
      (?P<door_a>{_NUM}号院?(?:[附之]{_NUM}号?)?(?P<gap>\ ?)(?P<mid>[{_HAN}]{{0,12}}?)
        (?P<levels_a>{_LEVELS}))
    | (?P<village>村)
      (?P<door_b>(?:第?{_NUM}(?:组|村民小组|队)|[{_HAN}]{{1,4}}?组)?{_NUM}号(?P<levels_b>{_LEVELS})?)
    | (?P<estate>小区|花园|家园|公寓|新村|宿舍|山庄|公馆|社区|大院|[苑园城府庭湾居邸])
      (?P<levels_c>{_LEVELS})
    """,
    re.X | re.ASCII,
)
# Words before an address that make it the address of somebody's home, or not.
_LEADIN = re.compile(
    r"家庭住址|家庭地址|现住址|现居住地|户籍地址|户籍所在地|户籍地|居住地址|居住地|联系地址|通讯地址"
    r"|住址|地址|家住|住在|居住在|居住于|现住|位于|住所"
)
_OFFICE_LABEL = re.compile(
    r"(?:办公|单位|注册|经营|营业|机构|公司|服务|受理|咨询|办事)(?:地址|地点|场所)\s*[：:]?\s*$"
    r"|(?:地点|会址)\s*[：:]?\s*$"
)
# An organisation named just before an address, as in 湖南某某科技有限公司（长沙市…）.
_ORGANISATION_BEFORE = re.compile(
    r"(?:公司|集团|局|委员会|办公室|中心|学校|医院|银行|协会|厂|站|所)\s*[（(：:，,]\s*$"
)
_OFFICE_WORDS = re.compile(
    r"办公|大厦|大楼|写字楼|商务|广场|信息港|产业园|科技园|工业园|园区|政府|法院|检察院|医院"
    r"|卫生院|学校|中学|小学|大学|学院|银行|公司|委员会|服务中心|政务|派出所|办事处|局|中心"
)
_RESIDENTIAL_WORDS = re.compile(r"宿舍|家属|小区|住宅|公寓|花园|家园|新村|苑")
_LEFT_WALK = 40  # characters of place name before a road, village or estate
_AFTER = 12  # characters after an address, on its line, that may say it is an office
# The levels that make a road address a home: a floor (15楼) or a number (12号) alone does not.
_HOME_LEVELS = frozenset({"bldg", "unit", "room", "dash", "bare"})


def _door(norm: str, match: re.Match, breaks: list[int]) -> int | None:
    """Return where the door part of ``match`` ends, or None if it does not reach a household.

    ``breaks`` are where wrapped lines were joined (``scan(..., wrapped=True)``): a level that
    begins a joined line and is only a number (1459, 12号) is the next cell of the table, not
    a room, and it and what follows are left out.
    """
    if match.group("door_a") is not None:
        group = "levels_a"
    elif match.group("door_b") is not None:
        group = "levels_b"
        if match.group(group) is None:
            return match.end()
    else:
        group = "levels_c"
    tokens = list(_LEVEL_TOKEN.finditer(norm, match.start(group), match.end(group)))
    for n, token in enumerate(tokens):
        if token.lastgroup in ("bare", "no") and _starts_line(breaks, token.start()):
            tokens = tokens[:n]
            break
    end = tokens[-1].end() if tokens else match.start(group)
    kinds = {token.lastgroup for token in tokens}
    if group == "levels_b":
        return end
    if group == "levels_a":
        if not kinds & _HOME_LEVELS:
            return None
        if match.group("gap") and tokens[0].lastgroup not in ("bldg", "unit", "room"):
            return None  # "五一大道47号 680": a number in the next column, not a room
        return end
    # An estate needs two levels or a room; one building (not a 座, which towers have) will do.
    single_building = "bldg" in kinds and not tokens[0].group().endswith("座")
    if (
        kinds & {"room", "dash", "bare"}
        or ("bldg" in kinds and kinds & {"unit", "no"})
        or ("unit" in kinds and "no" in kinds)
        or single_building
    ):
        return end
    return None


def _starts_line(breaks: list[int], at: int) -> bool:
    """Return whether ``at`` is the first character of a joined line."""
    n = bisect.bisect_left(breaks, at)
    return n < len(breaks) and breaks[n] == at


def _address(norm: str, match: re.Match, breaks: list[int]) -> tuple[int, int, int] | None:
    """Return (start, door start, end) of a home address around ``match``, or None."""
    end = _door(norm, match, breaks)
    if end is None:
        return None
    anchor = match.start()
    start = anchor
    # Back over the place names, but not into the line before a joined break: in a PDF table
    # that is the previous cell (a name) far more often than the first line of the address.
    n = bisect.bisect_right(breaks, anchor)
    floor = max(anchor - _LEFT_WALK, breaks[n - 1] if n else 0)
    while start > floor and "\u3400" <= norm[start - 1] <= "\u9fff":
        start -= 1
    left = norm[start:anchor]
    leadins = list(_LEADIN.finditer(left))
    if leadins:
        start += leadins[-1].end()
    # The context is read on the address's own line: a joined line break ends it too.
    line_start = norm.rfind("\n", 0, start) + 1
    n = bisect.bisect_right(breaks, start)
    if n:
        line_start = max(line_start, breaks[n - 1])
    before = norm[max(line_start, start - 20) : start]
    if _OFFICE_LABEL.search(before) or _ORGANISATION_BEFORE.search(before):
        return None
    line_end = norm.find("\n", end)
    line_end = len(norm) if line_end < 0 else line_end
    n = bisect.bisect_left(breaks, end)
    if n < len(breaks):
        line_end = min(line_end, breaks[n])
    after = norm[end : min(end + _AFTER, line_end)]
    whole = norm[start:end]
    if (_OFFICE_WORDS.search(whole) or _OFFICE_WORDS.search(after)) and not (
        _RESIDENTIAL_WORDS.search(whole)
    ):
        return None
    if match.group("door_a"):
        door = match.end("road")
    elif match.group("door_b"):
        door = match.end("village")
    else:
        # An estate's door part is masked from the 社区 or 村 above it, when the address says.
        door = match.end("estate")
        above = max(norm.rfind("社区", start, match.start()), norm.rfind("村", start, anchor))
        if above >= start:
            door = above + (2 if norm.startswith("社区", above) else 1)
    return start, door, end


# --- scanning ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One piece of personal information: what, where, and how to mask it.

    ``start`` and ``end`` are offsets in the piece's text (``piece`` is the piece's index);
    ``masked`` replaces ``text`` when the suggestion is applied.
    """

    kind: str
    text: str
    masked: str
    location: str = ""
    piece: int = 0
    start: int = 0
    end: int = 0

    @property
    def label(self) -> str:
        """Return the kind in Chinese (居民身份证号码, 手机号码, 银行卡号, 家庭住址)."""
        return KIND_LABELS[self.kind]


def _piece_text(piece) -> tuple[str, str]:
    """Return (text, location) of a str, a (text, location) pair or a TextPiece-like object."""
    if isinstance(piece, str):
        return piece, ""
    if isinstance(piece, tuple):
        return piece[0], piece[1] if len(piece) > 1 else ""
    return piece.text, getattr(piece, "location", "")


# A line break between two digits is joined only when the digits after it end in a level of
# a door (…16 / 1号): the next cell of a table row is as likely a number (an amount) as the
# rest of a wrapped one.
_WRAP = re.compile(
    r"(?<=[\u3400-\u9fffA-Za-z-])\n(?=[\u3400-\u9fff0-9A-Za-z-])"
    r"|(?<=[0-9])\n(?=[\u3400-\u9fffA-Za-z-]|\d{1,4}(?:号|室|栋|幢|单元|户|组|楼|层))"
)


def _unwrap(norm: str) -> tuple[str, list[int]]:
    """Return ``norm`` with the line breaks inside runs of text removed, and where each was.

    A PDF table cell too narrow for an address wraps it (…3栋2 / 单元501室); the text layer
    then has a line break inside the address. Each break is given as the offset, in the
    returned text, of the character that followed it.
    """
    parts, breaks, at = [], [], 0
    for removed, match in enumerate(_WRAP.finditer(norm), start=1):
        parts.append(norm[at : match.start()])
        at = match.end()
        breaks.append(at - removed)
    parts.append(norm[at:])
    return "".join(parts), breaks


def _find(
    text: str, today: dt.date | None = None, *, wrapped: bool = False
) -> list[tuple[str, int, int, str]]:
    """Return (kind, start, end, masked) of every hit in ``text``, in order, not overlapping.

    With ``wrapped``, an address may run over a line break (see :func:`_unwrap`).
    """
    norm = text.translate(_NORMALISE)
    found: dict[str, list[tuple[int, int, str]]] = {kind: [] for kind in PRIORITY}
    if _DIGIT.search(norm):
        for m in _ID.finditer(norm):
            number = m.group(1) + m.group(3) + m.group(4)
            if is_valid_id(number, today=today):
                original = text[m.start() : m.end()]
                found[ID_CARD].append((m.start(), m.end(), _mask_spaced(original, mask_id)))
        for m in _CARD.finditer(norm):
            span = _card_span(norm, m)
            if span:
                original = text[span[0] : span[1]]
                found[BANK_CARD].append((*span, mask_card(original)))
        for m in _MOBILE.finditer(norm):
            found[MOBILE].append((m.start(), m.end(), mask_mobile(text[m.start() : m.end()])))
    joined, breaks = _unwrap(norm) if wrapped else (norm, [])

    def original(at: int) -> int:  # an offset in ``joined`` as an offset in ``text``
        return at + bisect.bisect_right(breaks, at)

    pos = 0
    while match := _ADDRESS.search(joined, pos):
        address = _address(joined, match, breaks)
        if address is None:
            pos = match.start() + 1
            continue
        start, door, end = address
        pos = end
        start, door, end = original(start), original(door), original(end - 1) + 1
        found[ADDRESS].append((start, end, text[start:door] + ADDRESS_MASK))
    taken: list[tuple[int, int]] = []
    hits = []
    for kind in PRIORITY:
        for start, end, masked in found[kind]:
            at = bisect.bisect_left(taken, (start, end))
            if (at and taken[at - 1][1] > start) or (at < len(taken) and taken[at][0] < end):
                continue
            taken.insert(at, (start, end))
            hits.append((kind, start, end, masked))
    hits.sort(key=lambda hit: hit[1])
    return hits


def _mask_spaced(original: str, masker) -> str:
    """Return ``original`` masked by ``masker`` over its non-space characters, spaces kept."""
    chars = [c for c in original if c != " "]
    masked = iter(masker("".join(chars)))
    return "".join(c if c == " " else next(masked) for c in original)


def _id_shaped(digits: str) -> bool:
    """Return whether 18 digits look like an ID number (a province code, then a year 19xx or
    20xx): one whose check character is wrong is a mistyped ID, not a bank card.
    """
    return len(digits) == 18 and int(digits[:2]) in PROVINCES and digits[6:8] in ("19", "20")


def _card_span(norm: str, m: re.Match) -> tuple[int, int] | None:
    """Return the span of a Luhn-valid card number in a card-shaped match, or None.

    A grouped 16-digit card followed by a short number (an amount) matches with that number as
    its last group; the 16 digits alone are tried then.
    """
    spans = [(m.start(), m.end())]
    if m.group("tail"):
        spans.append((m.start(), m.start("tail")))
    for start, end in spans:
        digits = re.sub(r"\D", "", norm[start:end])
        if (
            16 <= len(digits) <= 19
            and card_prefix_ok(digits)
            and not _id_shaped(digits)
            and luhn_ok(digits)
            and not _NOT_CARD_LABEL.search(norm[max(0, start - 12) : start])
        ):
            return start, end
    return None


def scan(
    text_pieces: Iterable, *, wrapped: bool = False, today: dt.date | None = None
) -> list[Hit]:
    """Return the personal information found in ``text_pieces``, in reading order.

    Each piece is a string, a ``(text, location)`` pair or an object with ``text`` and
    ``location`` (a :class:`publications.extract.TextPiece`). A hit never spans two pieces.
    ``wrapped`` says that a line break may fall inside an address because its table cell
    wrapped it (the text layer of a PDF): such an address is then found across the break.
    """
    texts, locations = [], []
    for piece in text_pieces:
        text, location = _piece_text(piece)
        texts.append(text)
        locations.append(location)
    # One pass over all pieces joined by blank lines (which no pattern crosses, nor the joining
    # of wrapped lines) costs far less than one per piece: a 5,000-row list has 40,000 cells.
    joined = "\n\n".join(texts)
    starts = []
    offset = 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 2
    hits = []
    for kind, start, end, masked in _find(joined, today, wrapped=wrapped):
        index = bisect.bisect_right(starts, start) - 1
        base = starts[index]
        hits.append(
            Hit(
                kind=kind,
                text=joined[start:end],
                masked=masked,
                location=locations[index],
                piece=index,
                start=start - base,
                end=end - base,
            )
        )
    return hits


def scan_file(file, *, kind: str) -> tuple[list[Hit], Extraction]:
    """Return the hits in a PDF, .docx or .xlsx file and its Extraction (for its notices).

    Raise publications.extract.ExtractionError (Chinese ``message``) for a file that cannot
    be read.
    """
    from .extract import extract_text

    extraction = extract_text(file, kind=kind)
    return scan(extraction.pieces, wrapped=kind == "pdf"), extraction


def summary(hits: Iterable[Hit]) -> dict[str, int]:
    """Return the number of hits of each kind, keyed by Chinese label, in PRIORITY order."""
    counts = Counter(hit.kind for hit in hits)
    return {KIND_LABELS[kind]: counts[kind] for kind in PRIORITY if counts[kind]}


def describe(hits: Iterable[Hit]) -> str:
    """Return a one-line Chinese summary of the hits for the submitter or the reviewer."""
    counts = summary(hits)
    if not counts:
        return "未发现个人信息。"
    parts = "、".join(f"{label} {count} 处" for label, count in counts.items())
    return f"发现疑似个人信息 {sum(counts.values())} 处：{parts}。请核实并脱敏后再公开。"


# --- masking -----------------------------------------------------------------------------------


def _edits(kind: str, text: str, masked: str, start: int) -> list[tuple[int, int, str]]:
    """Return (start, end, replacement) edits, character by character, that mask one hit.

    An address loses its door part (replaced by ``**``); the numbers keep their length and
    change only the hidden characters.
    """
    if kind == ADDRESS:
        keep = len(masked) - len(ADDRESS_MASK)
        door = range(start + keep, start + len(text))
        return [(i, i + 1, ADDRESS_MASK if i == door.start else "") for i in door]
    pairs = enumerate(zip(text, masked, strict=True))
    return [(start + i, start + i + 1, m) for i, (c, m) in pairs if c != m]


def mask(text: str, *, today: dt.date | None = None) -> tuple[str, int]:
    """Return ``text`` with every hit replaced by its masking suggestion, and the hit count."""
    hits = _find(text, today)
    parts, at = [], 0
    for _, start, end, masked in hits:
        parts += [text[at:start], masked]
        at = end
    parts.append(text[at:])
    return "".join(parts), len(hits)


# Markup that is not text: comments, CDATA, doctype, processing instructions and tags (whose
# quoted attribute values may hold ">").
_MARKUP = re.compile(
    r"<!--.*?(?:-->|$)|<!\[CDATA\[.*?(?:\]\]>|$)|<![^>]*>?|<\?[^>]*>?"
    r"|</?[A-Za-z][^\s/>]*(?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
    re.S,
)
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};?)")
# Tags inside a line of text: a number or address may run across them ("430102<b>1990…</b>").
# Any other tag ends the text before it, as a line break does.
INLINE_TAGS = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i"}
    | {"ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup"}
    | {"time", "u", "var"}
)
RAW_TEXT_TAGS = ("script", "style")


def _html_text(source: str) -> tuple[str, list[tuple[int, int] | None]]:
    """Return the visible text of ``source`` and, for each of its characters, its source span.

    A character from an entity (``&#52;``, ``&nbsp;``) maps to the whole entity; the line break
    that stands for a block tag maps to None.
    """
    chars: list[str] = []
    spans: list[tuple[int, int] | None] = []

    def add_text(begin: int, end: int) -> None:
        at = begin
        for entity in _ENTITY.finditer(source, begin, end):
            for i in range(at, entity.start()):
                chars.append(source[i])
                spans.append((i, i + 1))
            decoded = html_lib.unescape(entity.group())
            if decoded == entity.group():
                decoded_spans = [(i, i + 1) for i in range(entity.start(), entity.end())]
            else:
                decoded_spans = [(entity.start(), entity.end())] * len(decoded)
            chars.extend(decoded)
            spans.extend(decoded_spans)
            at = entity.end()
        for i in range(at, end):
            chars.append(source[i])
            spans.append((i, i + 1))

    pos = 0
    while pos < len(source):
        markup = _MARKUP.search(source, pos)
        if markup is None:
            add_text(pos, len(source))
            break
        add_text(pos, markup.start())
        pos = markup.end()
        name = _TAG_NAME.match(markup.group())
        tag = name.group(1).lower() if name else ""
        if tag not in INLINE_TAGS:
            chars.append("\n")
            spans.append(None)
        if tag in RAW_TEXT_TAGS and not markup.group().startswith("</"):
            close = re.compile(rf"</{tag}\s*>", re.I).search(source, pos)
            pos = close.end() if close else len(source)
    return "".join(chars), spans


def scan_html(source: str, *, location: str = "正文", today: dt.date | None = None) -> list[Hit]:
    """Return the personal information in the text of an HTML body (tags and attributes skipped).

    ``start`` and ``end`` of each hit are offsets in the body's visible text.
    """
    text, _ = _html_text(source)
    return [
        Hit(kind, text[start:end], masked, location, 0, start, end)
        for kind, start, end, masked in _find(text, today)
    ]


def mask_html(source: str, *, today: dt.date | None = None) -> tuple[str, int]:
    """Return an HTML body with the personal information in its text nodes masked, and the count.

    Tags, attributes, comments, scripts and styles are left as they are; a number that runs
    across inline tags (``430102<strong>19900101</strong>123X``) is masked in each text node
    it touches.
    """
    text, spans = _html_text(source)
    hits = _find(text, today)
    edits: dict[tuple[int, int], str] = {}
    for kind, start, end, masked in hits:
        for begin, _, replacement in _edits(kind, text[start:end], masked, start):
            span = spans[begin]
            if span is None:
                continue
            if span in edits:  # one entity decoded to two characters
                edits[span] = edits[span] or replacement
            else:
                edits[span] = replacement
    parts, at = [], 0
    for (begin, end), replacement in sorted(edits.items()):
        parts += [source[at:begin], replacement]
        at = end
    parts.append(source[at:])
    return "".join(parts), len(hits)
