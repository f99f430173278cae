"""What happens to a request: its receipt, each step of the office, and its reply.

Every function here runs in one transaction and locks the request, so a step either completes
(event, clock, letter, e-mail queued) or leaves nothing behind; a refused step raises
ValidationError with a Chinese message that says why.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from disclosure import fees
from districts.models import Department, Division
from outbox.services import enqueue
from workcalendar.calendar import WorkingCalendar

from . import clock as clocks
from . import identity
from .models import (
    Channel,
    InfoRequest,
    Letter,
    LetterKind,
    ReplyCategory,
    RequestEvent,
)
from .replies import reason_label, reasons_of

Kind = RequestEvent.Kind
# Tracking codes avoid letters and digits that read alike (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def new_code() -> str:
    """Return a fresh tracking code: "YSQ" and 10 random characters (about 50 bits)."""
    return "YSQ" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# Statutory holidays on fixed dates (《全国年节及纪念日放假办法》, 2024 revision): 元旦 1 January,
# 劳动节 1–2 May, 国庆节 1–3 October. The lunar ones and the 调休 swaps come only with each year's
# State Council notice.
FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}


class ProvisionalCalendar(WorkingCalendar):
    """A calendar that counts a year not yet recorded on weekdays and the fixed-date holidays
    only, and notes that it did.

    Requests received in December run into next year before the State Council's holiday
    notice is recorded; the office still needs a due date, shown as provisional (待核定).
    """

    def __init__(self) -> None:
        super().__init__()
        self.guessed: set[int] = set()

    def is_working_day(self, d: date) -> bool:
        if not self.covers(d.year):
            self.guessed.add(d.year)
            return d.weekday() < 5 and (d.month, d.day) not in FIXED_HOLIDAYS
        return super().is_working_day(d)


@dataclass
class Computed:
    clock: clocks.Clock
    provisional_years: set[int]


def steps_of(request: InfoRequest) -> list[clocks.Step]:
    """Return the clock's reading of ``request``'s events (one query)."""
    return [
        clocks.Step(kind, on, days)
        for kind, on, days in request.events.order_by("on", "id").values_list("kind", "on", "days")
    ]


def clock_of(request: InfoRequest, today: date | None = None) -> Computed:
    """Return ``request``'s clock as of ``today``, provisional where a year is not recorded."""
    calendar = ProvisionalCalendar()
    clock = clocks.compute(steps_of(request), today or timezone.localdate(), calendar)
    return Computed(clock, calendar.guessed)


def refresh(request: InfoRequest, today: date | None = None) -> Computed:
    """Recompute ``request``'s clock and store its state and due date; return the clock."""
    computed = clock_of(request, today)
    clock = computed.clock
    request.state = clock.state
    request.due_on = clock.due_on
    request.closed_on = clock.closed_on
    request.due_provisional = bool(computed.provisional_years)
    request.save(update_fields=["state", "due_on", "closed_on", "due_provisional"])
    return computed


# ---------------------------------------------------------------------------------------------
# Receipt


def throttle_reason(address_digest: str, id_digest: str, today: date) -> str | None:
    """Return why the form refuses another request today from this address or applicant."""
    today_rows = InfoRequest.objects.filter(channel=Channel.ONLINE, created_at__date=today)
    if (
        address_digest
        and today_rows.filter(address_digest=address_digest).count()
        >= settings.FOI_DAILY_LIMIT_PER_ADDRESS
    ):
        return "同一网络地址今日提交的申请已达上限，请明日再提交，或到受理机关当面提交。"
    if today_rows.filter(id_digest=id_digest).count() >= settings.FOI_DAILY_LIMIT_PER_APPLICANT:
        return (
            "同一申请人今日提交的申请已达上限，请明日再提交；如需补充内容，请在已提交的申请中说明。"
        )
    return None


