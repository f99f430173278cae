"""The site shell's accessibility: WCAG AA colours in both modes, the 适老化 (大字版) switch and
its cookie, landmarks and the skip link, the "1+9" navigation and what it costs in queries.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.context_processors import A11Y_COOKIE, column_nav

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "static" / "portal"
TOGGLE = "/a11y/mode/"


# ---------------------------------------------------------------------------------------------
# Colours: parse the custom properties of site.css and check the pairs the CSS uses.


def relative_luminance(hex_colour: str) -> float:
    """Return the WCAG 2.1 relative luminance of a #rgb or #rrggbb colour."""
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def custom_properties(css: str, selector: str) -> dict[str, str]:
    """Return the ``--name: #colour`` declarations of the first rule for ``selector``."""
    match = re.search(re.escape(selector) + r"\s*\{(.*?)\}", css, re.S)
    assert match, f"no rule for {selector} in site.css"
    body = re.sub(r"/\*.*?\*/", "", match.group(1), flags=re.S)
    return dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\b", body))


def palettes() -> dict[str, dict[str, str]]:
    css = (STATIC / "site.css").read_text(encoding="utf-8")
    standard = custom_properties(css, ":root")
    large = {**standard, **custom_properties(css, "html.mode-large")}
    return {"standard": standard, "large": large}


TEXT = 4.5  # normal text
UI = 3.0  # large text, control borders, focus rings
# (foreground, background, minimum): every pairing the shell and the shared styles draw.
PAIRS = [
    ("--fg", "--bg", TEXT),
    ("--fg", "--surface", TEXT),
    ("--fg", "--surface-2", TEXT),
    ("--muted", "--bg", TEXT),
    ("--muted", "--surface", TEXT),
    ("--muted", "--surface-2", TEXT),
    ("--link", "--bg", TEXT),
    ("--link", "--surface", TEXT),
    ("--link-visited", "--bg", TEXT),
    ("--accent", "--bg", TEXT),  # the guide kicker, 我要看's text
    ("--on-accent", "--accent", TEXT),  # 我要办
    ("--on-accent", "--accent-hover", TEXT),
    ("--header-fg", "--header-bg", TEXT),  # site name, tools, "1+9" links
    ("--header-bg", "--header-fg", TEXT),  # the current column, the search button
    ("--notice-fg", "--notice-bg", TEXT),  # the demo banner
    ("--control-border", "--bg", UI),  # the search field's edge
    ("--focus", "--bg", UI),
    ("--focus", "--surface", UI),
    ("--focus-on-dark", "--header-bg", UI),
    ("--accent", "--bg", UI),  # button borders
]


@pytest.mark.parametrize("mode", ["standard", "large"])
@pytest.mark.parametrize(("fg", "bg", "minimum"), PAIRS, ids=[f"{f}/{b}" for f, b, _ in PAIRS])
def test_palette_meets_wcag_aa(mode, fg, bg, minimum):
    colours = palettes()[mode]
    ratio = contrast(colours[fg], colours[bg])
    assert ratio >= minimum, f"{mode}: {fg} {colours[fg]} on {bg} {colours[bg]} is {ratio:.2f}:1"


def test_large_mode_is_high_contrast():
    """The 适老化 palette goes beyond AA: body text and links reach AAA (7:1)."""
    colours = palettes()["large"]
    assert contrast(colours["--fg"], colours["--bg"]) >= 20
    for fg in ("--muted", "--link", "--link-visited", "--header-fg"):
        assert contrast(colours[fg], colours["--bg" if fg != "--header-fg" else "--header-bg"]) >= 7


def test_contrast_formula_against_known_values():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#fff", "#fff") == pytest.approx(1)


def test_large_mode_sizes_and_motion():
    css = (STATIC / "site.css").read_text(encoding="utf-8")
    large = re.search(r"html\.mode-large\s*\{(.*?)\}", css, re.S).group(1)
    base = re.search(r"--base-size:\s*clamp\((\d+(?:\.\d+)?)%", large)
    assert float(base.group(1)) * 16 / 100 >= 20  # at least 20 px
    assert float(re.search(r"--leading:\s*([\d.]+)", large).group(1)) >= 1.8
    assert int(re.search(r"--tap:\s*(\d+)px", large).group(1)) >= 44
    assert "prefers-reduced-motion: reduce" in css
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid var\(--focus\)", css)


