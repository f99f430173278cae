"""Column banners: checked by their bytes, uploaded by the division's own administrators.

A banner is shown on the public column, so what is stored must really be a JPEG, PNG or WebP
of at most 2 MiB whatever its name says; it is served with its sniffed type and ``nosniff``.
"""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from districts.banners import BANNER_MAX_BYTES, division_banner_set, validate_banner
from districts.models import Division, Role

pytestmark = pytest.mark.django_db


def png(width: int = 60, height: int = 12, rgb=(159, 18, 57)) -> bytes:
    """Return a real, solid-colour PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64 + b"\xff\xd9"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 40
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
HTML = b"<html><script>alert(1)</script></html>"


def upload(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


# ---------------------------------------------------------------------------------------------
# The validator.


@pytest.mark.parametrize(
    "name, data", [("a.png", png()), ("a.jpg", JPEG), ("a.JPEG", JPEG), ("a.webp", WEBP)]
)
def test_jpeg_png_and_webp_are_accepted(name, data):
    validate_banner(upload(name, data))


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("a.gif", GIF, "不是JPEG、PNG或WebP"),
        ("a.svg", SVG, "不是JPEG、PNG或WebP"),
        ("a.png", SVG, "不是JPEG、PNG或WebP"),
        ("page.png", HTML, "不是JPEG、PNG或WebP"),
        ("a.png", b"", "空文件"),
        ("a.jpg", png(), "扩展名应为 .png"),
        ("a.png", JPEG, "扩展名应为 .jpeg"),
        ("banner", png(), "扩展名应为 .png"),
        ("a.png", png() + b"\x00" * BANNER_MAX_BYTES, "超过了2 MB"),
    ],
)
def test_anything_else_is_refused_by_its_bytes(name, data, says):
    with pytest.raises(ValidationError) as error:
        validate_banner(upload(name, data))
    assert says in " ".join(error.value.messages)


def test_exactly_two_mebibytes_is_accepted():
    data = png()
    validate_banner(upload("a.png", data + b"\x00" * (BANNER_MAX_BYTES - len(data))))


def test_a_banner_needs_its_alt_text(furong, media):
    with pytest.raises(ValidationError) as error:
        division_banner_set(division=furong, banner=upload("a.png", png()), alt="  ")
    assert "替代文字" in " ".join(error.value.messages)
    furong.refresh_from_db()
    assert not furong.banner


# ---------------------------------------------------------------------------------------------
# Uploading in the admin.


def change_url(division: Division) -> str:
    return reverse("admin:districts_division_change", args=[division.pk])


def form_data(division: Division, **extra) -> dict:
    return {
        "name": division.name,
        "kind": division.kind,
        "slug": division.slug,
        "display_order": division.display_order,
        "nbs_code": division.nbs_code,
        "banner_alt": division.banner_alt,
        "_save": "保存",
        **extra,
    }


def test_the_district_administrator_uploads_a_banner_shown_on_the_column(
    client, furong, make_member, media
):
    client.force_login(make_member(furong, Role.ADMINISTRATOR))
    response = client.post(
        change_url(furong),
        form_data(furong, banner=upload("芙蓉.png", png()), banner_alt="芙蓉区街景"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    furong.refresh_from_db()
    assert furong.banner and furong.banner_alt == "芙蓉区街景"
    client.logout()
    html = client.get(furong.get_absolute_url()).content.decode()
    assert f'<img class="column-banner" src="{furong.banner_url}" alt="芙蓉区街景"' in html
    image = client.get(furong.banner_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert b"".join(image.streaming_content) == png()


def test_an_administrator_above_sets_a_township_banner(client, furong, wenyilu, make_member, media):
    client.force_login(make_member(furong, Role.ADMINISTRATOR))
    response = client.post(
        change_url(wenyilu), form_data(wenyilu, banner=upload("b.jpg", JPEG), banner_alt="街道")
    )
    assert response.status_code == 302
    wenyilu.refresh_from_db()
    assert wenyilu.banner.name.endswith(".jpg")


@pytest.mark.parametrize(
    "name, data, alt, says",
    [
        ("evil.png", HTML, "图", "不是JPEG、PNG或WebP"),
        ("big.png", png() + b"\x00" * BANNER_MAX_BYTES, "图", "超过了2 MB"),
        ("ok.png", png(), "", "请填写替代文字"),
    ],
)
def test_the_admin_refuses_bad_banners_with_a_reason(
    client, furong, make_member, media, name, data, alt, says
):
    client.force_login(make_member(furong, Role.ADMINISTRATOR))
    response = client.post(
        change_url(furong), form_data(furong, banner=upload(name, data), banner_alt=alt)
    )
    assert response.status_code == 200
    assert says in response.content.decode()
    furong.refresh_from_db()
    assert not furong.banner
    assert not list(media.rglob("*.*"))


def test_out_of_scope_administrators_cannot_see_or_change_the_banner(
    client, furong, tianxin, wenyilu, make_member, media
):
    client.force_login(make_member(tianxin, Role.ADMINISTRATOR))
    assert client.get(change_url(furong)).status_code == 404
    response = client.post(
        change_url(furong), form_data(furong, banner=upload("a.png", png()), banner_alt="x")
    )
    assert response.status_code == 404
    # A township's administrator cannot change its district either.
    client.force_login(make_member(wenyilu, Role.ADMINISTRATOR))
    response = client.post(
        change_url(furong), form_data(furong, banner=upload("a.png", png()), banner_alt="x")
    )
    assert response.status_code == 404
    furong.refresh_from_db()
    assert not furong.banner


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER])
def test_editors_and_reviewers_only_read_the_division(client, furong, make_member, media, role):
    client.force_login(make_member(furong, role))
    assert client.get(change_url(furong)).status_code == 200
    response = client.post(
        change_url(furong), form_data(furong, banner=upload("a.png", png()), banner_alt="x")
    )
    assert response.status_code == 403
    furong.refresh_from_db()
    assert not furong.banner


def test_clearing_the_banner_brings_back_the_title_band(
    client, furong, make_member, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        division_banner_set(division=furong, banner=upload("a.png", png()), alt="街景")
    stored = media / furong.banner.name
    assert stored.exists()
    client.force_login(make_member(furong, Role.ADMINISTRATOR))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(furong), form_data(furong, **{"banner-clear": "on"}))
    assert response.status_code == 302
    furong.refresh_from_db()
    assert not furong.banner and furong.banner_alt == ""
    assert not stored.exists()
    client.logout()
    assert 'class="column-banner"' not in client.get(furong.get_absolute_url()).content.decode()
    assert client.get(reverse("portal:division_banner", args=[furong.slug])).status_code == 404


def test_alt_text_is_escaped(client, furong, media):
    division_banner_set(
        division=furong, banner=upload("a.png", png()), alt='"><script>alert(1)</script>'
    )
    html = client.get(furong.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert 'alt="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_a_stored_file_that_is_not_an_image_is_never_served(client, furong, media):
    division_banner_set(division=furong, banner=upload("a.png", png()), alt="街景")
    (media / furong.banner.name).write_bytes(HTML)
    assert client.get(furong.banner_url).status_code == 404


@pytest.mark.parametrize("with_banner", [False, True])
def test_the_banner_costs_no_query(client, furong, media, django_assert_num_queries, with_banner):
    if with_banner:
        division_banner_set(division=furong, banner=upload("a.png", png()), alt="街景")
    with django_assert_num_queries(6):
        client.get(furong.get_absolute_url())
