"""Claims of a corpus grouped by member, whatever order the corpus lists them in.

The revision diff adjudicates chunks of whole members, each chunk on its own history; a
member whose claims were split over two chunks would start again from zero in the second (caps
restarting: a silently wrong total). So the corpus is first spilled into a temporary SQLite
file with each claim's member key and read back member by member, in the order members first
appear and, within a member, in corpus order: memory stays flat whatever the corpus size.

The member key is the one a ledger starts from (engine.identity): the resident ID number when
the claim gives one, else the member id, case folded. A line that is not a claim with a member
is its own group (it fails in its place).
"""

from __future__ import annotations

import json
import pickle
import re
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from engine.claims import ClaimRecord

_FIELD = {name: re.compile(rf'"{name}"\s*:\s*"((?:[^"\\]|\\.)*)"') for name in ("member_id", "id_number")}
BATCH = 10_000


def member_key(line: str) -> str | None:
    """The member key of a claim's JSON line, or None when it names no member."""
    values = {}
    for name, pattern in _FIELD.items():
        match = pattern.search(line)
        if match:
            try:
                values[name] = json.loads(f'"{match.group(1)}"')
            except json.JSONDecodeError:
                return None
    from engine.model.types import normalise_id, normalise_id_number

    try:
        if values.get("id_number"):
            return f"id:{normalise_id_number(values['id_number'])}"
        if values.get("member_id"):
            return f"member:{normalise_id(values['member_id']).casefold()}"
    except ValueError:
        return None
    return None


def grouped_by_member(records: Iterable["ClaimRecord | str"]) -> Iterator[tuple[str, "ClaimRecord"]]:
    """(member key, record) for every claim record (or non-blank JSON line), each member's together."""
    from engine.claims import ClaimRecord

    with tempfile.TemporaryDirectory(prefix="adjudicator-group-") as folder:
        database = sqlite3.connect(Path(folder) / "claims.db")
        try:
            database.execute("PRAGMA journal_mode=OFF")
            database.execute("PRAGMA synchronous=OFF")
            database.execute("CREATE TABLE claims (seq INTEGER PRIMARY KEY, member TEXT NOT NULL, record BLOB NOT NULL)")
            rows, seq = [], 0
            for item in records:
                if isinstance(item, str):
                    if not item.strip():
                        continue
                    item = ClaimRecord(None, text=item)
                seq += 1
                key = member_key(item.text) if item.text else None
                rows.append((seq, key or f"record:{seq}", pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)))
                if len(rows) >= BATCH:
                    database.executemany("INSERT INTO claims VALUES (?, ?, ?)", rows)
                    rows = []
            database.executemany("INSERT INTO claims VALUES (?, ?, ?)", rows)
            database.execute("CREATE INDEX claims_member ON claims (member, seq)")
            query = ("SELECT c.member, c.record FROM claims c JOIN (SELECT member, MIN(seq) AS first FROM claims GROUP BY member) f "
                     "ON f.member = c.member ORDER BY f.first, c.seq")
            for member, blob in database.execute(query):
                yield member, pickle.loads(blob)  # our own rows, written above in this process
        finally:
            database.close()
