"""The city map (一张图): the districts' boundaries as SVG path data, drawn by the project itself.

The GeoJSON (lon/lat) is projected equirectangularly, with longitudes shrunk by the cosine of the
map's mean latitude so that shapes keep their proportions at Changsha's latitude, fitted to a
viewBox, simplified with Douglas–Peucker and rounded to whole units. Each name is placed inside
its district, where the largest box of its shape fits (a pole of inaccessibility); the small
districts of the urban core are named on an enlarged inset. The result is data for the template
(path data, label places, the viewBox and the inset's), never HTML, so that escaping stays Django's.
It is computed once per process: the boundaries change with an administrative reform, not a request.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
from dataclasses import dataclass
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
# A district narrower than this (user units) counts as small: too small on the whole city's map
# for its name (the urban core). Its name is written on the enlarged inset of the core instead.
SMALL = 155
# A name's box in ems: one em per character (Chinese), plus room for the white halo around the
# glyphs; and its height. The label anchors are the centres of the largest such boxes that fit.
LABEL_PADDING = 0.2
LABEL_HEIGHT = 1.15
# How close, in user units, the search for a label's place comes to the best: a quarter of a
# pixel on a desktop map, found in about half a second for the whole map, once per process.
LABEL_PRECISION = 0.25
# The largest font size (user units) of the names on the whole map: home.css sets it on a phone
# (about 11 px at 360 px), smaller on wider screens. Every large district's name fits at it,
# clear of the inset's frame (望城区's fits at 31.2).
MAP_FONT = 31
# The inset's margin around the urban core and its names' font size, in user units: the inset is
# drawn 200 px wide (home.css), so 9 units are about 12 px; a name that fits only smaller is
# written smaller, never outside its district.
INSET_MARGIN = 16
INSET_FONT = 9


# A rectangle in user units: (x0, y0, x1, y1).
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Label:
    """Where a district's name is written: the centre of the largest name-shaped box inside it."""

    x: float
    y: float
    # The largest font size, in user units, at which the name fits inside the district there.
    fits: float
    # The font size the page writes it at, where the map does not leave that to its stylesheet.
    font: float | None = None


@dataclass(frozen=True)
class Inset:
    """The enlarged frame of the urban core, in the map's user units."""

    x: int
    y: int
    width: int
    height: int

    @property
    def view_box(self) -> str:
        return f"{self.x} {self.y} {self.width} {self.height}"

    @property
    def box(self) -> Box:
        return (self.x, self.y, self.x + self.width, self.y + self.height)


@dataclass(frozen=True)
class MapDistrict:
    code: str
    name: str
    d: str
    # The name's place on the whole map; a small district's is on the inset instead.
    label: Label
    # A district too small on the map for its name to fit (the urban core).
    small: bool = False
    # The district's width on the map, in user units.
    span: int = 0
    # The label point as percentages of the map's width and height, to place HTML over the map.
    left: float = 0.0
    top: float = 0.0
    # The name's place on the inset, for the small districts.
    inset_label: Label | None = None


@dataclass(frozen=True)
class CityMap:
    width: int
    height: int
    districts: tuple[MapDistrict, ...]
    inset: Inset | None = None

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

    shapes = []
    for feature in features:
        # The code is taken from the properties: the feature ids keep 宁乡's code before 2017.
        code = str(feature["properties"]["code"])
        rings = []
        for ring in polygons[code]:
            simplified = _rounded(simplify([project(*point) for point in ring], tolerance))
            if len(simplified) >= 3:
                rings.append(simplified)
        shapes.append((code, feature["properties"]["name"], rings))

    spans = {code: _bounds(rings) for code, _name, rings in shapes}
    small = {code for code, (x0, _y0, x1, _y1) in spans.items() if x1 - x0 < SMALL}
    inset = inset_frame([spans[code] for code in small], WIDTH, height)
    frame = None if inset is None else inset.box
    districts = []
    for code, name, rings in shapes:
        x0, _y0, x1, _y1 = spans[code]
        # A small district's name is on the inset; on the map, names keep off the inset's frame.
        label = name_label(rings, name, avoid=frame)
        inset_label = None
        if code in small and frame is not None:
            inset_label = name_label(rings, name, window=frame, font=INSET_FONT)
        districts.append(
            MapDistrict(
                code=code,
                name=name,
                d=path_data(rings),
                label=label,
                small=code in small,
                span=x1 - x0,
                left=round(100 * label.x / WIDTH, 1),
                top=round(100 * label.y / height, 1),
                inset_label=inset_label,
            )
        )
    return CityMap(width=WIDTH, height=height, districts=tuple(districts), inset=inset)


def inset_frame(boxes: list[tuple[int, int, int, int]], width: int, height: int) -> Inset | None:
    """Return the frame of the inset: around the small districts' bounds, with a margin.

    The widest small district (岳麓区, which reaches far west along the river) is left out of
    the frame's bounds: only its part near the others shows, and its name is placed there.
    """
    if not boxes:
        return None
    boxes = sorted(boxes, key=lambda box: (box[2] - box[0], box))
    core = boxes[:-1] if len(boxes) > 2 else boxes
    x0 = max(0, min(box[0] for box in core) - INSET_MARGIN)
    y0 = max(0, min(box[1] for box in core) - INSET_MARGIN)
    x1 = min(width, max(box[2] for box in core) + INSET_MARGIN)
    y1 = min(height, max(box[3] for box in core) + INSET_MARGIN)
    return Inset(x=x0, y=y0, width=x1 - x0, height=y1 - y0)


