"""Catalogue §1.1: the standard exclusion clauses and their groups, and §0's pre-existing
diseases. A clause holds on an event (its circumstances, its diagnoses' codes, its cause)."""

from __future__ import annotations

from oracle.codes import Codes
from oracle.dates import as_date


def _circumstances(*codes):
    return lambda circumstances, codes_, cause: bool(circumstances & set(codes))


def _diagnosis(text: str, unless: tuple[str, ...] = ()):
    listed = Codes(text)
    return lambda circumstances, codes, cause: any(c in listed for c in codes) and not circumstances & set(unless)


CLAUSES = {
    "intentional-injury-by-policyholder": _circumstances("injured_by_policyholder"),
    "self-harm-crime": _circumstances("self_harm", "crime"),
    "suicide": lambda circumstances, codes, cause: "suicide" in circumstances and "no_civil_capacity" not in circumstances,
    "drugs": _circumstances("drugs"),
    "drunk-or-unlicensed-driving": _circumstances("drunk_driving", "unlicensed_driver", "unlicensed_vehicle"),
    "hiv": _diagnosis("B20–B24, Z21", unless=("hiv_transfusion", "hiv_occupational")),
    "war": _circumstances("war", "riot"),
    "nuclear": _circumstances("nuclear"),
    "earthquake": _circumstances("earthquake", "natural_disaster"),
    "congenital": _diagnosis("Q00–Q99"),
    "pregnancy": _diagnosis("O00–O99, Z30–Z39"),
    "mental": _diagnosis("F00–F99"),
    "cosmetic": _circumstances("cosmetic"),
    "against-medical-advice": _circumstances("against_medical_advice"),
    "non-therapeutic-abortion": _circumstances("non_therapeutic_abortion"),
    "disease-caused": lambda circumstances, codes, cause: cause == "disease",
}

GROUPS = {
    "medical": ["hiv", "war", "nuclear", "congenital", "pregnancy", "mental", "cosmetic", "drugs",
                "self-harm-crime", "drunk-or-unlicensed-driving"],
    "critical-illness": ["intentional-injury-by-policyholder", "self-harm-crime", "drugs", "drunk-or-unlicensed-driving",
                         "hiv", "war", "nuclear", "congenital"],
    "accident": ["disease-caused", "intentional-injury-by-policyholder", "self-harm-crime", "suicide", "drugs",
                 "drunk-or-unlicensed-driving", "war", "nuclear", "earthquake", "against-medical-advice",
                 "non-therapeutic-abortion"],
}


def excluded_by(group: str, event: dict) -> set[str]:
    """The reason codes (`excluded:<clause>`) of the group's clauses that hold on the event.
    Code clauses hold when any diagnosis of the event is in their list."""
    circumstances = set(event.get("circumstances") or ())
    codes = [diagnosis["code"] for diagnosis in event.get("diagnoses") or ()]
    cause = event.get("cause", "accident" if event["kind"] == "accident" else None)
    return {f"excluded:{clause}" for clause in GROUPS[group] if CLAUSES[clause](circumstances, codes, cause)}


def pre_existing(event: dict, first_start) -> bool:
    """§0: a disease whose onset is before the first continuous start. Reading: the first
    diagnosis is the principal one (the disease the event is for); without an onset date it
    counts as first diagnosed at this event. Accident-caused events are not diseases."""
    if event.get("cause") != "disease":
        return False
    diagnoses = event.get("diagnoses") or ()
    if not diagnoses or not diagnoses[0].get("onset_date"):
        return False
    return as_date(diagnoses[0]["onset_date"]) < first_start
