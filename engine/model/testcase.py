"""YAML test-case files (`fixtures/cases/*.yaml`, `adjudicator test`), as a model for the JSON
Schema editors use. The runner (`engine.testcases`) reads case files itself, since some cases
hold claims that are invalid on purpose (they expect the engine's error)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from engine.model.claim import Enrolment, Event, Member
from engine.model.types import Identifier, Strict



def _an_amount(value: Any) -> Any:
    """An expected amount must be one (a number, or text such as "1234.50"): else the case
    could never pass, and comparing it would fail."""
    try:
        if isinstance(value, bool) or not Decimal(str(value)).is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValueError(f"an expected amount is a number such as \"1234.50\", got {value!r:.60}") from None
    return value


ExpectedMoney = Annotated[Any, AfterValidator(_an_amount)]  # compared exactly as Decimal


class EnrolmentExpectation(Strict):
    """参保的预期结果 / what one enrolment's decision must show (only the keys written are compared)."""

    status: str | None = Field(default=None, description="paid, partial, denied or pending")
    amount: ExpectedMoney = Field(default=None, description="金额 / everything paid out for the enrolment")
    lines: dict[str, ExpectedMoney] = Field(default_factory=dict, description="benefit id → amount")
    refusals: list[str] | None = Field(default=None, description="every refusal code, e.g. waiting_period, excluded:hiv")
    clauses: list[str] = Field(default_factory=list, description="rules that must have decided, e.g. benefit:mild:0")
    diseases: dict[str, str] = Field(default_factory=dict, description="benefit id → list/entry the line paid on")
    missing: list[str] | None = Field(default=None, description="JSON paths of the missing findings (pending)")


class Expectation(Strict):
    """预期结果 / what the claim's decision must show."""

    status: str | None = None
    total: ExpectedMoney = None
    enrolments: dict[str, EnrolmentExpectation] = Field(default_factory=dict)
    skipped: dict[str, str] | None = Field(default=None, description="enrolment id → outside_term, or the not-applicable reason code (not_covered, excluded:<clause>)")
    accumulators: dict[str, ExpectedMoney] = Field(default_factory=dict, description="plan/benefit/measure@term start (or @life), then @scope if any → value after")
    error: str | None = Field(default=None, description="the claim must fail validation with a message containing this")


class CaseClaim(Strict):
    claim_id: str
    member: Member | None = None
    enrolments: list[Enrolment] | None = None
    event: Event
    received: Any = None
    expect: Expectation = Field(default_factory=Expectation)


class Override(Strict):
    """改一个方案参数来试算 / a what-if: set values of one plan (all its revisions unless one is named)."""

    plan: Identifier
    revision: str | None = None
    set: dict[str, Any] = Field(
        description="dotted path → value; list items by index or by id, e.g. benefits.inpatient-reimbursement.cap_per_term.per_unit"
    )


class Case(Strict):
    """一个测试用例 / one case: a member, enrolments and claims adjudicated in order on one ledger."""

    name: str
    description: str = Field(default="", description="the hand computation, from the catalogue")
    member: Member | None = None
    enrolments: list[Enrolment] | None = None
    overrides: list[Override] = Field(default_factory=list)
    claims: list[CaseClaim] = Field(min_length=1)


class CaseFile(Strict):
    cases: list[Case] = Field(min_length=1)
