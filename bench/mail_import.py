"""Import a realistic generated mailbox (tests/mailbox_builder.py) into a fresh workspace and
print the figures: messages, attached to the right deal, to a wrong deal, unmatched (and
whether they should have been), duplicates, and the time taken.

    .venv/bin/python bench/mail_import.py [--per-deal 34] [--db sqlite:///…]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.mailbox_builder import build, write  # noqa: E402

from buyersync.imports.mail import read_mail  # noqa: E402
from buyersync.method.model import Deal  # noqa: E402
from buyersync.services.deals import DealService  # noqa: E402
from buyersync.services.mail import import_mail  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-deal", type=int, default=34)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        box = build(per_deal=args.per_deal)
        paths = write(box, Path(tmp) / "mail")
        url = args.db or f"sqlite:///{tmp}/bench.db"
        with DealService(url) as service:
            ids = {name: i for i, name in service.import_deals(
                [Deal.model_validate(d) for d in box.deals])}
            names = {i: n for n, i in ids.items()}
            started = time.perf_counter()
            messages = list(read_mail(paths))
            report = import_mail(service, messages)
            took = time.perf_counter() - started
            again = import_mail(service, list(read_mail(paths)))
    right = sum(1 for a in report.attached if names[a.deal_id] == box.truth[a.message_id])
    wrong = len(report.attached) - right
    rightly_unmatched = sum(1 for u in report.unmatched if box.truth[u.message_id] is None)
    print(f"messages read          {len(messages)} ({len(box.messages)} distinct)")
    print(f"attached               {len(report.attached)}: right deal {right}, wrong deal {wrong}")
    print(f"unmatched              {len(report.unmatched)}: belong to no deal {rightly_unmatched}, "
          f"missed {len(report.unmatched) - rightly_unmatched}")
    print(f"duplicates             {report.duplicates} (expected {box.duplicates})")
    print(f"re-import              attached {len(again.attached)}, duplicates {again.duplicates}")
    print(f"time                   {took:.2f} s ({len(messages) / took:.0f} messages/s)")


if __name__ == "__main__":
    main()
