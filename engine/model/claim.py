"""Claims as systems send them (JSON). Designed for the whole catalogue: hospital stays,
diagnoses with findings and procedures, accidents with injuries and grades, deaths, maturity
events, and several enrolments of one member.

Money travels as strings ("1234.50"), integers or JSON numbers; claim files are parsed with
Decimal, so a number is read exactly as written, and more than two decimals are refused.
Dates are ISO `YYYY-MM-DD`; money written as text is digits with at most two decimals
(README, "Bad input": what is refused and why).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import Field, StrictBool, StrictInt, field_validator

from engine.model.types import ClaimDate, ClaimMoney as Money
from engine.model.types import MAX_TEXT_LENGTH, ExternalId, FreeText, Identifier, IdNumber, Strict, not_before

# Per-record limits (README, "Limits"): what one claim may hold.
MAX_LIST = 50  # diagnoses, injuries, procedures, circumstances
MAX_ENROLMENTS = 100
MAX_FINDINGS = 100
MAX_CODE_LENGTH = 32  # an ICD code, a procedure code, a finding key

Cause = Literal["disease", "accident"]
Code = Annotated[str, Field(max_length=MAX_CODE_LENGTH)]
FindingValue = Union[StrictBool, StrictInt, Decimal, Annotated[str, Field(max_length=MAX_TEXT_LENGTH)]]


class Member(Strict):
    member_id: ExternalId
    name: FreeText | None = Field(default=None, description="used only for claims publicity, masked")
    id_number: IdNumber | None = Field(
        default=None, description="resident ID number: when given, the member's identity (lifetime counters follow the person); masked in publicity")
    employer: FreeText | None = None
    gender: Literal["female", "male"]
    birth_date: ClaimDate
    office: Identifier = Field(description="mutual-aid office (办事处), e.g. beijing, xizang")
    medical_insurance: Literal["urban_employee", "urban_rural_resident", "none"]
    employment: Literal["standard", "new_form", "retired"]
    occupation_risk: Literal["normal", "high"] = "normal"


class Enrolment(Strict):
    enrolment_id: ExternalId = Field(description="the caller's label; the enrolment's identity is (member, plan, term start)")
    plan: Identifier
    revision: ExternalId | None = Field(default=None, description="pin a plan revision; by default the one in force on `start`")
    units: StrictInt | None = Field(default=None, ge=1)
    tier: StrictInt | None = Field(default=None, ge=1)
    fee_paid: Money
    start: ClaimDate
    end: ClaimDate = Field(description="last day of cover, inclusive")
    source: Literal["paid", "gift"] = "paid"
    fee_schedule: Literal["normal", "high_risk"] | None = Field(default=None, description="accident plans: which fee table was paid")
    first_continuous_start: ClaimDate | None = Field(
        default=None,
        description="start of the unbroken chain of renewals when earlier terms are not listed in the claim",
    )

    _end_after_start = not_before("start", "end")

    @field_validator("first_continuous_start")
    @classmethod
    def _chain_starts_first(cls, first, info):
        start = info.data.get("start")
        if first is not None and start is not None and first > start:
            raise ValueError(f"first_continuous_start {first} is after start {start}")
        return first


class Diagnosis(Strict):
    code: str = Field(min_length=3, max_length=MAX_CODE_LENGTH, description="ICD-10 code, WHO or national edition (C34.901)")
    onset_date: ClaimDate | None = Field(default=None, description="first symptoms or diagnosis, for pre-existing checks")
    findings: dict[Annotated[str, Field(max_length=MAX_CODE_LENGTH)], FindingValue] = Field(
        default_factory=dict, max_length=MAX_FINDINGS, description="key/value facts from the medical report")


class CareCosts(Strict):
    """Costs of one episode of care, as settled by basic medical insurance."""

    total: Money
    fund_paid: Money
    self_pay_in_scope: Money = Field(description="统筹内个人自付")
    self_pay_out_of_scope: Money = Field(description="自费")
    other_reimbursed: Money = Field(default=Decimal("0.00"), description="paid by other insurance or aid")

    @field_validator("self_pay_out_of_scope")
    @classmethod
    def _parts_within_total(cls, out_of_scope, info):
        known = [info.data.get(name) for name in ("total", "fund_paid", "self_pay_in_scope")]
        if None not in known:
            total, fund, in_scope = known
            if fund + in_scope + out_of_scope > total:
                raise ValueError(
                    f"fund_paid + self_pay_in_scope + self_pay_out_of_scope = {fund + in_scope + out_of_scope} exceeds total {total}"
                )
        return out_of_scope

    @field_validator("other_reimbursed")
    @classmethod
    def _other_within_rest(cls, other, info):
        total, fund = info.data.get("total"), info.data.get("fund_paid")
        if total is not None and fund is not None and other > total - fund:
            raise ValueError(f"other_reimbursed {other} exceeds what the fund left to pay ({total - fund})")
        return other


class EventBase(Strict):
    circumstances: list[Identifier] = Field(default_factory=list, max_length=MAX_LIST, description="codes from rules/circumstances.yaml")
    diagnoses: list[Diagnosis] = Field(default_factory=list, max_length=MAX_LIST)
    procedures: list[Code] | None = Field(default=None, max_length=MAX_LIST, description="ICD-9-CM-3 codes; absent means none performed")


class HospitalStay(EventBase, CareCosts):
    kind: Literal["hospital_stay"]
    admission: ClaimDate
    discharge: ClaimDate
    cause: Cause
    accident_id: ExternalId | None = None
    designated: StrictBool = Field(description="basic-medical-insurance designated hospital (定点医院)")
    icu_days: StrictInt = Field(default=0, ge=0)
    hospital: FreeText | None = None
    on_duty: StrictBool = Field(default=False, description="the accident that caused the stay happened in the course of duties")

    _discharge_after_admission = not_before("admission", "discharge")

    @field_validator("icu_days")
    @classmethod
    def _icu_within_stay(cls, icu_days, info):
        admission, discharge = info.data.get("admission"), info.data.get("discharge")
        if admission is not None and discharge is not None and icu_days > (discharge - admission).days:
            raise ValueError(f"icu_days {icu_days} exceeds the stay's {(discharge - admission).days} days")
        return icu_days

    @property
    def date(self) -> dt.date:
        return self.admission


class DiseaseDiagnosis(EventBase):
    kind: Literal["diagnosis"]
    diagnosis_date: ClaimDate
    cause: Cause = "disease"
    accident_id: ExternalId | None = None

    @property
    def date(self) -> dt.date:
        return self.diagnosis_date


class Injury(Strict):
    item: ExternalId = Field(description="item of the disability standard")
    grade: StrictInt = Field(ge=1, le=10)


class Accident(EventBase):
    kind: Literal["accident"]
    accident_id: ExternalId = Field(description="links later claims of the same accident")
    accident_date: ClaimDate
    on_duty: StrictBool = False
    injuries: list[Injury] = Field(default_factory=list, max_length=MAX_LIST)
    treatment_end: ClaimDate | None = None
    death_date: ClaimDate | None = None
    medical: CareCosts | None = None
    cause: Literal["accident"] = "accident"

    _treatment_after_accident = not_before("accident_date", "treatment_end")
    _death_after_accident = not_before("accident_date", "death_date")

    @property
    def date(self) -> dt.date:
        return self.accident_date


class Death(EventBase):
    kind: Literal["death"]
    death_date: ClaimDate
    cause: Cause

    @property
    def date(self) -> dt.date:
        return self.death_date


class Maturity(Strict):
    kind: Literal["maturity"]
    maturity_date: ClaimDate
    alive: StrictBool = True
    cause: None = None
    circumstances: list[Identifier] = Field(default_factory=list, max_length=MAX_LIST)
    diagnoses: list[Diagnosis] = Field(default_factory=list, max_length=MAX_LIST)

    @property
    def date(self) -> dt.date:
        return self.maturity_date


Event = Annotated[Union[HospitalStay, DiseaseDiagnosis, Accident, Death, Maturity], Field(discriminator="kind")]


class Claim(Strict):
    claim_id: ExternalId
    received: ClaimDate | None = None
    member: Member
    enrolments: list[Enrolment] = Field(min_length=1, max_length=MAX_ENROLMENTS)
    event: Event
