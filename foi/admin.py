"""The disclosure office's queue of requests: clocks, steps, letters, transfers, similar requests.

The list is the queue: open requests first by due date, with a due-soon/overdue filter that the
offices above use to supervise their subordinates. A request's page shows its clock and history
and, to the handling office only, the applicant's personal data and the forms of each step.
Nothing is edited in place: every change is a step recorded by foi/services.py.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from districts.admin_scope import ScopedAdminMixin, ScopedDivisionFilter
from districts.models import Department, Division
from districts.policy import acting_department, memberships_prime
from workcalendar.calendar import CalendarNotCovered

from . import clock as clocks
from . import services, similar
from .forms import RequestForm
from .models import Channel, InfoRequest, Letter, LetterKind, LetterTemplate, RequestEvent
from .policies import letters as letter_policy
from .replies import choices as reply_choices
from .views import public_description

HIDDEN = "不显示"


def signs(user, obj: InfoRequest) -> bool:
    """Return True when ``user`` may sign (签发) letters on ``obj``: a reviewer, administrator
    or leader of the handling office."""
    return letter_policy.allows_any(
        user, "approve_letter", "signoff_letter", obj=Letter(request=obj)
    )


class DeadlineFilter(admin.SimpleListFilter):
    title = _("答复期限")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "已逾期"),
            ("soon", f"{clocks.DUE_SOON_DAYS}个工作日内到期"),
            ("paused", "暂停计时"),
            ("open", "全部未办结"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in ("overdue", "soon", "paused", "open"):
            return queryset
        today = timezone.localdate()
        running = queryset.filter(state=InfoRequest.State.RUNNING)
        if value == "overdue":
            return running.filter(due_on__lt=today)
        if value == "soon":
            return running.filter(due_on__gte=today, due_on__lte=soon_date(today))
        if value == "paused":
            return queryset.filter(
                state__in=[
                    InfoRequest.State.CORRECTION,
                    InfoRequest.State.CONSULTING,
                    InfoRequest.State.FEE,
                ]
            )
        return queryset.open()


def soon_date(today: dt.date) -> dt.date:
    """Return the last day that counts as "due soon" (DUE_SOON_DAYS working days ahead)."""
    calendar = services.ProvisionalCalendar()
    return calendar.add_working_days(today, clocks.DUE_SOON_DAYS)


def deadline_html(obj: InfoRequest, today: dt.date, soon: dt.date) -> str:
    """Return the queue's deadline cell: the due date marked overdue, due soon or paused."""
    if obj.state == InfoRequest.State.CLOSED:
        return format_html("{} 办结", obj.closed_on or "")
    if obj.due_on is None:
        return format_html('<span class="foi-paused">{}</span>', obj.get_state_display())
    if obj.due_on < today:
        css, note = "foi-overdue", "已逾期"
    elif obj.due_on <= soon:
        css, note = "foi-soon", "即将到期"
    else:
        css, note = "foi-ok", ""
    paused = "（暂停）" if obj.state != InfoRequest.State.RUNNING else ""
    provisional = "（待核定）" if obj.due_provisional else ""
    return format_html(
        '<span class="{}">{} {}{}{}</span>', css, obj.due_on, note, paused, provisional
    )


