"""A search that matches nearly everything ranks only the newest matches, and says so.

Abuse case: a word every document holds (公开信息 matched 232,000 of 236,000 documents) took two
seconds of the database's time to rank and group, an easy way to load the server. Past
``MATCH_CAP`` matches, the newest ``MATCH_CAP + 1`` are ranked and grouped, and the page says that
it lists only those.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

import search.views
from districts.models import Division
from search import selectors
from search.models import SearchDocument
from search.text import query_tokens, tokens_for

pytestmark = pytest.mark.django_db

URL = reverse("portal:search")
NOTICE = 'class="search-capped"'


def titles(response) -> list[str]:
    html = response.content.decode()
    found = re.findall(r'<h2 class="search-result-title"><a [^>]*>(.*?)</a></h2>', html)
    return [re.sub(r"</?mark>", "", t) for t in found]


def count(response) -> int:
    return int(re.search(r"找到 <strong>(\d+)</strong> 条结果", response.content.decode())[1])


@pytest.fixture
def cap(monkeypatch):
    """Cap searches at 5 matches (the page's text reads the same figure)."""
    monkeypatch.setattr(selectors, "MATCH_CAP", 5)
    monkeypatch.setattr(search.views, "MATCH_CAP", 5)
    return 5


@pytest.fixture
def documents(reference_data):
    """Ten matching publications, a day apart (第0批 oldest), and three newer ones that do not
    match: a candidate list that ignored the match would take those three."""
    furong = Division.objects.get(code="430102")
    start = timezone.make_aware(dt.datetime(2026, 1, 1, 9))
    newer = ["工作动态甲", "工作动态乙", "工作动态丙"]
    for n, title in enumerate([f"低保资金发放第{n}批" for n in range(10)] + newer):
        SearchDocument.objects.create(
            kind=SearchDocument.Kind.PUBLICATION,
            object_id=500 + n,
            title=title,
            url=f"/p/{500 + n}/",
            division=furong,
            date=start + dt.timedelta(days=n),
            tokens=tokens_for(title),
            group_key=f"publication:{500 + n}",
        )


def test_past_the_cap_the_newest_matches_are_ranked_and_the_page_says_so(client, cap, documents):
    response = client.get(URL, {"q": "低保资金"})
    assert response.status_code == 200
    # The newest six matches (cap + 1), never the newer documents that do not match.
    assert count(response) == 6
    assert sorted(titles(response)) == sorted(f"低保资金发放第{n}批" for n in range(4, 10))
    html = response.content.decode()
    assert NOTICE in html
    assert "匹配的内容超过 5 条" in html and "同一事项合并后为 6 条结果" in html


def test_at_the_cap_every_match_is_ranked_and_nothing_is_said(client, cap, documents):
    # Exactly five matches (the 0th to the 4th are filtered out by date): not capped.
    response = client.get(URL, {"q": "低保资金", "from": "2026-01-06"})
    assert count(response) == 5
    assert sorted(titles(response)) == sorted(f"低保资金发放第{n}批" for n in range(5, 10))
    assert NOTICE not in response.content.decode()


def test_the_ranked_page_and_the_separate_count_agree_on_the_cap(cap, documents):
    terms = query_tokens("低保资金")
    counted = selectors.GroupCount(groups=6, capped=True)
    assert selectors.count_groups(terms) == counted
    rows, found = selectors.ranked_groups(terms, None, slice(0, 20))
    assert found == counted and len(rows) == 6
    uncapped = selectors.GroupCount(groups=3, capped=False)
    assert selectors.count_groups(query_tokens("工作动态")) == uncapped
    assert selectors.ranked_groups(query_tokens("工作动态"), None, slice(0, 2))[1] == uncapped
    # Past the last group there are no rows to carry the count.
    assert selectors.ranked_groups(terms, None, slice(20, 40)) == ([], None)


def test_a_page_past_the_last_one_of_a_capped_search_shows_the_last(client, cap, documents):
    response = client.get(URL, {"q": "低保资金", "page": "9"})
    assert response.status_code == 200
    assert len(titles(response)) == 6
