"""``{% load people %}``: ``{{ user|person }}`` and ``{{ user|person:division }}``.

The filter gives ``districts.people.display_name``: 姓名, with the department the person acts
for in ``division`` ("王芳（区民政局）"); "" for no user, so ``|default:"系统"`` may follow.
``{{ user|affiliation }}`` says where the user works ("芙蓉区 · 区民政局"), and
``{% for event in events|with_people:"user" %}`` reads the users' memberships in one query
before the loop names them.
"""

from __future__ import annotations

from django import template

from districts.people import affiliation as _affiliation
from districts.people import display_name, prime_rows

register = template.Library()


@register.filter
def person(user, division=None) -> str:
    return display_name(user, division or None)


@register.filter
def affiliation(user) -> str:
    """Return where ``user`` works ("芙蓉区 · 区民政局"), "" for none."""
    return _affiliation(user)


@register.filter
def with_people(rows, fields: str = "user"):
    """Return ``rows`` as a list, their users (comma-separated ``fields``) primed."""
    rows = list(rows or [])
    prime_rows(rows, *[f.strip() for f in fields.split(",") if f.strip()])
    return rows
