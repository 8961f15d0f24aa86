"""Hypothesis strategies for diagnosis claims, drawn from the disease lists in `rules/`: codes
inside and near every definition, findings of every kind (often missing, often at a boundary),
procedures around every prefix the lists name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

from engine.loader import load_library

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = load_library(ROOT / "rules")
START = dt.date(2024, 1, 1)
END = dt.date(2024, 12, 31)
PER_UNIT = {"severe": Decimal(10000), "mild": Decimal(3000), "plateau": Decimal(5000),
            "consolation": Decimal(500), "invasive": Decimal(15000), "in-situ": Decimal(2000)}


def _codes_near(spec) -> list[str]:
    categories = spec.categories()
    picks = {categories[0], categories[-1], categories[len(categories) // 2]}
    codes = set()
    for category in picks:
        if spec.width > 3:
            codes |= {spec.low, spec.low + "1", (spec.high or spec.low)}
        else:
            codes |= {category, category + ".0", category + ".9", category + ".901"}
    first = categories[0]
    codes.add(f"{first[0]}{max(int(first[1:3]) - 1, 0):02d}.1")  # just before the range
    return sorted(codes)


CODES = sorted({code for lst in LIBRARY.disease_lists.values() for e in lst.entries
                for spec in e.codes.specs for code in _codes_near(spec)} | {"J18.9", "K35.8", "J81", "G93.6", "B20", "Z21"})
PREFIXES = sorted({prefix for s in LIBRARY.procedure_sets.values() for prefix in s.prefixes})
PROCEDURES = sorted(set(PREFIXES) | {p + "1" for p in PREFIXES if len(p) < 5} | {"36.06", "36.15", "45.9", "99.99"})


def _finding_values(finding) -> st.SearchStrategy:
    definition = finding.definition
    if finding.type == "boolean":
        return st.booleans()
    if finding.type == "ordinal":
        return st.sampled_from(definition.values)
    if finding.type == "text":
        return st.sampled_from(["T1N0M0", "T2N1M0", "kidney", "liver"])
    low = int(definition.min) if definition.min is not None else 0
    high = int(definition.max) if definition.max is not None else 400
    if finding.type == "integer":
        return st.one_of(st.integers(low, high), st.sampled_from([v for v in (2, 3, 5, 8, 90, 96, 180, 48, 71, 91) if low <= v <= high]))
    scale = 10 ** definition.places
    return st.integers(low * scale, high * scale).map(lambda n: str(Decimal(n) / scale))


@st.composite
def findings(draw) -> dict:
    keys = draw(st.lists(st.sampled_from(sorted(LIBRARY.findings)), max_size=6, unique=True))
    return {key: draw(_finding_values(LIBRARY.findings[key])) for key in keys}


@st.composite
def diagnoses(draw) -> list[dict]:
    count = draw(st.integers(1, 3))
    result = []
    for _ in range(count):
        diagnosis = {"code": draw(st.sampled_from(CODES)), "findings": draw(findings())}
        if draw(st.integers(0, 9)) == 0:
            diagnosis["onset_date"] = "2023-06-01"  # pre-existing
        result.append(diagnosis)
    return result


@st.composite
def diagnosis_events(draw) -> dict:
    day = draw(st.one_of(st.integers(0, 365), st.sampled_from([29, 30, 59, 60, 89, 90])))
    event = {"kind": "diagnosis", "diagnosis_date": (START + dt.timedelta(days=min(day, 365))).isoformat(),
             "cause": draw(st.sampled_from(["disease", "disease", "disease", "accident"])),
             "diagnoses": draw(diagnoses())}
    procedures = draw(st.one_of(st.none(), st.lists(st.sampled_from(PROCEDURES), max_size=2)))
    if procedures is not None:
        event["procedures"] = procedures
    circumstances = draw(st.lists(st.sampled_from(["hiv_transfusion", "hiv_occupational", "drugs"]), max_size=1))
    if circumstances:
        event["circumstances"] = circumstances
    return event


@st.composite
def diagnosis_claim_sequences(draw) -> tuple[dict, list[dict]]:
    """(member and enrolments, claims in date order) for one member holding both plans."""
    member = {"member_id": "m1", "gender": draw(st.sampled_from(["female", "female", "male"])),
              "birth_date": "1980-03-01", "office": draw(st.sampled_from(["xizang", "beijing"])),
              "medical_insurance": "urban_employee", "employment": "standard"}
    ci_units, fs_units = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    enrolments = [
        {"enrolment_id": "ci", "plan": "critical-illness", "units": ci_units, "fee_paid": f"{80 * ci_units}.00",
         "start": START.isoformat(), "end": END.isoformat()},
        {"enrolment_id": "fs", "plan": "female-special-disease", "units": fs_units, "fee_paid": f"{25 * fs_units}.00",
         "start": START.isoformat(), "end": END.isoformat()},
    ]
    # one diagnosis claim per date: the same code on the same date again is a suspected duplicate (engine.events)
    events = sorted(draw(st.lists(diagnosis_events(), min_size=1, max_size=6, unique_by=lambda e: e["diagnosis_date"])),
                    key=lambda e: e["diagnosis_date"])
    claims = [{"claim_id": f"c{i}", "member": member, "enrolments": enrolments, "event": event} for i, event in enumerate(events)]
    return {"member": member, "units": {"ci": ci_units, "fs": fs_units}}, claims
