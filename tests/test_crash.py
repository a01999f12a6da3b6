"""A build killed at any step of its commit: the next build puts the output right.

Driven by fault points (``feeds.build._faults``), not by timing: each case
kills ``feeds build`` with SIGKILL exactly there (``benchmarks/kill_matrix.py``
prints the same matrix as a table).
"""

from __future__ import annotations

import pytest

from benchmarks.kill_matrix import MOMENTS, feeds, run_case

CASES = [(kind, moment) for kind, moments in MOMENTS.items() for moment in moments]


@pytest.mark.parametrize(("kind", "moment"), CASES, ids=[f"{k}-{m}" for k, m in CASES])
def test_a_build_killed_in_its_commit_is_put_right_by_the_next(tmp_path, kind, moment):
    """After SIGKILL at this step, one more build gives exactly a clean build's tree:
    nothing stale, nothing missing, no temporary file left."""
    outcome = run_case(kind, moment, tmp_path, articles=24)
    assert outcome.killed, f"the build never reached {moment}"
    assert outcome.identical, outcome


def test_the_build_after_the_repair_writes_nothing(tmp_path):
    """Once repaired, the output and the cache agree again: a rebuild is a no-op."""
    run_case("full", "commit.move@3", tmp_path, articles=24)
    again = feeds(tmp_path)
    assert again.returncode == 0, again.stderr
    assert "(0 written, 0 deleted)" in again.stdout
