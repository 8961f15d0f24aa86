"""Who a claim is about, never taken from a label alone.

Ids arrive normalised by the claim model (NFKC, trimmed, no invisible characters:
`engine.model.types`); as identities they are also compared without case, so `C-1` and `c-1`
are one claim and `M-1` and `m-1` one member (`claim_key`, `aliases_of`).

A person is known by aliases: `id:<resident ID number>` and `member:<member id>`. A claim's aliases are looked up in
history; the person is the one they name, or, for someone new, the ID number when given, else
the member id. Aliases a claim brings that history did not know are recorded with the claim,
so `m-1` with an ID number and `m-1` without one are one person, and lifetime counters follow
that person whatever member id a later claim uses.

Refused (at `$.member`): aliases that name two different people, and an ID number other than
the one the person is recorded with.
"""

from __future__ import annotations

from engine.errors import ClaimError, Issue
from engine.ledger import EnrolmentRecord, History
from engine.model.claim import Claim, Member

ID_PREFIX = "id:"
MEMBER_PREFIX = "member:"


def claim_key(claim_id: str) -> str:
    """The claim's identity in a ledger: its normalised id, case folded."""
    return claim_id.casefold()


def aliases_of(member: Member) -> tuple[str, ...]:
    """The member's aliases, the strongest first."""
    own = f"{MEMBER_PREFIX}{member.member_id.casefold()}"
    return (f"{ID_PREFIX}{member.id_number}", own) if member.id_number else (own,)


def lookup_aliases(member_or_id_number: str) -> list[str]:
    """The aliases a reader may mean by one id (a member id or a resident ID number)."""
    from engine.model.types import normalise_id

    wanted = normalise_id(member_or_id_number)
    return [f"{MEMBER_PREFIX}{wanted.casefold()}", f"{ID_PREFIX}{wanted.upper()}"]


def resolve_person(member: Member, history: History) -> tuple[str, tuple[str, ...]]:
    """(the person, the aliases history does not know yet) for the claim's member."""
    aliases = aliases_of(member)
    known = history.persons(aliases)
    people = sorted({known[alias] for alias in aliases if alias in known})
    if len(people) > 1:
        raise ClaimError([Issue(
            f"member_id {member.member_id!r} and id_number {member.id_number!r} are recorded for two different "
            f"people ({' and '.join(people)}); one of them is wrong", "$.member")])
    if not people:
        return aliases[0], aliases
    person = people[0]
    if member.id_number:
        recorded = sorted(alias for alias, who in known.items() if who == person and alias.startswith(ID_PREFIX))
        if recorded and f"{ID_PREFIX}{member.id_number}" not in recorded:
            raise ClaimError([Issue(
                f"member {member.member_id!r} is recorded with ID number {recorded[0][len(ID_PREFIX):]}, "
                f"not {member.id_number}", "$.member.id_number")])
    return person, tuple(alias for alias in aliases if alias not in known)


def enrolments_of_claim(claim: Claim) -> tuple[EnrolmentRecord, ...]:
    """The enrolments the claim states, each once by its identity (plan, term start): the
    first listed wins when a claim lists one twice under two labels."""
    found: dict[tuple[str, str], EnrolmentRecord] = {}
    for enrolment in claim.enrolments:
        start = enrolment.start.isoformat()
        found.setdefault((enrolment.plan, start), EnrolmentRecord(
            enrolment.plan, start, enrolment.end.isoformat(), enrolment.fee_paid, enrolment.units, enrolment.tier,
            enrolment.source, enrolment.fee_schedule, enrolment.enrolment_id))
    return tuple(found.values())
