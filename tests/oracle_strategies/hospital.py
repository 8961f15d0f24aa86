"""Aimed strategies for inpatient-medical (§2.1) and hospital-allowance (§2.2).

`AIMS[name]` builds one member's claims (hospital stays in discharge order) that reach the
named boundary; `free_sequences()` draws ordinary sequences with random boundaries mixed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from hypothesis import strategies as st

from oracle import Oracle
from oracle.dates import first_continuous_start
from oracle_strategies.common import (
    DAY, add_years, boundary_births, born_for, claims_of, enrolment, member, money, one_year, ordinary_births, smallest,
)

PLANS = ("inpatient-medical", "hospital-allowance")
SHORT = {"inpatient-medical": "im", "hospital-allowance": "ha"}
ORDINARY = ("J18.9", "K35.8", "I21.0", "E11.9", "N18.5", "C34.901", "M32.1", "J18.900X002")
INJURIES = ("S72.0", "S06.0", "T31.3", "S82.1")
DEDUCTIBLE = {"urban_employee": 50_000, "urban_rural_resident": 100_000}  # in fen

# Medical group (§1.1): the circumstances and codes of each clause, and neighbours outside.
MEDICAL_CLAUSES = {
    "war": {"circumstances": ["war"]}, "riot": {"circumstances": ["riot"]}, "nuclear": {"circumstances": ["nuclear"]},
    "cosmetic": {"circumstances": ["cosmetic"]}, "drugs": {"circumstances": ["drugs"]},
    "self-harm": {"circumstances": ["self_harm"]}, "crime": {"circumstances": ["crime"]},
    "drunk-driving": {"circumstances": ["drunk_driving"]}, "unlicensed-driver": {"circumstances": ["unlicensed_driver"]},
    "unlicensed-vehicle": {"circumstances": ["unlicensed_vehicle"]},
    "hiv B20": {"codes": ["B20"]}, "hiv B24.1": {"codes": ["B24.1"]}, "hiv Z21": {"codes": ["Z21"]},
    "hiv by transfusion": {"codes": ["B23.0"], "circumstances": ["hiv_transfusion"]},
    "hiv at work": {"codes": ["Z21"], "circumstances": ["hiv_occupational"]},
    "congenital Q00": {"codes": ["Q00"]}, "congenital Q99.9": {"codes": ["Q99.9"]},
    "pregnancy O00.1": {"codes": ["O00.1"]}, "pregnancy O99.8": {"codes": ["O99.8"]},
    "pregnancy Z30.0": {"codes": ["Z30.0"]}, "pregnancy Z39.2": {"codes": ["Z39.2"]},
    "mental F00": {"codes": ["F00"]}, "mental f32.1": {"codes": ["f32.1"]}, "mental F99.9": {"codes": ["F99.9"]},
    "secondary diagnosis F32.1": {"codes": ["J18.9", "F32.1"]},
    "neighbour B19.9": {"codes": ["B19.9"]}, "neighbour B25.0": {"codes": ["B25.0"]}, "neighbour Z22": {"codes": ["Z22"]},
    "neighbour E99": {"codes": ["E99"]}, "neighbour P00": {"codes": ["P00"]}, "neighbour R00.0": {"codes": ["R00.0"]},
    "neighbour Z29.9": {"codes": ["Z29.9"]}, "neighbour Z40.0": {"codes": ["Z40.0"]},
    "earthquake (not medical)": {"circumstances": ["earthquake"]}, "suicide (not medical)": {"circumstances": ["suicide"]},
}


@dataclass
class Setup:
    member: dict
    enrolments: list[dict]
    start: dt.date  # the current terms' start
    plans: tuple[str, ...]

    def first_start(self, plan: str) -> dt.date:
        current = next(e for e in self.enrolments if e["plan"] == plan and dt.date.fromisoformat(e["start"]) == self.start)
        return first_continuous_start(current, self.enrolments)

    def claims(self, events: list[dict]) -> list[dict]:
        return claims_of(self.member, self.enrolments, events)


term_starts = st.one_of(
    st.integers(0, 640).map(lambda n: dt.date(2024, 1, 1) + n * DAY),
    st.sampled_from((dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2024, 2, 29), dt.date(2024, 3, 1))),
)


@st.composite
def setups(draw, plans: tuple[str, ...] | None = None, start: dt.date | None = None, insurance: str | None = None,
           continuity: str | None = None, gap: int | None = None, birth: dt.date | None = None, **member_fields) -> Setup:
    """An eligible member (unless told otherwise) holding the plans, each with its current term
    from `start`, sometimes with the previous term (ended `gap` days before) or a stated
    first continuous start."""
    start = start or draw(term_starts)
    plans = plans or draw(st.sampled_from((PLANS, PLANS, ("inpatient-medical",), ("hospital-allowance",))))
    if insurance is None:
        insurance = draw(st.sampled_from(("urban_employee", "urban_employee", "urban_rural_resident")))
    office = member_fields.pop("office", None) or (
        draw(st.sampled_from(("lanzhou", "zunyi"))) if insurance == "urban_rural_resident" else draw(st.sampled_from(("beijing", "jilin", "xizang", "lanzhou"))))
    birth = birth or draw(ordinary_births(start))
    person = member(birth=birth, gender=draw(st.sampled_from(("female", "male"))), office=office, insurance=insurance,
                    employment=member_fields.pop("employment", None) or draw(st.sampled_from(("standard", "new_form"))), **member_fields)
    enrolments = []
    for plan in plans:
        kind = continuity or draw(st.sampled_from(("first", "first", "previous", "stated")))
        units = draw(st.integers(1, 3))
        if kind == "stated":
            stated = start - draw(st.integers(0, 500)) * DAY
            enrolments.append(enrolment(plan, f"e-{SHORT[plan]}", start, units=units, first_continuous_start=stated))
        else:
            enrolments.append(enrolment(plan, f"e-{SHORT[plan]}", start, units=units))
        if kind == "previous":
            days = gap if gap is not None else draw(st.one_of(st.integers(1, 30), st.sampled_from((30, 31, 45))))
            previous_end = start - days * DAY
            enrolments.append(enrolment(plan, f"e-{SHORT[plan]}-0", add_years(previous_end, -1) + DAY, previous_end,
                                        units=draw(st.integers(1, 3))))
    return Setup(person, draw(st.permutations(enrolments)), start, plans)


@st.composite
def costs(draw, in_scope: int) -> dict:
    """Costs of a stay with `in_scope` fen of in-scope self-pay (统筹内个人自付)."""
    fund = draw(st.one_of(st.just(0), st.integers(0, 8_000_000)))
    out_of_scope = draw(st.one_of(st.just(0), st.integers(0, 500_000)))
    extra = draw(st.one_of(st.just(0), st.integers(0, 50_000)))
    total = fund + in_scope + out_of_scope + extra
    other = draw(st.one_of(st.just(0), st.integers(0, total - fund)))
    return {"total": money(total), "fund_paid": money(fund), "self_pay_in_scope": money(in_scope),
            "self_pay_out_of_scope": money(out_of_scope), "other_reimbursed": money(other)}


@st.composite
def stays(draw, admission: dt.date, *, days: int | None = None, cause: str | None = None, in_scope: int | None = None,
          designated: bool = True, icu: int | None = None, codes: list[str] | None = None, circumstances: list[str] | None = None,
          onset: dt.date | None = None) -> dict:
    days = draw(st.one_of(st.integers(0, 8), st.integers(3, 40))) if days is None else days
    cause = cause or draw(st.sampled_from(("disease", "disease", "accident")))
    codes = codes or [draw(st.sampled_from(ORDINARY if cause == "disease" else INJURIES))]
    diagnoses = [{"code": code} for code in codes]
    if onset is not None:
        diagnoses[0]["onset_date"] = onset.isoformat()
    in_scope = draw(st.one_of(st.integers(0, 300_000), st.integers(0, 4_000_000))) if in_scope is None else in_scope
    event = {"kind": "hospital_stay", "admission": admission.isoformat(), "discharge": (admission + days * DAY).isoformat(),
             "cause": cause, "designated": designated, "icu_days": draw(st.integers(0, days)) if icu is None else icu,
             "diagnoses": diagnoses, "circumstances": circumstances or [], **draw(costs(in_scope))}
    if cause == "accident":
        event["accident_id"] = "a1"
    return event


def paid_from(setup: Setup, plan: str) -> dt.date:
    """A day from which a disease-caused stay is past every waiting period."""
    return max(setup.first_start(plan) + 90 * DAY, setup.start)


@st.composite
def more_stays(draw, setup: Setup, after: dt.date, count: int | None = None) -> list[dict]:
    """Ordinary stays after `after`, admitted inside the terms."""
    events, admission = [], after
    end = one_year(setup.start)
    for _ in range(draw(st.integers(0, 2)) if count is None else count):
        admission = admission + draw(st.integers(0, 30)) * DAY
        if admission > end:
            break
        event = draw(stays(admission))
        events.append(event)
        admission = dt.date.fromisoformat(event["discharge"])
    return events


AIMS: dict[str, Callable] = {}


def aim(name: str):
    def register(builder):
        AIMS[name] = builder
        return builder
    return register


def _waiting(plan: str, day: int):
    @st.composite
    def build(draw):
        setup = draw(setups(plans=draw(st.sampled_from(((plan,), PLANS)))))
        admission = setup.first_start(plan) + day * DAY
        if admission < setup.start:  # a renewal chain starts long before: aim at its term instead
            setup = draw(setups(plans=(plan,), continuity="first"))
            admission = setup.start + day * DAY
        first = draw(stays(admission, cause="disease"))
        return setup.claims([first] + draw(more_stays(setup, dt.date.fromisoformat(first["discharge"]))))
    return build


for _plan in PLANS:
    for _day in (89, 90):
        aim(f"{_plan} waiting period day {_day}")(_waiting(_plan, _day))


def _renewal(gap: int):
    @st.composite
    def build(draw):
        setup = draw(setups(continuity="previous", gap=gap))
        admission = setup.start + draw(st.integers(0, 89)) * DAY
        onset = setup.start - draw(st.integers(1, 60)) * DAY if draw(st.booleans()) else None
        first = draw(stays(admission, cause="disease", onset=onset))
        return setup.claims([first] + draw(more_stays(setup, dt.date.fromisoformat(first["discharge"]))))
    return build


aim("renewal 30 days after the old end (continuous)")(_renewal(30))
aim("renewal 31 days after the old end (a first enrolment)")(_renewal(31))


@aim("age at the term start around 16 and 65")
@st.composite
def _ages(draw):
    start = draw(term_starts)
    setup = draw(setups(start=start, birth=draw(boundary_births(start, 16, 65))))
    return setup.claims(draw(more_stays(setup, paid_from(setup, setup.plans[0]), count=draw(st.integers(1, 2)))))


@aim("29 February birthday, term starting 28 February or 1 March")
@st.composite
def _leap(draw):
    start = draw(st.sampled_from((dt.date(2025, 2, 28), dt.date(2025, 3, 1))))
    setup = draw(setups(start=start, birth=draw(st.sampled_from((dt.date(1960, 2, 29), dt.date(2008, 2, 29))))))
    return setup.claims(draw(more_stays(setup, paid_from(setup, setup.plans[0]), count=1)))


for _offset in (-1, 0):
    @aim(f"pre-existing onset {'the day before' if _offset else 'on'} the first continuous start")
    @st.composite
    def _pre_existing(draw, offset=_offset):
        setup = draw(setups())
        plan = setup.plans[0]
        onset = setup.first_start(plan) + offset * DAY
        codes = [draw(st.sampled_from(ORDINARY))] + ([draw(st.sampled_from(ORDINARY))] if draw(st.booleans()) else [])
        first = draw(stays(paid_from(setup, plan) + draw(st.integers(0, 20)) * DAY, cause=draw(st.sampled_from(("disease", "accident"))),
                           codes=codes, onset=onset))
        return setup.claims([first])


@aim("pre-existing onset on a secondary diagnosis only")
@st.composite
def _secondary(draw):
    setup = draw(setups())
    first = draw(stays(paid_from(setup, setup.plans[0]), cause="disease", codes=["J18.9", "E11.9"]))
    first["diagnoses"][1]["onset_date"] = (setup.first_start(setup.plans[0]) - 200 * DAY).isoformat()
    return setup.claims([first])


for _name, _fields in MEDICAL_CLAUSES.items():
    @aim(f"exclusion: {_name}")
    @st.composite
    def _excluded(draw, fields=_fields):
        setup = draw(setups())
        first = draw(stays(paid_from(setup, setup.plans[0]), codes=fields.get("codes"), circumstances=fields.get("circumstances")))
        return setup.claims([first] + draw(more_stays(setup, dt.date.fromisoformat(first["discharge"]))))


for _name, _fields in {"not designated": dict(designated=False), "retired": dict(employment="retired"),
                       "no medical insurance": dict(insurance="none", office="beijing"),
                       "urban-rural resident outside the pilot offices": dict(insurance="urban_rural_resident", office="beijing"),
                       "urban-rural resident in a pilot office": dict(insurance="urban_rural_resident")}.items():
    @aim(f"eligibility and cover: {_name}")
    @st.composite
    def _cover(draw, fields=_fields):
        fields = dict(fields)
        designated = fields.pop("designated", True)
        setup = draw(setups(**fields))
        first = draw(stays(paid_from(setup, setup.plans[0]), designated=designated))
        return setup.claims([first] + draw(more_stays(setup, dt.date.fromisoformat(first["discharge"]))))


def _inpatient_amount(setup: Setup, prefix: list[dict], event: dict, in_scope: int):
    """What inpatient-medical pays for `event` with `in_scope` fen, after the claims of `prefix`."""
    oracle = Oracle()
    for claim in prefix:
        oracle.adjudicate(claim)
    trial = dict(event, **{"self_pay_in_scope": money(in_scope), "total": money(in_scope)}, fund_paid="0.00",
                 self_pay_out_of_scope="0.00", other_reimbursed="0.00")
    outcome = oracle.adjudicate({"claim_id": "trial", "member": setup.member, "enrolments": setup.enrolments, "event": trial})
    return outcome.enrolments["e-im"].lines[0]


@st.composite
def _inpatient_prefix(draw, revision: str | None = None, insurance: str | None = None, stays_before: int | None = None):
    """A member with inpatient-medical (revision by the term start) and some paid stays before the aimed one."""
    start = {"2024": draw(st.integers(0, 364).map(lambda n: dt.date(2024, 1, 1) + n * DAY)),
             "2025": draw(st.integers(0, 270).map(lambda n: dt.date(2025, 1, 1) + n * DAY)), None: None}[revision]
    setup = draw(setups(plans=draw(st.sampled_from((("inpatient-medical",), PLANS))), start=start, insurance=insurance))
    admission = paid_from(setup, "inpatient-medical")
    events = []
    for _ in range(draw(st.integers(0, 2)) if stays_before is None else stays_before):
        event = draw(stays(admission, cause="accident", days=draw(st.integers(1, 10))))
        events.append(event)
        admission = dt.date.fromisoformat(event["discharge"])
    return setup, events, admission


def _aimed_stay(offsets: tuple[int, ...], edge: Callable, revision: str | None = None, insurance: str | None = None):
    """A last stay whose in-scope self-pay lies at `edge(setup, prefix, event)` fen plus one of `offsets`."""
    @st.composite
    def build(draw):
        setup, events, admission = draw(_inpatient_prefix(revision, insurance))
        event = draw(stays(admission, cause="accident", days=draw(st.integers(0, 10))))
        prefix = setup.claims(events)
        at = edge(setup, prefix, event)
        in_scope = max(at + draw(st.sampled_from(offsets)), 0)
        event.update(draw(costs(in_scope)))
        return setup.claims(events + [event])
    return build


def deductible_left(setup, prefix, event) -> int:
    """Fen of in-scope self-pay the deductible still takes: the last base that pays nothing."""
    pays = smallest(0, 10**6, lambda fen_: _inpatient_amount(setup, prefix, event, fen_).note not in ("nothing_to_pay", "below_deductible"))
    return pays - 1


def band_edge(top: int):
    return lambda setup, prefix, event: deductible_left(setup, prefix, event) + top


def cap_edge(setup, prefix, event) -> int:
    """The smallest base whose payment reaches what is left of the term's cap."""
    left = _inpatient_amount(setup, prefix, event, 10**9).amount
    return smallest(0, 10**9, lambda fen_: _inpatient_amount(setup, prefix, event, fen_).amount >= left)


