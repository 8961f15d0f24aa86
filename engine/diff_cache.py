"""The cached base of a revision diff: the base side's outcomes for a corpus, kept in Parquet,
so a later diff against the same base adjudicates only the head.

An entry is keyed by everything the base outcomes depend on: the plan set (every revision's
content hash), the rule libraries (SHA-256 of every file under the rules folder), the corpus
(SHA-256 of its bytes) and the engine version (the package version and SHA-256 of the engine's
own source files, so any change of the code is a new version). It is used only when every part
matches the key stored inside the file, and the chunking the diff will use is the one it was
written with; otherwise the base is adjudicated again and the entry rewritten. Entries are
written beside their final name and renamed into place when whole (engine.output).

Each row is one claim's amounts-only base outcome (engine.outcome) with the history values it
read and the person it was decided for, so the diff's largest changes are explained on demand
from the same inputs; one row group per chunk of the diff, in order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Iterator

from pydantic import TypeAdapter

from engine.ledger import Recording
from engine.model.decision import AccumulatorChange, ClaimFailure, Decision

ENGINE_ROOT = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def engine_version() -> str:
    """The package version and a digest of the engine's source: any code change is a new version."""
    try:
        version = metadata.version("mutual-aid-adjudicator")
    except metadata.PackageNotFoundError:
        version = "0"
    digest = hashlib.sha256()
    for path in sorted(ENGINE_ROOT.rglob("*.py")):
        digest.update(str(path.relative_to(ENGINE_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{version}+{digest.hexdigest()[:16]}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_sha256(folder: Path) -> str:
    """SHA-256 over every file of a folder: relative names and bytes, in name order."""
    folder = Path(folder)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def plan_set_sha256(adjudicator) -> str:
    """SHA-256 of every plan revision's key (plan, revision and content hash), in order."""
    keys = sorted(plan.key for plan in adjudicator.plans)
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


@dataclass(frozen=True)
class BaseKey:
    plan_set: str
    rules: str
    corpus: str
    engine: str
    chunk_claims: int
    evaluator: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


def base_key(adjudicator, rules: Path, corpus: Path, chunk_claims: int, evaluator: str) -> BaseKey:
    """The key of the base outcomes of `corpus` under `adjudicator` (loaded from `rules`)."""
    return BaseKey(plan_set_sha256(adjudicator), folder_sha256(rules), file_sha256(corpus), engine_version(),
                   chunk_claims, evaluator)


# -- one claim's base outcome, as stored -------------------------------------------------------------


@dataclass
class StoredOutcome:
    """An amounts-only result (decision, the history values it read, its person and new
    aliases), or a failure."""

    decision: Decision | None = None
    failure: ClaimFailure | None = None
    changes: list[AccumulatorChange] | None = None
    person: str | None = None
    aliases: list[str] | None = None


_STORED = TypeAdapter(StoredOutcome)


@dataclass(frozen=True)
class CachedResult:
    """What `engine.outcome.explained` needs of an amounts-only result."""

    decision: Decision
    changes: list[AccumulatorChange]
    recording: Recording | None


def dump(result) -> str:
    if isinstance(result, ClaimFailure):
        return _STORED.dump_json(StoredOutcome(failure=result)).decode()
    recording = result.recording
    return _STORED.dump_json(StoredOutcome(decision=result.decision, changes=result.changes,
                                           person=recording.person if recording else None,
                                           aliases=list(recording.aliases) if recording else None)).decode()


def load(text: str):
    stored = _STORED.validate_json(text)
    if stored.failure is not None:
        return stored.failure
    recording = Recording(stored.person, tuple(stored.aliases or ())) if stored.person is not None else None
    return CachedResult(stored.decision, stored.changes or [], recording)


# -- the file -------------------------------------------------------------------------------------------


def _pyarrow():
    import pyarrow
    import pyarrow.parquet

    return pyarrow, pyarrow.parquet


class BaseCache:
    """One entry of the cache folder, for one key."""

    def __init__(self, folder: Path, key: BaseKey):
        self.folder = Path(folder)
        self.key = key
        self.path = self.folder / f"base-{key.digest}.parquet"

    def chunks(self) -> Iterator[list[str]] | None:
        """The stored outcomes, a chunk at a time, when the entry exists and its key is this one."""
        if not self.path.is_file():
            return None
        _, pq = _pyarrow()
        try:
            source = pq.ParquetFile(self.path)
            stored = json.loads((source.schema_arrow.metadata or {}).get(b"adjudicator.base_key", b"{}"))
        except Exception:  # an unreadable entry is a miss, rewritten by this run
            return None
        if stored != asdict(self.key):
            return None
        return (source.read_row_group(index, columns=["outcome"]).column(0).to_pylist()
                for index in range(source.num_row_groups))

    def writer(self) -> "BaseWriter":
        self.folder.mkdir(parents=True, exist_ok=True)
        return BaseWriter(self)


class BaseWriter:
    """Chunks' outcomes arrive in any order (a process pool); each is written when all before it are."""

    def __init__(self, cache: BaseCache):
        from engine.output import atomic_file

        pa, pq = _pyarrow()
        self._pa = pa
        self._schema = pa.schema([("outcome", pa.string())],
                                 metadata={"adjudicator.base_key": json.dumps(asdict(cache.key))})
        self._file = atomic_file(cache.path, encoding=None)
        self._stream = self._file.__enter__()
        self._writer = pq.ParquetWriter(self._stream, self._schema, compression="zstd")
        self._waiting: dict[int, list[str]] = {}
        self._next = 0

    def add(self, index: int, outcomes: list[str]) -> None:
        self._waiting[index] = outcomes
        while self._next in self._waiting:
            rows = self._waiting.pop(self._next)
            self._writer.write_table(self._pa.table({"outcome": self._pa.array(rows, self._pa.string())}, schema=self._schema))
            self._next += 1

    def close(self, complete: bool) -> None:
        """Renamed into place only when every chunk was written; else nothing is left behind."""
        self._writer.close()
        if complete and not self._waiting:
            self._file.__exit__(None, None, None)
        else:
            error = RuntimeError("base cache entry incomplete")
            try:
                self._file.__exit__(RuntimeError, error, None)
            except Exception:
                pass
