"""Group enrolment (catalogue §4): identity numbers, staff lists read from real .xlsx and .csv
files with every problem at its sheet, row and column, and applications decided on the
participation rule each plan declares, with hand-computed boundaries."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.enrolment.application import ApplicationError, application_info, decide_application, percent
from engine.enrolment.resident_id import ResidentIdError, check_character, parse_resident_id
from engine.enrolment.staff_list import Limits, StaffListError, read_staff_list
from tests.enrolment_sheets import person, resident_id, staff, write_csv, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
START = dt.date(2024, 1, 1)
APPLICATION = {"单位名称": "某某机械厂工会", "办事处": "beijing", "保障起始日期": "2024-01-01"}


def decide(adjudicator, path: Path, **given):
    staff_list = read_staff_list(path)
    return decide_application(staff_list, application_info(staff_list, given), adjudicator.plans, today=dt.date(2024, 1, 1))


def only_plan(result):
    (plan,) = result.plans
    return plan


# -- the rules, in each plan's YAML ------------------------------------------------------------------


@pytest.mark.parametrize("original, replacement, path, words", [
    ("share: 0.80 ", "share: 0.80\n    among: {designated: true}\n   ", "group_enrolment.participation.among",
     "known when they join"),
    ("share: 0.80 ", "share: 0.80\n    among: {genre: female}\n   ", "group_enrolment.participation.among.genre", "unknown field"),
    ("share: 0.80 ", "share: 1.5 ", "group_enrolment.participation.share", "rate must lie in [0, 1]"),
    ("all_below: 100 ", "all_below: 0 ", "group_enrolment.participation.all_below", "greater than or equal to 1"),
])
def test_a_broken_participation_rule_is_reported_at_its_line(tmp_path, original, replacement, path, words):
    from engine.loader import read_library, read_plans

    text = (ROOT / "plans" / "inpatient-medical" / "2024.yaml").read_text(encoding="utf-8")
    assert original in text
    broken = text.replace(original, replacement)
    plans_dir = tmp_path / "plans"
    plans_dir.mkdir()
    (plans_dir / "2024.yaml").write_text(broken, encoding="utf-8")
    library, _ = read_library(ROOT / "rules")
    plans, issues = read_plans(plans_dir, library)
    assert not plans and [issue.path for issue in issues] == [path], [str(i) for i in issues]
    assert words in issues[0].message
    marker = replacement.strip().splitlines()[-1].strip()
    assert issues[0].line == next(n for n, line in enumerate(broken.splitlines(), 1) if marker in line)


def test_every_plan_states_its_group_enrolment_rule(adjudicator):
    """Catalogue §4, as the plans declare it."""
    declared = {plan_id: revisions[-1].plan.group_enrolment.participation for plan_id, revisions in adjudicator.revisions.items()}
    shares = {plan_id: (rule.share, rule.all_below, rule.among) if rule else None for plan_id, rule in declared.items()}
    assert shares == {
        "inpatient-medical": (Decimal("0.80"), 100, None), "hospital-allowance": (Decimal("0.80"), 100, None),
        "critical-illness": (Decimal("0.80"), 100, None), "female-special-disease": (Decimal("0.80"), None, {"gender": "female"}),
        "accident": (Decimal("0.50"), 30, None),
        "new-form-worker": None, "event-accident": None, "refundable-accident": None,
    }
    assert all(revisions[-1].plan.group_enrolment.same_choice for revisions in adjudicator.revisions.values())


# -- identity numbers (GB 11643-1999) --------------------------------------------------------------


def test_the_standards_own_examples_have_their_check_characters():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"
    parsed = parse_resident_id("11010519491231002x")  # a lower-case x is the same character
    assert (parsed.number, parsed.birth_date, parsed.gender) == ("11010519491231002X", dt.date(1949, 12, 31), "female")


def test_full_width_digits_are_folded():
    assert parse_resident_id("１１０１０５１９４９１２３１００２Ｘ").number == "11010519491231002X"


@pytest.mark.parametrize("number, words", [
    ("110105194912310021", ["校验码错误", "expected X, got 1"]),
    ("110105194912310", ["15位", "18-digit"]),
    ("11010519491231002", ["18位", "got 17"]),
    ("1101051949123100AX", ["前17位应为数字"]),
    ("110105194902300021", ["不是有效日期"]),
    ("990105194912310021", ["地址码"]),
])
def test_invalid_numbers_are_refused_with_the_reason(number, words):
    with pytest.raises(ResidentIdError) as caught:
        parse_resident_id(number)
    for word in words:
        assert word in str(caught.value)


def test_gender_is_read_from_the_seventeenth_digit():
    assert parse_resident_id(resident_id(3, dt.date(1990, 3, 7), "male")).gender == "male"
    assert parse_resident_id(resident_id(3, dt.date(1990, 3, 7), "female")).gender == "female"


# -- participation, hand-computed ------------------------------------------------------------------


@pytest.mark.parametrize("eligible, joining, status, text", [
    (100, 80, "accepted", "80 / 100 eligible = 80.0% ≥ 80%"),
    (100, 82, "accepted", "82 / 100 eligible = 82.0% ≥ 80%"),
    (100, 79, "refused", "79 / 100 eligible = 79.0% < 80%"),
    (99, 98, "refused", "98 / 99 eligible = 98.9% < 100%: fewer than 100 eligible, all must join"),
    (99, 99, "accepted", "99 / 99 eligible = 100.0% = 100%: fewer than 100 eligible, all must join"),
])
def test_inpatient_medical_needs_80_percent_or_everyone_below_100(adjudicator, tmp_path, eligible, joining, status, text):
    path = write_xlsx(tmp_path / f"inpatient-{joining}-of-{eligible}.xlsx", staff(eligible, joining, units=2), application=APPLICATION)
    plan = only_plan(decide(adjudicator, path))
    assert (plan.status, plan.participation.text) == (status, text)
    # 60.00 per unit × 2 units per person, only when accepted
    assert plan.fee_due == (Decimal("120.00") * joining if status == "accepted" else Decimal("0.00"))


def test_799_of_1000_is_79_9_percent_and_refused_800_is_accepted(adjudicator, tmp_path):
    refused = only_plan(decide(adjudicator, write_csv(tmp_path / "critical-799-of-1000.csv",
                                                      staff(1000, 799, plan="critical-illness", units=1)),
                               **_options()))
    assert (refused.status, refused.code) == ("refused", "participation_below_share")
    assert refused.participation.text == "799 / 1000 eligible = 79.9% < 80%"
    assert "79.9%" in refused.message and "低于80%" in refused.message
    accepted = only_plan(decide(adjudicator, write_csv(tmp_path / "critical-800-of-1000.csv",
                                                       staff(1000, 800, plan="critical-illness", units=1)),
                                **_options()))
    assert accepted.status == "accepted" and accepted.fee_due == Decimal("64000.00")  # 800 × 80.00


def test_a_share_just_below_the_threshold_never_prints_as_the_threshold():
    assert percent(7999, 10000) == "79.9%"
    assert percent(2, 3) == "66.6%"


@pytest.mark.parametrize("eligible, joining, status", [
    (29, 28, "refused"),   # fewer than 30 eligible: all must join
    (29, 29, "accepted"),
    (30, 15, "accepted"),  # 30 eligible: 50% is enough
    (30, 14, "refused"),
])
def test_accident_needs_half_or_everyone_below_30(adjudicator, tmp_path, eligible, joining, status):
    path = write_xlsx(tmp_path / f"accident-{joining}-of-{eligible}.xlsx", staff(eligible, joining, plan="accident", units=2),
                      application=APPLICATION)
    plan = only_plan(decide(adjudicator, path))
    assert plan.status == status
    assert plan.participation.required == ("all" if eligible < 30 else "share")
    assert plan.code == ("accepted" if status == "accepted" else
                         "participation_not_all" if eligible < 30 else "participation_below_share")
    if status == "accepted":
        assert plan.fee_due == Decimal("50.00") * joining  # tier 2, normal occupations
        assert {enrolment.tier for _, enrolment in plan.enrolments} == {2}


def test_mixed_units_refuse_the_odd_ones_out_and_can_sink_the_share(adjudicator, tmp_path):
    """82 of 100 join, but 3 ask for 3 units where the rest take 2: those 3 are refused by
    name (units_differ), leaving 79 / 100 = 79.0% < 80%, so the application is refused."""
    rows = staff(100, 82, units=2)
    for index in (5, 17, 40):
        rows[index]["units"] = 3
    plan = only_plan(decide(adjudicator, write_xlsx(tmp_path / "mixed-units.xlsx", rows, application=APPLICATION)))
    refused = [p for p in plan.persons if p.status == "refused"]
    assert [(p.name, p.code) for p in refused] == [(rows[i]["name"], "units_differ") for i in (5, 17, 40)]
    assert "（3份）与本单位申请的份数（2份）不一致" in refused[0].message
    assert (plan.status, plan.participation.text, plan.choice) == ("refused", "79 / 100 eligible = 79.0% < 80%", 2)
    assert plan.enrolments == [] and plan.fee_due == 0


def test_stated_units_decide_a_tie(adjudicator, tmp_path):
    rows = staff(20, 20, units=1)
    for row in rows[:10]:
        row["units"] = 2
    path = write_xlsx(tmp_path / "tie.xlsx", rows, application=APPLICATION)
    assert only_plan(decide(adjudicator, path)).code == "units_ambiguous"
    plan = only_plan(decide(adjudicator, path, units=2))
    assert plan.choice == 2 and sum(p.code == "units_differ" for p in plan.persons) == 10


def test_ineligible_people_are_refused_by_name_and_not_counted(adjudicator, tmp_path):
    """95 of working age (all join) + a 66-year-old and a retired worker who ask to join: the two
    are refused with the plan's own requirement; 95 / 95 < 100 eligible, so all of them joining
    is what the rule asks, and it is met."""
    rows = staff(95, 95, units=1)
    rows.append(person(200, birth=dt.date(1957, 6, 1), units=1))  # 66 on 2024-01-01
    rows.append(person(201, units=1))
    path = write_xlsx(tmp_path / "ineligible.xlsx", rows, application=APPLICATION,
                      extra_columns={"人员类别": ["在职"] * 96 + ["退休"]})
    plan = only_plan(decide(adjudicator, path))
    refused = {p.name: p for p in plan.persons if p.status == "refused"}
    assert refused[rows[95]["name"]].code == "not_eligible:age-16-65"
    assert "参保时年龄16至65周岁（参保时66周岁）" in refused[rows[95]["name"]].message
    assert refused[rows[96]["name"]].code == "not_eligible:not-retired"
    assert "人员类别：退休" in refused[rows[96]["name"]].message
    assert (plan.status, plan.participation.eligible, plan.participation.participants) == ("accepted", 95, 95)


def test_the_womens_plan_counts_eligible_women(adjudicator, tmp_path):
    """60 women and 40 men: 48 women join (48 / 60 = 80%), and one man asks to."""
    rows = [person(i, gender="female", plan="female-special-disease", joins=i < 48) for i in range(60)]
    rows += [person(100 + i, gender="male", plan="female-special-disease", joins=False) for i in range(39)]
    rows.append(person(199, gender="male", plan="female-special-disease"))
    plan = only_plan(decide(adjudicator, write_xlsx(tmp_path / "women.xlsx", rows, application=APPLICATION)))
    assert plan.participation.text == "48 / 60 eligible = 80.0% ≥ 80%" and plan.status == "accepted"
    (man,) = [p for p in plan.persons if p.status == "refused"]
    assert man.code == "not_eligible:female"
    assert plan.fee_due == Decimal("25.00") * 48


def test_accident_fees_follow_each_persons_occupation(adjudicator, tmp_path):
    rows = staff(30, 30, plan="accident", units=2)
    path = write_xlsx(tmp_path / "accident-risk.xlsx", rows, application=APPLICATION,
                      extra_columns={"职业类别": ["高风险"] * 4 + ["普通"] * 26})
    plan = only_plan(decide(adjudicator, path))
    assert plan.fee_due == 4 * Decimal("62.00") + 26 * Decimal("50.00")  # tier 2: high-risk 62, normal 50
    schedules = [enrolment.fee_schedule for _, enrolment in plan.enrolments]
    assert schedules.count("high_risk") == 4


def test_one_list_several_plans_share_the_staff(adjudicator, tmp_path):
    """100 staff; 85 join inpatient-medical and 40 also the accident plan (tier 1): every
    person counts as staff for both plans."""
    rows = staff(100, 85, units=1)
    rows += [person(i, plan="accident", units=1) for i in range(40)]
    result = decide(adjudicator, write_xlsx(tmp_path / "two-plans.xlsx", rows, application=APPLICATION))
    by_plan = {plan.plan: plan for plan in result.plans}
    assert by_plan["inpatient-medical"].participation.text == "85 / 100 eligible = 85.0% ≥ 80%"
    assert by_plan["accident"].participation.text == "40 / 100 eligible = 40.0% < 50%"
    assert not result.accepted and by_plan["inpatient-medical"].accepted


def test_accepted_enrolments_carry_the_member_and_the_term(adjudicator, tmp_path):
    plan = only_plan(decide(adjudicator, write_xlsx(tmp_path / "members.xlsx", staff(10, 10, units=3), application=APPLICATION)))
    member, enrolment = plan.enrolments[0]
    assert (member.office, member.employer, member.id_number) == ("beijing", "某某机械厂工会", staff(1, 1)[0]["id_number"])
    assert (enrolment.plan, enrolment.units, enrolment.fee_paid) == ("inpatient-medical", 3, Decimal("180.00"))
    assert (enrolment.start, enrolment.end, enrolment.source) == (START, dt.date(2024, 12, 31), "paid")


def test_the_same_application_has_the_same_digest_whatever_the_format_or_order(adjudicator, tmp_path):
    rows = staff(30, 25, units=1)
    first = decide(adjudicator, write_xlsx(tmp_path / "digest.xlsx", rows, application=APPLICATION))
    again = decide(adjudicator, write_csv(tmp_path / "digest.csv", list(reversed(rows))), **_options())
    changed = decide(adjudicator, write_csv(tmp_path / "digest-changed.csv", staff(30, 26, units=1)), **_options())
    assert first.digest == again.digest != changed.digest


# -- reading files, every problem at its cell -----------------------------------------------------------


def test_a_broken_row_is_located_by_sheet_row_and_column(adjudicator, tmp_path):
    rows = staff(10, 10)
    rows[4]["id_number"] = rows[4]["id_number"][:17] + ("0" if rows[4]["id_number"][17] != "0" else "1")
    rows[6]["birth_date"] = dt.date(1960, 1, 1)
    rows[7]["gender"] = "female" if rows[7]["gender"] == "male" else "male"
    rows[8]["id_number"] = "110105491231002"
    path = write_xlsx(tmp_path / "broken-rows.xlsx", rows, application=APPLICATION)
    with pytest.raises(ApplicationError) as caught:
        decide(adjudicator, path)
    # the title row is row 1 and the header row 2, so person i is on row i + 3
    located = [(i.place.sheet, i.place.row, i.place.to_dict()["column"]) for i in caught.value.issues]
    assert located == [("花名册", 7, "C"), ("花名册", 9, "E"), ("花名册", 10, "D"), ("花名册", 11, "C")]
    text = [str(issue) for issue in caught.value.issues]
    assert text[0].startswith(f"{path}: sheet 花名册, row 7, column C (身份证号): 校验码错误")
    assert "15位" in text[3]


def test_an_identity_number_stored_as_a_number_is_refused(adjudicator, tmp_path):
    rows = staff(3, 3)
    path = write_xlsx(tmp_path / "numeric-id.xlsx", rows, application=APPLICATION)
    workbook = openpyxl.load_workbook(path)
    workbook["花名册"]["C4"] = int(rows[1]["id_number"][:17] + "0")
    workbook.save(path)
    with pytest.raises(ApplicationError) as caught:
        decide(adjudicator, path)
    (issue,) = caught.value.issues
    assert (issue.place.row, issue.place.column) == (4, 3) and "format the column as text" in issue.message


def test_csv_in_gb18030_with_english_headers(adjudicator, tmp_path):
    path = tmp_path / "english-gb18030.csv"
    rows = staff(5, 5, units=1)
    lines = ["Name,ID_Number,Gender,Date_of_Birth,Plan,Units,Joins,籍贯"]
    for row in rows:
        lines.append(f"{row['name']},{row['id_number']},{row['gender']},{row['birth_date']:%Y/%m/%d},职工住院医疗互助保障,1份,yes,湖南")
    path.write_bytes("\n".join(lines).encode("gb18030"))
    result = decide(adjudicator, path, **_options())
    assert only_plan(result).participation.text == "5 / 5 eligible = 100.0% = 100%: fewer than 100 eligible, all must join"
    assert result.warnings == [f"{path}: columns not read: 籍贯"]


def test_header_problems_are_reported_at_the_header_row(tmp_path):
    path = tmp_path / "no-joins-column.csv"
    path.write_text("姓名,身份证号,证件号码\n张三,11010519491231002X,\n", encoding="utf-8")
    with pytest.raises(StaffListError) as caught:
        read_staff_list(path)
    messages = [str(issue) for issue in caught.value.issues]
    assert messages[0] == f"{path}: row 1, column C (证件号码): this column is also id_number (column B, 身份证号); one column per field"
    assert "是否参保 (joins)" in messages[1]


@pytest.mark.parametrize("name, content, words", [
    ("old.xls", b"\xd0\xcf\x11\xe0", ".xlsx"),
    ("renamed.xlsx", b"\xd0\xcf\x11\xe0 not a zip", "not a zip archive"),
    ("list.txt", b"", ".csv"),
])
def test_files_that_are_not_staff_lists_are_refused(tmp_path, name, content, words):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(StaffListError) as caught:
        read_staff_list(tmp_path / name)
    assert words in str(caught.value)


def test_limits_refuse_what_is_too_large(tmp_path):
    path = write_csv(tmp_path / "limits.csv", staff(12, 12))
    with pytest.raises(StaffListError, match="more than 10 staff rows"):
        read_staff_list(path, Limits(rows=10))
    with pytest.raises(StaffListError, match="at most 100 are read"):
        read_staff_list(path, Limits(file_bytes=100))
    long_name = write_csv(tmp_path / "long-cell.csv", [{**person(1), "name": "张" * 300}])
    with pytest.raises(StaffListError, match="at most 200"):
        read_staff_list(long_name)


def test_an_xlsx_that_inflates_too_far_is_refused_before_it_is_parsed(tmp_path):
    path = write_xlsx(tmp_path / "inflates.xlsx", staff(3, 3))
    with pytest.raises(StaffListError, match="inflates to"):
        read_staff_list(path, Limits(unpacked_bytes=1000))


# -- the command -----------------------------------------------------------------------------------


def test_enrol_command_prints_the_verdict_and_writes_json(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path = write_xlsx(tmp_path / "cli-82-of-100.xlsx", staff(100, 82, units=2), application=APPLICATION)
    result = CliRunner().invoke(app, ["enrol", str(path), "--json", str(tmp_path / "result.json")])
    assert result.exit_code == 0, result.output
    assert "82 / 100 eligible = 82.0% ≥ 80%" in result.output and "9,840.00" in result.output
    data = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert data["plans"][0]["fee_due"] == "9840.00" and len(data["plans"][0]["persons"]) == 82


def test_enrol_command_exit_codes(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    refused = write_xlsx(tmp_path / "cli-79-of-100.xlsx", staff(100, 79), application=APPLICATION)
    assert CliRunner().invoke(app, ["enrol", str(refused)]).exit_code == 1
    rows = staff(3, 3)
    rows[1]["id_number"] = "110105491231002"
    broken = write_xlsx(tmp_path / "cli-broken.xlsx", rows, application=APPLICATION)
    result = CliRunner().invoke(app, ["enrol", str(broken)])
    assert result.exit_code == 2 and "sheet 花名册, row 4, column C" in result.output
    unknown = write_xlsx(tmp_path / "cli-unknown-office.xlsx", staff(3, 3), application={**APPLICATION, "办事处": "shanghai"})
    result = CliRunner().invoke(app, ["enrol", str(unknown)])
    assert result.exit_code == 2 and "unknown office 'shanghai'" in result.output
    conflicting = CliRunner().invoke(app, ["enrol", str(refused), "--office", "lanzhou"])
    assert conflicting.exit_code == 2 and "the application sheet says beijing, the command line lanzhou" in conflicting.output


def _options() -> dict:
    return {"employer": "某某机械厂工会", "office": "beijing", "start": START}
