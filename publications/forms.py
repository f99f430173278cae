"""Admin forms for publications: the same checks as the services, shown beside each field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from catalog.labels import picker_label
from catalog.models import CatalogEntry

from . import services
from .editor import BodyEditorWidget
from .files import ALLOWED_TEXT, check_upload
from .models import Publication
from .policies import publications as policy


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

    class Meta:
        model = Publication
        fields = [
            "entry",
            "title",
            "doc_no",
            "formed_on",
            "responsible_body",
            "expires_on",
            "body",
        ]
        widgets = {
            "body": BodyEditorWidget(),
            # A date input only accepts ISO dates, whatever the locale's display format.
            "formed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    #: True when the page's 保存并提交审核 button sent the form (set by the admin).
    submitting = False

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "responsible_body" in self.fields:
            self.fields["responsible_body"].required = False
            self.fields["responsible_body"].help_text = "留空则取目录事项的公开主体。"

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
        try:
            self.values = services.clean_values(data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, messages)
            else:
                raise
        return cleaned
