"""Greedy evaluation on held-out content: instances, pass rates of scripted and random policies, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from curricula.heldout import is_heldout
from esolangs.knowledge import EFFECTS
from reasonenv.evaluation import EvalTarget, evaluate, evaluate_targets, target_instances, token_env
from reasonenv.policy import RandomMaskedPolicy, run_episode


class EchoBytePolicy:
    """Writes `,.` then STOP in any Brainfuck-like language, finding the commands by their effect ids (`,.` solves echo-byte)."""

    def act(self, observation):
        effects = [EFFECTS[i] for i in observation["action_effects"]]
        written = int(np.count_nonzero(observation["program"]))
        if written == 0:
            return effects.index("input")
        if written == 1:
            return effects.index("output")
        return effects.index("stop")


def test_instances_are_heldout_deterministic_and_flagged_when_nothing_is_held_out():
    target = EvalTarget("reverse", "bf")
    first, heldout, _ = target_instances(target, 30)
    again, _, _ = target_instances(target, 30)
    assert heldout and len(first) == 30 and all(is_heldout(inst) for inst in first)
    assert [i.fingerprint() for i in first] == [i.fingerprint() for i in again]
    single, heldout, note = target_instances(EvalTarget("emit-char", "bf", level=0), 5)
    assert not heldout and len(single) == 5 and "one possible content" in note


def test_training_content_is_the_other_side():
    chosen, heldout, note = target_instances(EvalTarget("echo-all", "bf", level=2), 25, content="train")
    assert len(chosen) == 25 and not heldout and not any(is_heldout(inst) for inst in chosen)
    evaluation = evaluate(
        EchoBytePolicy(), language="bf", suite="primitives", instances=5, families=["echo-byte"], content="train"
    )
    assert evaluation.content == "train" and evaluation.pass_rates() == {"echo-byte": 1.0}
    assert "train*" not in evaluation.table() and "train-content" in evaluation.table()
    with pytest.raises(ValueError, match="content must be one of"):
        target_instances(EvalTarget("echo-all", "bf"), 3, content="test")


@pytest.mark.parametrize("language", ["bf", "ook", "bf-dialect-5"])
def test_scripted_echo_policy_passes_echo_byte_and_fails_emit_char(language):
    evaluation = evaluate(
        EchoBytePolicy(),
        language=language,
        suite="primitives",
        instances=12,
        families=["echo-byte", "emit-char", "echo-twice-byte"],
    )
    rates = evaluation.pass_rates()
    assert rates == {"echo-byte": 1.0, "emit-char": 0.0, "echo-twice-byte": 0.0}
    assert all(r.heldout and r.episodes == 12 and r.mean_length == 2.0 for r in evaluation.results)
    assert "echo-byte" in evaluation.table() and "100.0%" in evaluation.table()


def test_random_policy_scores_what_a_direct_rollout_scores():
    targets = [EvalTarget("emit-char", "bf", level=1), EvalTarget("echo-byte", "bf", level=0)]
    results = evaluate_targets(RandomMaskedPolicy(seed=3), targets, instances=40, env_options={"max_program_length": 3})
    policy = RandomMaskedPolicy(seed=3)
    for target, result in zip(targets, results):
        chosen, _, _ = target_instances(target, 40)
        env = token_env(target, chosen, {"max_program_length": 3})
        direct = sum(run_episode(env, policy, seed=0, options={"instance": inst}).success for inst in chosen)
        assert result.passed == direct
    # short random programs hit a one-byte target now and then; echoing inputs needs `,` and `.` in order
    assert 0 < results[0].passed < 40 and results[1].passed < results[0].passed


def test_curriculum_targets_in_stage_order_with_fallback_rows_flagged():
    evaluation = evaluate(EchoBytePolicy(), language="bf", curriculum="bf-basics", instances=4)
    stages = [r.target.stage for r in evaluation.results]
    assert stages == sorted(stages) and stages[0] == 0
    first = evaluation.results[0]
    assert first.target.family == "emit-char" and first.target.level == 0 and not first.heldout
    assert "train*" in evaluation.table()
    echo = [r for r in evaluation.results if r.target.family == "echo-byte"]
    assert echo and all(r.pass_rate == 1.0 for r in echo)


def test_bad_arguments():
    policy = EchoBytePolicy()
    with pytest.raises(ValueError, match="exactly one of suite"):
        evaluate(policy, language="bf")
    with pytest.raises(ValueError, match="exactly one of suite"):
        evaluate(policy, language="bf", suite="primitives", curriculum="bf-basics")
    with pytest.raises(ValueError, match="suite must be one of"):
        evaluate(policy, language="bf", suite="nope")
    with pytest.raises(ValueError, match="instances must be an int >= 1"):
        evaluate(policy, language="bf", suite="primitives", instances=0)
    with pytest.raises(ValueError, match=r"families \['nope'\] are not in"):
        evaluate(policy, language="bf", suite="primitives", families=["nope"])
    with pytest.raises(ValueError, match="unknown language|Unknown language|language"):
        evaluate(policy, language="klingon", suite="primitives")


@pytest.mark.parametrize(
    "curriculum, language", [("bf-basics", "bf"), ("bf-basics", "bf-dialect-11"), ("befunge-basics", "befunge93")]
)
def test_observation_oracle_passes_every_curriculum_entry_on_heldout_content(curriculum, language):
    oracles = pytest.importorskip("reasonenv.oracles")
    evaluation = evaluate(oracles.ObservationOracle(), language=language, curriculum=curriculum, instances=10)
    assert evaluation.results and all(r.pass_rate == 1.0 for r in evaluation.results), evaluation.table()
    assert any(r.heldout for r in evaluation.results) and evaluation.mean_pass_rate == 1.0


class BatchedEchoPolicy(EchoBytePolicy):
    """The echo policy with `act_batch`, recording the batch sizes it was asked for."""

    def __init__(self):
        self.batches = []

    def act_batch(self, observations):
        self.batches.append(len(observations))
        return np.array([self.act(o) for o in observations])


def test_batched_policies_play_the_same_episodes_in_lockstep():
    targets = [EvalTarget("echo-byte", "bf", level=3), EvalTarget("emit-char", "bf", level=2)]
    batched = BatchedEchoPolicy()
    together = evaluate_targets(batched, targets, instances=70)
    alone = evaluate_targets(EchoBytePolicy(), targets, instances=70)
    assert [(r.passed, r.episodes, r.mean_length) for r in together] == [
        (r.passed, r.episodes, r.mean_length) for r in alone
    ]
    assert together[0].passed == 70 and together[1].passed == 0
    # 140 episodes of both targets in one queue: chunks of 64, 64 and 12, three steps each
    assert batched.batches == [64] * 6 + [12] * 3
