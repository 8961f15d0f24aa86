"""A new revision of a plan from a date: `adjudicator revise PLAN --from DATE`.

The revision in force on the date is copied to a new file beside it, with the revision name
bumped and `effective_from` set to the date; the old revision then ends the day before. Only
those values change: comments, layout and everything else stay as the product team wrote them
(`engine.yamledit`), so the diff of the change to come shows just that change.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from engine.hints import did_you_mean
from engine.yamledit import Edit, apply, compose, key_node_at, node_at, scalar
from engine.yamlsource import read_yaml

MODELINE = re.compile(r"^# yaml-language-server: .*\n")


@dataclass(frozen=True)
class Revision:
    path: Path
    text: str
    revision: str
    effective_from: dt.date
    effective_to: dt.date | None

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True)
class Revised:
    plan: str
    new: Path
    new_revision: str
    old: Revision
    old_ends: dt.date | None  # the old revision's new last day, when it was in force on the date
    texts: dict[Path, str]  # what to write


def revisions_of(plans_dir: Path, plan_id: str) -> list[Revision]:
    """Every revision of `plan_id` in `plans_dir`, oldest first. Raises ValueError (with the
    closest plan id) when there is none."""
    found, plan_ids = [], set()
    for path in sorted(plans_dir.rglob("*.yaml")):
        document, issues = read_yaml(path)
        data = document.data
        if issues or not isinstance(data, dict):
            continue
        plan_ids.add(str(data.get("plan")))
        if data.get("plan") != plan_id:
            continue
        start, end = data.get("effective_from"), data.get("effective_to")
        if not isinstance(start, dt.date) or not (end is None or isinstance(end, dt.date)):
            raise ValueError(f"{path}: effective_from/effective_to are not dates; run `adjudicator check`")
        found.append(Revision(path, path.read_text(encoding="utf-8"), str(data.get("revision")), start, end))
    if not found:
        raise ValueError(f"no plan {plan_id!r} in {plans_dir}{did_you_mean(plan_id, plan_ids)}; plans: {', '.join(sorted(plan_ids))}")
    return sorted(found, key=lambda r: r.effective_from)


def revise(plans_dir: Path, plan_id: str, start: dt.date, revision: str | None = None) -> Revised:
    """The new revision starting on `start` and the old one ended the day before (not written)."""
    revisions = revisions_of(plans_dir, plan_id)
    in_force = [r for r in revisions if r.in_force(start)]
    earlier = [r for r in revisions if r.effective_from < start]
    if not earlier:
        raise ValueError(f"plan {plan_id} has no revision before {start}: its first, {revisions[0].revision}, "
                         f"starts {revisions[0].effective_from}")
    base = in_force[0] if in_force else earlier[-1]
    if base.effective_from >= start:
        raise ValueError(f"revision {base.revision} of {plan_id} already starts on {base.effective_from}")
    names = {r.revision for r in revisions}
    name = revision or next(n for n in (str(start.year), f"{start:%Y-%m}", start.isoformat()) if n not in names)
    if name in names:
        raise ValueError(f"plan {plan_id} already has a revision {name!r}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ValueError(f"revision {name!r}: use letters, digits, dots and dashes (it names the file)")
    new_path = base.path.parent / f"{name}.yaml"
    if new_path.exists():
        raise ValueError(f"{new_path} already exists")
    old_ends = start - dt.timedelta(days=1) if base in in_force else None
    texts = {new_path: _new_text(base, name, start, keep_end=base in in_force)}
    if old_ends is not None:
        texts[base.path] = _set_top_level(base.text, "effective_to", old_ends, after="effective_from",
                                          comment=f"revision {name} takes over from {start}")
    return Revised(plan_id, new_path, name, base, old_ends, texts)


def _new_text(base: Revision, name: str, start: dt.date, keep_end: bool) -> str:
    text = _set_top_level(base.text, "revision", name)
    text = _set_top_level(text, "effective_from", start)
    if not keep_end:
        text = _remove_top_level(text, "effective_to")
    note = f"# Revision {name}, for terms starting from {start}: a copy of revision {base.revision}, to be changed.\n"
    modeline = MODELINE.match(text)
    return text[:modeline.end()] + note + text[modeline.end():] if modeline else note + text


def _set_top_level(text: str, key: str, value, after: str | None = None, comment: str | None = None) -> str:
    """Set a top-level key's value in place (its quoting kept), or add `key: value` on the line
    after `after`."""
    root = compose(text)
    node = node_at(root, (key,))
    if node is not None:
        style = node.style if isinstance(value, str) and node.style else '"'
        end = node.end_mark.index
        if comment is not None:  # the line's own comment spoke of the old value: replace it
            line_end = text.find("\n", end) if "\n" in text[end:] else len(text)
            trailing = re.match(r"(\s*)(#.*)?$", text[end:line_end])
            if trailing:
                end = line_end
                comment_text = f"{trailing.group(1) or '  '}# {comment}"
                return apply(text, [Edit(node.start_mark.index, end, scalar(value, style) + comment_text)])
        return apply(text, [Edit(node.start_mark.index, end, scalar(value, style))])
    anchor = key_node_at(root, (after,)) if after else None
    if anchor is None:
        raise ValueError(f"the plan has no top-level {after or key!r}")
    line_end = text.index("\n", anchor.start_mark.index) + 1 if "\n" in text[anchor.start_mark.index:] else len(text)
    line = f"{key}: {scalar(value)}" + (f"  # {comment}" if comment else "") + "\n"
    return text[:line_end] + line + text[line_end:]


def _remove_top_level(text: str, key: str) -> str:
    key_node = key_node_at(compose(text), (key,))
    if key_node is None:
        return text
    start = text.rfind("\n", 0, key_node.start_mark.index) + 1
    end = text.find("\n", key_node.start_mark.index)
    return text[:start] + (text[end + 1:] if end >= 0 else "")
