"""Aimed strategies for critical-illness (§2.3, with the plateau rider) and
female-special-disease (§2.4), drawn from the oracle's tables (the catalogue), never from
`rules/`.

A diagnosis is aimed at one definition and one outcome of its criterion: `met`, `failed`
(its code, the criterion fails) or `undecided` (a finding it needs is not stated); the
findings are drawn from values at each threshold of the catalogue and one step either side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from hypothesis import assume
from hypothesis import strategies as st

from oracle.codes import Codes
from oracle.criteria import Dx
from oracle.dates import first_continuous_start
from oracle.lists import MILD, PLATEAU, SEVERE, WOMEN, Definition
from oracle_strategies.common import (
    DAY, add_years, boundary_births, born_for, claims_of, enrolment, member, ordinary_births,
)

LISTS = {"severe": SEVERE, "mild": MILD, "women": WOMEN, "plateau": PLATEAU}

# Values around every threshold of §1.3, in the precision rules/findings.yaml declares for claims.
FINDING_VALUES: dict[str, list] = {
    "icdo3_behaviour": [0, 1, 2, 3, 6, 9], "tnm": ["T1N0M0", "T2N0M0", "T1N1M0"], "tnm_stage": ["0", "I", "II", "III", "IV"],
    "binet": ["A", "B", "C"], "ann_arbor": ["I", "II", "III", "IV"], "net_grade": ["G1", "G2", "G3"], "metastasis": [False, True],
    "troponin_multiple": ["14.99", "15.00", "15.01", "3.50", "40.00"], "lvef": ["49.9", "50.0", "50.1", "35.0", "62.5"],
    "limb_strength": [0, 1, 2, 3, 4, 5], "adl_lost": [0, 1, 2, 3, 4, 6], "days_since_onset": [30, 179, 180, 181, 400],
    "speech_lost": [False, True], "bsa_burn_third_degree": ["5.0", "9.9", "10.0", "10.1", "19.9", "20.0", "20.1", "45.0"],
    "dialysis_days": [30, 89, 90, 91], "gcs": [3, 5, 6, 8, 9, 12], "life_support_hours": [24, 47, 48, 49, 95, 96, 97],
    "hearing_db": [60, 70, 71, 72, 90, 91, 92], "visual_acuity": ["0.05", "0.09", "0.10", "0.11", "0.50"],
    "fev1_pct": ["25.0", "29.9", "30.0", "30.1", "55.0"], "pao2": ["40.0", "49.9", "50.0", "50.1", "80.0"],
    "limbs_lost": [0, 1, 2, 3], "organ": ["kidney", "liver"], "nyha": ["I", "II", "III", "IV"],
    "lupus_nephritis_class": ["I", "II", "III", "IV", "V", "VI"], "sternotomy": [False, True],
}
# Findings a claim may not state until the 2024.1 amendments are in the engine's rules.
AMENDED_FINDINGS = frozenset({"sternotomy"})
NEAR_PROCEDURES = ("36.09", "36.2", "45.9", "99.99", "32.4", "55.4", "50.22", "11.79", "07.7", "39.79", "35.07", "38.49")
CIRCUMSTANCE_CLAUSES = {  # the critical-illness group (§1.1) and two clauses outside it
    "injured_by_policyholder": True, "self_harm": True, "crime": True, "drugs": True, "drunk_driving": True,
    "unlicensed_driver": True, "unlicensed_vehicle": True, "war": True, "riot": True, "nuclear": True,
    "earthquake": False, "suicide": False, "cosmetic": False,
}


def _category(letter: str, number: int) -> str:
    return f"{letter}{number:02d}"


def codes_inside(codes: Codes) -> list[str]:
    """Codes a claim might carry for an entry: both ends and the middle of a range, with and
    without subdivisions, and national clinical-edition codes."""
    found = []
    for low, high in codes.entries:
        if len(low) == 3:
            a, b = int(low[1:]), int(high[1:])
            for n in sorted({a, b, (a + b) // 2}):
                category = _category(low[0], n)
                found += [category, category + ".0", category + ".9", category + ".901"]
        else:
            a, b = low[-1], high[-1]
            found += [low, low + "1", high]
            if a != b:
                found.append(low[:-1] + chr((ord(a) + ord(b)) // 2))
    return sorted({code for code in found if code in codes})


def codes_near(codes: Codes) -> list[str]:
    """Codes just outside each entry."""
    found = []
    for low, high in codes.entries:
        if len(low) == 3:
            found += [_category(low[0], max(int(low[1:]) - 1, 0)) + ".9", _category(high[0], min(int(high[1:]) + 1, 99)) + ".0"]
        else:
            found += [low[:-1] + str((int(low[-1]) - 1) % 10) if low[-1].isdigit() else low[:3],
                      high[:-1] + str((int(high[-1]) + 1) % 10) if high[-1].isdigit() else high[:3]]
    return sorted({code for code in found if code not in codes})


def procedures_for(definition: Definition) -> list[str]:
    prefixes = definition.criterion.procedures
    found = set(prefixes) | {p + "1" for p in prefixes if len(p) <= 4} | {p + "9" for p in prefixes if len(p) <= 4}
    return sorted(found)


def outcome_of(definition: Definition, dx: Dx) -> str:
    result = definition.criterion(dx)
    return "met" if result.value is True else "failed" if result.value is False else "undecided"


def targets(definition: Definition, amended: bool = False) -> list[str]:
    """The outcomes a diagnosis can be aimed at for this definition."""
    keys = definition.criterion.keys - (set() if amended else AMENDED_FINDINGS)
    if definition.criterion.keys & AMENDED_FINDINGS and not amended:
        return []  # only the amendment's tests state these findings
    result = ["met"]
    if keys or definition.criterion.procedures or definition.criterion.parts:
        result.append("failed")
    if keys:
        result.append("undecided")
    return result


@st.composite
def aimed_diagnosis(draw, definition: Definition, target: str, others: list[str] = (), amended: bool = False):
    """(diagnosis, procedures, circumstances) whose code is in `definition` and whose findings
    and procedures make its criterion come out `target`."""
    keys = sorted(definition.criterion.keys - (set() if amended else AMENDED_FINDINGS))
    own = procedures_for(definition)
    hiv = definition.id.startswith("hiv-")
    for _ in range(30):
        code = draw(st.sampled_from(codes_inside(definition.codes)))
        findings = {key: draw(st.sampled_from(FINDING_VALUES[key])) for key in keys if draw(st.integers(0, 5)) > 0}
        if draw(st.integers(0, 3)) == 0:  # a finding no criterion of this definition reads
            extra = draw(st.sampled_from(sorted(set(FINDING_VALUES) - set(keys) - AMENDED_FINDINGS)))
            findings[extra] = draw(st.sampled_from(FINDING_VALUES[extra]))
        procedures = draw(st.one_of(st.none(), st.lists(st.sampled_from(own + list(NEAR_PROCEDURES)) if own else
                                                        st.sampled_from(NEAR_PROCEDURES), max_size=2)))
        circumstances = [draw(st.sampled_from(("hiv_transfusion", "hiv_occupational")))] if hiv and draw(st.integers(0, 3)) else []
        dx = Dx(code=code, findings=findings, procedures=procedures, circumstances=frozenset(circumstances), others=list(others))
        if outcome_of(definition, dx) == target:
            return {"code": code, "findings": findings}, procedures, circumstances
    assume(False)


@dataclass
class Setup:
    member: dict
    enrolments: list[dict]
    start: dt.date

    def first_start(self, plan: str) -> dt.date:
        current = [e for e in self.enrolments if e["plan"] == plan and dt.date.fromisoformat(e["start"]) == self.start]
        return first_continuous_start(current[0], self.enrolments)

    def claims(self, events: list[dict]) -> list[dict]:
        return claims_of(self.member, self.enrolments, events)


@st.composite
def setups(draw, plans: tuple[str, ...] | None = None, *, start: dt.date | None = None, office: str | None = None,
           gender: str | None = None, birth: dt.date | None = None, continuity: str | None = None, gap: int | None = None,
           employment: str = "standard") -> Setup:
    start = start or dt.date(2024, 1, 1) + draw(st.integers(0, 600)) * DAY
    gender = gender or draw(st.sampled_from(("female", "female", "male")))
    if plans is None:
        plans = ("critical-illness", "female-special-disease") if gender == "female" and draw(st.booleans()) else ("critical-illness",)
    person = member(birth=birth or draw(ordinary_births(start)), gender=gender,
                    office=office or draw(st.sampled_from(("xizang", "beijing", "lanzhou"))), employment=employment)
    enrolments = []
    for plan in plans:
        units = draw(st.integers(1, 5 if plan == "critical-illness" else 3))
        kind = continuity or draw(st.sampled_from(("first", "first", "previous", "stated")))
        short = "ci" if plan == "critical-illness" else "fs"
        stated = start - draw(st.integers(0, 400)) * DAY if kind == "stated" else None
        enrolments.append(enrolment(plan, short, start, units=units, first_continuous_start=stated))
        if kind == "previous":
            days = gap if gap is not None else draw(st.sampled_from((1, 15, 30, 31)))
            end = start - days * DAY
            enrolments.append(enrolment(plan, f"{short}-0", add_years(end, -1) + DAY, end, units=draw(st.integers(1, 3))))
    return Setup(person, draw(st.permutations(enrolments)), start)


def diagnosis_event(day: dt.date, diagnoses: list[dict], procedures=None, circumstances=(), cause: str = "disease") -> dict:
    event = {"kind": "diagnosis", "diagnosis_date": day.isoformat(), "cause": cause, "diagnoses": diagnoses}
    if procedures is not None:
        event["procedures"] = list(procedures)
    if circumstances:
        event["circumstances"] = list(circumstances)
    return event


def past_waiting(setup: Setup) -> dt.date:
    return max(max(setup.first_start(e["plan"]) for e in setup.enrolments if e["enrolment_id"] in ("ci", "fs")) + 90 * DAY, setup.start)


AIMS: dict[str, Callable] = {}


def aim(name: str):
    def register(builder):
        AIMS[name] = builder
        return builder
    return register


SECOND_DIAGNOSES = {
    "hape": {"met": [["J81"], ["J81", "G93.6"]], "failed": [[], ["G93.6"], ["G93.5"]]},
    "hace": {"met": [["G93.6"]], "failed": [[], ["J81"], ["J93.0"]]},
    "high-altitude-deterioration": {"met": [[], ["G93.5"], ["J80"]], "failed": [["J81"], ["G93.6"]]},
}


def _definition_aim(list_name: str, definition: Definition, target: str):
    @st.composite
    def build(draw):
        gender = "female" if list_name == "women" else None
        setup = draw(setups(office="xizang" if list_name == "plateau" else None, gender=gender,
                            plans=("female-special-disease", "critical-illness") if list_name == "women" else None))
        others = []
        if definition.id in SECOND_DIAGNOSES:  # §1.5: T70.2 is told apart by a second diagnosis
            others = draw(st.sampled_from(SECOND_DIAGNOSES[definition.id][target]))
        diagnosis, procedures, circumstances = draw(aimed_diagnosis(definition, target, others))
        diagnoses = [diagnosis] + [{"code": code} for code in others]
        if draw(st.integers(0, 4)) == 0:
            diagnoses.append({"code": draw(st.sampled_from(("J18.9", "K35.8", "E11.9")))})
        day = past_waiting(setup) + draw(st.integers(0, 200)) * DAY
        cause = "accident" if draw(st.integers(0, 5)) == 0 else "disease"
        return setup.claims([diagnosis_event(day, diagnoses, procedures, circumstances, cause)])
    return build


for _list, _definitions in LISTS.items():
    for _definition in _definitions:
        for _target in targets(_definition):
            aim(f"{_list} #{_definition.number:02d} {_definition.id}: {_target}")(_definition_aim(_list, _definition, _target))


# Each threshold of §1.3, exactly and one step either side: (code, finding tested, its values,
# findings that make the test decide). One member per value, so every value is met every run.
THRESHOLDS = [
    ("I21.0", "troponin_multiple", ["14.99", "15.00", "15.01"], {"lvef": "60.0"}),
    ("I21.9", "lvef", ["49.9", "50.0", "50.1"], {"troponin_multiple": "3.00"}),
    ("I63.9", "days_since_onset", [179, 180, 181], {"limb_strength": 1}),
    ("I64", "limb_strength", [2, 3, 4], {"days_since_onset": 200, "speech_lost": False, "adl_lost": 0}),
    ("I69.3", "adl_lost", [1, 2, 3], {"days_since_onset": 200, "speech_lost": False, "limb_strength": 5}),
    ("I61.0", "speech_lost", [False, True], {"days_since_onset": 200, "limb_strength": 5, "adl_lost": 0}),
    ("N18.5", "dialysis_days", [89, 90, 91], {}),
    ("T05.3", "limbs_lost", [0, 1, 2], {}),
    ("Z89.4", "limbs_lost", [1, 2, 3], {}),
    ("G04.9", "days_since_onset", [179, 180, 181], {"adl_lost": 3}),
    ("G03.9", "adl_lost", [2, 3], {"days_since_onset": 200}),
    ("R40.2", "gcs", [5, 6], {"life_support_hours": 96}),
    ("R40.2", "life_support_hours", [95, 96, 97], {"gcs": 5}),
    ("R40.2", "gcs", [8, 9], {"life_support_hours": 48}),
    ("R40.2", "life_support_hours", [47, 48, 49], {"gcs": 8}),
    ("H90.3", "hearing_db", [70, 71, 72, 90, 91, 92], {}),
    ("H91.9", "hearing_db", [70, 71, 91], {}),
    ("G82.2", "limb_strength", [2, 3], {}),
    ("G81.9", "limbs_lost", [0, 1], {"limb_strength": 1}),
    ("G30.9", "adl_lost", [1, 2, 3], {}),
    ("G20", "adl_lost", [1, 2, 3], {}),
    ("G12.2", "adl_lost", [1, 2, 3], {}),
    ("G35", "adl_lost", [2, 3], {}),
    ("G70.0", "adl_lost", [2, 3], {}),
    ("S06.5", "days_since_onset", [179, 180, 181], {"adl_lost": 3}),
    ("S06.2", "adl_lost", [1, 2, 3], {"days_since_onset": 200, "limb_strength": 5}),
    ("T90.5", "limb_strength", [2, 3, 4], {"days_since_onset": 200, "adl_lost": 0}),
    ("T31.3", "bsa_burn_third_degree", ["9.9", "10.0", "10.1", "19.9", "20.0", "20.1"], {}),
    ("T20.3", "bsa_burn_third_degree", ["9.9", "10.0", "20.0"], {}),
    ("I27.0", "nyha", ["II", "III", "IV"], {}),
    ("R47.0", "days_since_onset", [179, 180], {"speech_lost": True}),
    ("R47.0", "speech_lost", [False, True], {"days_since_onset": 200}),
    ("D61.9", "days_since_onset", [179, 180, 181], {}),
    ("J96.1", "fev1_pct", ["29.9", "30.0", "30.1"], {"pao2": "45.0"}),
    ("J96.1", "pao2", ["49.9", "50.0", "50.1"], {"fev1_pct": "25.0"}),
    ("A80.9", "limb_strength", [2, 3], {}),
    ("I42.0", "nyha", ["II", "III", "IV"], {}),
    ("M32.1", "lupus_nephritis_class", ["II", "III", "IV"], {}),
    ("H54.1", "visual_acuity", ["0.09", "0.10", "0.11"], {}),
    ("C50.9", "icdo3_behaviour", [2, 3, 6, 9], {}),
    ("C73", "tnm_stage", ["I", "II"], {"icdo3_behaviour": 3}),
    ("C61", "tnm", ["T1N0M0", "T2N0M0"], {"icdo3_behaviour": 3}),
    ("C44.3", "metastasis", [False, True], {"icdo3_behaviour": 3}),
    ("C91.1", "binet", ["A", "B"], {"icdo3_behaviour": 3}),
    ("C81.9", "ann_arbor", ["I", "II"], {"icdo3_behaviour": 3}),
    ("C25.4", "net_grade", ["G1", "G2"], {"icdo3_behaviour": 3, "metastasis": False}),
    ("C25.4", "metastasis", [False, True], {"icdo3_behaviour": 3, "net_grade": "G1"}),
]


def _threshold_aim(code: str, key: str, values: list, companions: dict):
    @st.composite
    def build(draw):
        start = dt.date(2024, 1, 1) + draw(st.integers(0, 400)) * DAY
        office = draw(st.sampled_from(("xizang", "beijing")))
        claims = []
        for n, value in enumerate(values):
            person = member(birth=draw(ordinary_births(start)), gender=draw(st.sampled_from(("female", "male"))), office=office,
                            member_id=f"m{n}")
            units = draw(st.integers(1, 5))
            enrolments = [enrolment("critical-illness", f"ci-{n}", start, units=units)]
            day = start + (90 + draw(st.integers(0, 250))) * DAY
            claims += claims_of(person, enrolments, [diagnosis_event(day, [{"code": code, "findings": {**companions, key: value}}])],
                                prefix=f"m{n}-c")
        return claims
    return build


for _code, _key, _values, _companions in THRESHOLDS:
    aim(f"threshold {_code} {_key} at {', '.join(map(str, _values))}")(_threshold_aim(_code, _key, _values, _companions))


def mild_certain(definition: Definition) -> bool:
    return bool(targets(definition))


@st.composite
def certainly_mild(draw, exclude: tuple[str, ...] = ()) -> tuple[dict, list | None]:
    """A diagnosis certainly classified mild (its severe definitions fail), of a mild disease not in `exclude`."""
    from oracle.lump_sums import classify, mild_of
    choices = [d for d in MILD if mild_certain(d) and d.id not in exclude and not d.criterion.keys & AMENDED_FINDINGS]
    for _ in range(20):
        definition = draw(st.sampled_from(choices))
        diagnosis, procedures, _ = draw(aimed_diagnosis(definition, "met"))
        dx = Dx(diagnosis["code"].upper(), diagnosis["findings"], procedures, frozenset())
        classified = mild_of(classify(SEVERE, dx), classify(MILD, dx))
        if classified.status == "met" and classified.definition.id == definition.id:
            return diagnosis, procedures, definition.id
    assume(False)


def _sequence(kinds: tuple[str, ...]):
    """Claims one after another: `mild` (a new mild disease), `same` (the last mild disease
    again), `severe` (a code-only severe disease), `plateau`."""
    @st.composite
    def build(draw):
        setup = draw(setups(plans=("critical-illness",), office=draw(st.sampled_from(("xizang", "beijing")))))
        day = past_waiting(setup)
        events, paid = [], []
        for kind in kinds:
            day += draw(st.integers(1, 60)) * DAY
            if kind in ("mild", "same"):
                if kind == "same" and paid:
                    diagnosis, procedures, disease = events_mild[paid[-1]]
                else:
                    diagnosis, procedures, disease = draw(certainly_mild(exclude=tuple(paid)))
                    events_mild[disease] = (diagnosis, procedures, disease)
                paid.append(disease)
                events.append(diagnosis_event(day, [diagnosis], procedures))
            elif kind == "severe":
                events.append(diagnosis_event(day, [{"code": draw(st.sampled_from(("K72.0", "K74.6", "H54.0", "K72.1")))}]))
            else:
                events.append(diagnosis_event(day, [{"code": draw(st.sampled_from(("D75.1", "I27.8", "J44.9", "B67.9")))}]))
        return setup.claims(events)
    events_mild: dict = {}
    return build


for _kinds in (("mild", "mild"), ("mild", "mild", "mild"), ("mild", "same"), ("mild", "mild", "same", "mild"),
               ("mild", "severe"), ("mild", "mild", "severe", "mild"), ("severe", "mild"), ("severe", "severe"),
               ("severe", "plateau"), ("plateau", "plateau"), ("plateau", "severe", "plateau")):
    aim(f"sequence: {' then '.join(_kinds)}")(_sequence(_kinds))


def _ci_waiting(day: int, what: str):
    @st.composite
    def build(draw):
        setup = draw(setups(plans=("critical-illness",), office="xizang" if what == "plateau" else None))
        first = setup.first_start("critical-illness")
        if first + day * DAY < setup.start:
            setup = draw(setups(plans=("critical-illness",), continuity="first", office="xizang" if what == "plateau" else None))
            first = setup.start
        if what == "severe":
            diagnoses, procedures = [{"code": draw(st.sampled_from(("K72.0", "C50.9")))}], None
            if diagnoses[0]["code"] == "C50.9":
                diagnoses[0]["findings"] = {"icdo3_behaviour": 3}
        elif what == "mild":
            diagnosis, procedures, _ = draw(certainly_mild())
            diagnoses = [diagnosis]
        elif what == "plateau":
            diagnoses, procedures = [{"code": "D75.1"}], None
        else:  # undecided: an infarction without its findings
            diagnoses, procedures = [{"code": "I21.0"}], None
        cause = "accident" if what == "severe" and draw(st.integers(0, 3)) == 0 else "disease"
        events = [diagnosis_event(first + day * DAY, diagnoses, procedures, cause=cause)]
        events.append(diagnosis_event(first + (day + draw(st.integers(1, 100))) * DAY, [{"code": "K72.0"}]))
        return setup.claims(events)
    return build


for _day in (89, 90):
    for _what in ("severe", "mild", "plateau", "undecided"):
        aim(f"critical-illness waiting period day {_day}: {_what}")(_ci_waiting(_day, _what))


def _women_window(day: int, cause: str = "disease", continuity: str | None = None, gap: int | None = None):
    @st.composite
    def build(draw):
        setup = draw(setups(plans=("female-special-disease",), gender="female", continuity=continuity or "first", gap=gap))
        first = setup.first_start("female-special-disease")
        when = first + day * DAY
        if when < setup.start:
            when = setup.start + draw(st.integers(0, 5)) * DAY
        codes = draw(st.lists(st.sampled_from([c for d in WOMEN for c in codes_inside(d.codes)[:2]]), min_size=1, max_size=2))
        events = [diagnosis_event(when, [{"code": code} for code in codes], cause=cause)]
        if draw(st.booleans()):
            events.append(diagnosis_event(when + draw(st.integers(1, 90)) * DAY, [{"code": draw(st.sampled_from(("C50.9", "D05.1")))}]))
        return setup.claims(events)
    return build


for _day in (29, 30, 59, 60):
    aim(f"women's window: day {_day}")(_women_window(_day))
aim("women's window: day 10, caused by an accident")(_women_window(10, "accident"))
aim("women's window: day 45, caused by an accident")(_women_window(45, "accident"))
for _gap in (30, 31):
    for _day in (29, 59, 400):
        aim(f"women's window: day {_day} of a chain renewed {_gap} days after the old end")(_women_window(_day, continuity="previous", gap=_gap))


@aim("women's plan: an invasive and an in-situ diagnosis in one claim, either order")
@st.composite
def _invasive_and_in_situ(draw):
    setup = draw(setups(plans=("female-special-disease",), gender="female"))
    codes = draw(st.permutations([draw(st.sampled_from(("C50.9", "C53.0", "C56", "M32.9", "C73"))),
                                  draw(st.sampled_from(("D05.1", "D06.9")))]))
    return setup.claims([diagnosis_event(past_waiting(setup) + draw(st.integers(0, 100)) * DAY, [{"code": c} for c in codes])])


for _name, _fields in {"a man": dict(gender="male"), "retired": dict(employment="retired", gender="female")}.items():
    @aim(f"women's plan eligibility: {_name}")
    @st.composite
    def _women_eligibility(draw, fields=_fields):
        setup = draw(setups(plans=("female-special-disease", "critical-illness"), **fields))
        return setup.claims([diagnosis_event(past_waiting(setup), [{"code": "C50.9", "findings": {"icdo3_behaviour": 3}}])])


@aim("age at the term start around 16 and 60 (critical illness, women's plan)")
@st.composite
def _lump_ages(draw):
    start = dt.date(2024, 1, 1) + draw(st.integers(0, 500)) * DAY
    setup = draw(setups(plans=("female-special-disease", "critical-illness"), start=start, gender="female",
                        birth=draw(boundary_births(start, 16, 60))))
    return setup.claims([diagnosis_event(past_waiting(setup), [{"code": "C50.9", "findings": {"icdo3_behaviour": 3}}])])


for _offset in (-1, 0):
    @aim(f"lump sums: pre-existing onset {'the day before' if _offset else 'on'} the first continuous start")
    @st.composite
    def _lump_pre_existing(draw, offset=_offset):
        setup = draw(setups(gender="female"))
        onset = min(setup.first_start(e["plan"]) for e in setup.enrolments if e["enrolment_id"] in ("ci", "fs")) + offset * DAY
        diagnosis = {"code": draw(st.sampled_from(("C50.9", "K72.0", "D05.1"))), "onset_date": onset.isoformat(),
                     "findings": {"icdo3_behaviour": 3}}
        return setup.claims([diagnosis_event(past_waiting(setup), [diagnosis])])


for _circumstance, _excluded in CIRCUMSTANCE_CLAUSES.items():
    @aim(f"lump sums: circumstance {_circumstance} ({'excluded' if _excluded else 'not excluded'})")
    @st.composite
    def _lump_exclusion(draw, circumstance=_circumstance):
        setup = draw(setups(gender="female"))
        return setup.claims([diagnosis_event(past_waiting(setup), [{"code": "C50.9", "findings": {"icdo3_behaviour": 3}}],
                                             circumstances=[circumstance])])

for _codes, _circumstances in ((["B20"], []), (["B20"], ["hiv_transfusion"]), (["Z21"], ["hiv_occupational"]),
                               (["C50.9", "Q21.0"], []), (["C50.9", "F32.1"], []), (["C50.9", "O80"], [])):
    @aim(f"lump sums: diagnoses {' + '.join(_codes)}{' with ' + _circumstances[0] if _circumstances else ''}")
    @st.composite
    def _lump_codes(draw, codes=tuple(_codes), circumstances=tuple(_circumstances)):
        setup = draw(setups(gender="female"))
        diagnoses = [{"code": code, "findings": {"icdo3_behaviour": 3}} if code.startswith("C") else {"code": code} for code in codes]
        return setup.claims([diagnosis_event(past_waiting(setup), diagnoses, circumstances=circumstances)])


@aim("plateau rider outside xizang")
@st.composite
def _plateau_elsewhere(draw):
    setup = draw(setups(plans=("critical-illness",), office=draw(st.sampled_from(("beijing", "jilin")))))
    return setup.claims([diagnosis_event(past_waiting(setup), [{"code": draw(st.sampled_from(("D75.1", "J44.9", "T70.2")))}])])


@aim("plateau T70.2 with J81, G93.6, both or neither")
@st.composite
def _plateau_t70(draw):
    setup = draw(setups(plans=("critical-illness",), office="xizang"))
    seconds = draw(st.sampled_from(([], ["J81"], ["G93.6"], ["J81", "G93.6"], ["G93.5"], ["J81.0"])))
    codes = draw(st.permutations(["T70.2"] + seconds))
    return setup.claims([diagnosis_event(past_waiting(setup), [{"code": c} for c in codes])])


@st.composite
def free_sequences(draw) -> list[dict]:
    """1–5 diagnosis claims for a member holding critical-illness and, for women, the women's
    plan: any diagnosis of the tables, aimed at a random outcome, plus codes on no list."""
    setup = draw(setups())
    day = setup.start + draw(st.integers(0, 120)) * DAY
    events = []
    for _ in range(draw(st.integers(1, 5))):
        diagnoses, procedures, circumstances = [], None, []
        for _ in range(draw(st.integers(1, 2))):
            list_name = draw(st.sampled_from(("severe", "mild", "women", "plateau", "none")))
            if list_name == "none":
                diagnoses.append({"code": draw(st.sampled_from(("J18.9", "K35.8", "E11.9")))})
                continue
            definition = draw(st.sampled_from([d for d in LISTS[list_name] if targets(d)]))
            diagnosis, drawn_procedures, drawn_circumstances = draw(aimed_diagnosis(definition, draw(st.sampled_from(targets(definition)))))
            diagnoses.append(diagnosis)
            procedures = drawn_procedures if procedures is None else procedures + (drawn_procedures or [])
            circumstances += drawn_circumstances
        cause = "accident" if draw(st.integers(0, 6)) == 0 else "disease"
        events.append(diagnosis_event(day, diagnoses, procedures, sorted(set(circumstances)), cause))
        day += draw(st.integers(1, 90)) * DAY
    return setup.claims(events)
