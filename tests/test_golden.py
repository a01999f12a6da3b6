"""A build of tests/data/seeds/ equals the reviewed tree in tests/golden/.

When an output change is intended: ``invoke golden --update`` and review the diff.
"""

from __future__ import annotations

from tests.conftest import snapshot
from tests.golden_tree import GOLDEN, build_golden


def test_build_matches_golden_tree(tmp_path):
    """Every file of the build is byte-identical to tests/golden/, and none is missing or extra."""
    build_golden(tmp_path / "public")
    built, golden = snapshot(tmp_path / "public"), snapshot(GOLDEN)
    assert sorted(built) == sorted(golden)
    for name in built:
        assert built[name] == golden[name], (
            f"{name} differs: run 'invoke golden --update' and review"
        )