def address_bucket(address: str) -> str:
    """Return what the throttle counts an address as: itself, or its /64 for IPv6 (one
    subscriber holds a whole /64 and could rotate through it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def keywords_of(text: str) -> str:
    """Return the request's keywords (jieba TF-IDF, up to 8), space-separated."""
    # Imported here: jieba.analyse loads jieba.posseg's tables (over 100 MiB resident), which every
    # process would otherwise carry from Django's setup on, the importer's children included.
    import jieba.analyse

    return " ".join(jieba.analyse.extract_tags(text, topK=8))[:200]


def submit(
    *,
    division: Division,
    data: dict,
    channel: str = Channel.ONLINE,
    received_on: date | None = None,
    address: str = "",
    department: Department | None = None,
    user=None,
) -> InfoRequest:
    """Register a request (from the public form, or typed in by the office) and start its clock.

    ``data`` holds the form's cleaned fields, ``id_number`` in clear (normalised and checked by
    the form). Raise ValidationError when the throttle refuses it.
    """
    today = timezone.localdate()
    number = identity.normalise(data["id_number"])
    problem = identity.check(data["id_type"], number)
    if problem:
        raise ValidationError({"id_number": problem})
    id_digest = identity.digest(f"{data['id_type']}:{number}")
    address_digest = identity.digest(f"addr:{address_bucket(address)}") if address else ""
    with transaction.atomic():
        if channel == Channel.ONLINE:
            # Serialise the count and the insert on one row for the whole portal (the limits
            # count across divisions): posts racing to several townships would otherwise all
            # be let in. Online requests are few; the wait is nothing.
            Division.objects.select_for_update().filter(parent__isnull=True).first()
            reason = throttle_reason(address_digest, id_digest, today)
            if reason:
                raise ValidationError(reason)
        fields = {k: v for k, v in data.items() if k != "id_number"}
        request = InfoRequest(
            division=division,
            department=department,
            code=new_code(),
            id_cipher=identity.encrypt(number),
            id_tail=number[-4:],
            id_digest=id_digest,
            address_digest=address_digest,
            channel=channel,
            # Art. 31: online, the day both sides confirm — the portal confirms at once.
            received_on=received_on or today,
            keywords=keywords_of(data.get("description", "")),
            **fields,
        )
        request.full_clean(exclude=["code", "id_cipher", "id_tail", "id_digest"])
        request.save()
        RequestEvent.objects.create(
            request=request, kind=Kind.RECEIVED, on=request.received_on, actor=user
        )
        refresh(request, today)
        notify(request, "received")
    return request


# ---------------------------------------------------------------------------------------------
# The office's steps


def _locked(request: InfoRequest) -> InfoRequest:
    return InfoRequest.objects.select_for_update().get(pk=request.pk)


def _check_open(request: InfoRequest) -> None:
    if request.state == InfoRequest.State.CLOSED:
        raise ValidationError("该申请已办结，不能再办理。")


def record(
    request: InfoRequest, kind: str, *, on: date, user=None, note: str = "", **fields
) -> RequestEvent:
    """Record a step that needs no letter (a correction or an answer arrives, a fee is paid, a
    note) and recompute the clock; return the event."""
    with transaction.atomic():
        request = _locked(request)
        _check_open(request)
        if on < request.received_on:
            raise ValidationError({"on": "日期不能早于收到申请的日期。"})
        if on > timezone.localdate():
            raise ValidationError({"on": "日期不能晚于今天。"})
        # History is recorded in order: a step dated before the last one recorded could pause
        # the clock after the fact, or close a pause before it opened.
        latest = request.events.aggregate(latest=Max("on"))["latest"]
        if latest and on < latest:
            raise ValidationError(
                {"on": f"日期不能早于最近一次办理记录的日期（{latest:%Y-%m-%d}）。"}
            )
        computed = clock_of(request, on)
        clock = computed.clock
        if kind == Kind.CORRECTION_RECEIVED and clock.state != "correction":
            raise ValidationError("该申请没有待补正的通知。")
        consulting = any(p.kind == "consult" and p.end is None for p in clock.pauses)
        if kind == Kind.CONSULT_END and not consulting:
            raise ValidationError("该申请没有正在进行的征求意见。")
        if kind == Kind.FEE_PAID and clock.state != "fee":
            raise ValidationError("该申请没有待缴的费用。")
        if kind == Kind.CONSULT_START and (clock.state != "running" or consulting):
            raise ValidationError("只有在办理中的申请才能发起征求意见。")
        if kind == Kind.CONSULT_START and clock.due_on and on > clock.due_on:
            raise ValidationError("答复期限已过，不能再以征求意见暂停计时。")
        if kind not in (
            Kind.CORRECTION_RECEIVED,
            Kind.CONSULT_START,
            Kind.CONSULT_END,
            Kind.FEE_PAID,
            Kind.NOTE,
        ):
            raise ValidationError("该环节需要通过文书办理。")
        event = RequestEvent.objects.create(
            request=request, kind=kind, on=on, note=note, actor=user, **fields
        )
        refresh(request)
        notify(request, kind)
    return event


