"""PadActions and PermuteActions keep mask, effects, program and the emitted program text consistent."""

import numpy as np
import pytest

from esolangs.knowledge import EFFECT_IDS
from reasonenv.envs.action_wrappers import PadActions, PermuteActions
from reasonenv.envs.synthesis import SynthesisEnv


def slot_of(obs, effect):
    return int(np.flatnonzero(obs["action_effects"] == EFFECT_IDS[effect])[0])


def write_by_effect(env, effects, seed):
    """Emit a program named by effects (through obs['action_effects']), then STOP; returns (obs list, final info)."""
    obs, _ = env.reset(seed=seed)
    seen = [obs]
    for effect in effects:
        obs, _, term, trunc, info = env.step(slot_of(obs, effect))
        seen.append(obs)
    obs, _, term, trunc, info = env.step(0)
    assert term
    return seen, info


def test_permuted_orders_change_but_program_text_is_the_same():
    env = PermuteActions(SynthesisEnv(language="bf", task="echo-byte", difficulty=0, max_program_length=8))
    orders, texts = set(), set()
    for seed in range(6):
        seen, info = write_by_effect(env, ["input", "output"], seed)
        orders.add(tuple(env.order))
        texts.add(info["program"])
        assert info["success"]
        # The program array names the same slots the agent chose: effects of its ids read input, output.
        last = seen[-1]
        ids = last["program"][:2]
        assert [int(last["action_effects"][i]) for i in ids] == [EFFECT_IDS["input"], EFFECT_IDS["output"]]
    assert texts == {",."}
    assert len(orders) > 1
    assert all(order[0] == 0 for order in orders)


def test_permutation_is_reproducible_and_mask_follows_it():
    env = PermuteActions(SynthesisEnv(language="bf", task="echo-byte", difficulty=0, max_program_length=8))
    a, _ = env.reset(seed=3)
    order_a = env.order.copy()
    b, _ = env.reset(seed=3)
    assert np.array_equal(order_a, env.order) and np.array_equal(a["action_effects"], b["action_effects"])
    # With no open loop, the loop-closing action is forbidden wherever it moved to.
    close = slot_of(a, "jump_back_if_nonzero")
    inner = env.unwrapped._mask.mask()
    assert a["action_mask"][close] == 0
    assert np.array_equal(a["action_mask"], inner[env.order])


def test_pad_actions_masks_and_rejects_padding_slots():
    env = PadActions(SynthesisEnv(language="bf", task="echo-byte", difficulty=0, max_program_length=8), 39)
    obs, _ = env.reset(seed=0)
    assert obs["action_mask"].shape == (39,) and obs["action_mask"][9:].sum() == 0
    assert (obs["action_effects"][9:] == 0).all()
    assert env.observation_space.contains(obs)
    with pytest.raises(ValueError, match="padding slot"):
        env.step(20)
    with pytest.raises(ValueError, match="num_actions"):
        PadActions(SynthesisEnv(language="bf", task="echo-byte"), 4)
