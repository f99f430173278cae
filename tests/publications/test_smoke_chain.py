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
