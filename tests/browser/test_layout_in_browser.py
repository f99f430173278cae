"""Layout measured in Chromium at 1280 and 360 px: the city map's names inside their districts,
and a division's domain table inside its text column, in 标准版 and 大字版."""

from __future__ import annotations

import pytest

from catalog.models import Channel, Domain
from catalog.review import catalog_publish_as_loaded
from catalog.services import entry_create
from portal.context_processors import A11Y_COOKIE, A11Y_LARGE
from tests.factories import FirstLevelItemFactory, SecondLevelItemFactory

from .conftest import DESKTOP, PHONE, SHOTS

pytestmark = pytest.mark.django_db(transaction=True)

# For every name on the home page's map and on its inset: its district's code, whether its
# centre (from getBBox, carried through the screen into the path's own coordinates) is in the
# district's fill, its box on the screen and its svg's box, and its font size on the screen.
MAP_LABELS = """() => [...document.querySelectorAll('.citymap-labels text')]
  .filter((text) => text.getBoundingClientRect().width > 0)
  .map((text) => {
    const svg = text.ownerSVGElement;
    const path = svg.querySelector(`path[data-code="${text.dataset.code}"]`);
    const b = text.getBBox();
    const centre = new DOMPoint(b.x + b.width / 2, b.y + b.height / 2)
      .matrixTransform(text.getScreenCTM())
      .matrixTransform(path.getScreenCTM().inverse());
    const box = text.getBoundingClientRect();
    const frame = svg.getBoundingClientRect();
    return {
      code: text.dataset.code,
      inside: path.isPointInFill(centre),
      box: [box.left, box.top, box.right, box.bottom],
      frame: [frame.left, frame.top, frame.right, frame.bottom],
      px: parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a,
    };
  })"""


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_name_on_the_map_sits_inside_its_district(
    public_page, live_server, reference_data, viewport
):
    page = public_page(**(DESKTOP if viewport == "desktop" else PHONE))
    page.goto(live_server.url + "/")
    labels = page.evaluate(MAP_LABELS)
    codes = set(page.eval_on_selector_all(".citymap svg path", "ps => ps.map(p => p.dataset.code)"))
    # One name per district, on the map or on the inset.
    assert sorted(label["code"] for label in labels) == sorted(codes) and len(codes) == 9
    for label in labels:
        assert label["inside"], label
        box, frame = label["box"], label["frame"]
        assert frame[0] <= box[0] and box[2] <= frame[2], label
        assert frame[1] <= box[1] and box[3] <= frame[3], label
        assert label["px"] >= 11, label
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not overlap(a["box"], b["box"]), (a, b)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".home-map").screenshot(path=str(SHOTS / f"layout-map-{viewport}.png"))
    # The inset's districts are links too, for the pointer; the keyboard reaches them on the map.
    inset = page.locator(".citymap-inset a")
    assert inset.count() == 9
    assert inset.evaluate_all("links => links.every(a => a.tabIndex === -1)")
    page.locator(".citymap-inset path[data-code='430102']").click()
    page.wait_for_url("**/d/furong/")


# The domain table of a division: every th and td inside the table's scroll box (nothing to
# scroll to, no column cut off), no text overflowing its cell, and the page's own width.
TABLE_LAYOUT = """() => {
  const scroll = document.querySelector('.catalog-scroll');
  const frame = scroll.getBoundingClientRect();
  const cells = [...document.querySelectorAll('.catalog-table th, .catalog-table td')]
    .filter((cell) => cell.getClientRects().length);
  const text = (cell) => cell.textContent.trim().replace(/\\s+/g, ' ').slice(0, 24);
  return {
    page: document.documentElement.scrollWidth,
    scroll: [scroll.scrollWidth, scroll.clientWidth],
    outside: cells.filter((cell) => {
      const box = cell.getBoundingClientRect();
      return box.left < frame.left - 0.5 || box.right > frame.right + 0.5;
    }).map(text),
    overflowing: cells.filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map(text),
    columns: [...document.querySelectorAll('.catalog-table tbody tr:first-child > *')]
      .map((cell) => Math.round(cell.getBoundingClientRect().width)),
    levels: [...document.querySelectorAll('.catalog-table thead th.mark')]
      .map((th) => th.textContent.trim()),
    font: parseFloat(getComputedStyle(document.querySelector('.catalog-table td')).fontSize),
  };
}"""

LONG = "、".join(["困难群众基本生活保障资金发放的对象、标准、程序和监督电话"] * 4)
ALL_LEVELS = [
    {"level": "市级", "channels": ["政府网站", "政务新媒体"]},
    {"level": "县级", "channels": ["政府网站", "政务服务中心"]},
    {"level": "乡级", "channels": ["社区/企事业单位/村公示栏(电子屏)"]},
    {"level": "村级", "channels": ["村务公开栏"]},
]


@pytest.fixture
def city_table(reference_data):
    """Return the address of the city's 社会救助 table: four level columns and long texts."""
    domain = Domain.objects.get(name="社会救助")
    first = FirstLevelItemFactory(domain=domain, name="最低生活保障和特困人员救助供养")
    ids = []
    for n in range(3):
        item = SecondLevelItemFactory(
            first_level=first, name=f"城乡居民最低生活保障对象认定条件和审核确认程序{n}"
        )
        values = {
            "content": f"1.{LONG}\n2.{LONG}",
            "basis": "《社会救助暂行办法》《湖南省最低生活保障工作规程》" * 3,
            "time_limit": "信息形成（变更）之日起20个工作日内，并长期公开",
            "subject": "市民政局、各区县(市)民政局、各乡镇人民政府(街道办事处)",
            "channels": list(Channel.objects.all()),
            "audience": [True, n > 0],
            "mode": [True, n > 1],
            "levels": ALL_LEVELS,
        }
        ids.append(entry_create(division=reference_data, item=item, values=values, user=None).pk)
    catalog_publish_as_loaded(entry_ids=ids)
    return f"/d/{reference_data.slug}/{domain.slug}/"


@pytest.mark.parametrize("mode", ["standard", "large", "phone"])
def test_the_domain_table_fits_its_column(public_page, live_server, city_table, mode):
    page = public_page(**(PHONE if mode == "phone" else DESKTOP))
    if mode == "large":
        page.context.add_cookies(
            [{"name": A11Y_COOKIE, "value": A11Y_LARGE, "url": live_server.url}]
        )
    page.goto(live_server.url + city_table)
    assert ("mode-large" in page.evaluate("document.documentElement.className")) == (
        mode == "large"
    )
    layout = page.evaluate(TABLE_LAYOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"layout-table-{mode}.png"), full_page=True)
    assert layout["page"] <= page.viewport_size["width"], layout
    if mode == "phone":
        # Cards: the marks' columns give way to labelled lines.
        assert page.locator("td.card-only").first.is_visible()
        assert not page.locator("td.mark").first.is_visible()
        return
    assert layout["levels"][-4:] == ["市级", "县级", "乡级", "村级"]
    # 大字版's table text is larger (18.7 px against 15.3 px), and the table fits all the same.
    assert (layout["font"] > 17) == (mode == "large"), layout
    assert layout["scroll"][0] <= layout["scroll"][1], layout
    assert layout["outside"] == [], layout
    assert layout["overflowing"] == [], layout
