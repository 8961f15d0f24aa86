"""Claims of a corpus grouped by member, whatever order the corpus lists them in.

The revision diff adjudicates chunks of whole members, each chunk on its own history; a
member whose claims were split over two chunks would start again from zero in the second (caps
restarting: a silently wrong total). So the corpus is first spilled into a temporary SQLite
file with each claim's member key and read back member by member, in the order members first
appear and, within a member, in corpus order: memory stays flat whatever the corpus size.

One person is one group, as the ledger resolves people (engine.identity): a claim's key is
the resident ID number when it gives one, else its member id (case folded), and a member id
that any claim of the corpus gives together with an ID number belongs to that ID number's
group. So a person whose ID number is on some claims and missing on others, or who comes under
two member ids with one ID number, is adjudicated as one, in corpus order. The links (member
id, ID number) are kept in the temporary file too. A line that is not a claim with a member is
its own group (it fails in its place).
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


def member_aliases(line: str) -> tuple[str, ...]:
    """The aliases a claim's JSON line names its member by (`id:…` first, then `member:…`);
    empty when it names no member or an id that is not valid (the claim fails in its place)."""
    values = {}
    for name, pattern in _FIELD.items():
        match = pattern.search(line)
        if match:
            try:
                values[name] = json.loads(f'"{match.group(1)}"')
            except json.JSONDecodeError:
                return ()
    from engine.model.types import normalise_id, normalise_id_number

    try:
        aliases = []
        if values.get("id_number"):
            aliases.append(f"id:{normalise_id_number(values['id_number'])}")
        if values.get("member_id"):
            aliases.append(f"member:{normalise_id(values['member_id']).casefold()}")
    except ValueError:
        return ()
    return tuple(aliases)


def member_key(line: str) -> str | None:
    """The claim's own member key (before the corpus links member ids to ID numbers), or None."""
    aliases = member_aliases(line)
    return aliases[0] if aliases else None


def grouped_by_member(records: Iterable["ClaimRecord | str"]) -> Iterator[tuple[str, "ClaimRecord"]]:
    """(member key, record) for every claim record (or non-blank JSON line), each member's together."""
    from engine.claims import ClaimRecord

    with tempfile.TemporaryDirectory(prefix="adjudicator-group-") as folder:
        database = sqlite3.connect(Path(folder) / "claims.db")
        try:
            database.execute("PRAGMA journal_mode=OFF")
            database.execute("PRAGMA synchronous=OFF")
            database.execute("CREATE TABLE claims (seq INTEGER PRIMARY KEY, member TEXT NOT NULL, record BLOB NOT NULL)")
            database.execute("CREATE TABLE links (member TEXT NOT NULL, id_number TEXT NOT NULL, PRIMARY KEY (member, id_number))")
            rows, links, seq = [], set(), 0
            for item in records:
                if isinstance(item, str):
                    if not item.strip():
                        continue
                    item = ClaimRecord(None, text=item)
                seq += 1
                aliases = member_aliases(item.text) if item.text else ()
                if len(aliases) == 2:
                    links.add((aliases[1], aliases[0]))
                rows.append((seq, aliases[0] if aliases else f"record:{seq}", pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)))
                if len(rows) >= BATCH:
                    _spill(database, rows, links)
                    rows, links = [], set()
            _spill(database, rows, links)
            # a member id given with an ID number anywhere in the corpus is that ID number's person
            # (given with two, the smaller: the ledger refuses the claims that contradict it)
            database.execute("UPDATE claims SET member = (SELECT MIN(id_number) FROM links WHERE links.member = claims.member) "
                             "WHERE member IN (SELECT member FROM links)")
            database.execute("CREATE INDEX claims_member ON claims (member, seq)")
            query = ("SELECT c.member, c.record FROM claims c JOIN (SELECT member, MIN(seq) AS first FROM claims GROUP BY member) f "
                     "ON f.member = c.member ORDER BY f.first, c.seq")
            for member, blob in database.execute(query):
                yield member, pickle.loads(blob)  # our own rows, written above in this process
        finally:
            database.close()


def _spill(database: sqlite3.Connection, rows: list[tuple], links: set[tuple[str, str]]) -> None:
    database.executemany("INSERT INTO claims VALUES (?, ?, ?)", rows)
    database.executemany("INSERT OR IGNORE INTO links VALUES (?, ?)", sorted(links))