def test_print_stylesheet_covers_a4_tables_and_links():
    css = (STATIC / "print.css").read_text(encoding="utf-8")
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)
    assert "display: table-header-group" in css
    assert "break-inside: avoid" in css
    assert 'content: " <" attr(href) ">"' in css
    for hidden in (".column-nav", ".site-search", ".header-tools", ".footer-nav", "button"):
        assert hidden in css.split("display: none")[0]


# ---------------------------------------------------------------------------------------------
# The switch.


@pytest.mark.parametrize("method", ["get", "post"])
def test_toggle_sets_a_long_lived_cookie_and_goes_back(client, method, city):
    response = getattr(client, method)(TOGGLE, {"mode": "large", "next": "/d/x/?page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/d/x/?page=2"
    cookie = response.cookies[A11Y_COOKIE]
    assert cookie.value == "large"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    assert cookie["path"] == "/"
    assert cookie["samesite"] == "Lax"
    assert response["Cache-Control"] == "no-store"


def test_toggle_back_to_standard_and_flip_without_mode(client, city):
    client.cookies[A11Y_COOKIE] = "large"
    response = client.get(TOGGLE, {"next": "/"})
    assert response.cookies[A11Y_COOKIE].value == "standard"
    response = client.get(TOGGLE, {"mode": "standard", "next": "/"})
    assert response.cookies[A11Y_COOKIE].value == "standard"
    client.cookies[A11Y_COOKIE] = "standard"
    assert client.get(TOGGLE).cookies[A11Y_COOKIE].value == "large"


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://evil.example/d/x/",
        "https:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_toggle_never_redirects_off_site(client, unsafe, city):
    response = client.get(TOGGLE, {"mode": "large", "next": unsafe})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert response.cookies[A11Y_COOKIE].value == "large"


def test_toggle_accepts_an_absolute_url_on_this_host(client, city):
    response = client.get(TOGGLE, {"mode": "large", "next": "http://testserver/d/x/"})
    assert response["Location"] == "http://testserver/d/x/"


def test_toggle_rejects_other_methods(client):
    assert client.put(TOGGLE).status_code == 405


def test_toggle_ignores_an_unknown_mode_value(client, city):
    client.cookies[A11Y_COOKIE] = "<script>"
    response = client.get(TOGGLE, {"mode": "huge"})
    assert response.cookies[A11Y_COOKIE].value == "large"


# ---------------------------------------------------------------------------------------------
# The page: the mode class from the cookie, landmarks, skip link, navigation, search.


class Outline(HTMLParser):
    """Collect the tags, attributes and text of a page, in order."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag, **attrs):
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def html_class(html: str) -> str:
    return outline(html).find("html")[0]["class"]


def test_standard_mode_by_default(client, city):
    html = client.get("/").content.decode()
    assert html_class(html) == "mode-standard"
    assert "大字版" in html and "mode=large" in html


def test_large_mode_rendered_from_the_cookie(client, city):
    client.cookies[A11Y_COOKIE] = "large"
    html = client.get("/").content.decode()
    assert html_class(html) == "mode-large"
    assert "标准版" in html and "mode=standard" in html


def test_large_mode_persists_across_pages(client, city, furong):
    client.get(TOGGLE, {"mode": "large", "next": "/"})
    for url in ("/", furong.get_absolute_url(), "/no-such-page/"):
        assert html_class(client.get(url).content.decode()) == "mode-large"


def test_a_junk_cookie_means_standard(client, city):
    client.cookies[A11Y_COOKIE] = "large; evil"
    assert html_class(client.get("/").content.decode()) == "mode-standard"


def test_toggle_link_comes_back_to_this_page(client, furong):
    url = furong.get_absolute_url() + "?page=2&x=1"
    page = outline(client.get(url).content.decode())
    toggle = page.find("a", **{"class": "mode-toggle"})[0]
    assert toggle["href"].startswith(TOGGLE + "?mode=large&next=")
    follow = client.get(toggle["href"])
    assert follow["Location"] == url


def test_landmarks_skip_link_and_language(client, city):
    html = client.get("/").content.decode()
    page = outline(html)
    assert page.find("html")[0]["lang"] == "zh-CN"
    assert len(page.find("header", role="banner")) == 1
    assert len(page.find("main", id="main")) == 1
    assert len(page.find("footer", role="contentinfo")) == 1
    navs = page.find("nav")
    assert all(n.get("aria-label") for n in navs)
    assert {"“1+9”专栏导航", "页脚导航"} <= {n["aria-label"] for n in navs}
    # The skip link is the first thing in the body, so the first Tab reaches it.
    body_at = next(i for i, (t, _) in enumerate(page.tags) if t == "body")
    tag, attrs = page.tags[body_at + 1]
    assert (tag, attrs["href"], attrs["class"]) == ("a", "#main", "skip-link")
    assert page.find("link", rel="stylesheet", media="print")
    scripts = [a for t, a in page.tags if t == "script" and "a11y.js" in (a.get("src") or "")]
    assert len(scripts) == 1 and "defer" in scripts[0]  # a11y.js never blocks rendering


def test_search_box_in_the_header(client, city):
    page = outline(client.get("/").content.decode())
    form = page.find("form", role="search")[0]
    assert form["action"] == "/search/" and form["method"] == "get"
    field = page.find("input", name="q")[0]
    assert field["type"] == "search"
    assert page.find("label", **{"for": field["id"]})


def test_column_nav_lists_the_city_and_nine_districts(client, city, furong):
    html = client.get(furong.get_absolute_url()).content.decode()
    nav = html.split('class="column-nav"')[1].split("</nav>")[0]
    links = re.findall(r'<a href="([^"]+)"([^>]*)>([^<]+)</a>', nav)
    names = [name for _, _, name in links]
    assert names[0] == "长沙市" and len(names) == 10
    assert {
        "芙蓉区",
        "天心区",
        "岳麓区",
        "开福区",
        "雨花区",
        "望城区",
        "长沙县",
        "浏阳市",
        "宁乡市",
    } == set(names[1:])
    current = [name for _, attrs, name in links if 'aria-current="page"' in attrs]
    assert current == ["芙蓉区"]


def test_demo_banner_follows_the_setting(client, city, settings):
    settings.DEMO_MODE = True
    assert "演示数据" in client.get("/").content.decode()
    settings.DEMO_MODE = False
    assert 'class="demo-flag"' not in client.get("/").content.decode()


# ---------------------------------------------------------------------------------------------
# Query cost: the shell adds exactly one query per page, the "1+9" navigation.


def test_column_nav_is_one_query(city, django_assert_num_queries):
    with django_assert_num_queries(1):
        nav = column_nav()
        assert nav["city"].name == "长沙市"
        assert [d.name for d in nav["counties"]][:2] == ["芙蓉区", "天心区"]
        # Building the links costs nothing more.
        [d.get_absolute_url() for d in [nav["city"], *nav["counties"]]]


def test_the_shell_adds_exactly_one_query(client, city):
    """A page that queries nothing itself (a 404) costs the shell's one query, and it is ours."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    shell = [q["sql"] for q in queries.captured_queries if "districts_division" in q["sql"]]
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert len(shell) == 1 and '"depth" <= 1' in shell[0]


def test_the_shell_query_does_not_grow_with_the_tree(client, city, furong):
    from districts.models import Division

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get("/no-such-page/")
        return len(queries.captured_queries)

    before = count()
    Division.objects.create(
        code="430102999", name="测试街道", parent=furong, level="township", kind="街道", slug="t999"
    )
    assert count() == before == 1


def test_a_render_without_a_request_needs_no_navigation(city):
    from django.template.loader import render_to_string

    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("404.html")
    assert queries.captured_queries == []
    assert "column-nav" not in html
