"""The city map (一张图): the districts' boundaries as SVG path data, drawn by the project itself.

The GeoJSON (lon/lat) is projected equirectangularly, with longitudes shrunk by the cosine of the
map's mean latitude so that shapes keep their proportions at Changsha's latitude, fitted to a
viewBox, simplified with Douglas–Peucker and rounded to whole units. The result is data for the
template (path data, label points, the viewBox), never HTML, so that escaping stays Django's.
It is computed once per process: the boundaries change with an administrative reform, not a request.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from django.conf import settings

# The viewBox's width in user units; the height follows from the city's shape.
WIDTH = 1000
# Room around the city so that strokes and the focus outline are not clipped at the edges.
PADDING = 8
# Douglas–Peucker tolerance in user units: about 1 px on a desktop map. The 9 districts keep
# their recognisable outlines and all path data together stays near 6 kB (from 256 kB of GeoJSON).
TOLERANCE = 1.0
# A district narrower than this (user units) counts as small for its label.
SMALL = 155
# Names' font sizes in user units: on a wide map (~14–17 px on a desktop) and on a phone (~11 px).
WIDE_FONT = 16
NARROW_FONT = 34


@dataclass(frozen=True)
class Label:
    """Where a district's name is written: moved off its point when names would overlap."""

    x: int
    y: int
    # The district's label point, for a leader line when the name had to move away from it.
    anchor_x: int
    anchor_y: int

    @property
    def moved(self) -> bool:
        return (self.x, self.y) != (self.anchor_x, self.anchor_y)


@dataclass(frozen=True)
class MapDistrict:
    code: str
    name: str
    d: str
    label_x: int
    label_y: int
    # A district too small on the map for its name to fit (the urban core): the page shows its
    # name smaller, or only on hover and focus on a phone.
    small: bool = False
    # The district's width on the map, in user units: larger districts keep their label points.
    span: int = 0
    # The label point as percentages of the map's width and height, to place HTML over the map.
    left: float = 0.0
    top: float = 0.0
    # The name's place on a wide map (every district) and on a phone (only the larger ones).
    wide_label: Label | None = None
    narrow_label: Label | None = None