class OfficeRequestForm(RequestForm):
    """A request handed in, posted or faxed, typed in by the office (Art. 31 dates)."""

    channel = forms.ChoiceField(
        label="申请渠道",
        choices=[c for c in Channel.choices if c[0] != Channel.ONLINE],
    )
    received_on = forms.DateField(
        label="收到申请日期",
        help_text="当面提交为提交当日；邮寄为签收之日；传真为双方确认之日（条例第三十一条）。",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    agree = None

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError("收到申请日期不能晚于今天。")
        if value < today - dt.timedelta(days=366):
            raise forms.ValidationError("收到申请日期不能早于一年前。")
        return value


class StepForm(forms.Form):
    kind = forms.ChoiceField(
        label="环节",
        choices=[
            (RequestEvent.Kind.CORRECTION_RECEIVED, "收到补正材料（重新起算期限）"),
            (RequestEvent.Kind.CONSULT_START, "发出征求意见（暂停计时）"),
            (RequestEvent.Kind.CONSULT_END, "收到意见或征求期满（恢复计时）"),
            (RequestEvent.Kind.FEE_PAID, "申请人已缴费（恢复计时）"),
            (RequestEvent.Kind.NOTE, "备注"),
        ],
    )
    on = forms.DateField(
        label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea)


class LetterForm(forms.Form):
    kind = forms.ChoiceField(label="文书", choices=LetterKind.choices)
    reply = forms.ChoiceField(label="答复类型及具体情形", required=False)
    days = forms.IntegerField(label="天数（工作日）", required=False, min_value=1, max_value=30)
    approver = forms.CharField(label="延期批准人", required=False, max_length=50)
    method = forms.ChoiceField(
        label="计收方式",
        required=False,
        choices=[("", "—"), ("request", "按件计收"), ("page", "按量计收")],
    )
    pages = forms.IntegerField(
        label="页数（按量计收）", required=False, min_value=1, max_value=100000
    )
    amount = forms.IntegerField(
        label="金额（元）",
        required=False,
        min_value=1,
        max_value=10**7,
        help_text="留空按标准计算；可以低于标准，不能高于标准。",
    )
    explanation = forms.CharField(
        label="答复说明或理由", required=False, max_length=4000, widget=forms.Textarea
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reply"].choices = [("", "—"), *reply_choices()]

    def params(self) -> dict:
        data = self.cleaned_data
        params = {
            key: data[key]
            for key in ("days", "approver", "method", "pages", "amount", "explanation")
            if data.get(key) not in (None, "")
        }
        if data.get("reply"):
            category, _, reason = data["reply"].partition(":")
            params.update(category=category, reason=int(reason))
        return params


class TransferForm(forms.Form):
    division = forms.ModelChoiceField(label="转至区划", queryset=Division.objects.all())
    department = forms.ModelChoiceField(
        label="承办部门",
        queryset=Department.objects.none(),
        required=False,
        help_text="本级内部转办时选择部门；转至其他区划时留空，由对方分派。",
    )
    note = forms.CharField(label="转办理由", max_length=2000, widget=forms.Textarea)

    def __init__(self, *args, request: InfoRequest, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the handling division's own departments: those of other divisions are theirs
        # to name and to assign.
        self.fields["department"].queryset = Department.objects.filter(
            division_id=request.division_id, is_active=True
        )


@admin.register(InfoRequest)
class InfoRequestAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_filter = (DeadlineFilter, "state", ScopedDivisionFilter, "channel", "reply_category")
    list_select_related = ("division", "department")
    search_fields = ("code", "keywords")
    list_per_page = 50
    show_full_result_count = False

    def get_ordering(self, request):
        """Return open requests first, the most urgent on top; answered ones after, the
        latest first."""
        return [F("closed_on").desc(nulls_first=True), F("due_on").asc(nulls_last=True), "-id"]

    def has_change_permission(self, request, obj=None):
        # Requests change through their steps (the request's page), never through a form.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return self.policy.allows(request.user, "add")

    # The queue's own filters; any other lookup in the URL (?phone__startswith=…) would let an
    # office above probe an applicant's personal data one character at a time.
    ALLOWED_LOOKUPS = frozenset(
        {
            "deadline",
            "state",
            "state__exact",
            "channel",
            "channel__exact",
            "reply_category",
            "reply_category__exact",
            "within",
        }
    )

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in self.ALLOWED_LOOKUPS

    def get_list_display(self, request):
        """Return the columns, bound to this request's user (the applicant is shown only to
        the handling office) and today's due-soon line."""
        user, today = request.user, timezone.localdate()
        soon = soon_date(today)
        policy = self.policy

        @admin.display(description=_("申请人"))
        def applicant(obj):
            # The handling office's staff: those who act on it and those who sign its letters.
            shown = policy.allows(user, "handle", obj) or signs(user, obj)
            return obj.name if shown else HIDDEN

        @admin.display(description=_("查询码"), ordering="code")
        def code(obj):
            if obj.is_demo:
                return format_html('{} <span class="badge badge-muted">演示</span>', obj.code)
            return obj.code

        @admin.display(description=_("期限"), ordering="due_on")
        def deadline(obj):
            return deadline_html(obj, today, soon)

        @admin.display(description=_("承办单位"), ordering="division__code")
        def unit(obj):
            if obj.department_id:
                return f"{obj.division.name} · {obj.department.name}"
            return obj.division.name

        @admin.display(description=_("状态"), ordering="state")
        def status(obj):
            if obj.reply_category:
                return f"{obj.get_state_display()}（{obj.get_reply_category_display()}）"
            return obj.get_state_display()

        return (code, applicant, unit, "received_on", status, deadline)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/step/", wrap(self.step_view), name="{}_{}_step".format(*info)),
            path("<int:pk>/letter/", wrap(self.letter_view), name="{}_{}_letter".format(*info)),
            path(
                "<int:pk>/letter/<int:letter>/<str:action>/",
                wrap(self.sign_view),
                name="{}_{}_sign".format(*info),
            ),
            path(
                "<int:pk>/transfer/", wrap(self.transfer_view), name="{}_{}_transfer".format(*info)
            ),
            path("<int:pk>/pdf/<int:letter>/", wrap(self.pdf_view), name="{}_{}_pdf".format(*info)),
            *super().get_urls(),
        ]

    # -- the request's page ---------------------------------------------------------------------
    def _visible(self, request, pk) -> InfoRequest:
        obj = (
            self.get_queryset(request)
            .select_related("division", "department")
            .filter(pk=pk)
            .first()
        )
        if obj is None:
            raise Http404("对象不存在或不在您的管辖范围内。")
        return obj

    def _handled(self, request, pk) -> InfoRequest:
        obj = self._visible(request, pk)
        if not self.policy.allows(request.user, "handle", obj):
            raise PermissionDenied("只有承办机关可以办理该申请。")
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not (str(object_id).isascii() and str(object_id).isdigit()) or len(str(object_id)) > 15:
            raise Http404("对象不存在。")
        return self.detail(request, self._visible(request, int(object_id)))

    def detail(self, request, obj, forms_by_name=None, status=200):
        handles = self.policy.allows(request.user, "handle", obj)
        # The handling office's leader signs letters that name the applicant: they see the
        # applicant as the office does; offices above see neither (nor the letters' text).
        may_sign = signs(request.user, obj)
        try:
            computed = services.clock_of(obj)
            clock, problem = computed.clock, ""
        except (CalendarNotCovered, ValueError) as error:
            clock, problem = None, str(error)
        forms_by_name = forms_by_name or {}
        letters = list(obj.letters.select_related("drafted_by", "reviewed_by", "approved_by"))
        events = list(obj.events.select_related("actor", "from_division"))
        # The page names each person with the role they act in: one query for all of them.
        memberships_prime(
            [e.actor for e in events]
            + [u for x in letters for u in (x.drafted_by, x.reviewed_by, x.approved_by)]
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"政府信息公开申请 {obj.code}",
            "obj": obj,
            "handles": handles,
            "signs": may_sign,
            "sees_person": handles or may_sign,
            "masked_description": public_description(obj),
            "clock": clock,
            "clock_problem": problem,
            "events": events,
            "letters": letters,
            "step_form": forms_by_name.get("step")
            or StepForm(initial={"on": timezone.localdate()}),
            "letter_form": forms_by_name.get("letter") or LetterForm(),
            "transfer_form": forms_by_name.get("transfer") or TransferForm(request=obj),
            "similar": similar.similar_requests(obj, user=request.user) if handles else [],
            "publish_url": self._publish_url(obj),
            "nth": services.nth_this_month(obj) if handles else 0,
            "open": obj.state != InfoRequest.State.CLOSED,
            "today": timezone.localdate(),
        }
        return TemplateResponse(
            request, "admin/foi/inforequest/detail.html", context, status=status
        )

    def _publish_url(self, obj) -> str:
        """Return the link that files a publication from this request (Art. 44)."""
        query = urlencode({"title": obj.description[:80], "division": obj.division_id})
        return f"{reverse('admin:publications_publication_add')}?{query}"

    def _done(self, request, obj, message):
        messages.success(request, message)
        return HttpResponseRedirect(reverse("admin:foi_inforequest_change", args=[obj.pk]))

    def _refused(self, request, obj, error, name, form):
        if hasattr(error, "error_dict"):
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            form.add_error(None, error.messages)
        messages.error(request, "未能办理：" + "；".join(error.messages))
        return self.detail(request, obj, {name: form}, status=400)

    def step_view(self, request, pk):
        obj = self._handled(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:foi_inforequest_change", args=[pk]))
        form = StepForm(request.POST)
        if not form.is_valid():
            return self.detail(request, obj, {"step": form}, status=400)
        try:
            services.record(
                obj,
                form.cleaned_data["kind"],
                on=form.cleaned_data["on"],
                user=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            return self._refused(request, obj, error, "step", form)
        return self._done(request, obj, "已记录。")

    def letter_view(self, request, pk):
        obj = self._handled(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:foi_inforequest_change", args=[pk]))
        form = LetterForm(request.POST)
        if not form.is_valid():
            return self.detail(request, obj, {"letter": form}, status=400)
        kind, params = form.cleaned_data["kind"], form.params()
        try:
            services.draft_letter(obj, kind, params, None, request.user)
        except ValidationError as error:
            return self._refused(request, obj, error, "letter", form)
        return self._done(request, obj, "文书已拟好，等待负责人签发。")

    def sign_view(self, request, pk, letter, action):
        # Signing is not handling: the handling office's 签发 leader signs (and sends back)
        # without the handle permission; whoever handles it may send a draft back.
        obj = self._visible(request, pk)
        draft = obj.letters.filter(pk=letter).first()
        if draft is None or action not in ("approve", "withdraw") or request.method != "POST":
            raise Http404("没有这个文书或操作。")
        may_sign = letter_policy.allows_any(
            request.user, "approve_letter", "signoff_letter", obj=draft
        )
        if not (may_sign or self.policy.allows(request.user, "handle", obj)):
            raise PermissionDenied("只有承办机关可以办理该申请。")
        try:
            if action == "approve":
                if not may_sign:
                    raise PermissionDenied("您没有签发文书的权限。")
                services.approve_letter(draft, request.user)
                return self._done(request, obj, f"《{draft.title}》已签发，已通知申请人。")
            services.withdraw_letter(draft, request.user)
            return self._done(request, obj, "文书已退回拟稿人。")
        except ValidationError as error:
            messages.error(request, "未能办理：" + "；".join(error.messages))
            return self.detail(request, obj, status=400)

    def transfer_view(self, request, pk):
        obj = self._handled(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:foi_inforequest_change", args=[pk]))
        form = TransferForm(request.POST, request=obj)
        if not form.is_valid():
            return self.detail(request, obj, {"transfer": form}, status=400)
        try:
            services.transfer(
                obj,
                to_division=form.cleaned_data["division"],
                to_department=form.cleaned_data["department"],
                user=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            return self._refused(request, obj, error, "transfer", form)
        messages.success(request, f"已转至{form.cleaned_data['division'].name}，收到申请日期不变。")
        if self.get_queryset(request).filter(pk=obj.pk).exists():
            return HttpResponseRedirect(reverse("admin:foi_inforequest_change", args=[pk]))
        return HttpResponseRedirect(reverse("admin:foi_inforequest_changelist"))

    def pdf_view(self, request, pk, letter):
        obj = self._handled(request, pk)
        row = obj.letters.filter(pk=letter, status=Letter.Status.APPROVED).first()
        if row is None or not row.pdf:
            raise Http404("没有这个文书。")
        try:
            handle = row.pdf.open("rb")
        except FileNotFoundError as error:
            raise Http404("文书文件缺失，请联系系统管理员。") from error
        response = FileResponse(handle, as_attachment=True, filename=f"{row.title}-{obj.code}.pdf")
        response["Cache-Control"] = "private, no-store"
        return response

    # -- registering a request handed in, posted or faxed ---------------------------------------
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        divisions = self.policy.divisions_for(request.user, "add")
        division = (
            divisions.filter(pk=request.GET.get("division") or 0).first()
            if str(request.GET.get("division", "")).isdigit()
            and len(request.GET.get("division", "")) < 16
            else None
        )
        division = division or divisions.order_by("tree_id", "lft").first()
        if division is None:
            raise PermissionDenied
        form = OfficeRequestForm(request.POST or None, division=division)
        if request.method == "POST" and form.is_valid():
            try:
                created = services.submit(
                    division=division,
                    data=form.request_data(),
                    channel=form.cleaned_data["channel"],
                    received_on=form.cleaned_data["received_on"],
                    # A department's staff register for their own department (they handle
                    # only its requests); the office picks any of the division's.
                    department=acting_department(request.user, division)
                    or form.cleaned_data.get("department"),
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                return self._done(request, created, f"已登记，查询码 {created.code}。")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"登记政府信息公开申请（{division.name}）",
            "form": form,
            "division": division,
            "divisions": divisions,
        }
        return render(
            request,
            "admin/foi/inforequest/register.html",
            context,
            status=400 if form.errors else 200,
        )


@admin.register(LetterTemplate)
class LetterTemplateAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Each division may keep its own version of each letter; versions are never edited."""

    list_display = ("kind", "division", "version", "created_at")
    list_filter = ("kind", ScopedDivisionFilter)
    fields = ("kind", "division", "body")
    ordering = ("kind", "division__code", "-version")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        kind = request.GET.get("kind")
        if kind in LetterKind.values:
            from django.template.loader import get_template

            initial["body"] = get_template(f"foi/letters/{kind}.txt").template.source
        return initial

    def save_model(self, request, obj, form, change):
        from django.db import transaction
        from django.db.models import Max

        with transaction.atomic():
            Division.objects.select_for_update().filter(pk=obj.division_id).first()
            latest = LetterTemplate.objects.filter(kind=obj.kind, division=obj.division).aggregate(
                v=Max("version")
            )["v"]
            obj.version = (latest or 0) + 1
            obj.created_by = request.user
            obj.save()
