"""The search page on a 360 px phone: the filters fold behind one control, the results come
first, and nothing scrolls sideways (no JavaScript involved: a <details> disclosure)."""

from __future__ import annotations

import pytest

from search.models import SearchDocument
from search.text import tokens_for

from .conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_filters_fold_behind_one_control_at_360px(public_page, live_server, reference_data):
    for n in range(5):
        title = f"芙蓉区最低生活保障资金发放公示（第{n + 1}批）"
        SearchDocument.objects.create(
            kind=SearchDocument.Kind.PUBLICATION,
            object_id=n,
            title=title,
            body="最低生活保障资金已通过一卡通发放到户。",
            url=f"/p/{n}/",
            division=reference_data,
            tokens=tokens_for(title),
            group_key=f"publication:{n}",
        )
    page = public_page(phone=True)
    page.goto(f"{live_server.url}/search/?q=最低生活保障")
    fold = page.locator("details.search-fold > summary")
    assert fold.is_visible()
    assert not page.locator("#search-division").is_visible()
    first = page.locator(".search-result-title").first.bounding_box()
    assert first["y"] + first["height"] <= 780, "the first result is on the first screen"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 361
    shot(page, "search-360-folded")

    fold.click()
    assert page.locator("#search-division").is_visible()
    page.select_option("#search-type", "publication")
    page.locator(".search-fold-apply").click()
    page.wait_for_load_state()
    assert "type=publication" in page.url
    # With a filter set, the control opens on its own and says so.
    assert page.locator("details.search-fold[open]").count() == 1
    assert "已设条件" in page.locator("details.search-fold > summary").inner_text()
    assert page.locator(".search-result").count() == 5
    assert page.dialogs == []
