"""How the admin names people (districts.people): 姓名 in Chinese order, the department acted
for in a division, the memberships read in one query for a page of people."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template

from districts.models import Department, Role
from districts.people import display_name, full_name, prime, split_name
from districts.services import demo_user, membership_grant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("last", "first", "username", "shown"),
    [
        ("王", "芳", "wangfang", "王芳"),  # 姓 then 名, no space (get_full_name gives "芳 王")
        ("欧阳", "明", "oyming", "欧阳明"),
        ("", "张三", "zs", "张三"),  # the whole name in one field
        ("王", "", "w", "王"),
        ("Smith", "Anna", "anna", "Anna Smith"),  # a Latin name keeps its own order
        ("", "", "clerk7", "clerk7"),  # no name: the user name
    ],
)
def test_full_name(last, first, username, shown):
    user = UserFactory(username=username, last_name=last, first_name=first)
    assert full_name(user) == shown
    assert display_name(user) == shown


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("王芳", ("王", "芳")),
        ("谭志强", ("谭", "志强")),
        ("欧阳明", ("欧阳", "明")),
        ("欧阳", ("欧", "阳")),  # two characters: one is the given name
        ("市民政局审核员", ("", "市民政局审核员")),  # not a personal name: kept whole
        ("Anna", ("", "Anna")),
    ],
)
def test_split_name(name, parts):
    assert split_name(name) == parts


def test_demo_accounts_store_surname_and_given_name(db):
    user = demo_user(username="furong_minzheng", full_name="王芳", password="demo-2026!X")
    user.refresh_from_db()
    assert (user.last_name, user.first_name) == ("王", "芳")
    assert full_name(user) == "王芳"


def test_display_name_adds_the_department_acted_for_in_that_division(furong, wenyilu, city):
    minzheng = Department.objects.create(division=furong, name="区民政局")
    wang = UserFactory(last_name="王", first_name="芳")
    membership_grant(user=wang, division=furong, role=Role.EDITOR, department=minzheng)
    assert display_name(wang, furong) == "王芳（区民政局）"
    # Elsewhere she acts for no department of that division: the name alone.
    assert display_name(wang, wenyilu) == "王芳"
    assert display_name(wang, city) == "王芳"
    assert display_name(wang) == "王芳"
    # The district's office (no department) acts for the office.
    li = UserFactory(last_name="李", first_name="卫东")
    membership_grant(user=li, division=furong, role=Role.REVIEWER)
    assert display_name(li, furong) == "李卫东"
    assert display_name(None, furong) == ""


def test_prime_reads_the_memberships_of_many_people_in_one_query(furong, django_assert_num_queries):
    minzheng = Department.objects.create(division=furong, name="区民政局")
    people = []
    for n in range(5):
        user = UserFactory(last_name="王", first_name=f"芳{n}")
        membership_grant(user=user, division=furong, role=Role.EDITOR, department=minzheng)
        people.append(user)
    # Fresh objects, as a page's rows hold them (twice the same person, and nobody).
    rows = list(get_user_model().objects.filter(pk__in=[u.pk for u in people]))
    rows.append(get_user_model().objects.get(pk=people[0].pk))
    furong.refresh_from_db()
    with django_assert_num_queries(1):
        prime([*rows, None])
    with django_assert_num_queries(0):
        names = [display_name(user, furong) for user in rows]
        prime(rows)  # already read: nothing more
    assert names[0].endswith("（区民政局）") and names[-1] == names[0]


def test_the_person_filter(furong):
    minzheng = Department.objects.create(division=furong, name="区民政局")
    wang = UserFactory(last_name="王", first_name="芳")
    membership_grant(user=wang, division=furong, role=Role.EDITOR, department=minzheng)
    template = Template(
        "{% load people %}[{{ user|person }}][{{ user|person:division }}]"
        '[{{ nobody|person:division|default:"系统" }}][{{ user|affiliation }}]'
    )
    html = template.render(Context({"user": wang, "division": furong, "nobody": None}))
    assert html == "[王芳][王芳（区民政局）][系统][芙蓉区 · 区民政局]"
