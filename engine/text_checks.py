"""What `check` warns about in the Chinese texts of plans and rule libraries: titles, names and
clause texts in traditional characters (the plans and decisions are in simplified Chinese; a
traditional title slips in by pasting from a Hong Kong or Taiwan source), and stray spaces (at
either end, doubled, full-width, or between two Chinese characters). They load and pay the same,
but they are printed on decisions and notices, so the product team should know."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from engine.errors import Issue
from engine.yamlsource import YamlDocument, read_yaml

TEXT_KEYS = {"title", "name"}  # plan, benefit and clause titles (clause texts), disease names
_CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
_SPACE_BETWEEN_CJK = re.compile(rf"{_CJK}[ \t]+{_CJK}")


@lru_cache(maxsize=1)
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s")


def traditional_characters(text: str) -> list[tuple[str, str]]:
    """(traditional, simplified) for each character of `text` written in traditional form."""
    simplified = _to_simplified().convert(text)
    if len(simplified) != len(text):
        return [(text, simplified)] if simplified != text else []
    return sorted({(a, b) for a, b in zip(text, simplified) if a != b})


def stray_spaces(text: str) -> str | None:
    """Why the spacing of `text` looks like a slip, or None."""
    if text != text.strip():
        return "a space at the start or end"
    if "\u3000" in text:
        return "a full-width space '　'"
    if "  " in text:
        return "two spaces in a row"
    match = _SPACE_BETWEEN_CJK.search(text)
    if match:
        return f"a space between Chinese characters ({match.group(0)!r})"
    return None


def _respaced(text: str) -> str:
    collapsed = " ".join(text.replace("\u3000", " ").split())
    return re.sub(rf"(?<={_CJK}) (?={_CJK})", "", collapsed)


def text_issues(folders: list[Path | str]) -> list[Issue]:
    """Warnings for every title or name of the YAML files under `folders`."""
    issues = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.yaml")):
            document, problems = read_yaml(path)
            if problems:
                continue  # reported by loading
            for where, text in _texts(document.data, ()):
                issues += _check(document, where, text)
    return issues


def _texts(data: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in TEXT_KEYS and isinstance(value, str):
                yield path + (key,), value
            else:
                yield from _texts(value, path + (key,))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _texts(item, path + (index,))


def _check(document: YamlDocument, where: tuple, text: str) -> list[Issue]:
    issues = []
    characters = traditional_characters(text)
    if characters:
        pairs = ", ".join(f"{a} → {b}" for a, b in characters)
        issues.append(document.issue(f"{text!r} is written in traditional characters ({pairs}); "
                                     f"write it in simplified Chinese: {_to_simplified().convert(text)!r}", where))
    spacing = stray_spaces(text)
    if spacing:
        issues.append(document.issue(f"{text!r} has {spacing}; did you mean {_respaced(text)!r}?", where))
    return issues