def transfer(
    request: InfoRequest,
    *,
    to_division: Division,
    to_department: Department | None,
    user,
    note: str,
) -> InfoRequest:
    """Hand ``request`` to another division or department; the date of receipt is kept."""
    if to_department is not None and to_department.division_id != to_division.pk:
        raise ValidationError({"to_department": "所选部门不属于所选区划。"})
    if not note.strip():
        raise ValidationError({"note": "请说明转办理由。"})
    with transaction.atomic():
        request = _locked(request)
        _check_open(request)
        if (to_division.pk, getattr(to_department, "pk", None)) == (
            request.division_id,
            request.department_id,
        ):
            raise ValidationError("转办对象与当前承办单位相同。")
        if request.letters.exclude(status=Letter.Status.APPROVED).exists():
            # A pending letter speaks in this office's name: settle it before handing over.
            raise ValidationError("该申请有待签发的文书，请先签发或退回后再转办。")
        RequestEvent.objects.create(
            request=request,
            kind=Kind.TRANSFER,
            on=timezone.localdate(),
            note=note,
            actor=user,
            from_division_id=request.division_id,
        )
        request.division, request.department = to_division, to_department
        request.save(update_fields=["division", "department"])
    return request


# ---------------------------------------------------------------------------------------------
# Letters: drafted, then signed (签发); a signed letter takes effect on the day it is signed.


