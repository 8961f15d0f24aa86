"""An oracle of the whole catalogue (`/work/shared/catalogue.md`, edition 2024, amended 2024.1),
written from its text alone: no `engine` import and no engine code. Given a member's claims in
the order they are adjudicated, it says what each enrolment pays (per benefit, to the fen), why
an unpaid benefit is unpaid (reason codes of catalogue §0), and which findings a pending claim
lacks.

    oracle = Oracle()
    for claim in claims:                 # claim dicts as systems send them
        expected = oracle.adjudicate(claim)
        expected.status, expected.total, expected.enrolments["e-1"].lines

The modules follow the catalogue: `dates` (§0 terms, ages, continuity, waiting periods),
`codes` (ICD-10 and ICD-9-CM-3 matching, §1.3), `exclusions` (§1.1), `lists` (§1.3–§1.5, the
disease tables typed in from the catalogue), `criteria` (three-valued reading of a finding
test), `hospital` (§2.1, §2.2), `lump_sums` (§2.3, §2.4), `accidents` (§1.2, §2.5–§2.8) and
`outcome` (what a decision must say). Readings taken where the catalogue leaves room are
listed in `readings.md` beside this file.
"""

from oracle.model import Oracle
from oracle.outcome import ClaimOutcome, EnrolmentOutcome, Line

__all__ = ["Oracle", "ClaimOutcome", "EnrolmentOutcome", "Line"]
