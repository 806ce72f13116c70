"""agents.policies.load_policy on checkpoints whose network reads the execution observation (RLlib module and JAX
weights written by hand, no training): it rebuilds the net with the execution input, fits execution arrays of other
sizes, asks its envs for the execution, and acts as the network does; JAX checkpoints written before the options
existed still load as the plain network."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

A, T, L = 9, 24, 12
EXECUTION_SHAPE = (3, 29)
SETTINGS = {"name": "small-context", "actions": "pointer", "dim": 16, "heads": 2, "layers": 1, "window": 4,
            "top_k": 2, "hidden": 16}  # fmt: skip


def observation(seed: int, execution_shape=EXECUTION_SHAPE) -> dict[str, np.ndarray]:
    """One env observation of the contract's layout: a task, a program prefix, and runs with some output."""
    rng = np.random.default_rng(seed)
    task = np.zeros(T, np.int32)
    task[:10] = rng.integers(1, 264, 10)
    program = np.zeros(L, np.int32)
    program[:5] = rng.integers(1, A, 5)
    mask = (rng.random(A) < 0.7).astype(np.int8)
    mask[0] = 1
    execution = np.zeros(execution_shape, np.int32)
    for run in range(min(2, execution_shape[0])):
        execution[run, 0] = rng.integers(1, 5)
        execution[run, 1:13] = rng.integers(8, 264, 12)
        execution[run, 13:19] = rng.integers(8, 264, 6)  # three expected and produced bytes
    return {
        "task": task,
        "program": program,
        "action_mask": mask,
        "action_effects": np.arange(1, A + 1, dtype=np.int32),
        "execution": execution,
    }


def assert_samples_follow_the_softmax(policy, observations) -> None:
    """`sample_batch` draws only allowed actions, at the softmax frequencies of the policy's masked logits."""
    rng = np.random.default_rng(0)
    logits = policy.logits(policy._stack(observations))
    assert np.isneginf(logits[~np.stack([o["action_mask"] for o in observations]).astype(bool)]).all()
    probs = np.exp(logits[0] - logits[0].max())
    probs /= probs.sum()
    draws = np.concatenate([policy.sample_batch([observations[0]] * 500, rng) for _ in range(4)])
    allowed = np.flatnonzero(observations[0]["action_mask"])
    assert set(draws.tolist()) <= set(allowed.tolist())
    frequencies = np.bincount(draws, minlength=len(probs)) / len(draws)
    np.testing.assert_allclose(frequencies, probs, atol=0.04)  # 2,000 draws: a few standard errors
    actions = policy.sample_batch(observations, rng)  # one per observation, each allowed by its own mask
    assert len(actions) == len(observations) and all(o["action_mask"][a] for o, a in zip(observations, actions))


def _rllib_checkpoint(tmp_path: Path, effects: str = "ids"):
    """(checkpoint folder, module): a StreamModule reading the execution, random weights, saved as a run's checkpoint
    (tmp_path is the run directory)."""
    import torch
    from gymnasium import spaces

    from agents.backends.rllib_module import StreamModule
    from agents.run_dir import ALGORITHM, MODULE_PATH

    space = spaces.Dict(
        {
            "task": spaces.Box(0, 263, (T,), np.int32),
            "program": spaces.Box(0, A - 1, (L,), np.int32),
            "action_mask": spaces.Box(0, 1, (A,), np.int8),
            "action_effects": spaces.Box(0, 63, (A,), np.int32),
            "execution": spaces.Box(0, 263, EXECUTION_SHAPE, np.int32),
        }
    )
    torch.manual_seed(0)
    module = StreamModule(
        observation_space=space,
        action_space=spaces.Discrete(A),
        model_config={**SETTINGS, "value_features": True, "effects": effects, "signed_step": True},
    )
    assert module.net.execution_shape == EXECUTION_SHAPE and module.net.value_features and module.net.signed_step
    assert module.net.effects == effects
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.add_(0.5 * torch.randn_like(parameter))
    checkpoint = tmp_path / "checkpoints" / "iter_000001"
    module.save_to_path(Path(checkpoint, ALGORITHM, *MODULE_PATH))
    return checkpoint, module


