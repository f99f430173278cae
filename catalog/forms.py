"""Admin forms for catalog entries: the elements, in the words staff use."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from . import elements
from .models import CatalogEntry, Channel, Element, ReviewStatus
from .services import normalise_value

ELEMENT_FORM_FIELDS = elements.form_fields()


class LevelsField(forms.CharField):
    """Edit 公开层级 as lines of ``层级：渠道、渠道`` rather than raw JSON."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 60})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                f"{lvl.get('level', '')}：{'、'.join(lvl.get('channels', []))}" for lvl in value
            )
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        levels = []
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            parts = re.split(r"[:：]", line, maxsplit=1)
            name, rest = parts[0], parts[1] if len(parts) > 1 else ""
            name = name.strip()
            if not name:
                raise ValidationError(
                    f"第{number}行缺少层级名称，格式为“县级：政府网站、政务服务中心”。"
                )
            channels = [c.strip() for c in re.split(r"[、,，;；]", rest) if c.strip()]
            levels.append({"level": name, "channels": channels})
        return levels


class CatalogEntryForm(forms.ModelForm):
    #: True when the page's 保存并提交审核 button sent the form (set by the admin).
    submitting = False

    levels = LevelsField(
        label=Element.LEVELS.label,
        required=False,
        help_text="每行一个层级，如“县级：政府网站、政务服务中心”。",
    )
    channels = forms.ModelMultipleChoiceField(
        label=Element.CHANNELS.label,
        queryset=Channel.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = CatalogEntry
        fields = ["division", "item", "department", *ELEMENT_FORM_FIELDS]

    def clean(self):
        data = super().clean()
        department = data.get("department")
        division = data.get("division") or getattr(self.instance, "division", None)
        mismatched = department is not None and division is not None
        if mismatched and department.division_id != division.pk:
            self.add_error("department", f"“{department.name}”不是{division.name}的部门。")
        for element, value in (
            ("audience", [data.get("audience_all"), data.get("audience_specific")]),
            ("mode", [data.get("mode_active"), data.get("mode_on_request")]),
            ("levels", data.get("levels") or []),
        ):
            try:
                normalise_value(element, value)
            except ValidationError as error:
                raise ValidationError(error.messages) from error
        if self.submitting:
            status = self.instance.status
            if status == ReviewStatus.SUBMITTED:
                raise ValidationError("该事项已提交审核，审核期间不能修改或再次提交。")
            changed = set(self.changed_data) & set(ELEMENT_FORM_FIELDS)
            if status == ReviewStatus.PUBLISHED and not changed and not self.errors:
                raise ValidationError("该事项已发布且没有修改，无需提交审核。")
        division = data.get("division")
        if self.instance.pk is None and division is not None and division.is_township:
            self.add_error(
                "division", "乡镇(街道)目录只能从所属区县目录中删减和调整要素，不能新增事项。"
            )
        return data

    def element_changes(self) -> dict:
        """Return {element: value} for the elements this form changed."""
        data = self.cleaned_data
        changed = set(self.changed_data)
        changes = {}
        for element, columns in (
            ("audience", ("audience_all", "audience_specific")),
            ("mode", ("mode_active", "mode_on_request")),
        ):
            if changed & set(columns):
                changes[element] = [data[c] for c in columns]
        for name in ELEMENT_FORM_FIELDS:
            if name in changed and name not in (
                "audience_all",
                "audience_specific",
                "mode_active",
                "mode_on_request",
            ):
                changes[name] = list(data[name]) if name == "channels" else data[name]
        return changes

    def element_values(self) -> dict:
        """Return every element's value, for creating an entry."""
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in ELEMENT_FORM_FIELDS
            if name not in ("audience_all", "audience_specific", "mode_active", "mode_on_request")
        }
        values["channels"] = list(data["channels"])
        values["audience"] = [data["audience_all"], data["audience_specific"]]
        values["mode"] = [data["mode_active"], data["mode_on_request"]]
        return values
