"""Parquet files: decisions an analyst loads in any dataframe tool, and claims corpora.

Decisions (`adjudicate --out decisions.parquet`) are flat rows, written as they come in row
groups of `ROW_GROUP` rows, so memory stays flat however many claims go through:
- one row per benefit line (its enrolment's status, the line's reason code if any, its amount);
- one row per enrolment decision without a line (its refusal codes, or `missing_evidence`);
- one row per claim decided with no enrolment (a suspected duplicate, nothing covering it);
- one row per claim that failed (status `failed`, the first error as the reason).
Amounts are decimal128(18, 2): exact fen, as the engine computed them.

A claims corpus in Parquet has one row per claim: `claim_id`, `member_id` (strings, for
partitioning and filtering) and `claim`, the claim as JSON text. The JSON is read by the same
strict reader as a `.jsonl` line, so every error names the file, the row (as `line`, counted
from 1) and the JSON path; the columns beside it are for tools, the engine reads only `claim`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator

from engine.claims import ClaimRecord
from engine.errors import ClaimError, Issue
from engine.model.decision import ClaimFailure, Decision

ROW_GROUP = 65_536
CLAIMS_BATCH = 4_096  # rows read from a Parquet corpus at a time

DECISION_COLUMNS = ("claim", "member", "enrolment", "plan", "revision", "benefit", "status", "reason", "amount")


def _pyarrow():
    import pyarrow
    import pyarrow.parquet

    return pyarrow, pyarrow.parquet


def decision_schema():
    pa, _ = _pyarrow()
    text = pa.string()
    return pa.schema([
        ("claim", text), ("member", text), ("enrolment", text), ("plan", text), ("revision", text),
        ("benefit", text), ("status", text), ("reason", text), ("amount", pa.decimal128(18, 2)),
    ])


_FEN = Decimal("0.01")


def decision_rows(outcome: Decision | ClaimFailure) -> list[tuple]:
    """The flat rows of one outcome, in DECISION_COLUMNS order."""
    if isinstance(outcome, ClaimFailure):
        return [(outcome.claim_id, None, None, None, None, None, "failed", outcome.errors[0] if outcome.errors else None, None)]
    rows = []
    claim, member = outcome.claim_id, outcome.member_id
    for enrolment in outcome.enrolments:
        head = (claim, member, enrolment.enrolment_id, enrolment.plan, enrolment.revision)
        for line in enrolment.lines:
            rows.append((*head, line.benefit, enrolment.status, line.note_code, line.amount.quantize(_FEN)))
        if not enrolment.lines:
            reasons = ",".join(dict.fromkeys(refusal.code for refusal in enrolment.refusals))
            reason = reasons or ("missing_evidence" if enrolment.missing else None)
            rows.append((*head, None, enrolment.status, reason, enrolment.amount.quantize(_FEN)))
    if not outcome.enrolments:
        reason = "suspected_duplicate" if outcome.suspected_duplicate is not None else (
            ",".join(skipped.reason for skipped in outcome.skipped) or None)
        rows.append((claim, member, None, None, None, None, outcome.status, reason, outcome.total.quantize(_FEN)))
    return rows


class DecisionWriter:
    """Rows buffered and written a row group at a time to a binary stream (a file opened by
    engine.output.atomic_file, so a run that fails leaves no half file)."""

    def __init__(self, stream):
        pa, pq = _pyarrow()
        self._pa = pa
        self._schema = decision_schema()
        self._writer = pq.ParquetWriter(stream, self._schema, compression="zstd")
        self._columns: list[list] = [[] for _ in DECISION_COLUMNS]
        self.rows = 0

    def add(self, outcome: Decision | ClaimFailure) -> None:
        self.add_rows(decision_rows(outcome))

    def add_rows(self, rows: list[tuple]) -> None:
        """Rows already flat (`decision_rows`), e.g. from a Dask worker."""
        for row in rows:
            for column, value in zip(self._columns, row):
                column.append(value)
        if len(self._columns[0]) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if not self._columns[0]:
            return
        arrays = [self._pa.array(values, type=field.type) for values, field in zip(self._columns, self._schema)]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))
        self.rows += len(self._columns[0])
        self._columns = [[] for _ in DECISION_COLUMNS]

    def close(self) -> None:
        self._flush()
        self._writer.close()


# -- claims corpora ------------------------------------------------------------------------------


def claims_schema():
    pa, _ = _pyarrow()
    return pa.schema([("claim_id", pa.string()), ("member_id", pa.string()), ("claim", pa.string())])


def write_claims(stream, claims: Iterable[dict]) -> int:
    """Write claims (JSON-ready dicts) as a Parquet corpus; how many were written."""
    pa, pq = _pyarrow()
    schema = claims_schema()
    written = 0
    with pq.ParquetWriter(stream, schema, compression="zstd") as writer:
        batch: list[dict] = []

        def flush() -> None:
            writer.write_table(pa.Table.from_pydict({
                "claim_id": [str(claim.get("claim_id")) for claim in batch],
                "member_id": [str((claim.get("member") or {}).get("member_id")) for claim in batch],
                "claim": [json.dumps(claim, ensure_ascii=False) for claim in batch],
            }, schema=schema))

        for claim in claims:
            batch.append(claim)
            written += 1
            if len(batch) >= ROW_GROUP:
                flush()
                batch = []
        if batch:
            flush()
    return written


def parquet_records(path: Path, name: str) -> Iterator[ClaimRecord]:
    """The records of a Parquet corpus, a batch of rows at a time; row n is `line` n."""
    _, pq = _pyarrow()
    try:
        source = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises its own ArrowInvalid / OSError for a file that is not Parquet
        raise ClaimError([Issue(f"cannot read Parquet claims file: {error}", file=name)]) from None
    if "claim" not in source.schema_arrow.names:
        raise ClaimError([Issue("a Parquet claims file needs a string column 'claim' (one claim as JSON per row); "
                                f"found {', '.join(source.schema_arrow.names)}", file=name)])
    number = 0
    for batch in source.iter_batches(batch_size=CLAIMS_BATCH, columns=["claim"]):
        for text in batch.column(0).to_pylist():
            number += 1
            if text is None:
                yield ClaimRecord(name, number, problem=Issue("the claim column is empty in this row", file=name, line=number))
                continue
            yield ClaimRecord(name, number, text=text)


def count_parquet_records(path: Path) -> int:
    _, pq = _pyarrow()
    return pq.ParquetFile(path).metadata.num_rows

