"""Masking for claims publicity, exactly as catalogue §3 says.

- A name keeps its first character and, when it has three or more characters, its last; every
  other character becomes one `*` (张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜). A separator dot
  is a character like any other (阿依古丽·买买提 → 阿******提): keeping it would tell where the
  hidden given name ends. Compound surnames get no exception: §3 keeps one character.
- An identity number keeps its first 3 and last 2 characters (110***********002X → 110*************2X);
  one of 5 characters or fewer is masked whole, since keeping 5 would show it all.

"Character" means what a reader sees as one: text is NFC-normalised, and combining marks,
variation selectors, emoji modifiers and zero-width joiners stay with the character before them,
so a mask never leaves an accent of a hidden letter visible.
"""

from __future__ import annotations

import unicodedata

MASK = "*"
ZERO_WIDTH_JOINER = "\u200d"


def _joins_previous(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or char == ZERO_WIDTH_JOINER
    )


def characters(text: str) -> list[str]:
    """`text` (NFC) split into the characters a reader sees."""
    clusters: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if clusters and (_joins_previous(char) or clusters[-1].endswith(ZERO_WIDTH_JOINER)):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def mask_name(name: str) -> str:
    parts = characters(name.strip())
    if len(parts) <= 1:
        return "".join(parts)
    if len(parts) == 2:
        return parts[0] + MASK
    return parts[0] + MASK * (len(parts) - 2) + parts[-1]


def mask_id_number(number: str) -> str:
    parts = characters(unicodedata.normalize("NFKC", number).strip().upper())
    if len(parts) <= 5:
        return MASK * len(parts)
    return "".join(parts[:3]) + MASK * (len(parts) - 5) + "".join(parts[-2:])
