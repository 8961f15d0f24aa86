"""What one service process needs to know: where the plans, rules, ledger and tokens are, and
its limits. `adjudicator serve` writes the settings into the environment, so every uvicorn
worker process (started fresh, not forked) builds the same app from them. Imports nothing of
the web stack, so the command line stays quick to start."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Mapping

ENV_PREFIX = "ADJUDICATOR_"
# Limits of a request (README, "Limits"); enforced by `engine.service.limits`.
MAX_BODY_BYTES = 1024 * 1024  # one claim is a few KB; the largest valid claim stays below 300 KB
MAX_JSON_DEPTH = 16  # a claim nests 6 levels deep ($.event.diagnoses[0].findings.x)


@dataclass(frozen=True)
class ServiceSettings:
    plans: Path = Path("plans")
    rules: Path = Path("rules")
    ledger: str = "ledger.db"  # a SQLite file or any SQLAlchemy URL
    tokens: Path | None = None  # the tokens file (ADJUDICATOR_TOKENS)
    insecure_dev: bool = False  # no tokens: every request may do everything (loopback only)
    evaluator: str = "durable"
    max_body_bytes: int = MAX_BODY_BYTES
    max_json_depth: int = MAX_JSON_DEPTH
    # Group commit (engine.service.group_commit): at most this many claims per transaction (1:
    # each claim its own), recorded by this many writers per worker.
    batch: int = 32
    writers: int = 2
    # Set by `serve` when it runs several workers: a reload in one worker asks the supervisor
    # (SIGHUP) to reload the others, so every worker decides on the same plans.
    supervisor_pid: int | None = None

    def to_env(self) -> dict[str, str]:
        """The settings as environment variables, for worker processes."""
        env = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None or value is False:
                continue
            env[ENV_PREFIX + field.name.upper()] = "1" if value is True else str(value)
        return env

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "ServiceSettings":
        values = {}
        for field in fields(cls):
            text = environ.get(ENV_PREFIX + field.name.upper())
            if text is None or text == "":
                continue
            if field.name in ("plans", "rules", "tokens"):
                values[field.name] = Path(text)
            elif field.name == "insecure_dev":
                values[field.name] = text.lower() in ("1", "true", "yes")
            elif field.name in ("max_body_bytes", "max_json_depth", "batch", "writers", "supervisor_pid"):
                values[field.name] = int(text)
            else:
                values[field.name] = text
        return cls(**values)
