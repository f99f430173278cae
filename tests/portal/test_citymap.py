"""The city map (一张图): nine districts drawn from the project's GeoJSON, small and in bounds."""

from __future__ import annotations

import csv
import re

from django.conf import settings

from portal.citymap import city_map, path_data, simplify

GEOJSON = settings.FIXTURES_DIR / "changsha_districts.geojson"


def county_codes() -> dict[str, str]:
    with open(settings.FIXTURES_DIR / "divisions.csv", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return {row["code"]: row["name"] for row in rows if row["level"] == "county"}


def absolute_points(d: str) -> list[list[tuple[int, int]]]:
    """Return the rings of path data made of ``M x y l dx dy ... z`` as absolute points."""
    rings = []
    for move, lines in re.findall(r"M(-?\d+ -?\d+)l([-\d ]*)z", d.replace("-", " -")):
        x, y = map(int, move.split())
        ring = [(x, y)]
        numbers = [int(n) for n in lines.split()]
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            ring.append((x, y))
        rings.append(ring)
    return rings


def test_nine_districts_keyed_by_the_divisions_codes():
    citymap = city_map()
    assert [d.code for d in citymap.districts] != []
    assert {d.code: d.name for d in citymap.districts} == county_codes()


def test_the_path_data_is_only_moves_relative_lines_and_closes():
    for district in city_map().districts:
        assert re.fullmatch(r"(M\d+ \d+l[-\d ]+z)+", district.d), district.code
        assert absolute_points(district.d), district.code


def test_every_point_and_label_lies_inside_the_view_box():
    citymap = city_map()
    assert citymap.view_box == f"0 0 {citymap.width} {citymap.height}"
    assert citymap.width == 1000 and 300 < citymap.height < 500
    for district in citymap.districts:
        for ring in absolute_points(district.d):
            for x, y in ring:
                assert 0 <= x <= citymap.width and 0 <= y <= citymap.height, district.code
        for label in (district.label, district.inset_label):
            if label is not None:
                assert 0 <= label.x <= citymap.width and 0 <= label.y <= citymap.height
        assert 0 < district.left < 100 and 0 < district.top < 100


def test_simplified_small_yet_recognisable():
    citymap = city_map()
    original = GEOJSON.stat().st_size
    assert original > 200_000
    # Under 8 kB of path data for the whole city (about 6 kB at the chosen tolerance)...
    assert 3_000 < citymap.size < 8_000
    # ...while each district keeps a real outline, not a triangle.
    for district in citymap.districts:
        points = sum(len(ring) for ring in absolute_points(district.d))
        assert points >= 15, (district.code, points)
    # 岳麓区 is two polygons in the source and stays two.
    assert citymap.by_code()["430104"].d.count("M") == 2


def test_computed_once_per_process():
    assert city_map() is city_map()


def test_simplify_drops_points_on_a_line_and_keeps_corners():
    square = [(0, 0), (5, 0), (10, 0), (10, 5), (10, 10), (5, 10.2), (0, 10), (0, 5), (0, 0)]
    assert sorted(simplify(square, 1.0)) == [(0, 0), (0, 10), (10, 0), (10, 10)]
    assert len(simplify(square, 0.1)) == 5  # (5, 10.2) is 0.2 off the edge


def test_path_data_lets_minus_signs_separate_numbers():
    assert path_data([[(10, 10), (5, 12), (7, 3)]]) == "M10 10l-5 2 2-9z"
