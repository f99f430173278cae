"""Admin forms for publications: the same checks as the services, shown beside each field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from catalog.labels import picker_label
from catalog.models import CatalogEntry

from . import services
from .editor import BodyEditorWidget
from .files import ALLOWED_TEXT, check_upload
from .models import Publication, PublicationSeries, PublicationType, Theme
from .policies import publications as policy
from .policies import series as series_policy


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Accept several files at once (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class EntryChoiceField(forms.ModelChoiceField):
    """The catalog entry picker: each option reads "领域 · 一级事项 · 二级事项（区划）"."""

    def label_from_instance(self, obj):
        return picker_label(obj)


class PublicationForm(forms.ModelForm):
    new_attachments = MultipleFileField(
        label="上传附件",
        required=False,
        help_text=f"可多选。只接受{ALLOWED_TEXT}，按文件内容检查类型。",
    )

    # A plain field: the admin would make a DateTimeField a split date + time pair.
    release_at = forms.DateTimeField(
        label="定时发布时间",
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": 60}, format="%Y-%m-%dT%H:%M"
        ),
        help_text="留空则审核通过后立即发布；填写则审核通过后到点自动发布（须晚于现在，一年以内）。",
    )

    # An address typed without a scheme is taken as https (as Django 6 will), the only scheme
    # a video 解读 may use.
    video_url = forms.URLField(
        label=Publication._meta.get_field("video_url").verbose_name,
        help_text=Publication._meta.get_field("video_url").help_text,
        max_length=500,
        required=False,
        assume_scheme="https",
    )

    class Meta:
        model = Publication
        fields = [
            "entry",
            "pub_type",
            "title",
            "doc_no",
            "formed_on",
            "responsible_body",
            "expires_on",
            "body",
            "theme",
            "disclosure",
            "withheld_reason",
            "interprets",
            "interpretation_form",
            "video_url",
            "release_at",
            "series",
            "series_date",
        ]
        widgets = {
            "body": BodyEditorWidget(),
            # A date input only accepts ISO dates, whatever the locale's display format.
            "formed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "series_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    #: True when the page's 保存并提交审核 button sent the form (set by the admin).
    submitting = False

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "responsible_body" in self.fields:
            self.fields["responsible_body"].required = False
            self.fields["responsible_body"].help_text = "留空则取目录事项的公开主体。"
        if "pub_type" in self.fields:
            # Every new item is filed under a type; older items without one keep none.
            self.fields["pub_type"].required = self.instance.pk is None or bool(
                self.instance.pub_type_id
            )
            self.fields["pub_type"].queryset = PublicationType.objects.filter(is_active=True)
            self.fields["pub_type"].empty_label = "请选择信息类型"
        if "theme" in self.fields:
            self.fields["theme"].queryset = Theme.objects.select_related("parent")
            self.fields["theme"].empty_label = "（不分类）"
        if "withheld_reason" in self.fields:
            self.fields["withheld_reason"].help_text = "仅“不予公开”时选择。"
        if "interprets" in self.fields:
            # Policy documents the user can see that may still take a 解读.
            options = Publication.objects.filter(
                pub_type__is_policy=True, status__in=services.INTERPRETABLE
            ).select_related("division")
            if self.instance.pk:
                options = options.exclude(pk=self.instance.pk)
            if user is not None:
                options = options.filter(pk__in=policy.instances_for(user, "view").values("pk"))
            field = self.fields["interprets"]
            field.queryset = options.order_by("-updated_at")
            field.label_from_instance = lambda p: (
                f"{p.title}（{p.doc_no or '无文号'}，{p.division.name}，{p.get_status_display()}）"
            )
            field.empty_label = "（不是政策解读）"
            field.help_text = "仅“政策解读”类信息选择：它解读的政策文件。解读与该文件一并审核发布。"
        if "series" in self.fields:
            options = PublicationSeries.objects.filter(is_active=True).select_related("division")
            if user is not None:
                options = options.filter(pk__in=series_policy.instances_for(user, "change"))
            self.fields["series"].queryset = options.order_by("division__lft", "name")
            self.fields["series"].empty_label = "（不属于连续发布系列）"
            self.fields[
                "series"
            ].help_text = "日报、周报等按期发布的信息选择所属系列，并填写期次日期。"
        if "disclosure" in self.fields:
            # Left out of a post, it stays as it was (主动公开 for a new item).
            self.fields["disclosure"].required = False

    def clean_entry(self):
        entry: CatalogEntry = self.cleaned_data["entry"]
        if self.instance.pk is None and not policy.allows(self.user, "add", entry.division):
            raise ValidationError(f"您没有{entry.division.name}公开信息的填报权限。")
        if entry.is_dropped:
            raise ValidationError(f"“{entry.item.name}”已从目录中删减，不能再发布信息。")
        return entry

    def clean_new_attachments(self):
        files = self.cleaned_data.get("new_attachments") or []
        errors = []
        for upload in files:
            try:
                check_upload(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return files

    def clean(self):
        cleaned = super().clean()
        if self.submitting and self.instance.status != Publication.Status.DRAFT:
            raise ValidationError(
                f"该信息当前为{self.instance.get_status_display()}，不能修改或提交审核。"
            )
        data = {name: cleaned.get(name) for name in services.EDITABLE if name in self.fields}
        if not data.get("responsible_body") and cleaned.get("entry") is not None:
            data["responsible_body"] = cleaned["entry"].subject
        if "disclosure" in data and not data["disclosure"]:
            data["disclosure"] = self.instance.disclosure or Publication.Disclosure.ACTIVE
        try:
            self.values = services.clean_values(data)
            entry = cleaned.get("entry") or (self.instance.entry if self.instance.pk else None)
            if entry is not None:
                services.check_type_fits(self.values.get("pub_type"), entry)
                services.check_series_fits(self.values.get("series"), entry)
            if "interprets" in self.fields:
                services.check_interpretation(
                    self.values.get("pub_type"),
                    self.values.get("interprets"),
                    own_pk=self.instance.pk,
                )
            if "interpretation_form" in self.fields:
                services.check_interpretation_form(
                    self.values.get("pub_type"),
                    self.values.get("interpretation_form") or "",
                    self.values.get("video_url") or "",
                )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, messages)
            else:
                raise
        return cleaned


class PublicationSeriesForm(forms.ModelForm):
    """A recurring series: its entry must be one the user files publications under."""

    class Meta:
        model = PublicationSeries
        fields = ["entry", "name", "cadence", "due_time", "starts_on", "ends_on", "is_active"]
        widgets = {
            "due_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_entry(self):
        from districts.policy import acting_department

        entry: CatalogEntry = self.cleaned_data["entry"]
        if self.instance.pk is not None and entry.pk != self.instance.entry_id:
            raise ValidationError("系列建立后不能改到另一个目录事项；请另建系列。")
        if not series_policy.allows(self.user, "add", entry.division):
            raise ValidationError(f"您没有{entry.division.name}公开信息的填报权限。")
        department = acting_department(self.user, entry.division)
        if department is not None and entry.department_id != department.pk:
            raise ValidationError(f"“{entry.item.name}”不由{department.name}承办。")
        if entry.is_dropped:
            raise ValidationError(f"“{entry.item.name}”已从目录中删减。")
        return entry

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "结束日期不能早于起始日期。")
        return cleaned
