"""Claims as systems send them (JSON). Designed for the whole catalogue: hospital stays,
diagnoses with findings and procedures, accidents with injuries and grades, deaths, maturity
events, and several enrolments of one member.

Money travels as strings ("1234.50") or integers; JSON numbers with a fraction are refused,
since a binary float cannot hold every fen. Dates are ISO `YYYY-MM-DD`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import Field, StrictBool, StrictInt, model_validator

from engine.model.types import ClaimMoney as Money
from engine.model.types import Identifier, Strict

Cause = Literal["disease", "accident"]
FindingValue = Union[StrictBool, StrictInt, Decimal, str]


class Member(Strict):
    member_id: str = Field(min_length=1)
    name: str | None = Field(default=None, description="used only for claims publicity, masked")
    id_number: str | None = Field(default=None, description="used only for claims publicity, masked")
    employer: str | None = None
    gender: Literal["female", "male"]
    birth_date: dt.date
    office: Identifier = Field(description="mutual-aid office (办事处), e.g. beijing, xizang")
    medical_insurance: Literal["urban_employee", "urban_rural_resident", "none"]
    employment: Literal["standard", "new_form", "retired"]
    occupation_risk: Literal["normal", "high"] = "normal"


class Enrolment(Strict):
    enrolment_id: str = Field(min_length=1)
    plan: Identifier
    revision: str | None = Field(default=None, description="pin a plan revision; by default the one in force on `start`")
    units: StrictInt | None = Field(default=None, ge=1)
    tier: StrictInt | None = Field(default=None, ge=1)
    fee_paid: Money
    start: dt.date
    end: dt.date = Field(description="last day of cover, inclusive")
    source: Literal["paid", "gift"] = "paid"
    fee_schedule: Literal["normal", "high_risk"] | None = Field(default=None, description="accident plans: which fee table was paid")
    first_continuous_start: dt.date | None = Field(
        default=None,
        description="start of the unbroken chain of renewals when earlier terms are not listed in the claim",
    )

    @model_validator(mode="after")
    def _dates(self):
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.first_continuous_start is not None and self.first_continuous_start > self.start:
            raise ValueError("first_continuous_start is after start")
        return self


class Diagnosis(Strict):
    code: str = Field(min_length=3, description="ICD-10 code, WHO or national edition (C34.901)")
    onset_date: dt.date | None = Field(default=None, description="first symptoms or diagnosis, for pre-existing checks")
    findings: dict[str, FindingValue] = Field(default_factory=dict, description="key/value facts from the medical report")


class CareCosts(Strict):
    """Costs of one episode of care, as settled by basic medical insurance."""

    total: Money
    fund_paid: Money
    self_pay_in_scope: Money = Field(description="统筹内个人自付")
    self_pay_out_of_scope: Money = Field(description="自费")
    other_reimbursed: Money = Field(default=Decimal("0.00"), description="paid by other insurance or aid")

    @model_validator(mode="after")
    def _parts_within_total(self):
        parts = self.fund_paid + self.self_pay_in_scope + self.self_pay_out_of_scope
        if parts > self.total:
            raise ValueError(
                f"fund_paid + self_pay_in_scope + self_pay_out_of_scope = {parts} exceeds total {self.total}"
            )
        if self.other_reimbursed > self.total - self.fund_paid:
            raise ValueError("other_reimbursed exceeds what the fund left to pay")
        return self


class EventBase(Strict):
    circumstances: list[Identifier] = Field(default_factory=list, description="codes from rules/circumstances.yaml")
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    procedures: list[str] | None = Field(default=None, description="ICD-9-CM-3 codes; absent means none performed")


class HospitalStay(EventBase, CareCosts):
    kind: Literal["hospital_stay"]
    admission: dt.date
    discharge: dt.date
    cause: Cause
    accident_id: str | None = None
    designated: StrictBool = Field(description="basic-medical-insurance designated hospital (定点医院)")
    icu_days: StrictInt = Field(default=0, ge=0)
    hospital: str | None = None

    @model_validator(mode="after")
    def _stay(self):
        if self.discharge < self.admission:
            raise ValueError(f"discharge {self.discharge} is before admission {self.admission}")
        if self.icu_days > (self.discharge - self.admission).days:
            raise ValueError(f"icu_days {self.icu_days} exceeds the stay's {(self.discharge - self.admission).days} days")
        return self

    @property
    def date(self) -> dt.date:
        return self.admission


class DiseaseDiagnosis(EventBase):
    kind: Literal["diagnosis"]
    diagnosis_date: dt.date
    cause: Cause = "disease"
    accident_id: str | None = None

    @property
    def date(self) -> dt.date:
        return self.diagnosis_date


class Injury(Strict):
    item: str = Field(min_length=1, description="item of the disability standard")
    grade: StrictInt = Field(ge=1, le=10)


class Accident(EventBase):
    kind: Literal["accident"]
    accident_id: str = Field(min_length=1, description="links later claims of the same accident")
    accident_date: dt.date
    on_duty: StrictBool = False
    injuries: list[Injury] = Field(default_factory=list)
    treatment_end: dt.date | None = None
    death_date: dt.date | None = None
    medical: CareCosts | None = None
    cause: Literal["accident"] = "accident"

    @property
    def date(self) -> dt.date:
        return self.accident_date


class Death(EventBase):
    kind: Literal["death"]
    death_date: dt.date
    cause: Cause

    @property
    def date(self) -> dt.date:
        return self.death_date


class Maturity(Strict):
    kind: Literal["maturity"]
    maturity_date: dt.date
    alive: StrictBool = True
    cause: None = None
    circumstances: list[Identifier] = []
    diagnoses: list[Diagnosis] = []

    @property
    def date(self) -> dt.date:
        return self.maturity_date


Event = Annotated[Union[HospitalStay, DiseaseDiagnosis, Accident, Death, Maturity], Field(discriminator="kind")]


class Claim(Strict):
    claim_id: str = Field(min_length=1)
    received: dt.date | None = None
    member: Member
    enrolments: list[Enrolment] = Field(min_length=1)
    event: Event
