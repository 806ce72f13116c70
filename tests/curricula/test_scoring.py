"""Scoring modes on hand-made executions: binary, fraction, prefix and brain_coder's PQT shaped reward."""

from __future__ import annotations

import pytest

from curricula.base import Instance, TestCase
from curricula.scoring import Score, absolute_distance, mode_names, score
from esolangs import Execution


def make_instance(outputs: list[bytes], scoring: dict | None = None) -> Instance:
    tests = tuple(TestCase(b"", out) for out in outputs)
    return Instance(
        family="hand-made",
        description="",
        io_format="",
        examples=(),
        tests=tests,
        config={},
        seed=0,
        index=0,
        scoring=scoring or {},
    )


def ok(output: bytes) -> Execution:
    return Execution("ok", output, 10)


def test_binary_and_fraction_count_exact_ok_outputs():
    inst = make_instance([b"ab", b"c", b""])
    runs = [ok(b"ab"), ok(b"x"), ok(b"")]
    binary = score(inst, runs)
    assert (binary.passed, binary.total, binary.reward, binary.success) == (2, 3, 0.0, False)
    assert score(inst, runs, mode="fraction").reward == pytest.approx(2 / 3)
    all_ok = score(inst, [ok(b"ab"), ok(b"c"), ok(b"")], mode="binary")
    assert all_ok.reward == 1.0 and all_ok.success


def test_a_right_output_with_a_bad_status_does_not_pass():
    inst = make_instance([b"ab"])
    result = score(inst, [Execution("step_limit", b"ab", 5000, "limit")], mode="fraction")
    assert result.passed == 0 and result.reward == 0.0
    assert result.details == [{"status": "step_limit", "passed": False, "expected_len": 2, "output_len": 2}]


def test_prefix_mode_is_the_mean_common_prefix_fraction():
    inst = make_instance([b"abcd", b"xy", b"q"])
    runs = [ok(b"abzz"), ok(b"xy"), Execution("runtime_error", b"q", 3)]
    # (2/4 + 2/2 + 0 for the failed run) / 3
    assert score(inst, runs, mode="prefix").reward == pytest.approx((0.5 + 1.0 + 0.0) / 3)


def test_pqt_reward_matches_a_hand_computed_example():
    # base 10, two tests.
    # test 1: expected [3, 4], output [3, 6, 1]: distance |3-3| + |6-4| + 10 (one extra) = 12;
    #         reward (10*2 - 12) / (10*2) = 0.4; no bonus.
    # test 2: expected [5], output [5]: reward 1.0, plus bonuses 2.0 + 1.0 = 4.0.
    # total 4.4, best = 2 tests * (1 + 2 + 1) = 8, normalized 4.4 / 8 = 0.55.
    inst = make_instance([bytes([3, 4]), bytes([5])], {"mode": "pqt", "base": 10})
    runs = [ok(bytes([3, 6, 1])), ok(bytes([5]))]
    assert score(inst, runs).reward == pytest.approx(0.55)
    assert score(inst, runs, normalize=False).reward == pytest.approx(4.4)
    # a missing element costs base: output [3] for [3, 4] -> (20 - 10) / 20 = 0.5
    assert score(inst, [ok(bytes([3])), ok(bytes([5]))], normalize=False).reward == pytest.approx(0.5 + 4.0)


def test_pqt_reward_is_minus_two_over_best_if_any_run_fails():
    inst = make_instance([bytes([1]), bytes([2])], {"mode": "pqt", "base": 256})
    runs = [ok(bytes([1])), Execution("step_limit", b"", 5000)]
    assert score(inst, runs).reward == pytest.approx(-2.0 / 8)
    assert score(inst, runs, normalize=False).reward == -2.0


def test_pqt_params_from_the_instance_are_overridden_by_arguments():
    inst = make_instance([bytes([0])], {"mode": "pqt", "base": 256})
    # output [10] for [0]: 256-base reward (256 - 10) / 256; base 20: (20 - 10) / 20
    assert score(inst, [ok(bytes([10]))], normalize=False).reward == pytest.approx(246 / 256)
    assert score(inst, [ok(bytes([10]))], normalize=False, base=20).reward == pytest.approx(0.5)
    # a pqt instance scored in binary mode ignores its base
    assert score(inst, [ok(bytes([10]))], mode="binary").reward == 0.0


def test_absolute_distance_follows_brain_coder():
    assert absolute_distance([1, 2, 3], [1, 2, 3], 256) == 0
    assert absolute_distance([], [7, 7], 27) == 54
    assert absolute_distance([9, 9, 9], [7], 27) == 2 + 2 * 27


def test_errors_name_the_problem():
    inst = make_instance([b"a", b"b"])
    with pytest.raises(ValueError, match="2 hidden tests but 1 executions"):
        score(inst, [ok(b"a")])
    with pytest.raises(ValueError, match="binary, fraction, pqt, prefix"):
        score(inst, [ok(b"a"), ok(b"b")], mode="nope")
    with pytest.raises(ValueError, match="takes no parameter"):
        score(inst, [ok(b"a"), ok(b"b")], mode="binary", base=3)
    assert mode_names() == ["binary", "fraction", "pqt", "prefix"]


def test_score_success_property():
    assert Score(3, 3, 1.0).success and not Score(2, 3, 0.0).success


def test_passes_is_built_on_esolangs_ok():
    """One pass check: the run ended with status esolangs.OK and wrote exactly the expected bytes."""
    import esolangs
    from curricula.scoring import passes

    assert passes(Execution(esolangs.OK, b"ab", 3), b"ab")
    assert not passes(Execution(esolangs.OK, b"ab", 3), b"abc")
    for status in esolangs.STATUSES:
        if status != esolangs.OK:
            assert not passes(Execution(status, b"ab", 3), b"ab"), status