for _insurance in ("urban_employee", "urban_rural_resident"):
    aim(f"inpatient deductible edge, {_insurance}")(_aimed_stay((-1, 0, 1, 2), deductible_left, insurance=_insurance))
    for _revision in ("2024", "2025"):
        aim(f"inpatient band edge at 10,000, {_insurance}, revision {_revision}")(
            _aimed_stay((-1, 0, 1), band_edge(1_000_000), _revision, _insurance))
        aim(f"inpatient cap reached exactly, {_insurance}, revision {_revision}")(
            _aimed_stay((-1, 0, 1), cap_edge, _revision, _insurance))
aim("inpatient band edge at 30,000, urban_employee, revision 2025")(
    _aimed_stay((-1, 0, 1), band_edge(3_000_000), "2025", "urban_employee"))
aim("inpatient rounding half up: an odd fen at 50%")(
    _aimed_stay((1, 3, 5, 7, 99), deductible_left, "2024", "urban_employee"))
aim("inpatient rounding half up: 5 fen at 70% (2025 third band)")(
    _aimed_stay((5, 15, 25, 105), band_edge(3_000_000), "2025", "urban_employee"))


@aim("inpatient revision by the term start: 2024-12-31 or 2025-01-01")
@st.composite
def _revision_edge(draw):
    setup = draw(setups(plans=("inpatient-medical",), start=draw(st.sampled_from((dt.date(2024, 12, 31), dt.date(2025, 1, 1)))),
                        insurance="urban_employee"))
    event = draw(stays(paid_from(setup, "inpatient-medical"), in_scope=draw(st.integers(3_050_000, 4_500_000))))
    return setup.claims([event])


