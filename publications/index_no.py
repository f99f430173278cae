"""索引号: the number a publication keeps for good, in the 目录系统 format by default.

``PUBLICATION_INDEX_FORMAT`` (settings) holds the scheme; the serial counts per publisher code
and year in ``IndexSerial``, whose row is locked by the increment, so two approvals at the same
moment never receive the same number, and a number once issued is never issued again (a
withdrawn item keeps its number; a revision takes over its predecessor's).
"""

from __future__ import annotations

import string

from django.conf import settings
from django.core.checks import Error, register
from django.db import IntegrityError, transaction
from django.db.models import F

from .models import IndexSerial, Publication

FIELDS = {"org", "year", "serial"}


def format_errors(scheme: str) -> list[str]:
    """Return what is wrong with an index-number scheme (empty when it is usable)."""
    try:
        names = [name for _text, name, _spec, _conv in string.Formatter().parse(scheme) if name]
    except ValueError as error:
        return [f"格式无法解析：{error}"]
    problems = []
    unknown = set(names) - FIELDS
    if unknown:
        problems.append(f"未知的占位符：{'、'.join(sorted(unknown))}（可用 org、year、serial）")
    if "serial" not in names:
        problems.append("缺少 {serial}：没有顺序号，索引号无法互不相同")
    if not problems:
        try:
            scheme.format(org="000014349", year=2026, serial=1)
        except (ValueError, TypeError) as error:
            problems.append(f"格式无法使用：{error}")
    return problems


@register("publications")
def check_index_format(app_configs=None, **kwargs) -> list[Error]:
    """Refuse to start with an unusable ``PUBLICATION_INDEX_FORMAT``."""
    return [
        Error(
            f"PUBLICATION_INDEX_FORMAT “{settings.PUBLICATION_INDEX_FORMAT}”：{problem}。",
            id="publications.E001",
        )
        for problem in format_errors(settings.PUBLICATION_INDEX_FORMAT)
    ]


def publisher_code(publication: Publication) -> str:
    """Return the code an index number begins with: the division's organisation code, or its
    division code while none is entered."""
    division = publication.division
    return division.org_code or division.code


def next_serial(prefix: str, year: int) -> int:
    """Issue and return the next serial for ``prefix`` and ``year`` (call inside a transaction).

    The increment locks the counter row until the caller's transaction ends, so concurrent
    callers queue behind it and each gets its own number.
    """
    with transaction.atomic():
        counter = IndexSerial.objects.filter(prefix=prefix, year=year)
        if counter.update(last=F("last") + 1) == 0:
            try:
                with transaction.atomic():
                    IndexSerial.objects.create(prefix=prefix, year=year, last=1)
                return 1
            except IntegrityError:
                # Another transaction created the row first: count on from it.
                counter.update(last=F("last") + 1)
        return counter.values_list("last", flat=True).get()


def assign(publication: Publication, year: int) -> str:
    """Return the publication's 索引号, issuing one when it has none (the publish step)."""
    if publication.index_no:
        return publication.index_no
    prefix = publisher_code(publication)
    serial = next_serial(prefix, year)
    return settings.PUBLICATION_INDEX_FORMAT.format(org=prefix, year=year, serial=serial)
