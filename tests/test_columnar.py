"""Parquet out and in: `adjudicate --out decisions.parquet` writes the flat rows the explained
JSONL decisions imply (one per line, one per enrolment without a line, one per failed claim),
amounts exact as decimal128(18,2); a Parquet corpus (`synth --format parquet`) decides exactly
as the same corpus in JSONL, and its bad rows fail with the same JSON-path errors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
PLANS = ["--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")]


def run(*args: str):
    return CliRunner().invoke(app, [*args, *PLANS])


def test_decisions_parquet_holds_the_rows_of_the_explained_decisions(tmp_path):
    corpus = tmp_path / "claims.jsonl"
    corpus.write_text((ROOT / "fixtures" / "claims.jsonl").read_text(encoding="utf-8")
                      + (ROOT / "fixtures" / "claims-with-errors.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    jsonl, parquet = tmp_path / "d.jsonl", tmp_path / "d.parquet"
    assert run("adjudicate", str(corpus), "--out", str(jsonl)).exit_code == 2  # some claims fail
    assert run("adjudicate", str(corpus), "--out", str(parquet)).exit_code == 2
    table = pq.read_table(parquet)
    assert table.schema.field("amount").type == pa.decimal128(18, 2)
    assert table.column_names == ["claim", "member", "enrolment", "plan", "revision", "benefit", "status", "reason", "amount"]
    rows = table.to_pylist()
    expected = []
    for data in map(json.loads, jsonl.read_text(encoding="utf-8").splitlines()):
        if "errors" in data:
            expected.append((data["claim_id"], None, None, "failed", data["errors"][0], None))
            continue
        for enrolment in data["enrolments"]:
            for line in enrolment["lines"]:
                expected.append((data["claim_id"], enrolment["plan"], line["benefit"], enrolment["status"], line["note_code"],
                                 Decimal(line["amount"])))
            if not enrolment["lines"]:
                codes = ",".join(dict.fromkeys(r["code"] for r in enrolment["refusals"]))
                expected.append((data["claim_id"], enrolment["plan"], None, enrolment["status"],
                                 codes or ("missing_evidence" if enrolment["missing"] else None), Decimal(enrolment["amount"])))
        if not data["enrolments"]:
            expected.append((data["claim_id"], None, None, data["status"], rows[len(expected)]["reason"], Decimal(data["total"])))
    assert [(r["claim"], r["plan"], r["benefit"], r["status"], r["reason"], r["amount"]) for r in rows] == expected
    assert any(r["status"] == "failed" for r in rows) and any(r["amount"] and r["amount"] > 0 for r in rows)
    # per claim, the rows add up to the decision's total, to the fen
    totals = {data["claim_id"]: Decimal(data["total"]) for data in map(json.loads, jsonl.read_text(encoding="utf-8").splitlines())
              if "total" in data}
    for claim, total in totals.items():
        assert sum((r["amount"] for r in rows if r["claim"] == claim and r["status"] != "failed"), Decimal(0)) == total


def test_a_parquet_corpus_decides_as_the_same_corpus_in_jsonl(tmp_path):
    for suffix in ("jsonl", "parquet"):
        result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path / f"c.{suffix}"), "--claims", "600", "--seed", "4"])
        assert result.exit_code == 0, result.output
    corpus = pq.read_table(tmp_path / "c.parquet")
    lines = (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()
    assert corpus.column("claim").to_pylist() == lines
    assert corpus.column("claim_id").to_pylist() == [json.loads(line)["claim_id"] for line in lines]
    outputs = []
    for suffix in ("jsonl", "parquet"):
        out = tmp_path / f"d-{suffix}.jsonl"
        assert run("adjudicate", str(tmp_path / f"c.{suffix}"), "--out", str(out), "--evaluator", "generated").exit_code == 0
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == len(lines)


def test_bad_rows_of_a_parquet_corpus_fail_alone_with_their_json_path(tmp_path):
    good = (ROOT / "fixtures" / "claims.jsonl").read_text(encoding="utf-8").splitlines()[0]
    bad_date = json.loads(good)
    bad_date["claim_id"], bad_date["member"]["birth_date"] = "bad-date", "1979-02-30"
    rows = [good, "{not json", json.dumps(bad_date, ensure_ascii=False)]
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"claim": rows}), path)
    out = tmp_path / "d.jsonl"
    assert run("adjudicate", str(path), "--out", str(out)).exit_code == 2
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "total" in results[0]
    assert results[1]["errors"][0].startswith(f"{path}:2:")
    assert results[2]["claim_id"] == "bad-date" and f"{path}:3: $.member.birth_date" in results[2]["errors"][0]
