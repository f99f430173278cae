"""The city map's names: each inside its own district, where the largest box of its shape fits
(portal.citymap.label_anchor), the small districts' on the inset of the urban core."""

from __future__ import annotations

import json

from django.conf import settings

from portal.citymap import (
    LABEL_HEIGHT,
    LABEL_PADDING,
    MAP_FONT,
    city_map,
    label_anchor,
)

from .test_citymap import absolute_points

GEOJSON = settings.FIXTURES_DIR / "changsha_districts.geojson"


def inside(x: float, y: float, rings) -> bool:
    """Return whether the point is inside the rings by the even–odd rule (ray casting)."""
    crossings = 0
    for ring in rings:
        for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (ay > y) != (by > y) and x < ax + (bx - ax) * (y - ay) / (by - ay):
                crossings += 1
    return crossings % 2 == 1


def box_inside(box, rings, step: float = 0.5) -> bool:
    """Return whether the edges of the box (x0, y0, x1, y1), walked every ``step``, are inside."""
    x0, y0, x1, y1 = box
    points = []
    for i in range(int((x1 - x0) / step) + 1):
        points += [(x0 + i * step, y0), (x0 + i * step, y1)]
    for j in range(int((y1 - y0) / step) + 1):
        points += [(x0, y0 + j * step), (x1, y0 + j * step)]
    points += [(x1, y1)]
    return all(inside(x, y, rings) for x, y in points)


def name_box(label, name: str, font: float):
    width = (len(name) + LABEL_PADDING) * font
    height = LABEL_HEIGHT * font
    return (label.x - width / 2, label.y - height / 2, label.x + width / 2, label.y + height / 2)


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_anchor_lies_inside_each_polygon_of_the_real_geojson():
    """In longitude and latitude, unprojected and unsimplified: 10 polygons, to about 300 m."""
    with open(GEOJSON, encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    polygons = 0
    for feature in features:
        geometry = feature["geometry"]
        parts = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            parts = [parts]
        for polygon in parts:
            rings = [[(lon, lat) for lon, lat, *_ in ring] for ring in polygon]
            x, y, half = label_anchor(rings, precision=0.003)
            assert inside(x, y, rings), feature["properties"]["name"]
            assert half > 0
            polygons += 1
    assert polygons == 10
    # Deterministic: the same polygon gives the same point.
    assert label_anchor(rings, precision=0.003) == (x, y, half)


def test_the_anchor_is_not_the_centroid_of_a_u():
    """A U's centroid is in its gap; the anchor is in one of its arms or its base."""
    u = [[(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30)]]
    x, y, half = label_anchor(u)
    assert inside(x, y, u) and not (10 < x < 20 and y > 10)
    assert abs(half - 5) < 0.1  # the arms and the base are 10 wide
    # A name three times as wide as tall fits across the U's base, not in its arms.
    x, y, half = label_anchor(u, aspect=3)
    assert 0 <= y <= 10 and abs(half - 5) < 0.1
    # A window bounds the box too, and a rectangle to avoid keeps the box off its edges.
    x, y, half = label_anchor(u, window=(0, 15, 30, 30))
    assert y >= 15 + half - 0.1
    x, y, half = label_anchor([[(0, 0), (40, 0), (40, 10), (0, 10)]], avoid=(18, -5, 22, 15))
    assert not (18 - half < x < 22 + half)


def test_every_name_fits_inside_its_own_district():
    """At the largest size the page writes it: the map's on the phone, the inset's as set."""
    citymap = city_map()
    frame = citymap.inset.box
    boxes = []
    for district in citymap.districts:
        rings = absolute_points(district.d)
        if district.small:
            label = district.inset_label
            assert label.font >= 9 and label.font <= label.fits
            box = name_box(label, district.name, label.font)
            # The name is on the inset, whole.
            assert frame[0] <= box[0] and box[2] <= frame[2], district.name
            assert frame[1] <= box[1] and box[3] <= frame[3], district.name
        else:
            label = district.label
            assert label.fits >= MAP_FONT, district.name
            box = name_box(label, district.name, MAP_FONT)
            # Clear of the frame of the inset, drawn on the map.
            assert box[2] < frame[0] or box[0] > frame[2] or box[3] < frame[1] or box[1] > frame[3]
        assert inside(label.x, label.y, rings), district.name
        assert box_inside(box, rings), district.name
        boxes.append(box)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlap(a, b), (a, b)


def test_the_inset_frames_the_urban_core():
    citymap = city_map()
    small = {district.name for district in citymap.districts if district.small}
    assert small == {"芙蓉区", "天心区", "岳麓区", "开福区", "雨花区"}
    frame = citymap.inset.box
    assert citymap.inset.view_box == " ".join(
        str(n) for n in (frame[0], frame[1], frame[2] - frame[0], frame[3] - frame[1])
    )
    for district in citymap.districts:
        if district.small and district.name != "岳麓区":
            for x, y in (p for ring in absolute_points(district.d) for p in ring):
                assert frame[0] <= x <= frame[2] and frame[1] <= y <= frame[3], district.name


def test_the_tips_stand_on_the_label_places():
    citymap = city_map()
    for district in citymap.districts:
        assert district.left == round(100 * district.label.x / citymap.width, 1)
        assert district.top == round(100 * district.label.y / citymap.height, 1)
        assert inside(district.label.x, district.label.y, absolute_points(district.d))
