"""The demo requests: every state the queue shows, labelled as demo data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from districts.models import Role
from foi.demo import DEMO, build_demo_requests
from foi.models import InfoRequest, Letter

pytestmark = pytest.mark.django_db


def test_demo_requests_cover_every_state_and_are_labelled(client, office):
    made = build_demo_requests(today=dt.date(2026, 12, 1))
    assert made == len(DEMO) == InfoRequest.objects.filter(is_demo=True).count()
    assert build_demo_requests(today=dt.date(2026, 12, 1)) == 0
    states = set(InfoRequest.objects.values_list("state", flat=True))
    assert states == {"running", "correction", "consulting", "closed"}
    closed = InfoRequest.objects.filter(state="closed")
    assert all(r.reply_category for r in closed)
    assert {r.reply_category for r in closed} >= {"open", "partial", "refuse", "unable"}
    assert InfoRequest.objects.filter(state="running", due_on__lt=dt.date(2026, 12, 1)).exists()
    assert all(letter.pdf for letter in Letter.objects.all())
    client.force_login(office.user(Role.EDITOR, "district"))
    listing = client.get(reverse("admin:foi_inforequest_changelist")).content.decode()
    assert "演示" in listing
    register = client.get(reverse("foi:register", args=[office.divisions["430102"].slug]))
    assert "演示数据" in register.content.decode()
