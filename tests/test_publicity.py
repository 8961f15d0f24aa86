"""Claims publicity (catalogue §3): masking exactly as §3 says, the published columns only, and
never a string from the never-published fields, whatever the claim carried."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import assume, given, strategies as st

from engine.office.masking import MASK, characters, mask_id_number, mask_name
from engine.office.publicity import COLUMNS, build_publicity, publicity_csv, publicity_html, publicity_xlsx, window
from engine.office.records import adjudicated_in_memory
from tests.helpers import SETTINGS
from tests.office_claims import heart_attack, hospital_stay

# -- masking -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, masked", [
    ("张三", "张*"),                  # two characters: the first kept
    ("张三丰", "张*丰"),               # three: first and last
    ("欧阳娜娜", "欧**娜"),            # four, a compound surname: still one character kept in front
    ("司马相如", "司**如"),
    ("欧阳修", "欧*修"),
    ("诸葛亮", "诸*亮"),
    ("阿依古丽·买买提", "阿******提"),  # the separator dot is masked like any character
    ("买买提·艾力", "买****力"),
    ("Jose\u0301 Li", "J*****i"),     # an accent stays with its letter: never left visible alone
    (" 李四 ", "李*"),
])
def test_names_are_masked_as_section_3_says(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("number, masked", [
    ("11010519491231002X", "110*************2X"),
    ("11010519491231002x", "110*************2X"),
    ("110105491231002", "110**********02"),
    ("12345", "*****"),  # keeping 3 + 2 would show all of it
])
def test_identity_numbers_keep_the_first_3_and_last_2(number, masked):
    assert mask_id_number(number) == masked


NAME_ALPHABET = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from("·•・.\u0301\u0308\u200d\ufe0f\U0001F3FB欧阳司马诸葛 "),
)


def _hidden_ok(original: str, masked: str, keep_front: int, keep_back: int) -> None:
    parts = characters(original)
    front, back = parts[:keep_front], parts[len(parts) - keep_back:] if keep_back else []
    hidden = len(parts) - len(front) - len(back)
    assert masked == "".join(front) + MASK * hidden + "".join(back)
    # no character of a hidden part appears outside the kept ones
    kept = set("".join(front + back)) | {MASK}
    assert set(masked) <= kept


@SETTINGS
@given(st.text(NAME_ALPHABET, max_size=30))
def test_masking_a_name_never_reveals_a_hidden_character(name):
    masked = mask_name(name)
    parts = characters(name.strip())
    if len(parts) <= 1:
        assert masked == "".join(parts)
    else:
        _hidden_ok(name.strip(), masked, 1, 1 if len(parts) >= 3 else 0)


@SETTINGS
@given(st.one_of(st.from_regex(r"\A[0-9]{17}[0-9Xx]\Z"), st.from_regex(r"\A[0-9]{15}\Z"), st.text(NAME_ALPHABET, max_size=25)))
def test_masking_an_identity_number_never_reveals_a_hidden_character(number):
    import unicodedata

    normalised = unicodedata.normalize("NFKC", number).strip().upper()
    masked = mask_id_number(number)
    parts = characters(normalised)
    if len(parts) <= 5:
        assert masked == MASK * len(parts)
    else:
        _hidden_ok(normalised, masked, 3, 2)


# -- the publicity --------------------------------------------------------------------------------------


def _paid(adjudicator, claims):
    return [decided for decided in adjudicated_in_memory(adjudicator, claims)]


def test_publicity_rows_hand_computed(adjudicator):
    """June 2024, zunyi: a stay received on 2024-06-14 pays inpatient-medical
    (7,000 − 500) × 50% = 3,250.00 and the allowance (8 − 3) × 40 × 1 = 200.00; a heart attack
    received 2024-06-20 pays 10,000.00; a stay received in July and a lanzhou member are not in it."""
    claims = [
        hospital_stay("c-1", dt.date(2024, 6, 1), received=dt.date(2024, 6, 14)),
        heart_attack("c-2", dt.date(2024, 6, 10), received=dt.date(2024, 6, 20), member_id="m-2", name="欧阳娜娜",
                     id_number="520102198501010048", gender="female", birth_date="1985-01-01"),
        hospital_stay("c-3", dt.date(2024, 6, 25), received=dt.date(2024, 7, 2), member_id="m-3"),
        hospital_stay("c-4", dt.date(2024, 6, 2), received=dt.date(2024, 6, 15), member_id="m-4", office="lanzhou"),
    ]
    publicity = build_publicity(_paid(adjudicator, claims), "zunyi", "2024-06", office_name="遵义办事处")
    assert [row.cells() for row in publicity.rows] == [
        [1, "2024-06", "遵义办事处", "遵义市某某机械厂", "张*丰", "110*************2X", "职工住院医疗互助保障", "住院医疗费用补助", "3250.00", "2024-06-14"],
        [2, "2024-06", "遵义办事处", "遵义市某某机械厂", "张*丰", "110*************2X", "职工住院津贴互助保障", "住院津贴", "200.00", "2024-06-14"],
        [3, "2024-06", "遵义办事处", "遵义市某某机械厂", "欧**娜", "520*************48", "职工重大疾病互助保障", "重大疾病（重症）互助金", "10000.00", "2024-06-20"],
    ]
    assert publicity.total == Decimal("13450.00")
    assert (publicity.opens, publicity.closes) == (dt.date(2024, 7, 1), dt.date(2024, 7, 7))


def test_the_objection_window_is_seven_days_inclusive():
    assert window("2024-02", dt.date(2024, 3, 4)) == (dt.date(2024, 3, 4), dt.date(2024, 3, 10))
    assert window("2024-12") == (dt.date(2025, 1, 1), dt.date(2025, 1, 7))


def test_every_format_has_the_published_columns_only(adjudicator):
    publicity = build_publicity(_paid(adjudicator, [hospital_stay("c-1", dt.date(2024, 6, 1), received=dt.date(2024, 6, 14))]),
                                "zunyi", "2024-06")
    titles = [title for _, title in COLUMNS]
    rows = list(csv.reader(io.StringIO(publicity_csv(publicity).decode("utf-8-sig"))))
    assert rows[0] == titles and len(rows) == 3
    sheet = openpyxl.load_workbook(io.BytesIO(publicity_xlsx(publicity))).active
    assert [cell.value for cell in sheet[1]] == titles and sheet.max_row == 3
    html = publicity_html(publicity)
    assert "2024年7月1日" in html and "2024年7月7日" in html and "3,250.00" in html


# -- never published, whatever the claim carried ----------------------------------------------------------

SECRET_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Cf", "Co", "Cn")),
                      min_size=4, max_size=20).map(str.strip).filter(lambda s: len(s) >= 4)


def _outputs(publicity) -> str:
    sheet = openpyxl.load_workbook(io.BytesIO(publicity_xlsx(publicity))).active
    cells = "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None)
    return "\n".join([publicity_csv(publicity).decode("utf-8-sig"), publicity_html(publicity), cells])


@SETTINGS
@given(
    hospital=SECRET_TEXT,
    id_digits=st.from_regex(r"\A[0-9]{17}[0-9X]\Z"),
    birth=st.dates(dt.date(1960, 1, 2), dt.date(2000, 12, 31)),
    code=st.sampled_from(["J18.9", "K35.8", "N20.0", "S72.0", "I63.9"]),
    troponin=st.decimals("15.00", "99.99", places=2),
    name=st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf", "Co", "Cn", "Zl", "Zp")), min_size=2, max_size=8),
)
def test_publicity_never_contains_a_never_published_field(adjudicator, hospital, id_digits, birth, code, troponin, name):
    received = dt.date(2024, 6, 14)
    claims = [
        hospital_stay("c-1", dt.date(2024, 6, 1), received=received, hospital=hospital, code=code, id_number=id_digits,
                      birth_date=birth.isoformat(), name=name),
        heart_attack("c-2", dt.date(2024, 6, 5), received=received, troponin=str(troponin), id_number=id_digits,
                     birth_date=birth.isoformat(), name=name),
    ]
    decided = _paid(adjudicator, claims)
    assume(all(getattr(d, "paid", False) for d in decided))
    publicity = build_publicity(decided, "zunyi", "2024-06")
    published_sources = " ".join([name, "遵义市某某机械厂", "zunyi", "2024-06", "2024-06-14"]
                                 + [f"{cell}" for row in publicity.rows for cell in (row.plan, row.benefit, row.amount)])
    disease_names = {line.disease.name for d in decided for e in d.decision.enrolments for line in e.lines if line.disease}
    secrets = {hospital, id_digits, birth.isoformat(), birth.strftime("%Y%m%d"), f"{birth.year}年{birth.month}月{birth.day}日",
               code, "I21.0", str(troponin), "48.5", *disease_names}
    text = _outputs(publicity)
    for secret in secrets:
        assume(secret not in published_sources and secret not in publicity_html(build_publicity([], "zunyi", "2024-06")))
        assert secret not in text, f"never-published {secret!r} reached the publicity"
