"""Demo requests (演示数据): a year of 依申请公开 at 芙蓉区 and 文艺路街道 in every state.

The applicants are made up ("演示申请人…", passport-style numbers that belong to nobody); the
history is written with its own dates (built, not lived), so the queue shows requests overdue,
due soon, paused for a 补正 or a consultation, and answered in every category, and the annual
report has something to count.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from districts.models import Division

from . import identity, services
from .letters import draft_text, render_pdf
from .models import InfoRequest, Letter, LetterKind, RequestEvent

Kind = RequestEvent.Kind

# (division code, days before today received, applicant kind, what is asked, the story)
# story: "open" (running), "correction", "consult", or "reply:<category>:<reason>" answered
# after the given number of working days.
DEMO = [
    ("430102", 3, "person", "2026年芙蓉区城乡居民最低生活保障资金发放情况", "open"),
    ("430102", 26, "person", "芙蓉区2026年老旧小区改造项目清单及资金安排", "open"),
    ("430102", 40, "business", "芙蓉区2026年政府采购意向公开目录", "reply:open:1"),
    ("430102", 60, "person", "某小区违章建筑的行政处罚决定书", "reply:partial:0"),
    ("430102", 75, "legal_service", "芙蓉区2025年行政复议案件统计数据", "reply:unable:2"),
    ("430102", 90, "person", "本人2019年的信访件处理记录", "reply:not_processed:1"),
    ("430102", 120, "research", "芙蓉区2025年城市更新专项规划征求意见稿", "reply:refuse:6"),
    ("430102", 150, "person", "芙蓉区最低生活保障资金发放名单", "reply:open:2"),
    ("430102", 10, "public_interest", "芙蓉区2026年养老服务补贴发放标准", "consult"),
    ("430102001", 5, "person", "文艺路街道2026年最低生活保障审批名单", "correction"),
    ("430102001", 35, "person", "文艺路街道辖区停车位施划规划", "open"),
    ("430102001", 100, "person", "文艺路街道2026年低保资金发放名单", "reply:open:1"),
    ("430102001", 200, "other_org", "文艺路街道2025年财政预算执行情况", "reply:open:2"),
    ("430102001", 260, "person", "某企业的营业执照复印件", "reply:unable:1"),
    ("430102001", 300, "person", "文艺路街道社区办公用房租赁合同", "reply:other:1"),
]
OFFICE = {
    "430102": ("furong_editor", "furong_reviewer"),
    "430102001": ("wenyilu_editor", "wenyilu_reviewer"),
}


def build_demo_requests(today: dt.date | None = None) -> int:
    """Create the demo requests once (none when any exists); return how many were made."""
    if InfoRequest.objects.filter(is_demo=True).exists():
        return 0
    today = today or timezone.localdate()
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=sum(OFFICE.values(), ()))}
    divisions = {d.code: d for d in Division.objects.filter(code__in=OFFICE)}
    calendar = services.ProvisionalCalendar()
    made = 0
    with transaction.atomic():
        for n, (code, ago, kind, asked, story) in enumerate(DEMO, start=1):
            division = divisions.get(code)
            if division is None:
                continue
            editor, reviewer = (users.get(name) for name in OFFICE[code])
            received = calendar.add_working_days(today, -ago) if ago else today
            number = f"E{90000000 + n}"
            request = InfoRequest.objects.create(
                division=division,
                code=services.new_code(),
                applicant_kind=kind,
                name=f"演示申请人{n:02d}" if kind == "person" else f"演示单位{n:02d}有限公司",
                contact_person="" if kind == "person" else "演示联系人",
                id_type="passport" if kind == "person" else "credit_code",
                id_cipher=identity.encrypt(number),
                id_tail=number[-4:],
                id_digest=identity.digest(f"demo:{number}"),
                phone=f"1380000{n:04d}",
                description=f"申请公开：{asked}。（演示数据）",
                delivery="email",
                channel="online" if n % 3 else "post",
                received_on=received,
                register_consent=n % 2 == 0,
                keywords=services.keywords_of(asked),
                is_demo=True,
            )
            RequestEvent.objects.create(request=request, kind=Kind.RECEIVED, on=received)
            if story == "correction":
                _letter(
                    request,
                    LetterKind.CORRECTION,
                    {"days": 15},
                    received,
                    2,
                    editor,
                    reviewer,
                    calendar,
                )
            elif story == "consult":
                RequestEvent.objects.create(
                    request=request,
                    kind=Kind.CONSULT_START,
                    on=calendar.add_working_days(received, 3),
                    note="征求第三方（相关养老机构）意见（演示）",
                    actor=editor,
                )
            elif story.startswith("reply:"):
                _, category, reason = story.split(":")
                params = {"category": category, "reason": int(reason)}
                if category == "other" and reason == "1":
                    _letter(
                        request,
                        LetterKind.CORRECTION,
                        {"days": 15},
                        received,
                        3,
                        editor,
                        reviewer,
                        calendar,
                    )
                _letter(request, LetterKind.REPLY, params, received, 15, editor, reviewer, calendar)
            services.refresh(request, today)
            made += 1
    return made


def _letter(request, kind, params, received, after, editor, reviewer, calendar) -> None:
    """Write a signed letter ``after`` working days from receipt, with its step and PDF."""
    on = calendar.add_working_days(received, after)
    body, version = draft_text(request, kind, params)
    category, reason = params.get("category", ""), int(params.get("reason") or 0)
    step = {
        LetterKind.CORRECTION: Kind.CORRECTION_NOTICE,
        LetterKind.REPLY: Kind.CLOSED_UNANSWERED
        if category == "other" and reason in (1, 2)
        else Kind.REPLY,
    }[kind]
    event = RequestEvent.objects.create(
        request=request, kind=step, on=on, days=int(params.get("days") or 0), actor=reviewer
    )
    if kind == LetterKind.REPLY:
        request.reply_category, request.reply_reason = category, reason
        request.save(update_fields=["reply_category", "reply_reason"])
    letter = Letter.objects.create(
        request=request,
        event=event,
        kind=kind,
        params=params,
        title=LetterKind(kind).label,
        body=body,
        template_version=version,
        status=Letter.Status.APPROVED,
        drafted_by=editor,
        approved_by=reviewer,
    )
    render_pdf(letter)
