"""The admin's "view on site" shortcut answers 404 outside the user's scope, like a missing id.

Django's own shortcut redirects to any object's public URL without a permission check, so a
302 against a 404 told a township clerk that another division's draft exists.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from districts.models import Role
from publications.models import Publication
from tests.publications import conftest as publications_fixtures

calendar = publications_fixtures.calendar
office = publications_fixtures.office


def shortcut(model, pk) -> str:
    content_type = ContentType.objects.get_for_model(model)
    return reverse("admin:view_on_site", args=[content_type.pk, pk])


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER, Role.ADMINISTRATOR])
@pytest.mark.parametrize("status", ["draft", "published"])
def test_out_of_scope_object_answers_like_a_missing_one(client, office, role, status):
    cousin_item = office.publication("district", status)  # 芙蓉区's, outside 天心区
    client.force_login(office.user(role, "cousin"))
    outside_url, missing_url = shortcut(Publication, cousin_item.pk), shortcut(Publication, 10**9)
    outside, missing = client.get(outside_url), client.get(missing_url)
    assert (outside.status_code, missing.status_code) == (404, 404)
    # The same page but for the address it names.
    assert outside.content.replace(outside_url.encode(), b"") == missing.content.replace(
        missing_url.encode(), b""
    )


def test_in_scope_object_redirects_to_its_page(client, office):
    item = office.publication("township", "published")
    client.force_login(office.user(Role.REVIEWER, "district"))
    response = client.get(shortcut(Publication, item.pk))
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()


@pytest.mark.parametrize("args", [("x", "1"), ("999999", "1"), ("1", "../../etc")])
def test_nonsense_answers_404(client, office, args):
    client.force_login(office.user(Role.ADMINISTRATOR, "city"))
    url = reverse("admin:view_on_site", args=args)
    assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(client, office):
    item = office.publication("district", "published")
    response = client.get(shortcut(Publication, item.pk))
    assert response.status_code == 302 and "login" in response["Location"]