for _days in (3, 4):
    @aim(f"allowance stay of {_days} days (3 deductible days)")
    @st.composite
    def _short(draw, days=_days):
        setup = draw(setups(plans=draw(st.sampled_from((("hospital-allowance",), PLANS)))))
        first = draw(stays(paid_from(setup, "hospital-allowance"), days=days))
        return setup.claims([first] + draw(more_stays(setup, dt.date.fromisoformat(first["discharge"]))))

for _total in (179, 180, 181):
    @aim(f"allowance {_total} payable days in a term (180 paid at most)")
    @st.composite
    def _limit(draw, total=_total):
        setup = draw(setups(plans=draw(st.sampled_from((("hospital-allowance",), PLANS)))))
        admission = max(setup.start, setup.first_start("hospital-allowance")) + draw(st.integers(0, 20)) * DAY
        first_days = draw(st.integers(100, 160))
        first = draw(stays(admission, days=first_days + 3, cause="accident"))
        second = draw(stays(dt.date.fromisoformat(first["discharge"]) + draw(st.integers(0, 5)) * DAY,
                            days=total - first_days + 3, cause="accident"))
        return setup.claims([first, second])

for _icu in ("one less than the paid days", "the paid days", "one more than the paid days", "all the stay"):
    @aim(f"allowance ICU days: {_icu}")
    @st.composite
    def _icu_days(draw, which=_icu):
        setup = draw(setups(plans=draw(st.sampled_from((("hospital-allowance",), PLANS)))))
        days = draw(st.integers(4, 30))
        icu = {"one less than the paid days": days - 4, "the paid days": days - 3,
               "one more than the paid days": days - 2, "all the stay": days}[which]
        return setup.claims([draw(stays(paid_from(setup, "hospital-allowance"), days=days, icu=icu))])


@st.composite
def free_sequences(draw) -> list[dict]:
    """Ordinary sequences: 1–5 stays from a random day of the terms, any member (a third not
    eligible in some way), costs small and large."""
    start = draw(term_starts)
    odd = draw(st.integers(0, 2)) == 0
    birth = draw(boundary_births(start, 16, 65)) if odd and draw(st.booleans()) else None
    fields = {}
    if odd:
        fields = draw(st.sampled_from(({"insurance": "none", "office": "beijing"}, {"employment": "retired"},
                                       {"insurance": "urban_rural_resident", "office": "jilin"}, {})))
    setup = draw(setups(start=start, birth=birth, **fields))
    admission = setup.start + draw(st.integers(-5, 200)) * DAY
    events = []
    for _ in range(draw(st.integers(1, 5))):
        event = draw(stays(max(admission, setup.start), designated=draw(st.sampled_from((True, True, True, False)))))
        events.append(event)
        admission = dt.date.fromisoformat(event["discharge"]) + draw(st.integers(0, 40)) * DAY
        if admission > one_year(setup.start):
            break
    return setup.claims(events)
