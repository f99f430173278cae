"""Element values from outside the admin form: every malformed one is a ValidationError."""

import pytest
from django.core.exceptions import ValidationError

from catalog.services import normalise_value


@pytest.mark.parametrize(
    ("element", "value", "message"),
    [
        ("channels", ["abc"], "公开渠道和载体：应为渠道列表。"),
        ("channels", [999999], "公开渠道和载体：含有不存在的渠道。"),
        ("audience", True, "公开对象：应给出两项勾选（全社会、特定群体）。"),
        ("mode", [False, False], "公开方式：至少选择主动或依申请之一。"),
        ("levels", "县级", "公开层级：应为层级列表。"),
        ("levels", [{"channels": ["政府网站"]}], "公开层级：第1个层级缺少名称。"),
        ("levels", [{"level": "县级", "channels": 3}], "公开层级：第1个层级的渠道应为列表。"),
        ("item_type", "服务", "事项类型：应为“政务服务事项”或“非政务服务事项”。"),
        ("content", {"a": 1}, "公开内容(要素)：应为文字。"),
        ("nonsense", "x", "未知的公开要素：nonsense"),
    ],
)
@pytest.mark.django_db
def test_malformed_values_are_refused_in_chinese(element, value, message, reference_data):
    with pytest.raises(ValidationError) as error:
        normalise_value(element, value)
    assert error.value.messages == [message]


def test_levels_accept_a_typed_cell_of_channel_names():
    value = normalise_value("levels", [{"level": " 县级 ", "channels": "政府网站、政务服务中心"}])
    assert value == [{"level": "县级", "channels": ["政府网站", "政务服务中心"]}]


def test_text_is_trimmed():
    assert normalise_value("time_limit", "  10个工作日内 ") == "10个工作日内"
