"""People as staff read them: 姓名, and the department someone acts for in a division.

The admin names a person the same way everywhere (lists, history, the review panel, the
working list): ``display_name(user, division)`` gives "王芳", or "王芳（区民政局）" when she acts
for a department in that division. Templates use the ``person`` filter of ``{% load people %}``.

Names follow the Chinese order: 姓 (``last_name``) then 名 (``first_name``), without a space;
Django's ``get_full_name`` gives "first last", which reads "芳 王". A user without a name is
shown by user name.

The department comes from the user's memberships. A page naming many people reads them in one
query first (``prime``; ModelAdmins list the user fields in ``people_fields`` and mix in
``PeopleAdminMixin``); otherwise each person costs a query, once.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Division
from .policy import acting_department, memberships_of, memberships_prime

#: Two-character surnames (复姓): "欧阳明" is 欧阳 + 明, not 欧 + 阳明.
COMPOUND_SURNAMES = frozenset(
    ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙")
    + ("慕容", "令狐", "司徒", "夏侯", "长孙", "宇文", "端木", "南宫")
)


def split_name(name: str) -> tuple[str, str]:
    """Return (姓, 名) of a Chinese 姓名 of 2 to 4 characters; anything else is kept whole.

    A longer text ("市政务公开办填报员") is no personal name: it comes back as ("", text).
    """
    name = name.strip()
    if not 2 <= len(name) <= 4 or name.isascii():
        return "", name
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    return surname, name[len(surname) :]


def full_name(user) -> str:
    """Return ``user``'s 姓名 ("王芳"), or the user name when no name is recorded."""
    if user is None:
        return ""
    last, first = (user.last_name or "").strip(), (user.first_name or "").strip()
    if last and first and last.isascii() and first.isascii():
        name = f"{first} {last}"  # a Latin name keeps its own order
    else:
        name = last + first
    return name or user.get_username()


def display_name(user, division: Division | None = None) -> str:
    """Return how the admin names ``user``: 姓名, with the department acted for in ``division``.

    ``division`` is the division of the row the person acted on; without it, or where the user
    acts for the division's office (or an office above), only the name is given.
    """
    if user is None:
        return ""
    name = full_name(user)
    if division is not None:
        department = acting_department(user, division)
        if department is not None:
            return f"{name}（{department.name}）"
    return name


def affiliation(user) -> str:
    """Return where ``user`` works, from their active memberships: "芙蓉区 · 区民政局".

    Several memberships give each place once, in the order held ("长沙市、芙蓉区").
    """
    places: list[str] = []
    for membership in memberships_of(user):
        place = membership.division.name
        if membership.department_id is not None:
            place = f"{place} · {membership.department.name}"
        if place not in places:
            places.append(place)
    return "、".join(places)


def prime(users: Iterable) -> None:
    """Read the memberships of ``users`` in one query, so that naming them asks no more."""
    memberships_prime(users)


def prime_rows(rows: Iterable, *fields: str) -> None:
    """Prime the users that ``rows`` hold in ``fields`` (e.g. "created_by"), in one query."""
    prime(getattr(row, field, None) for row in rows for field in fields)


class PeopleAdminMixin:
    """A ModelAdmin whose list names the users in ``people_fields`` with their departments.

    The page's rows are read first; their users' memberships then come in one query.
    """

    people_fields: tuple[str, ...] = ()

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        prime_rows(changelist.result_list, *self.people_fields)
        return changelist
