"""The header map of staff lists (参保花名册): the column titles unions use, in Chinese, with the
English aliases systems send. A title is matched after folding full-width characters, dropping
spaces, a required-field star and a bracketed hint (`身份证号（18位）*` reads as 身份证号), and
lower-casing. Columns not listed here are ignored, and named once as ignored; `IGNORED` are the
usual ones that need no mention (a row number, remarks, a phone number, which is never stored)."""

from __future__ import annotations

import re
import unicodedata

# field -> accepted titles (the first is the one documented and written in templates)
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "职工姓名", "会员姓名", "name", "full_name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number", "resident_id", "id_card"),
    "gender": ("性别", "gender", "sex"),
    "birth_date": ("出生日期", "出生年月日", "birth_date", "date_of_birth", "dob"),
    "plan": ("参保计划", "保障计划", "参保项目", "plan"),
    "units": ("份数/档次", "份数", "档次", "参保份数", "units", "tier", "units_or_tier"),
    "joins": ("是否参保", "参保", "joins", "enrol", "enrolled"),
    "employment": ("人员类别", "人员状态", "用工形式", "employment"),
    "medical_insurance": ("医保类型", "医疗保险类型", "参加医保类型", "medical_insurance"),
    "occupation_risk": ("职业类别", "职业风险", "occupation_risk"),
}
REQUIRED = ("name", "id_number", "joins")
IGNORED = frozenset({"序号", "编号", "备注", "联系电话", "手机号码", "电话", "工号", "部门", "no", "remarks", "phone"})

# The application sheet (申请信息): one `key | value` pair per row.
APPLICATION_SHEETS = frozenset({"申请信息", "application"})
APPLICATION_KEYS: dict[str, tuple[str, ...]] = {
    "employer": ("单位名称", "参保单位", "工会名称", "employer"),
    "office": ("办事处", "office"),
    "start": ("保障起始日期", "保障期起", "起保日期", "start"),
    "end": ("保障终止日期", "保障期止", "end"),
    "plan": ("参保计划", "plan"),
    "units": ("份数/档次", "份数", "档次", "units", "tier"),
}

# Cell values, folded the same way as titles.
GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female"}
YES_NO = {"是": True, "否": False, "y": True, "n": False, "yes": True, "no": False, "true": True, "false": False,
          "1": True, "0": False, "√": True, "✓": True, "×": False, "参保": True, "不参保": False}
EMPLOYMENT = {"在职": "standard", "在岗": "standard", "standard": "standard", "退休": "retired", "retired": "retired",
              "新就业形态": "new_form", "新就业形态劳动者": "new_form", "new_form": "new_form"}
MEDICAL_INSURANCE = {"城镇职工": "urban_employee", "职工医保": "urban_employee", "城镇职工基本医疗保险": "urban_employee",
                     "urban_employee": "urban_employee", "城乡居民": "urban_rural_resident", "居民医保": "urban_rural_resident",
                     "城乡居民基本医疗保险": "urban_rural_resident", "urban_rural_resident": "urban_rural_resident",
                     "无": "none", "未参保": "none", "none": "none"}
OCCUPATION_RISK = {"普通": "normal", "一般": "normal", "normal": "normal", "高风险": "high", "high": "high"}

_HINT = re.compile(r"[（(【\[].*?[）)】\]]")


def fold(text: str) -> str:
    """A title or value as compared: NFKC, no spaces, no star, no bracketed hint, lower case."""
    text = unicodedata.normalize("NFKC", text)
    text = _HINT.sub("", text)
    return re.sub(r"[\s*＊]", "", text).lower()


_BY_TITLE = {fold(title): field for field, titles in COLUMNS.items() for title in titles}
_KEY_BY_TITLE = {fold(title): key for key, titles in APPLICATION_KEYS.items() for title in titles}


def column_field(title: str) -> str | None:
    return _BY_TITLE.get(fold(title))


def application_key(title: str) -> str | None:
    return _KEY_BY_TITLE.get(fold(title))


def is_ignored(title: str) -> bool:
    return fold(title) in IGNORED


def looks_like_header(titles: list[str]) -> bool:
    """A row is the header when it names the person and the identity number columns."""
    fields = {column_field(title) for title in titles if title}
    return {"name", "id_number"} <= fields
