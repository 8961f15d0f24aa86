"""Hypothesis strategies for claims against inpatient-medical (§2.1) and hospital-allowance (§2.2).

A *scenario* is one member with their enrolments in one or both plans (sometimes with the
previous term of the same plan, 25–35 days before) and 1–6 hospital stays in discharge order.
`claim_sequences()` turns a scenario into the claim dicts a system would send, one per stay,
each listing every enrolment of the member (the engine picks the ones that cover the stay).

What is varied on purpose, and why:
- age on the term start at 15, 16, 65 and 66 years, with the birthday on the start date itself,
  the day before or the day after (the eligibility boundaries of both plans);
- offices lanzhou and zunyi (pilot offices for urban_rural_resident), beijing, jilin, xizang;
  insurance urban_employee / urban_rural_resident / none; employment incl. retired;
- previous terms ending 25–35 days before the current start (continuous renewal iff the new
  start is no later than old end + 30 days), or a stated `first_continuous_start`;
- stays caused by disease or accident, designated or not, admitted in or outside any term,
  ICU days, long stays (to reach the 180-day limit) and large in-scope costs (to reach the
  15,000 × units cap), amounts near the deductible and band edges (500, 1,000, 10,500,
  11,000, ...), diagnoses with onset dates around the first continuous start (pre-existing,
  §0), diagnoses inside and just outside the excluded ICD-10 ranges (B20–B24, Z21,
  F00–F99, O00–O99, Z30–Z39, Q00–Q99), and circumstances in and out of the medical group.

Everything generated is a valid claim: the engine must adjudicate every one of them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

PLANS = ("inpatient-medical", "hospital-allowance")
FEE_PER_UNIT = {"inpatient-medical": Decimal("60.00"), "hospital-allowance": Decimal("30.00")}
PLAN_SHORT = {"inpatient-medical": "im", "hospital-allowance": "ha"}

OFFICES = ("lanzhou", "zunyi", "beijing", "jilin", "xizang")
INSURANCE = ("urban_employee", "urban_rural_resident", "none")
EMPLOYMENT = ("standard", "new_form", "retired")

# Diagnoses: ordinary ones, ones in the excluded ranges, and neighbours just outside them.
ORDINARY_CODES = ("J18.9", "K35.8", "I21.0", "S72.0", "C34.901", "E11.9", "N18.5", "M32.1", "A80")
EXCLUDED_CODES = (
    "B20", "B24.1", "Z21", "F32.1", "F00", "F99.9", "O80", "O00.1", "O99.8", "Q21.0", "Q00", "Q99.9",
    "Z30.0", "Z39.2", "f32.1", " o80 ",
)
NEIGHBOUR_CODES = ("B19.9", "B25.0", "E99", "G00.1", "N99", "P00", "R00.0", "Z20.9", "Z22", "Z29.9", "Z40.0")

# Circumstances in the medical group (war, riot, nuclear, cosmetic, drugs, self_harm, crime,
# drunk / unlicensed driving), the hiv exceptions, and some that only other groups exclude.
CIRCUMSTANCES = (
    "war", "riot", "drugs", "hiv_transfusion", "hiv_occupational", "earthquake", "natural_disaster",
    "nuclear", "cosmetic", "self_harm", "crime", "drunk_driving", "unlicensed_driver",
    "unlicensed_vehicle", "suicide", "no_civil_capacity", "injured_by_policyholder",
    "against_medical_advice", "non_therapeutic_abortion",
)

# Current terms start from 2025-03-01 over about 300 days (inpatient-medical revision 2025 is in
# force; a previous term one year earlier starts in 2024, under revision 2024, and after 2024-01-01, and no term starts on 28
# February of a common year, where a 29 February birthday would make the age a matter of reading).
FIRST_START = dt.date(2025, 3, 1)
START_SPREAD_DAYS = 300

# In-scope self-pay near the edges that matter: the two deductibles, deductible + 10,000 (the
# band edge on a first stay), 10,000 (band edge once the deductible is used), and the bases that
# reach the 15,000 × units cap on a first stay: urban_employee 500 + 10,000 + (15,000·u − 5,000)/0.6
# (27,166.67 / 52,166.67 / 77,166.67), urban_rural_resident 1,000 + 10,000 + (15,000·u − 4,000)/0.5
# (33,000 / 63,000 / 93,000).
EDGES = (
    Decimal("0"), Decimal("500"), Decimal("1000"), Decimal("10000"), Decimal("10500"), Decimal("11000"),
    Decimal("20000"), Decimal("27166.67"), Decimal("52166.67"), Decimal("77166.67"),
    Decimal("33000"), Decimal("63000"), Decimal("93000"),
)
NUDGES = (Decimal("-1.00"), Decimal("-0.01"), Decimal("0.00"), Decimal("0.01"), Decimal("0.02"), Decimal("0.99"))


def add_years(day: dt.date, years: int) -> dt.date:
    """Same day and month `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def one_year_term(start: dt.date) -> dt.date:
    return add_years(start, 1) - dt.timedelta(days=1)


def money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Amounts in yuan between low and high with two decimals."""
    return st.integers(low * 100, high * 100).map(money)


edge_amounts = st.builds(lambda edge, nudge: max(edge + nudge, Decimal("0.00")), st.sampled_from(EDGES), st.sampled_from(NUDGES))

in_scope_amounts = st.one_of(
    edge_amounts,
    cents(0, 3_000),
    cents(0, 30_000),
    cents(20_000, 150_000),
)


@st.composite
def birth_dates(draw, start: dt.date) -> dt.date:
    """A birth date giving a chosen age on `start`: boundary ages with the birthday on, just
    before or just after the start, or an ordinary age."""
    age = draw(st.one_of(st.sampled_from((15, 16, 65, 66)), st.integers(14, 70)))
    shift = draw(st.sampled_from((-1, 0, 1, 0, 0, 17, -40, 200)))
    return add_years(start, -age) + dt.timedelta(days=shift)


@st.composite
def members(draw, start: dt.date, eligible: bool = False) -> dict:
    """About half the members are ordinary eligible workers (so that stays get paid and the
    deductible, bands, caps and day limits come into play); the others vary every field."""
    if eligible or draw(st.booleans()):
        birth = start - dt.timedelta(days=draw(st.integers(17 * 366, 64 * 365)))
        office = draw(st.sampled_from(OFFICES))
        insurance = "urban_rural_resident" if office in ("lanzhou", "zunyi") and draw(st.booleans()) else "urban_employee"
        employment = draw(st.sampled_from(("standard", "new_form")))
    else:
        birth = draw(birth_dates(start))
        office = draw(st.sampled_from(OFFICES))
        insurance = draw(st.sampled_from(INSURANCE + ("urban_employee", "urban_rural_resident")))
        employment = draw(st.sampled_from(EMPLOYMENT + ("standard",)))
    return {
        "member_id": "m1",
        "gender": draw(st.sampled_from(("female", "male"))),
        "birth_date": birth.isoformat(),
        "office": office,
        "medical_insurance": insurance,
        "employment": employment,
        "occupation_risk": draw(st.sampled_from(("normal", "high"))),
    }


def enrolment(plan: str, enrolment_id: str, units: int, start: dt.date, end: dt.date, **extra) -> dict:
    data = {
        "enrolment_id": enrolment_id,
        "plan": plan,
        "units": units,
        "fee_paid": str(FEE_PER_UNIT[plan] * units),
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    data.update(extra)
    return data


@st.composite
def enrolments(draw, start: dt.date) -> list[dict]:
    """One or both plans; each sometimes with its previous term (gap 25–35 days between the old
    end and the new start) or with a stated first continuous start."""
    plans = draw(st.sampled_from((PLANS, PLANS, ("inpatient-medical",), ("hospital-allowance",))))
    result = []
    for plan in plans:
        short = PLAN_SHORT[plan]
        plan_start = start + dt.timedelta(days=draw(st.sampled_from((0, 0, 0, 1, 45))))
        history = draw(st.sampled_from(("none", "none", "previous", "previous", "stated")))
        extra = {}
        if history == "stated":
            extra["first_continuous_start"] = (plan_start - dt.timedelta(days=draw(st.integers(0, 400)))).isoformat()
        result.append(enrolment(plan, f"e-{short}", draw(st.integers(1, 3)), plan_start, one_year_term(plan_start), **extra))
        if history == "previous":
            # days from the old end to the new start; 30 renews, 31 does not
            gap = draw(st.one_of(st.sampled_from((30, 31)), st.integers(25, 35)))
            previous_end = plan_start - dt.timedelta(days=gap)
            previous_start = add_years(previous_end, -1) + dt.timedelta(days=1)
            result.append(enrolment(plan, f"e-{short}-prev", draw(st.integers(1, 3)), previous_start, previous_end))
    return draw(st.permutations(result))


@st.composite
def onset_dates(draw, admission: dt.date, boundaries: list[dt.date]) -> dt.date | None:
    """Mostly none; else just around a term start or stated first continuous start (the
    pre-existing boundary), or some time before the admission."""
    choice = draw(st.integers(0, 9))
    if choice <= 6:
        return None
    if choice <= 8:
        onset = draw(st.sampled_from(boundaries)) + dt.timedelta(days=draw(st.sampled_from((-1, 0, 1, -200))))
    else:
        onset = admission - dt.timedelta(days=draw(st.integers(0, 500)))
    return min(onset, admission)


@st.composite
def diagnoses(draw, admission: dt.date, boundaries: list[dt.date], clean: bool = False) -> list[dict]:
    if clean:
        return [{"code": draw(st.sampled_from(ORDINARY_CODES + NEIGHBOUR_CODES))}]
    kind = draw(st.sampled_from(("ordinary",) * 6 + ("excluded", "neighbour", "neighbour", "none")))
    pool = {"ordinary": ORDINARY_CODES, "excluded": EXCLUDED_CODES, "neighbour": NEIGHBOUR_CODES}.get(kind)
    codes = [] if pool is None else [draw(st.sampled_from(pool))]
    if draw(st.integers(0, 6)) == 0:
        codes.append(draw(st.sampled_from(ORDINARY_CODES + EXCLUDED_CODES + NEIGHBOUR_CODES)))
    result = []
    for code in codes:
        diagnosis = {"code": code}
        onset = draw(onset_dates(admission, boundaries))
        if onset is not None:
            diagnosis["onset_date"] = onset.isoformat()
        result.append(diagnosis)
    return result


@st.composite
def circumstances(draw, clean: bool = False) -> list[str]:
    if clean or draw(st.integers(0, 7)) != 0:
        return []
    return draw(st.lists(st.sampled_from(CIRCUMSTANCES), min_size=1, max_size=2, unique=True))


stay_lengths = st.one_of(st.integers(0, 6), st.integers(3, 40), st.integers(60, 200))


@st.composite
def costs(draw, heavy: bool = False) -> dict:
    in_scope = draw(cents(15_000, 120_000) if heavy else in_scope_amounts)
    out_scope = draw(st.one_of(st.just(Decimal("0.00")), cents(0, 5_000)))
    fund = draw(st.one_of(st.just(Decimal("0.00")), cents(0, 80_000)))
    extra = draw(st.one_of(st.just(Decimal("0.00")), cents(0, 500)))
    total = fund + in_scope + out_scope + extra
    other = draw(st.one_of(st.just(Decimal("0.00")), st.integers(0, int((total - fund) * 100)).map(money)))
    return {
        "total": str(total),
        "fund_paid": str(fund),
        "self_pay_in_scope": str(in_scope),
        "self_pay_out_of_scope": str(out_scope),
        "other_reimbursed": str(other),
    }


@st.composite
def stays(draw, admission: dt.date, boundaries: list[dt.date], heavy: bool = False, clean: bool = False) -> dict:
    length = draw(st.integers(50, 200) if heavy else stay_lengths)
    discharge = admission + dt.timedelta(days=length)
    icu = draw(st.one_of(st.just(0), st.just(0), st.integers(0, length)))
    event = {
        "kind": "hospital_stay",
        "admission": admission.isoformat(),
        "discharge": discharge.isoformat(),
        "cause": draw(st.sampled_from(("disease", "disease", "accident"))),
        "designated": draw(st.sampled_from((True, True, True, True, False))),
        "icu_days": icu,
        "circumstances": draw(circumstances(clean)),
        "diagnoses": draw(diagnoses(admission, boundaries, clean)),
        **draw(costs(heavy)),
    }
    return event


@st.composite
def claim_sequences(draw, min_size: int = 1, max_size: int = 6) -> list[dict]:
    """Claims of one member, one hospital stay each, in discharge order; stays never overlap
    (a readmission may start on the previous discharge day, unless that stay was a same-day one). A quarter of the sequences are
    heavy: long stays close together and large costs, to reach the day limit and the cap."""
    start = FIRST_START + dt.timedelta(days=draw(st.integers(0, START_SPREAD_DAYS)))
    # A third of the sequences are clean: an eligible member and stays with no exclusion, so
    # that most of them pay and the deductible, bands, caps and day limit are exercised.
    clean = draw(st.integers(0, 2)) == 0
    member = draw(members(start, eligible=clean))
    member_enrolments = draw(enrolments(start))
    first = min(dt.date.fromisoformat(e["start"]) for e in member_enrolments)
    last = max(dt.date.fromisoformat(e["end"]) for e in member_enrolments)
    count = draw(st.integers(min_size, max_size))
    boundaries = sorted({dt.date.fromisoformat(e[key]) for e in member_enrolments
                         for key in ("start", "first_continuous_start") if key in e})
    heavy = draw(st.integers(0, 3)) == 0
    # Around a term's start or the end of its waiting period (day 90), or anywhere.
    anchor = dt.date.fromisoformat(draw(st.sampled_from([e["start"] for e in member_enrolments])))
    admission = draw(st.one_of(
        st.integers(-15, 10).map(lambda days: anchor + dt.timedelta(days=days)),
        st.integers(85, 95).map(lambda days: anchor + dt.timedelta(days=days)),
        st.integers(-10, (last - first).days + 10).map(lambda days: first + dt.timedelta(days=days)),
    ))
    claims = []
    for index in range(count):
        event = draw(stays(admission, boundaries, heavy and draw(st.integers(0, 4)) > 0, clean))
        claims.append({
            "claim_id": f"c{index + 1}",
            "member": member,
            "enrolments": member_enrolments,
            "event": event,
        })
        discharge = dt.date.fromisoformat(event["discharge"])
        gaps = st.integers(0, 10) if heavy else st.one_of(st.integers(0, 3), st.integers(1, 45), st.integers(30, 90))
        gap = draw(gaps)
        if discharge == admission and gap == 0:
            gap = 1  # a second same-day stay on the same date is a suspected duplicate (engine.events)
        admission = discharge + dt.timedelta(days=gap)
    return claims


def with_in_scope(claim: dict, extra: Decimal) -> dict:
    """The same claim with `extra` more in-scope self-pay (and as much more total cost)."""
    event = dict(claim["event"])
    event["self_pay_in_scope"] = str(Decimal(event["self_pay_in_scope"]) + extra)
    event["total"] = str(Decimal(event["total"]) + extra)
    return {**claim, "event": event}


MONEY_FIELDS = ("total", "fund_paid", "self_pay_in_scope", "self_pay_out_of_scope", "other_reimbursed")


def money_as_decimals(claims: list[dict]) -> list[dict]:
    """The same claims with every money field as a Decimal instead of a string."""
    result = []
    for claim in claims:
        event = {k: Decimal(v) if k in MONEY_FIELDS else v for k, v in claim["event"].items()}
        enrolments = [{**e, "fee_paid": Decimal(e["fee_paid"])} for e in claim["enrolments"]]
        result.append({**claim, "event": event, "enrolments": enrolments})
    return result


def renamed(claims: list[dict], member_id: str) -> list[dict]:
    """A sequence given to another member: member, claim and enrolment ids prefixed."""
    return [
        {
            **claim,
            "claim_id": f"{member_id}-{claim['claim_id']}",
            "member": {**claim["member"], "member_id": member_id},
            "enrolments": [{**e, "enrolment_id": f"{member_id}-{e['enrolment_id']}"} for e in claim["enrolments"]],
        }
        for claim in claims
    ]
