"""The database itself refuses to edit published text or to move a published row backwards."""

import pytest
from django.db import IntegrityError, InternalError, transaction

from publications.models import Publication

REFUSED = (IntegrityError, InternalError)


@pytest.mark.parametrize("status", ["published", "superseded", "withdrawn"])
@pytest.mark.parametrize(
    "field, value", [("title", "改过的标题"), ("body", "<p>改过</p>"), ("doc_no", "X〔2026〕1号")]
)
def test_a_raw_update_of_published_text_is_refused(office, status, field, value):
    item = office.publication("district", status)
    with pytest.raises(REFUSED), transaction.atomic():
        Publication.objects.filter(pk=item.pk).update(**{field: value})
    item.refresh_from_db()
    assert getattr(item, field) != value


@pytest.mark.parametrize(
    "start, to",
    [
        ("published", "draft"),
        ("published", "submitted"),
        ("withdrawn", "published"),
        ("superseded", "published"),
    ],
)
def test_a_raw_update_cannot_move_a_published_row_back(office, start, to):
    item = office.publication("township", start)
    with pytest.raises(REFUSED), transaction.atomic():
        Publication.objects.filter(pk=item.pk).update(status=to)
    item.refresh_from_db()
    assert item.status == start


def test_drafts_stay_editable_by_raw_update(office):
    item = office.publication("city", "draft")
    Publication.objects.filter(pk=item.pk).update(title="草稿可以改")
    item.refresh_from_db()
    assert item.title == "草稿可以改"
