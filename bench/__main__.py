"""`make bench`: every figure is a ratio to a baseline measured in the same run, on this machine.

Each module in BENCHES exposes `run() -> list[str]` (lines to print) and sets up its own database.
"""

import importlib
import os
import sys

BENCHES = [
    "bench.gifts_api",  # the /external/gift/ hot paths
    "bench.sync_offers",  # GamesDrop catalog sync
    "bench.telegram_reports",  # Telegram purchase reports through the outbox
]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giftoffice.settings")
    selected = sys.argv[1:] or BENCHES
    failed = 0
    for name in selected:
        module = importlib.import_module(name)
        print(f"== {name}", flush=True)
        for line in module.run():
            print(line, flush=True)
            if "FAIL" in line:
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
