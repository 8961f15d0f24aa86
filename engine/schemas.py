"""JSON Schemas of every file the engine reads or writes, for editors and embedding systems."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import TypeAdapter

from engine.model.claim import Claim
from engine.model.decision import decision_schema
from engine.model.library import Library
from engine.model.plan import Plan
from engine.model.testcase import CaseFile

SCHEMAS = {
    "plan": lambda: Plan.model_json_schema(),
    "library": lambda: TypeAdapter(Library).json_schema(),
    "claim": lambda: Claim.model_json_schema(),
    "decision": decision_schema,
    "cases": lambda: CaseFile.model_json_schema(),
}


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in SCHEMAS.items():
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(build(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
