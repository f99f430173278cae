"""The applicant's pages: the request form, the status page, letter downloads, the register.

No account is needed. Opening a request takes its code and the phone number's last four
digits; the session then remembers the requests it opened (and the one it just submitted), so
the code never travels in a URL. Failed look-ups are counted per address and stopped past a
limit. None of these pages is cached: each is personal or carries a form's CSRF token.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from disclosure.views import _context
from districts.models import Division
from portal.cache import page_number
from portal.login_security import client_ip
from publications.privacy import mask

from . import services
from .forms import RequestForm, StatusForm
from .models import InfoRequest, Letter, RequestEvent

log = logging.getLogger(__name__)

SESSION_KEY = "foi_opened"
LOOKUP_FAILURES_PER_HOUR = 10
# Steps the applicant sees on the status page (notes and transfers are the office's own).
PUBLIC_STEPS = {
    RequestEvent.Kind.RECEIVED,
    RequestEvent.Kind.CORRECTION_NOTICE,
    RequestEvent.Kind.CORRECTION_RECEIVED,
    RequestEvent.Kind.CONSULT_START,
    RequestEvent.Kind.CONSULT_END,
    RequestEvent.Kind.EXTENSION,
    RequestEvent.Kind.FEE_NOTICE,
    RequestEvent.Kind.FEE_PAID,
    RequestEvent.Kind.REPLY,
    RequestEvent.Kind.CLOSED_UNANSWERED,
}


def _page(division: Division, title: str) -> dict:
    context = _context(division, "apply")
    context["column_tail"] = [
        *context["column_tail"],
        ("依申请公开", reverse("portal:xxgk_apply", args=[division.slug])),
    ]
    context["page_title"] = title
    # The trail ends at this page ("… › 依申请公开 › 在线申请"), not at the column's section again.
    context["section_title"] = title
    return context


def _remember(request, info_request: InfoRequest) -> None:
    opened = [pk for pk in request.session.get(SESSION_KEY, []) if pk != info_request.pk]
    request.session[SESSION_KEY] = [info_request.pk, *opened][:10]


@never_cache
@require_http_methods(["GET", "POST"])
def apply_form(request, slug):
    """Show the request form; on a valid POST register the request and open its status page."""
    division = get_object_or_404(Division, slug=slug)
    form = RequestForm(request.POST or None, division=division)
    if request.method == "POST" and form.is_valid():
        try:
            info_request = services.submit(
                division=division,
                data=form.request_data(),
                address=client_ip(request) or "",
                department=form.cleaned_data.get("department"),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                form.add_error(None, error.messages)
        else:
            _remember(request, info_request)
            request.session["foi_submitted"] = info_request.pk
            return redirect("foi:status_result", slug=division.slug)
    return render(
        request,
        "foi/apply_form.html",
        {**_page(division, "在线申请"), "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _failures_key(request) -> str:
    return f"foi-lookup-failures:{client_ip(request) or '-'}"


def _failures(request) -> int:
    try:
        return int(cache.get(_failures_key(request)) or 0)
    except Exception:  # a cache outage must not close the status page
        log.warning("Cache unavailable: status look-ups are not counted.")
        return 0


def _count_failure(request) -> None:
    try:
        key = _failures_key(request)
        if cache.add(key, 1, 3600) is False:
            cache.incr(key)
    except Exception:
        log.warning("Cache unavailable: a failed status look-up was not counted.")


@never_cache
@require_http_methods(["GET", "POST"])
def status(request, slug):
    """Ask for the code and phone digits; on a match remember the request and show it."""
    division = get_object_or_404(Division, slug=slug)
    form = StatusForm(request.POST or None)
    if request.method == "POST":
        if _failures(request) >= LOOKUP_FAILURES_PER_HOUR:
            form.is_valid()
            form.add_error(None, "查询失败次数过多，请一小时后再试，或致电受理机关查询。")
        elif form.is_valid():
            found = InfoRequest.objects.filter(code=form.cleaned_data["code"]).first()
            digits = "".join(ch for ch in (found.phone if found else "") if ch.isdigit())
            if found is not None and digits.endswith(form.cleaned_data["phone_tail"]):
                _remember(request, found)
                return redirect("foi:status_result", slug=found.division.slug)
            _count_failure(request)
            form.add_error(None, "查询码与联系电话后四位不匹配，请核对后重试。")
    return render(
        request,
        "foi/status_form.html",
        {**_page(division, "申请办理进度查询"), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
def status_result(request, slug):
    """Show the requests this session opened: state, due date, steps and signed letters."""
    division = get_object_or_404(Division, slug=slug)
    opened = request.session.get(SESSION_KEY, [])
    if not opened:
        return redirect("foi:status", slug=slug)
    submitted = request.session.pop("foi_submitted", None)
    rows = (
        InfoRequest.objects.filter(pk__in=opened)
        .select_related("division", "department")
        .order_by("-received_on", "-id")
    )
    letters: dict[int, list[Letter]] = {}
    for letter in Letter.objects.filter(request__in=opened, status=Letter.Status.APPROVED).order_by(
        "created_at"
    ):
        letters.setdefault(letter.request_id, []).append(letter)
    events: dict[int, list[RequestEvent]] = {}
    for event in RequestEvent.objects.filter(request__in=opened, kind__in=PUBLIC_STEPS):
        events.setdefault(event.request_id, []).append(event)
    requests = [
        {"request": r, "letters": letters.get(r.pk, []), "events": events.get(r.pk, [])}
        for r in rows
    ]
    return render(
        request,
        "foi/status_result.html",
        {**_page(division, "申请办理进度"), "requests": requests, "submitted": submitted},
    )


@never_cache
def letter_download(request, slug, pk):
    """Send a signed letter's PDF to a session that opened its request."""
    letter = get_object_or_404(
        Letter.objects.select_related("request"), pk=pk, status=Letter.Status.APPROVED
    )
    if letter.request_id not in request.session.get(SESSION_KEY, []) or not letter.pdf:
        raise Http404("没有找到该文书。")
    try:
        handle = letter.pdf.open("rb")
    except FileNotFoundError as error:
        raise Http404("没有找到该文书。") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{letter.title}-{letter.request.code}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def register(request, slug):
    """List the answered requests whose applicants agreed, without any personal data."""
    division = get_object_or_404(Division, slug=slug)
    rows = (
        InfoRequest.objects.filter(
            division=division,
            register_consent=True,
            state=InfoRequest.State.CLOSED,
            reply_category__gt="",
        )
        .only("pk", "code", "received_on", "closed_on", "description", "name", "is_demo")
        .order_by("-closed_on", "-id")
    )
    page = Paginator(rows, 20).get_page(page_number(request.GET.get("page")))
    entries = [
        {
            "received_on": r.received_on,
            "closed_on": r.closed_on,
            "reply": r.get_reply_category_display(),
            "description": public_description(r),
            "is_demo": r.is_demo,
        }
        for r in page.object_list
    ]
    return render(
        request,
        "foi/register.html",
        {**_page(division, "申请公开目录"), "page": page, "entries": entries},
    )


def public_description(info_request: InfoRequest) -> str:
    """Return the request's description with the applicant's name and personal numbers masked."""
    text = info_request.description.replace(info_request.name, "申请人")
    masked, _count = mask(text)
    return masked
