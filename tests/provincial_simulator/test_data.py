"""The dataset: size, spread, required items, quirks, generations and determinism."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from provincial_simulator.data import (
    AREAS,
    CATALOG_NAMES,
    GUIDES_PER_AREA,
    PLACEHOLDERS,
    REQUIRED_NAMES,
    THEMES,
    Dataset,
    dumps,
)

KEY_ELEMENTS = (
    "according",
    "acceptanceCondition",
    "materialList",
    "transactAddr",
    "orgName",
    "deptName",
    "isCharge",
    "transactTime",
    "consultTel",
    "processDescript",
)


def is_placeholder(value) -> bool:
    return value in PLACEHOLDERS or value == []


@pytest.fixture(scope="module")
def full():
    return Dataset()


@pytest.fixture(scope="module")
def details(full):
    return [full.detail(i) for i in full.guide_ids()]


def test_4500_unique_guides_in_all_ten_areas(full, details):
    ids = full.guide_ids()
    assert len(ids) == 4500 == 10 * GUIDES_PER_AREA
    assert len(set(ids)) == len(ids)
    per_area = Counter(d["areaCode"] for d in details)
    assert set(per_area) == {a.code for a in AREAS}
    assert len(per_area) == 10
    assert all(n == GUIDES_PER_AREA for n in per_area.values())


def test_every_area_has_the_required_names_and_every_catalog_service(details):
    names_by_area: dict[str, set[str]] = {}
    for d in details:
        names_by_area.setdefault(d["areaCode"], set()).add(d["unifyName"])
    # The city's reference catalog names 421 service items (对应本级政务服务事项名称).
    assert len(CATALOG_NAMES) == 421
    for area in AREAS:
        assert set(REQUIRED_NAMES) <= names_by_area[area.code], area.name
        assert names_by_area[area.code] >= CATALOG_NAMES, area.name


def test_identity_fields_follow_the_national_code_formats(details):
    for d in details:
        assert re.fullmatch(r"[0-9a-f]{32}", d["unifyId"])
        assert len(d["rightsCode"]) == 12
        assert len(d["taskCode"]) == 31
        assert d["taskCode"].endswith(d["rightsCode"])
        assert d["taskCode"][2:8] == d["areaCode"]
        assert d["ywCode"].startswith(d["taskCode"])


def test_departments_carry_the_area_prefix(details):
    d = next(
        d for d in details if d["areaCode"] == "430102" and d["unifyName"] == "最低生活保障对象认定"
    )
    if d["orgName"] not in PLACEHOLDERS:
        assert d["orgName"] == "长沙市芙蓉区民政局"
    orgs = {d["orgName"] for d in details if d["orgName"] not in PLACEHOLDERS}
    assert "长沙市芙蓉区市场监督管理局" in orgs
    assert "浏阳市行政审批服务局" in orgs
    assert "长沙市生态环境局雨花分局" in orgs


def test_each_kind_of_placeholder_appears(details):
    seen = set()
    for d in details:
        for value in d.values():
            if isinstance(value, str | None) and value in PLACEHOLDERS:
                seen.add(value)
    assert seen == set(PLACEHOLDERS)


@pytest.mark.parametrize("field", KEY_ELEMENTS)
def test_some_guides_lack_each_key_element(details, field):
    share = sum(is_placeholder(d.get(field)) for d in details) / len(details)
    assert 0 < share < 0.2, field


def test_some_limits_have_no_unit(details):
    unitless = [d for d in details if re.fullmatch(r"\d+", str(d.get("commitmentLimit") or ""))]
    assert len(unitless) > 50
    with_unit = [d for d in details if "个工作日" in str(d.get("commitmentLimit") or "")]
    assert len(with_unit) > len(unitless)


def test_untrusted_html_is_present(details):
    texts = [str(d.get("acceptanceCondition")) for d in details]
    assert any("<script>alert(1)</script>" in t for t in texts)
    assert any('href="javascript:' in t for t in texts)
    assert any("onclick=" in t for t in texts)
    assert any("<ol><li>" in t for t in texts)
    assert any("<p>" in str(d.get("processDescript")) for d in details)


def test_charges_sometimes_lack_a_list(details):
    charged = [d for d in details if d["isCharge"] == "是"]
    assert any(d.get("chargeList") for d in charged)
    assert any("chargeList" not in d for d in charged)
    assert any("chargeList" in d and d["chargeList"] is None for d in charged)
    fee = next(d["chargeList"][0] for d in charged if d.get("chargeList"))
    assert set(fee) == {"feeName", "feeStand", "byLaw"}


def test_materials_and_results_have_the_contract_shape(details):
    counts = [len(d["materialList"]) for d in details if d["materialList"]]
    assert min(counts) >= 1
    assert max(counts) <= 10
    musts = Counter(m["isMust"] for d in details for m in d["materialList"] or [])
    assert set(musts) == {"必要", "非必要", "容缺后补"}
    material = details[0]["materialList"][0]
    assert set(material) >= {
        "materialId",
        "materialTitle",
        "isMust",
        "materialType",
        "materialStandard",
        "copiesNum",
        "sourceChannel",
        "materialExplain",
        "attachList",
    }
    assert any(d["resultList"] for d in details)


def test_about_half_the_online_items_have_a_handle_url(details):
    online = [d for d in details if d["isonline"] == "是"]
    with_url = [d for d in online if "onlineHandleUrl" in d]
    assert 0.3 < len(with_url) / len(online) < 0.7
    assert all(d["isonline"] == "是" for d in details if "onlineHandleUrl" in d)
    assert with_url[0]["onlineHandleUrl"].endswith(
        f"/hnywtb/service/handle.html?id={with_url[0]['unifyId']}"
    )


def test_themes_and_duplicates_across_themes_and_types(full):
    assert len(THEMES["1"]) >= 15
    assert len(THEMES["2"]) >= 15
    assert full.themes["1"][0] == {"ztflCode": "GR001", "ztflName": "生育收养"}
    rows_1, rows_2 = full.list_rows("1"), full.list_rows("2")
    ids_1 = Counter(r["unifyId"] for r in rows_1)
    ids_2 = Counter(r["unifyId"] for r in rows_2)
    assert max(ids_1.values()) > 1
    assert max(ids_2.values()) > 1
    both = set(ids_1) & set(ids_2)
    assert len(both) > 50
    assert set(ids_1) | set(ids_2) == set(full.guide_ids())
    for unify_id in full.guide_ids()[:200]:
        for codes in full.guide_types(unify_id).values():
            assert 1 <= len(codes) <= 3


def test_same_seed_gives_identical_bytes_and_another_seed_differs(full):
    again = Dataset()
    assert again.guide_ids() == full.guide_ids()
    some = full.guide_ids()[::97]
    assert [again.detail_json(i) for i in some] == [full.detail_json(i) for i in some]
    assert dumps(again.list_rows("2")) == dumps(full.list_rows("2"))
    other = Dataset(seed=7)
    assert other.guide_ids() != full.guide_ids()


def test_a_subset_is_spread_over_all_areas_and_keeps_content(full):
    small = Dataset(size=40)
    assert small.size == 40
    areas = Counter(small.detail(i)["areaCode"] for i in small.guide_ids())
    assert len(areas) == 10
    assert set(small.guide_ids()) <= set(full.guide_ids())
    some = small.guide_ids()[5]
    assert small.detail_json(some) == full.detail_json(some)
    names = {small.detail(i)["unifyName"] for i in small.guide_ids()}
    assert "最低生活保障对象认定" in names


def test_advance_cancels_about_one_percent_and_revises_about_two():
    data = Dataset()
    before = {i: data.detail_json(i) for i in data.guide_ids()}
    result = data.advance()
    assert data.generation == 1
    assert len(result["vanished"]) == round(len(before) * 0.01)
    assert len(result["changed"]) == round(len(before) * 0.02)
    for unify_id in result["vanished"]:
        assert unify_id not in data.guide_ids()
        assert data.detail(unify_id) is None
        assert all(r["unifyId"] != unify_id for r in data.list_rows("1") + data.list_rows("2"))
    for unify_id in result["changed"]:
        assert data.detail_json(unify_id) != before[unify_id]
    untouched = set(before) - set(result["vanished"]) - set(result["changed"])
    assert all(data.detail_json(i) == before[i] for i in list(untouched)[:100])
    # The same seed moves through the same generations.
    assert Dataset().advance() == result


def test_vanish_restore_and_change_are_explicit_and_deterministic():
    data, twin = Dataset(size=30), Dataset(size=30)
    first, second = data.guide_ids()[:2]
    original = data.detail_json(first)
    assert data.vanish([first, "nope"]) == [first]
    assert data.detail(first) is None
    assert data.unknown([first, "nope"]) == ["nope"]
    assert data.restore([first]) == [first]
    assert data.detail_json(first) == original
    for _ in range(3):
        data.change([second])
        twin.change([second])
        assert data.detail_json(second) == twin.detail_json(second)
    revisions = set()
    for _ in range(5):
        data.change([first])
        revisions.add(data.detail_json(first))
    assert len(revisions) == 5
    assert original not in revisions
    data.reset()
    assert data.detail_json(first) == original


def test_details_are_json_serialisable_and_unescaped(full):
    raw = full.detail_json(full.guide_ids()[0])
    assert json.loads(raw)["unifyId"] == full.guide_ids()[0]
    assert "\\u" not in raw.decode()


def test_the_simulator_imports_no_product_code():
    import ast
    from pathlib import Path

    import provincial_simulator

    product = {"guides", "catalog", "districts", "portal", "publications", "workcalendar"}
    for path in Path(provincial_simulator.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            assert not {n.split(".")[0] for n in names} & product, path


def test_a_bad_catalog_template_row_is_named_with_its_file_and_line(tmp_path, monkeypatch):
    from provincial_simulator import data

    (tmp_path / "x.csv").write_text(
        "name,type_name,dept,serve,themes\n"
        "失业登记,公共服务,rs,gr,GR004\n"
        "某事项,公共服务,nosuchdept,gr,GR004\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(data, "CATALOG_TEMPLATE_DIR", tmp_path)
    with pytest.raises(ValueError, match="x.csv line 3"):
        data._catalog_templates(set())
    # A name the code already defines is skipped, not defined twice.
    (tmp_path / "x.csv").write_text(
        "name,type_name,dept,serve,themes\n最低生活保障对象认定,公共服务,mz,gr,GR016\n",
        encoding="utf-8",
    )
    assert data._catalog_templates({"最低生活保障对象认定"}) == []


def test_a_catalog_larger_than_an_area_is_refused_with_a_clear_message(monkeypatch):
    from provincial_simulator import data

    monkeypatch.setattr(data, "GUIDES_PER_AREA", 100)
    with pytest.raises(ValueError, match="GUIDES_PER_AREA \\(100\\) is below the 422 items"):
        Dataset()