def validate_letter(request: InfoRequest, kind: str, params: dict, on: date) -> None:
    """Raise ValidationError when a letter of ``kind`` cannot go out on ``on``."""
    _check_open(request)
    clock = clock_of(request, on).clock
    if kind == LetterKind.CORRECTION:
        if request.events.filter(kind=Kind.CORRECTION_NOTICE).exists():
            raise ValidationError("补正通知只能发出一次（条例第三十条）。")
        if clock.correction_notice_by and on > clock.correction_notice_by:
            raise ValidationError(
                f"补正通知应在收到申请之日起7个工作日内发出（至{clock.correction_notice_by:%Y年%-m月%-d日}），已逾期。"
            )
        days = int(params.get("days") or clocks.DEFAULT_CORRECTION_PERIOD)
        if not 1 <= days <= 30:
            raise ValidationError({"days": "补正期限应为1至30个工作日。"})
    elif kind == LetterKind.EXTENSION:
        if clock.extended:
            raise ValidationError("延期答复只能一次（条例第三十三条）。")
        days = int(params.get("days") or 0)
        if not 1 <= days <= clocks.MAX_EXTENSION_DAYS:
            raise ValidationError({"days": "延长的期限应为1至20个工作日。"})
        if not str(params.get("approver", "")).strip():
            raise ValidationError(
                {"approver": "延期须经政府信息公开工作机构负责人同意，请填写批准人。"}
            )
        if clock.due_on and on > clock.due_on:
            raise ValidationError("答复期限已过，不能再延期。")
    elif kind == LetterKind.FEE:
        if clock.state != "running":
            raise ValidationError("只有在办理中的申请才能发出收费通知。")
        if clock.due_on and on > clock.due_on:
            raise ValidationError("答复期限已过，不能再以收费通知暂停计时。")
        if request.events.filter(kind=Kind.FEE_NOTICE).exists():
            raise ValidationError("收费通知只能发出一次。")
        method = params.get("method")
        if method not in ("request", "page"):
            raise ValidationError({"method": "请选择按件计收或按量计收（二者只能选其一）。"})
        pages = int(params.get("pages") or 0)
        if method == "page" and pages <= 0:
            raise ValidationError({"pages": "按量计收时，请填写页数。"})
        standard = standard_fee(request, method, pages)
        if standard <= 0:
            raise ValidationError(
                "按《政府信息公开信息处理费管理办法》的标准，该申请不收费"
                f"（{fee_basis(request, method, pages)}）。"
            )
        amount = int(params.get("amount") or standard)
        if not 0 < amount <= standard:
            basis = fee_basis(request, method, pages)
            raise ValidationError({"amount": f"收费金额不能超过标准：{standard}元（{basis}）。"})
        params["amount"] = amount
    elif kind == LetterKind.REPLY:
        category = params.get("category")
        if category not in ReplyCategory.values:
            raise ValidationError({"category": "请选择答复类型。"})
        reasons = reasons_of(category)
        reason = int(params.get("reason") or 0)
        if reasons and reason not in reasons:
            raise ValidationError({"reason": "请选择该答复类型的具体情形。"})
        if category == ReplyCategory.OTHER and reason == 1:
            if clock.state != "correction":
                raise ValidationError({"reason": "该申请没有待补正的通知，不能以逾期不补正终止。"})
            if clock.correction_due and on <= clock.correction_due:
                raise ValidationError(
                    {"reason": f"补正期限（至{clock.correction_due:%Y-%m-%d}）尚未届满。"}
                )
        if category == ReplyCategory.OTHER and reason == 2:
            if clock.state != "fee":
                raise ValidationError({"reason": "该申请没有待缴的费用，不能以逾期未缴费终止。"})
            if clock.fee_due and on <= clock.fee_due:
                raise ValidationError(
                    {"reason": f"缴费期限（至{clock.fee_due:%Y-%m-%d}）尚未届满。"}
                )
    else:
        raise ValidationError("未知的文书类型。")


def nth_this_month(request: InfoRequest) -> int:
    """Return which of its applicant's requests this is in the month it was received (from 1)."""
    month = request.received_on.replace(day=1)
    earlier = InfoRequest.objects.filter(
        id_digest=request.id_digest, received_on__gte=month, received_on__lt=request.received_on
    ).count()
    same_day = InfoRequest.objects.filter(
        id_digest=request.id_digest, received_on=request.received_on, pk__lte=request.pk
    ).count()
    return earlier + same_day


def standard_fee(request: InfoRequest, method: str, pages: int = 0) -> int:
    """Return the fee the bands allow for ``request`` by ``method`` (国办函〔2020〕109号)."""
    if method == "request":
        return fees.request_fee(nth_this_month(request))
    return fees.page_fee(pages)


def fee_basis(request: InfoRequest, method: str, pages: int = 0) -> str:
    """Return how the standard fee was found, in words."""
    if method == "request":
        return f"按件计收：该申请人本月第{nth_this_month(request)}件申请"
    return f"按量计收：{pages}页"


def draft_letter(request: InfoRequest, kind: str, params: dict, body: str | None, user) -> Letter:
    """Draft a letter for signature; return it. The draft changes nothing until it is signed.

    Without a ``body`` the letter is written from its template, after the checks have filled
    in what the office left to the rules (the standard fee).
    """
    from .letters import draft_text, title_of

    params = dict(params)
    with transaction.atomic():
        request = _locked(request)
        validate_letter(request, kind, params, timezone.localdate())
        if request.letters.exclude(status=Letter.Status.APPROVED).exists():
            raise ValidationError("该申请已有待签发的文书，请先签发或退回。")
        version = int(params.pop("template_version", 0) or 0)
        if body is None:
            body, version = draft_text(request, kind, params)
            # Written from the template: rewritten when signed, so its dates are the signing day's.
            params["generated"] = True
        return Letter.objects.create(
            request=request,
            kind=kind,
            params=params,
            title=title_of(kind),
            body=body,
            template_version=version,
            drafted_by=user,
        )


