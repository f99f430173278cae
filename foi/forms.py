"""The public request form and the status-page form (no account, no CAPTCHA; throttled)."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import RegexValidator

from districts.models import Department

from . import identity
from .models import ApplicantKind, Delivery, IdType, InfoRequest

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
CODE = re.compile(r"^YSQ[2-9A-HJKMNP-Z]{10}$")


def _clean_phone(value: str) -> str:
    value = re.sub(r"[\s（）()]", "", value)
    if not PHONE.fullmatch(value):
        raise forms.ValidationError("请填写11位手机号码，或带区号的固定电话（如0731-88888888）。")
    return value


class RequestForm(forms.ModelForm):
    """What 条例 Art. 29 asks of an applicant, with a Chinese message for every bad field."""

    id_number = forms.CharField(
        label="证件号码",
        max_length=40,
        help_text="加密保存，提交后只显示后四位。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    department = forms.ModelChoiceField(
        label="受理部门",
        queryset=Department.objects.none(),
        required=False,
        empty_label="本级政府信息公开工作机构",
    )
    agree = forms.BooleanField(
        label="我确认以上信息真实，并已阅读本页的申请须知。",
        error_messages={"required": "请确认申请信息真实并已阅读申请须知。"},
    )

    class Meta:
        model = InfoRequest
        fields = [
            "applicant_kind",
            "name",
            "contact_person",
            "id_type",
            "phone",
            "email",
            "address",
            "postcode",
            "description",
            "purpose",
            "delivery",
            "fee_waiver",
            "fee_waiver_reason",
            "register_consent",
        ]
        widgets = {
            "applicant_kind": forms.RadioSelect,
            "delivery": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 6}),
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "fee_waiver_reason": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "name": "申请人姓名或单位名称",
            "description": "所需政府信息的名称、文号或者便于查询的其他特征性描述",
            "purpose": "用途（选填）",
        }
        help_texts = {
            "contact_person": "法人或其他组织申请时填写。",
            "email": "办理进展和答复将发送到此邮箱；选择电子邮件方式获取信息时必填。",
            "address": "选择纸质文本或光盘方式获取信息时必填。",
            "register_consent": (
                "答复后，本申请的内容和答复类型（不含任何个人信息）将列入申请公开目录，"
                "便于其他人查阅。"
            ),
        }
        error_messages = {
            "applicant_kind": {"required": "请选择申请人类型。"},
            "name": {"required": "请填写申请人姓名或单位名称。"},
            "id_type": {"required": "请选择证件类型。"},
            "phone": {"required": "请填写联系电话。"},
            "description": {"required": "请描述所需的政府信息。"},
            "delivery": {"required": "请选择获取信息的方式。"},
            "email": {"invalid": "电子邮箱格式不正确。"},
        }

    postcode = forms.CharField(
        label="邮政编码",
        required=False,
        validators=[RegexValidator(r"^\d{6}$", "邮政编码应为6位数字。")],
    )

    def __init__(self, *args, division, **kwargs):
        super().__init__(*args, **kwargs)
        self.division = division
        departments = Department.objects.filter(division=division, is_active=True)
        self.fields["department"].queryset = departments
        if not departments.exists():
            del self.fields["department"]
        self.fields["applicant_kind"].choices = [
            (ApplicantKind.PERSON, "自然人"),
            *[
                (value, f"法人或其他组织：{label}")
                for value, label in ApplicantKind.choices
                if value != ApplicantKind.PERSON
            ],
        ]
        # As radio buttons, the model's blank choice would be a "---------" button to click.
        self.fields["delivery"].choices = [c for c in self.fields["delivery"].choices if c[0]]
        self.fields["description"].max_length = 4000
        # Most applicants are people: start there (an organisation picks its kind).
        self.fields["applicant_kind"].initial = ApplicantKind.PERSON

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if len(name) < 2:
            raise forms.ValidationError("申请人姓名或单位名称至少2个字。")
        return name

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if len(text) < 5:
            raise forms.ValidationError(
                "请写明所需信息的名称、文号或者便于查询的特征性描述（至少5个字）。"
            )
        return text

    def clean(self):
        data = super().clean()
        kind, id_type = data.get("applicant_kind"), data.get("id_type")
        if kind and id_type:
            organisation = kind != ApplicantKind.PERSON
            if organisation and id_type != IdType.CREDIT_CODE:
                self.add_error("id_type", "法人或其他组织请使用统一社会信用代码。")
            elif not organisation and id_type == IdType.CREDIT_CODE:
                self.add_error("id_type", "自然人请使用个人身份证件。")
            elif organisation and not data.get("contact_person", "").strip():
                self.add_error("contact_person", "法人或其他组织申请时请填写联系人。")
        number = identity.normalise(data.get("id_number", ""))
        if id_type and number and "id_type" not in self.errors:
            problem = identity.check(id_type, number)
            if problem:
                self.add_error("id_number", problem)
            else:
                data["id_number"] = number
        delivery = data.get("delivery")
        if delivery == Delivery.EMAIL and not data.get("email"):
            self.add_error("email", "选择电子邮件方式获取信息时，请填写电子邮箱。")
        if delivery in (Delivery.PAPER, Delivery.DISK) and not data.get("address", "").strip():
            self.add_error("address", "选择纸质文本或光盘方式时，请填写通信地址。")
        if data.get("fee_waiver") and not data.get("fee_waiver_reason", "").strip():
            self.add_error("fee_waiver_reason", "申请减免费用时，请说明理由。")
        return data

    def request_data(self) -> dict:
        """Return the fields services.submit stores (the number still in clear)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["id_number"] = self.cleaned_data["id_number"]
        return data


class StatusForm(forms.Form):
    """Open a request's status page with its code and the phone number's last four digits."""

    code = forms.CharField(
        label="查询码",
        max_length=20,
        error_messages={"required": "请填写查询码。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone_tail = forms.CharField(
        label="联系电话后四位",
        max_length=4,
        min_length=4,
        error_messages={
            "required": "请填写联系电话后四位。",
            "min_length": "请填写联系电话的后四位数字。",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_code(self):
        code = identity.normalise(self.cleaned_data["code"])
        if not CODE.fullmatch(code):
            raise forms.ValidationError("查询码格式不正确：应为YSQ开头的13位字母和数字。")
        return code

    def clean_phone_tail(self):
        tail = self.cleaned_data["phone_tail"]
        if not tail.isdigit():
            raise forms.ValidationError("请填写联系电话的后四位数字。")
        return tail
