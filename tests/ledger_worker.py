"""A worker process for the concurrency tests: submit the claims of a JSON file to a ledger,
a transaction per batch of 1 to 4 claims (as the service's group commit makes them), and
print each outcome as a JSON line.

    python tests/ledger_worker.py LEDGER_URL CLAIMS.json START_FILE
"""

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Adjudicator  # noqa: E402
from engine.store import open_store  # noqa: E402


def main(url: str, claims_path: str, start_file: str) -> None:
    adjudicator = Adjudicator.load(ROOT / "plans", ROOT / "rules")
    store = open_store(url)
    claims = json.loads(Path(claims_path).read_text(encoding="utf-8"))
    deadline = time.monotonic() + 60
    while not Path(start_file).exists() and time.monotonic() < deadline:  # start together, to race
        time.sleep(0.01)
    sizes = random.Random(claims_path)
    start = 0
    while start < len(claims):
        batch = claims[start:start + sizes.randint(1, 4)]
        start += len(batch)
        for submission in store.submit_batch(adjudicator, batch):
            if isinstance(submission, Exception):
                raise submission
            print(json.dumps({"claim_id": submission.claim_id, "outcome": submission.outcome, "retries": submission.retries}),
                  flush=True)
    store.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