@dataclass(frozen=True)
class CityMap:
    width: int
    height: int
    districts: tuple[MapDistrict, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def size(self) -> int:
        """Return the length in characters of all the path data together."""
        return sum(len(district.d) for district in self.districts)

    def by_code(self) -> dict[str, MapDistrict]:
        return {district.code: district for district in self.districts}


def default_geojson() -> Path:
    return Path(
        getattr(settings, "CITY_MAP_GEOJSON", settings.FIXTURES_DIR / "changsha_districts.geojson")
    )


@lru_cache(maxsize=4)
def city_map(path: Path | None = None, tolerance: float = TOLERANCE) -> CityMap:
    """Return the city map read from ``path`` (the project's Changsha map by default)."""
    with open(path or default_geojson(), encoding="utf-8") as handle:
        collection = json.load(handle)
    features = collection["features"]
    polygons = {
        feature["properties"]["code"]: _polygons(feature["geometry"]) for feature in features
    }
    points = [point for rings in polygons.values() for ring in rings for point in ring]
    west = min(lon for lon, _ in points)
    east = max(lon for lon, _ in points)
    south = min(lat for _, lat in points)
    north = max(lat for _, lat in points)
    shrink = math.cos(math.radians((north + south) / 2))
    scale = (WIDTH - 2 * PADDING) / ((east - west) * shrink)
    height = math.ceil((north - south) * scale) + 2 * PADDING

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (PADDING + (lon - west) * shrink * scale, PADDING + (north - lat) * scale)

    districts = []
    for feature in features:
        properties = feature["properties"]
        # The code is taken from the properties: the feature ids keep 宁乡's code before 2017.
        code = str(properties["code"])
        rings = []
        for ring in polygons[code]:
            simplified = _rounded(simplify([project(*point) for point in ring], tolerance))
            if len(simplified) >= 3:
                rings.append(simplified)
        label_x, label_y = project(*properties["label_point"])
        xs = [x for ring in rings for x, _ in ring]
        districts.append(
            MapDistrict(
                code=code,
                name=properties["name"],
                d=path_data(rings),
                label_x=round(label_x),
                label_y=round(label_y),
                small=max(xs) - min(xs) < SMALL,
                span=max(xs) - min(xs),
                left=round(100 * label_x / WIDTH, 1),
                top=round(100 * label_y / height, 1),
            )
        )
    wide = place_labels(districts, WIDE_FONT, WIDTH, height)
    narrow = place_labels([d for d in districts if not d.small], NARROW_FONT, WIDTH, height)
    districts = [
        replace(
            district, wide_label=wide.get(district.code), narrow_label=narrow.get(district.code)
        )
        for district in districts
    ]
    return CityMap(width=WIDTH, height=height, districts=tuple(districts))


def place_labels(
    districts: list[MapDistrict], font: float, width: int, height: int
) -> dict[str, Label]:
    """Return a place for each district's name, at its label point unless names would overlap.

    Larger districts are placed first and keep their points; a name that would overlap one
    already placed moves to the nearest free place on rings around its point (the page draws a
    leader line to it). Names are assumed one em per character, which holds for Chinese.
    """
    placed: list[tuple[float, float, float, float]] = []
    labels = {}
    step = font * 0.75
    for district in sorted(districts, key=lambda d: (-d.span, d.code)):
        w, h = len(district.name) * font + font * 0.4, font * 1.3
        x0, y0 = district.label_x, district.label_y
        candidates = [(0.0, 0.0)] + [
            (ring * step * math.cos(angle), ring * step * math.sin(angle))
            for ring in range(1, 16)
            for angle in (math.pi / 2 * k / max(ring, 1) for k in range(4 * max(ring, 1)))
        ]
        for dx, dy in candidates:
            x, y = x0 + dx, y0 + dy
            box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            if inside and not any(_overlap(box, other) for other in placed):
                break
        else:
            x, y, box = x0, y0, (x0 - w / 2, y0 - h / 2, x0 + w / 2, y0 + h / 2)
        placed.append(box)
        labels[district.code] = Label(x=round(x), y=round(y), anchor_x=x0, anchor_y=y0)
    return labels


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _polygons(geometry: dict) -> list[list[tuple[float, float]]]:
    """Return the outer and inner rings of a Polygon or MultiPolygon as lists of points."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"Unsupported geometry type {geometry['type']!r}")
    return [[(lon, lat) for lon, lat, *_ in ring] for polygon in polygons for ring in polygon]


def simplify(ring: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Return the closed ``ring`` simplified by Douglas–Peucker, without its closing point.

    A closed ring has no natural end points, so it is split at its first point and at the point
    farthest from it, and each half is simplified on its own.
    """
    points = _deduplicated(ring)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 4:
        return points
    x0, y0 = points[0]
    far = max(range(len(points)), key=lambda i: (points[i][0] - x0) ** 2 + (points[i][1] - y0) ** 2)
    first = _douglas_peucker(points[: far + 1], tolerance)
    second = _douglas_peucker(points[far:] + [points[0]], tolerance)
    return first[:-1] + second[:-1]


def _douglas_peucker(
    points: list[tuple[float, float]], tolerance: float
) -> list[tuple[float, float]]:
    """Return the points of an open line kept by Douglas–Peucker (iteratively: rings are long)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        (ax, ay), (bx, by) = points[start], points[end]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, worst_at = -1.0, None
        for i in range(start + 1, end):
            px, py = points[i]
            if length == 0:
                distance = math.hypot(px - ax, py - ay)
            else:
                distance = abs(dy * (px - ax) - dx * (py - ay)) / length
            if distance > worst:
                worst, worst_at = distance, i
        if worst_at is not None and worst > tolerance:
            keep[worst_at] = True
            stack.append((start, worst_at))
            stack.append((worst_at, end))
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _deduplicated(points):
    result = []
    for point in points:
        if not result or point != result[-1]:
            result.append(point)
    return result


def _rounded(points: list[tuple[float, float]]) -> list[tuple[int, int]]:
    rounded = _deduplicated([(round(x), round(y)) for x, y in points])
    if len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    return rounded


def path_data(rings: list[list[tuple[int, int]]]) -> str:
    """Return SVG path data for ``rings``: an absolute move, then relative lines, then close."""
    parts = []
    for ring in rings:
        (x, y), rest = ring[0], ring[1:]
        numbers = []
        for nx, ny in rest:
            numbers += [nx - x, ny - y]
            x, y = nx, ny
        # A minus sign separates numbers by itself, so spaces before it are dropped.
        parts.append(f"M{ring[0][0]} {ring[0][1]}l" + " ".join(map(str, numbers)) + "z")
    return "".join(parts).replace(" -", "-")
