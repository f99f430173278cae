"""The chain end to end once, at each level: draft → submitted → published → revised."""

import pytest

from districts.models import Role
from publications.models import Publication


@pytest.mark.parametrize("level", ["city", "district", "township"])
def test_a_publication_goes_through_the_whole_chain(office, level):
    published = office.publication(level, "published")
    assert published.status == Publication.Status.PUBLISHED
    assert published.due_on is not None
    superseded = office.publication(level, "superseded")
    assert superseded.status == Publication.Status.SUPERSEDED
    assert superseded.replaced_by.status == Publication.Status.PUBLISHED
    assert office.user(Role.EDITOR, level).pk == published.created_by_id


def test_catalog_review_urls_answer_404_for_unknown_actions_and_out_of_scope(office, client):
    entry = office.entries["township"]
    client.force_login(office.user(Role.REVIEWER, "district"))
    assert (
        client.post(f"/admin/catalog/catalogentry/{entry.pk}/review/nonsense/").status_code == 404
    )
    client.force_login(office.user(Role.REVIEWER, "cousin"))
    for action in ("approve", "nonsense"):
        url = f"/admin/catalog/catalogentry/{entry.pk}/review/{action}/"
        assert client.post(url).status_code == 404
