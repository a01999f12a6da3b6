"""The golden tree: a build of tests/data/seeds/ kept in tests/golden/.

``python -m tests.golden_tree --update`` (or ``invoke golden --update``)
rewrites it; review the diff in the same commit as the change that caused it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from feeds.build import build
from tests.conftest import SEEDS, test_site

GOLDEN = Path(__file__).parent / "golden"


def build_golden(output: Path) -> None:
    """Build the test seeds into ``output``."""
    build(SEEDS, output, test_site())


def main(argv: list[str]) -> int:
    if argv != ["--update"]:
        print("usage: python -m tests.golden_tree --update", file=sys.stderr)
        return 2
    shutil.rmtree(GOLDEN, ignore_errors=True)
    build_golden(GOLDEN)
    print(f"rewrote {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