def _bounds(rings: list[list[tuple[int, int]]]) -> tuple[int, int, int, int]:
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def name_label(
    rings: list[list[tuple[int, int]]],
    name: str,
    window: Box | None = None,
    avoid: Box | None = None,
    font: float | None = None,
) -> Label:
    """Return where ``name`` fits best inside the district ``rings`` (and ``window``).

    The name's box keeps off the lines of ``avoid`` (it may lie inside it or outside it). With
    ``font``, the label is written at that size, or smaller where only smaller fits.
    """
    aspect = (len(name) + LABEL_PADDING) / LABEL_HEIGHT
    x, y, half = label_anchor(
        rings, aspect=aspect, window=window, avoid=avoid, precision=LABEL_PRECISION
    )
    fits = math.floor(20 * half / LABEL_HEIGHT) / 10
    return Label(
        x=round(x, 1), y=round(y, 1), fits=fits, font=None if font is None else min(font, fits)
    )


def label_anchor(
    rings: list[list[tuple[float, float]]],
    *,
    aspect: float = 1.0,
    window: Box | None = None,
    avoid: Box | None = None,
    precision: float | None = None,
) -> tuple[float, float, float]:
    """Return the centre of the largest box of width ``aspect`` × height inside the rings.

    Returns ``(x, y, half_height)``. The rings are a district's outer and inner rings, of one
    polygon or several (even–odd rule); ``window`` (x0, y0, x1, y1), if given, bounds the box too,
    and the box does not cross the edges of ``avoid``.
    With ``aspect`` 1 this is the pole of inaccessibility under the L∞ distance: it is
    polylabel's search (Agafonkin, Mapbox 2016), with the distance to the edges measured along
    the box's axes, after the x axis is divided by ``aspect`` so that the box becomes a square.
    Square cells are split in four while one may still hold a point better than the best found
    by more than ``precision`` (by default a thousandth of the rings' smaller extent); the order
    of the search is fixed, so is the result.
    """
    squeezed = [[(x / aspect, y) for x, y in ring] for ring in rings]
    bound = None if window is None else _squeezed(window, aspect)
    hurdle = None if avoid is None else _squeezed(avoid, aspect)

    def distance(px: float, py: float) -> float:
        inner = _signed_distance(px, py, squeezed)
        if bound is not None:
            inner = min(inner, px - bound[0], bound[2] - px, py - bound[1], bound[3] - py)
        if hurdle is not None:
            # The L∞ distance to the rectangle's edges, from inside it or outside it.
            outside = max(hurdle[0] - px, px - hurdle[2], hurdle[1] - py, py - hurdle[3])
            inner = min(inner, abs(outside))
        return inner

    xs = [x for ring in squeezed for x, _ in ring]
    ys = [y for ring in squeezed for _, y in ring]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    if bound is not None:
        x0, y0 = max(x0, bound[0]), max(y0, bound[1])
        x1, y1 = min(x1, bound[2]), min(y1, bound[3])
    cell = min(x1 - x0, y1 - y0)
    if cell <= 0:
        return ((x0 + x1) / 2 * aspect, (y0 + y1) / 2, 0.0)
    if precision is None:
        precision = cell / 1000

    queue: list[tuple[float, int, float, float, float, float]] = []
    order = itertools.count()

    def push(cx: float, cy: float, half: float) -> None:
        # A point of the cell is at most ``half`` (L∞) from its centre: its distance to the
        # edges is at most the centre's plus ``half``. Ties are broken by the order of pushing.
        d = distance(cx, cy)
        heapq.heappush(queue, (-(d + half), next(order), d, cx, cy, half))

    best = ((x0 + x1) / 2, (y0 + y1) / 2)
    best_distance = distance(*best)
    cx = x0 + cell / 2
    while cx - cell / 2 < x1:
        cy = y0 + cell / 2
        while cy - cell / 2 < y1:
            push(cx, cy, cell / 2)
            cy += cell
        cx += cell
    while queue:
        negative_potential, _order, d, cx, cy, half = heapq.heappop(queue)
        if d > best_distance:
            best, best_distance = (cx, cy), d
        if -negative_potential - best_distance <= precision:
            continue
        quarter = half / 2
        for sx in (-1, 1):
            for sy in (-1, 1):
                push(cx + sx * quarter, cy + sy * quarter, quarter)
    return (best[0] * aspect, best[1], max(best_distance, 0.0))


def _squeezed(box: Box, aspect: float) -> Box:
    return (box[0] / aspect, box[1], box[2] / aspect, box[3])


def _signed_distance(px: float, py: float, rings: list[list[tuple[float, float]]]) -> float:
    """Return the L∞ distance from the point to the rings' edges, negative outside them."""
    inside = False
    nearest = math.inf
    for ring in rings:
        ax, ay = ring[-1]
        for bx, by in ring:
            if (ay > py) != (by > py) and px < (bx - ax) * (py - ay) / (by - ay) + ax:
                inside = not inside
            # The distance to the segment's bounds is a lower bound: most segments stop there.
            near_x = max(min(ax, bx) - px, px - max(ax, bx), 0.0)
            near_y = max(min(ay, by) - py, py - max(ay, by), 0.0)
            if max(near_x, near_y) < nearest:
                nearest = min(nearest, _segment_distance(px, py, ax, ay, bx, by))
            ax, ay = bx, by
    return nearest if inside else -nearest


def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    """Return the L∞ distance from the point to the segment from a to b.

    Along the segment, max(|x − px|, |y − py|) is convex and piecewise linear: its least value is
    at an end or where |x − px| = |y − py|.
    """
    fx, fy = ax - px, ay - py
    dx, dy = bx - ax, by - ay
    least = min(max(abs(fx), abs(fy)), max(abs(fx + dx), abs(fy + dy)))
    for sign in (1, -1):
        denominator = dx - sign * dy
        if denominator:
            t = (sign * fy - fx) / denominator
            if 0 < t < 1:
                least = min(least, abs(fx + t * dx))
    return least


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
