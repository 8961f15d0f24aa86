"""Where a revision diff's two sides come from, and what changed in their files.

A report is only trusted if a reader can say what was compared: each side's commit (SHA and
date) or folders, the corpus (file, claim count, SHA-256) and when the report was made; and
the unified diff of the YAML under `plans/` and `rules/` between the sides, so the intended
change is on the page next to its effect.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from pathlib import Path

from engine.diff import PlanSource

YAML_DIFF_LINES = 4000  # a longer diff is cut, saying so


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance(base: PlanSource, head: PlanSource, corpus: Path, claims: int) -> dict:
    """Both sides' provenance, as the report's `provenance` key."""
    sha = file_sha256(corpus)
    made = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()

    def side(source: PlanSource) -> dict:
        return {"label": source.label, "commit": source.commit or "", "commit_date": source.commit_date or "",
                "plans": "" if source.commit else str(source.plans), "rules": "" if source.commit else str(source.rules),
                "corpus": str(corpus), "claims": claims, "sha256": sha, "date": made}

    return {"base": side(base), "head": side(head)}


def _files(source: PlanSource) -> dict[str, Path]:
    files = {}
    for folder, name in ((source.plans, "plans"), (source.rules, "rules")):
        for path in sorted(Path(folder).rglob("*.yaml")):
            files[f"{name}/{path.relative_to(folder).as_posix()}"] = path
    return files


def yaml_diff(base: PlanSource, head: PlanSource, limit: int = YAML_DIFF_LINES) -> str:
    """The unified diff of every YAML file of `plans/` and `rules/`, base → head ('' when equal)."""
    base_files, head_files = _files(base), _files(head)
    lines: list[str] = []
    for name in sorted(base_files.keys() | head_files.keys()):
        old = base_files[name].read_text(encoding="utf-8").splitlines() if name in base_files else []
        new = head_files[name].read_text(encoding="utf-8").splitlines() if name in head_files else []
        if old != new:
            lines += difflib.unified_diff(old, new, f"a/{name}" if name in base_files else "/dev/null",
                                          f"b/{name}" if name in head_files else "/dev/null", lineterm="")
    if len(lines) > limit:
        lines = lines[:limit] + [f"… {len(lines) - limit:,} more lines of diff not shown"]
    return "\n".join(lines)