@pytest.mark.parametrize("effects", ["ids", "parts"])
def test_an_rllib_checkpoint_with_execution_input_loads_and_acts(tmp_path, effects):
    """`effects`: the module's model_config names how the net reads effects; parts' constant table is no weight, so
    the checkpoint holds parameters only and the loaded net rebuilds the table."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("ray.rllib")
    from agents.policies import load_policy

    checkpoint, module = _rllib_checkpoint(tmp_path, effects)
    policy = load_policy(checkpoint)
    assert policy.execution_shape == EXECUTION_SHAPE and policy.module.net.effects == effects
    assert policy.module.net.signed_step  # from the checkpoint's model_config
    assert policy.env_options == {"execution": True, "execution_examples": 3, "execution_output": 8}
    # A run that trained with end_on_pass (its config.json) gets envs that end the same way.
    (tmp_path / "config.json").write_text(json.dumps({"execution": True, "end_on_pass": True}))
    assert load_policy(checkpoint).env_options == {
        "execution": True, "execution_examples": 3, "execution_output": 8, "end_on_pass": True,
    }  # fmt: skip
    observations = [observation(seed) for seed in range(6)]
    with torch.no_grad():
        batch = {key: torch.as_tensor(np.stack([o[key] for o in observations])) for key in observations[0]}
        logits, _ = module.net(batch)
    expected = logits.masked_fill(batch["action_mask"] == 0, float("-inf")).argmax(-1).numpy()
    np.testing.assert_array_equal(policy.act_batch(observations), expected)
    assert_samples_follow_the_softmax(policy, observations)
    # Fewer runs and output positions than trained are padded with PAD (same meaning: no run, no byte).
    assert not any(o["execution"][2:].any() or o["execution"][:, 21:].any() for o in observations)
    smaller = [dict(o, execution=o["execution"][:2, :21]) for o in observations]
    np.testing.assert_array_equal(policy.act_batch(smaller), expected)
    with pytest.raises(ValueError, match="has no 'execution'.*'execution': True"):
        policy.act({key: value for key, value in observations[0].items() if key != "execution"})
    with pytest.raises(ValueError, match="'execution' has shape \\(3, 28\\)"):
        policy.act(dict(observations[0], execution=np.zeros((3, 28), np.int32)))


def _write_jax_checkpoint(folder: Path, model, params, meta: dict) -> None:
    import orbax.checkpoint as ocp

    from agents.run_dir import ALGORITHM, POLICY_FILE, STATE_DIR

    (folder / ALGORITHM).mkdir(parents=True)
    ocp.PyTreeCheckpointer().save((folder / ALGORITHM / STATE_DIR).resolve(), {"params": params})
    (folder / ALGORITHM / POLICY_FILE).write_text(json.dumps(meta))


@pytest.mark.parametrize("reads", [True, False])
def test_a_jax_checkpoint_loads_with_or_without_execution_input(tmp_path, reads):
    """`reads`: the meta the backend writes now (value features, execution shape, effects as parts); otherwise an
    older meta without those keys, whose weights are the plain network's (effects as ids)."""
    jax = pytest.importorskip("jax")
    from agents.nets.flax_nets import build_model
    from agents.policies import load_policy

    sizes = {key: value for key, value in SETTINGS.items() if key not in ("name", "actions")}
    execution_shape = EXECUTION_SHAPE if reads else None
    model = build_model(
        "small-context",
        sizes,
        T,
        L,
        A,
        "pointer",
        value_features=reads,
        execution_shape=execution_shape,
        effects="parts" if reads else "ids",
        signed_step=reads,
    )
    observations = [observation(seed) for seed in range(5)]
    batch = {key: np.stack([o[key] for o in observations]) for key in observations[0]}
    if not reads:
        del batch["execution"]
    params = model.init(jax.random.PRNGKey(3), batch)
    meta = {"backend": "jax", "model": "small-context", "actions": "pointer", "settings": sizes, "task_length": T,
            "program_length": L, "num_actions": A, "languages": ["bf"]}  # fmt: skip
    if reads:
        meta.update(value_features=True, execution_shape=list(EXECUTION_SHAPE), effects="parts", signed_step=True)
    _write_jax_checkpoint(tmp_path / "iter_000001", model, params, meta)

    policy = load_policy(tmp_path / "iter_000001")
    assert (policy.model.value_features, policy.model.execution_shape) == (reads, execution_shape)
    assert policy.model.effects == ("parts" if reads else "ids") and policy.model.signed_step == reads
    assert policy.env_options == (
        {"max_program_length": L, "execution": True, "execution_examples": 3, "execution_output": 8}
        if reads
        else {"max_program_length": L}
    )
    logits = np.asarray(model.apply(params, batch)[0])
    expected = np.where(batch["action_mask"].astype(bool), logits, -np.inf).argmax(-1)
    np.testing.assert_array_equal(policy.act_batch(observations), expected)
    assert_samples_follow_the_softmax(policy, observations)


def test_reasonenv_evaluate_plays_an_execution_policy_in_envs_with_its_execution(tmp_path, capsys):
    """`reasonenv evaluate` builds its envs with the execution rows (and end_on_pass) the run trained with; it used to
    keep only the program length, and every policy that reads the execution failed on its first observation."""
    pytest.importorskip("torch")
    pytest.importorskip("ray.rllib")
    from reasonenv.cli import main as cli_main

    _rllib_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"max_program_length": L, "execution": True, "end_on_pass": True}))
    args = ["--language", "bf", "--instances", "2", "--families", "emit-char", "--curriculum", "bf-reasoning", "--json"]
    assert cli_main(["evaluate", str(tmp_path / "checkpoints" / "iter_000001"), *args]) == 0, capsys.readouterr().err
    rows = json.loads(capsys.readouterr().out)["results"]
    assert rows and all(r["episodes"] == 2 and r["mean_length"] <= L for r in rows)
