"""Worker processes for the concurrency tests, run as `python -m tests.integration.workers`.

write URL SHARED_ID TAG N GO_FILE  create N deals and add N evidence items to SHARED_ID,
                                   starting when GO_FILE appears
import URL N                       import N deals in one transaction, slowly, saying how
                                   far the writing got (so that a test can kill it there)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from buyersync.services.deals import DealService
from tests.integration.conftest import deal, tagged_analyzer


def write(url: str, shared_id: str, tag: str, n: int, go: Path) -> None:
    with DealService(url, analyzer=tagged_analyzer) as service:
        while not go.exists():
            time.sleep(0.01)
        for i in range(n):
            service.create(deal(name=f"{tag}-{i}", evidence=[{"text": f"[pain] {tag} {i}"}]))
            service.add_evidence(shared_id, f"[goal] {tag} note {i}")
    print("done", flush=True)


def bulk_import(url: str, n: int) -> None:
    with DealService(url, analyzer=tagged_analyzer) as service:
        def progress(done: int, total: int) -> None:
            if done > n:  # rows are being written inside the open transaction
                print(f"written {done - n}", flush=True)
                time.sleep(0.5)

        service.import_deals(
            [deal(name=f"bulk {i}", evidence=[{"text": "[problem] a"}, {"text": "[pain] b"}],
                  contacts=[{"name": "Ann"}]) for i in range(n)], progress=progress)
    print("committed", flush=True)


if __name__ == "__main__":
    mode, url, *rest = sys.argv[1:]
    if mode == "write":
        write(url, rest[0], rest[1], int(rest[2]), Path(rest[3]))
    else:
        bulk_import(url, int(rest[0]))
