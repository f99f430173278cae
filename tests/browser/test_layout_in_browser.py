"""Layout measured in Chromium at 1280 and 360 px: the city map's names inside their districts."""

from __future__ import annotations

import pytest

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
    print(viewport, {label["code"]: round(label["px"], 1) for label in labels})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".home-map").screenshot(path=str(SHOTS / f"layout-map-{viewport}.png"))
    # The inset's districts are links too, for the pointer; the keyboard reaches them on the map.
    inset = page.locator(".citymap-inset a")
    assert inset.count() == 9
    assert inset.evaluate_all("links => links.every(a => a.tabIndex === -1)")
    page.locator(".citymap-inset path[data-code='430102']").click()
    page.wait_for_url("**/d/furong/")
