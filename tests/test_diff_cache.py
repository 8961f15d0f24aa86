"""The cached base of a diff: the second diff against the same base reads the base outcomes
and adjudicates only the head, with the same report (largest changes explained alike); each
part of the key (plan set, rules, corpus, engine version) invalidates the entry, even when a
file with the right name is there."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import engine.diff_cache as diff_cache
from engine import Adjudicator
from engine.claims import read_claims_file
from engine.diff import CHUNK_CLAIMS, PlanSource, run_diff
from engine.diff_cache import BaseCache, base_key
from engine.synthetic import generate_mixed

ROOT = Path(__file__).resolve().parent.parent
PLANS, RULES = ROOT / "plans", ROOT / "rules"


def head_plans(tmp_path: Path, cap: str = "4000.00") -> Path:
    plans = tmp_path / f"plans-{cap}"
    shutil.copytree(PLANS, plans)
    plan = plans / "inpatient-medical" / "2024.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("{per_unit: 15000.00}", f"{{per_unit: {cap}}}"), encoding="utf-8")
    return plans


def report(summary) -> tuple:
    return (summary.claims, summary.changed, summary.delta, summary.by_benefit, summary.transitions, summary.clauses,
            summary.failed_base, summary.failed_head,
            [(c.claim_id, c.delta, json.dumps(c.base, sort_keys=True), json.dumps(c.head, sort_keys=True)) for c in summary.largest])


def test_a_second_diff_reads_the_base_and_each_part_of_the_key_invalidates_it(tmp_path, monkeypatch):
    corpus = tmp_path / "claims.jsonl"
    corpus.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for block in generate_mixed(300, 8) for c in block),
                      encoding="utf-8")
    base, head = PlanSource("base", PLANS, RULES), PlanSource("head", head_plans(tmp_path), RULES)
    adjudicator = Adjudicator.load(PLANS, RULES)
    key = base_key(adjudicator, RULES, corpus, CHUNK_CLAIMS, "durable")
    cache = BaseCache(tmp_path / "cache", key)

    def diff(with_cache: BaseCache | None):
        return run_diff(read_claims_file(corpus), base, head, workers=1, top=8, chunk_claims=CHUNK_CLAIMS, base_cache=with_cache)

    plain = diff(None)
    first = diff(cache)
    assert first.base_cache == "written" and cache.path.is_file()
    import engine.diff as diff_module

    calls = []
    original = diff_module._diff_chunk
    monkeypatch.setattr(diff_module, "_diff_chunk", lambda *a, **k: calls.append(1) or original(*a, **k))
    second = diff(cache)
    assert second.base_cache == "used" and calls == []  # the base was never adjudicated
    assert plain.changed > 0 and len(plain.largest) == 8
    assert report(first) == report(plain) == report(second)

    # every part of the key, changed alone, makes another key; the entry is not used under it,
    # not even when a file with that key's name holds it
    other_rules = tmp_path / "rules"
    shutil.copytree(RULES, other_rules)
    with (other_rules / "offices.yaml").open("a", encoding="utf-8") as handle:
        handle.write("# a comment changes the rules' bytes\n")
    other_corpus = tmp_path / "other.jsonl"
    other_corpus.write_text(corpus.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = {
        "plan_set": base_key(Adjudicator.load(head.plans, RULES), RULES, corpus, CHUNK_CLAIMS, "durable"),
        "rules": base_key(adjudicator, other_rules, corpus, CHUNK_CLAIMS, "durable"),
        "corpus": base_key(adjudicator, RULES, other_corpus, CHUNK_CLAIMS, "durable"),
    }
    monkeypatch.setattr(diff_cache, "engine_version", lambda: "0.1.0+another-engine")
    changed["engine"] = base_key(adjudicator, RULES, corpus, CHUNK_CLAIMS, "durable")
    monkeypatch.undo()
    for part, other in changed.items():
        differing = [f.name for f in dataclasses.fields(key) if getattr(key, f.name) != getattr(other, f.name)]
        assert differing == [part], (part, differing)
        entry = BaseCache(tmp_path / "cache", other)
        assert entry.path != cache.path and entry.chunks() is None
        shutil.copyfile(cache.path, entry.path)  # the right name, the wrong key inside
        assert entry.chunks() is None, part
    assert BaseCache(tmp_path / "cache", key).chunks() is not None

    # a diff whose key differs adjudicates the base again (and rewrites its own entry)
    third = run_diff(read_claims_file(corpus), base, head, workers=1, top=8, chunk_claims=CHUNK_CLAIMS,
                     base_cache=BaseCache(tmp_path / "cache", changed["engine"]))
    assert third.base_cache == "written" and report(third) == report(plain)
