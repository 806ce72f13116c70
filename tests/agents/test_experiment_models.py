"""The ablation arms: pointer arms are equivariant to reordering action slots, index arms are not."""

import numpy as np
import pytest
import torch

from agents.experiment_models import ARMS, build_arm
from agents.experiment_trainer import Shape, policy_outputs, to_torch
from reasonenv.envs.action_wrappers import PadActions
from reasonenv.envs.synthesis import SynthesisEnv

SHAPE = Shape(task_length=64, max_program_length=8, num_actions=12)
CONFIG = {"dim": 16, "heads": 2, "layers": 1, "window": 4, "top_k": 2, "hidden": 32}


def observation_after(actions):
    env = PadActions(
        SynthesisEnv(language="bf", task="echo-byte", difficulty=0, max_program_length=8, task_length=64), 12
    )
    obs, _ = env.reset(seed=0)
    for action in actions:
        obs, *_ = env.step(action)
    return {k: np.asarray(obs[k])[None] for k in ("task", "program", "action_mask", "action_effects")}


def permuted(obs, order):
    """The same observation with slots reordered: new slot j is old slot order[j]."""
    new_of_old = np.empty_like(order)
    new_of_old[order] = np.arange(len(order))
    out = dict(obs)
    out["action_mask"] = obs["action_mask"][:, order]
    out["action_effects"] = obs["action_effects"][:, order]
    out["program"] = new_of_old[obs["program"]]
    return out


@pytest.mark.parametrize("arm", sorted(ARMS))
def test_pointer_arms_follow_a_reordering_and_index_arms_do_not(arm):
    torch.manual_seed(0)
    model = build_arm(arm, SHAPE.observation_space(), SHAPE.action_space(), CONFIG).eval()
    obs = observation_after([6, 5])  # ',' then '.' in canonical order (plus stream > window: memory is used)
    order = np.concatenate([[0], np.random.default_rng(1).permutation(np.arange(1, 12))])
    with torch.no_grad():
        logits, value = policy_outputs(model, to_torch(obs))
        logits_p, value_p = policy_outputs(model, to_torch(permuted(obs, order)))
    # New slot j is old slot order[j]: an equivariant arm gives it the same logit.
    allowed = obs["action_mask"][0, order].astype(bool)
    same = torch.allclose(logits_p[0, allowed], logits[0, order][allowed], atol=1e-5)
    if arm.startswith("pointer"):
        assert same and torch.allclose(value, value_p, atol=1e-5)
    else:
        assert not same