def withdraw_letter(letter: Letter, user) -> None:
    """Return a draft to its drafter: delete it (nothing took effect)."""
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if letter.status == Letter.Status.APPROVED:
            raise ValidationError("已签发的文书不能退回。")
        letter.delete()


def approve_letter(letter: Letter, user) -> Letter:
    """Sign ``letter``: record its step on the request, make its PDF, tell the applicant.

    Where the request's division asks for sign-off (签发, as for publications), a reviewer's
    approval only moves the draft on to the division's leader, whose signature takes effect.
    """
    from .letters import draft_text, render_pdf
    from .policies import letters as letter_policy

    today = timezone.localdate()
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if letter.status == Letter.Status.APPROVED:
            raise ValidationError("该文书已签发。")
        if user.pk in (letter.drafted_by_id, letter.reviewed_by_id):
            raise ValidationError("文书须由拟稿人、审核人以外的负责人签发。")
        request = _locked(letter.request)
        params = letter.params
        validate_letter(request, letter.kind, params, today)
        leader = letter_policy.allows(user, "signoff_letter", letter)
        if request.division.signoff_required:
            if letter.status == Letter.Status.DRAFT:
                if leader:
                    raise ValidationError(
                        "本级要求领导签发：文书须先经审核人员审核，再由领导签发。"
                    )
                letter.status, letter.reviewed_by = Letter.Status.REVIEWED, user
                letter.save(update_fields=["status", "reviewed_by"])
                return letter
            if not leader:
                raise ValidationError("本级要求领导签发：该文书已审核，须由本级领导签发。")
        elif letter.status != Letter.Status.DRAFT:
            raise ValidationError("该文书不在待签发状态。")
        event = RequestEvent(request=request, on=today, actor=user, note=letter.title)
        if letter.kind == LetterKind.CORRECTION:
            event.kind = Kind.CORRECTION_NOTICE
            event.days = int(params.get("days") or clocks.DEFAULT_CORRECTION_PERIOD)
        elif letter.kind == LetterKind.EXTENSION:
            event.kind = Kind.EXTENSION
            event.days = int(params["days"])
            event.approver = str(params["approver"])[:50]
        elif letter.kind == LetterKind.FEE:
            event.kind = Kind.FEE_NOTICE
            event.amount = int(params["amount"])
            event.note = f"{'按件计收' if params['method'] == 'request' else '按量计收'}"
        else:
            category, reason = params["category"], int(params.get("reason") or 0)
            closes_unanswered = category == ReplyCategory.OTHER and reason in (1, 2)
            event.kind = Kind.CLOSED_UNANSWERED if closes_unanswered else Kind.REPLY
            event.note = reason_label(category, reason)
            request.reply_category, request.reply_reason = category, reason
            request.save(update_fields=["reply_category", "reply_reason"])
        event.save()
        letter.event = event
        letter.status = Letter.Status.APPROVED
        letter.approved_by = user
        if params.get("generated"):
            letter.body, letter.template_version = draft_text(letter.request, letter.kind, params)
        letter.save(update_fields=["event", "status", "approved_by", "body", "template_version"])
        refresh(request, today)
        render_pdf(letter)
        notify(request, event.kind)
    return letter


# ---------------------------------------------------------------------------------------------
# E-mail to the applicant


def notify(request: InfoRequest, step: str) -> None:
    """Queue the applicant's e-mail about ``step`` (after the commit; none without an address)."""
    if not request.email:
        return
    from .tasks import mail_applicant

    enqueue(mail_applicant, request.pk, step)
