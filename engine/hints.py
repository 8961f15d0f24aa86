"""Hints in the product team's language for what people mistype in YAML.

- The closest known name for an unknown one ("did you mean").
- Typing slips of a Chinese keyboard that break YAML: a full-width colon `：`, comma `，` or
  space `　` where YAML needs the ASCII one, and a tab in the indentation. The YAML parser
  reports such a slip late (a full-width colon makes the *next* line fail) and in its own
  terms; `with_hints` finds the slip in the file and reports it on its own line, named.
- `12,000.00`: YAML reads the comma as a separator, so the amount becomes 12 and a stray key.

`with_hints` rewrites located issues (as loading produced them) by reading their files again;
it is applied where people read the issues (`check`, `test`, and every command that loads plans).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from engine.errors import Issue


def closest(word: object, choices: Iterable[object]) -> str | None:
    """The known name closest to `word`, if one is close enough to be the one meant."""
    names = sorted({str(choice) for choice in choices})
    match = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """` (did you mean 'benefits'?)`, or nothing when no known name is close."""
    match = closest(word, choices)
    return f" (did you mean {match!r}?)" if match is not None and match != str(word) else ""


@dataclass(frozen=True)
class Slip:
    line: int
    column: int
    message: str


_KEY_COLON = re.compile(r"(?:^|(?<=[\s{,\[-]))([A-Za-z_][A-Za-z0-9_-]*)[ \u3000]*：")
_COMMA = re.compile(r"(?<=[A-Za-z0-9_.\-\]}])[ \u3000]*，[ \u3000]*(?=[A-Za-z0-9_\[{-])")
_WIDE_SPACE = re.compile(r"^[ \u3000]*\u3000|(?<=[:,\-])\u3000")
_TAB_INDENT = re.compile(r"^[ ]*\t")
THOUSANDS = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w,])")


def slips(text: str) -> list[Slip]:
    """Every typing slip in the structure of a YAML text (quoted text and comments are left
    alone: a title may hold a full-width colon)."""
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        code = _code_part(raw)
        tab = _TAB_INDENT.match(code)
        if tab:
            found.append(Slip(number, tab.end(), "a tab character indents this line: YAML indents with spaces only; "
                                                  "replace the tab with spaces"))
        for match in _KEY_COLON.finditer(code):
            column = code.index("：", match.start(1)) + 1
            found.append(Slip(number, column, f"full-width colon '：' after {match.group(1)!r}: YAML needs an ASCII "
                                              f"colon and a space, `{match.group(1)}: `"))
        for match in _COMMA.finditer(code):
            found.append(Slip(number, code.index("，", match.start()) + 1,
                              "full-width comma '，' between items: YAML separates items with an ASCII comma ','"))
        for match in _WIDE_SPACE.finditer(code):
            found.append(Slip(number, match.end(), "full-width space '　' (U+3000): YAML needs an ordinary space here"))
    return found


def _code_part(line: str) -> str:
    """The line with quoted text blanked and its comment cut, so only YAML structure is left."""
    out, quote = [], None
    for index, char in enumerate(line):
        if quote:
            out.append(" " if char != quote else char)
            if char == quote:
                quote = None
        elif char in "\"'" and (index == 0 or line[index - 1] in " \t{[,:-"):
            quote = char
            out.append(char)
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            break
        else:
            out.append(char)
    return "".join(out)


def thousands(line: str) -> str | None:
    """The amount written with a thousands separator on this line, if any."""
    match = THOUSANDS.search(line.split(" #")[0])
    return match.group(0) if match else None


def with_hints(issues: list[Issue]) -> list[Issue]:
    """The issues, each explained in the editor's terms where a typing slip or a thousands
    separator on its line caused it; a YAML syntax error caused by a slip on its line or the
    line before is replaced by the slip, on the slip's own line."""
    texts: dict[str, str | None] = {}
    result: list[Issue] = []
    for issue in issues:
        if issue.file is None or issue.line is None:
            result.append(issue)
            continue
        if issue.file not in texts:
            texts[issue.file] = _read(issue.file)
        text = texts[issue.file]
        if text is None:
            result.append(issue)
            continue
        result.extend(_explained(issue, text))
    unique: list[Issue] = []
    for issue in result:
        if issue not in unique:
            unique.append(issue)
    return unique


def _read(file: str) -> str | None:
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _explained(issue: Issue, text: str) -> list[Issue]:
    found = slips(text)
    if issue.message.startswith("invalid YAML"):
        before = [slip for slip in found if slip.line <= issue.line]
        if before and before[-1].line >= issue.line - 1:
            return [Issue(slip.message, file=issue.file, line=slip.line, column=slip.column) for slip in before]
        return [Issue(slip.message, file=issue.file, line=slip.line, column=slip.column) for slip in before] + [issue]
    on_line = [slip for slip in found if slip.line == issue.line]
    if on_line:
        return [replace(issue, message=on_line[0].message, column=on_line[0].column)]
    lines = text.splitlines()
    amount = thousands(lines[issue.line - 1]) if 0 < issue.line <= len(lines) else None
    if amount:
        return [replace(issue, message=f"{amount} is written with a thousands separator; write amounts without one: "
                                       f"{amount.replace(',', '')} (YAML reads a comma as the end of a value)")]
    return [issue]
