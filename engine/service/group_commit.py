"""Group commit: the claims that arrive together in one worker are recorded in one transaction.

Each `POST /v1/claims` waits for its own outcome, but a writer records every claim waiting at
that moment (up to `max_batch`) with one `store.submit_batch`: one transaction, one commit, the
rules of the whole batch evaluated together. Under load this divides the ledger's per-commit
cost (round trips, fsync) by the batch size; with one request at a time nothing waits, since a
writer takes a claim as soon as it is idle.

Within a batch the store decides claims in arrival order, each on the history the earlier ones
left, exactly as if they had come one by one; a batch ends before a claim that cannot join it,
so the order holds across batches too. Two requests for the same claim never share a batch
(the second starts the next), so a client retrying while its first request is still in flight
gets the replay. A failure of the whole transaction (the ledger unreachable, busy)
is every claim's answer; a refusal of one claim (invalid, conflict) is that claim's alone.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from engine.claims import claim_id_of
from engine.identity import claim_key


@dataclass
class _Waiting:
    adjudicator: Any
    raw: Any
    key: str | None
    future: asyncio.Future = field(repr=False)


class GroupCommit:
    def __init__(self, store, max_batch: int = 32, writers: int = 2, on_batch=None):
        self.store = store
        self.max_batch = max_batch
        self.writers = writers
        self.on_batch = on_batch  # called with each batch's size (metrics)
        self._waiting: deque[_Waiting] = deque()
        self._wakeup: asyncio.Event | None = None
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self._wakeup = asyncio.Event()
        self._tasks = [asyncio.create_task(self._writer(), name=f"group-commit-{n}") for n in range(self.writers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for waiting in self._waiting:
            if not waiting.future.done():
                waiting.future.set_exception(RuntimeError("the service is stopping"))

    async def submit(self, adjudicator, raw):
        """The claim's Submission, or its refusal raised, once its batch is committed."""
        try:
            key = claim_key(claim_id_of(raw) or "") or None
        except ValueError:
            key = None
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(adjudicator, raw, key, future))
        self._wakeup.set()
        return await future

    def _take(self) -> list[_Waiting]:
        """The next batch: the claims waiting longest, in arrival order, up to the first that
        cannot join it (another plan set, or a claim id already in it), which starts the next."""
        batch: list[_Waiting] = []
        keys: set[str] = set()
        while self._waiting and len(batch) < self.max_batch:
            waiting = self._waiting[0]
            if waiting.future.done():  # its client went away before it was recorded
                self._waiting.popleft()
                continue
            if batch and (waiting.adjudicator is not batch[0].adjudicator or (waiting.key and waiting.key in keys)):
                break
            batch.append(self._waiting.popleft())
            if waiting.key:
                keys.add(waiting.key)
        return batch

    async def _writer(self) -> None:
        while True:
            while not self._waiting:
                self._wakeup.clear()
                await self._wakeup.wait()
            batch = self._take()
            if not batch:
                continue
            if self.on_batch:
                self.on_batch(len(batch))
            try:
                outcomes = await run_in_threadpool(self.store.submit_batch, batch[0].adjudicator, [w.raw for w in batch])
            except Exception as error:  # the transaction failed: every claim in it gets the answer
                for waiting in batch:
                    if not waiting.future.done():
                        waiting.future.set_exception(error)
                continue
            for waiting, outcome in zip(batch, outcomes):
                if waiting.future.done():
                    continue  # the client went away; its claim is recorded all the same
                if isinstance(outcome, BaseException):
                    waiting.future.set_exception(outcome)
                else:
                    waiting.future.set_result(outcome)
