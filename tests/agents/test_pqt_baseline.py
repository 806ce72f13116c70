"""PQT finds a short program, its queue holds the best programs, and a found program passes the tests."""

import pytest

from agents.pqt_baseline import PQTSettings, passes, run_pqt, text_of
from curricula.base import make_task


def test_pqt_finds_emit_one_byte_and_stops():
    instance = make_task("emit-char", level=0).instance(0, 0)  # '+.' prints byte 1
    result = run_pqt(instance, PQTSettings(batch_size=32), budget=4000, seed=0)
    assert result.first_success is not None, result.queue[:3]
    programs, text = result.first_success
    assert programs <= result.programs <= 4000
    assert passes(instance, text)
    # The queue is sorted best first and never longer than K.
    rewards = [r for r, _ in result.queue]
    assert rewards == sorted(rewards, reverse=True) and len(rewards) <= 10


def test_pqt_respects_the_budget_and_validates_settings():
    instance = make_task("reverse").instance(0, 0)
    result = run_pqt(instance, PQTSettings(batch_size=16), budget=40, seed=1)
    assert result.programs == 40 and result.first_success is None
    assert text_of([1, 2, 3, 4, 5, 6, 7, 8]) == "><+-.,[]"
    with pytest.raises(ValueError, match="batch_size"):
        run_pqt(instance, PQTSettings(batch_size=0), budget=10)
