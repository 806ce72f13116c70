"""The RLlib adapter (agents.backends.rllib_module): it returns the net's outputs, samples with the exploration floor,
computes values in chunks, and loads checkpoints of the old per-architecture module classes. No Ray runtime needed."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("ray.rllib")

from gymnasium import spaces  # noqa: E402
from ray.rllib.core.columns import Columns  # noqa: E402
from ray.rllib.utils.torch_utils import FLOAT_MIN as RLLIB_FLOAT_MIN  # noqa: E402

from agents.backends.rllib_module import VALUE_CHUNK, StreamModule, load_module  # noqa: E402
from agents.nets.torch_nets import FLOAT_MIN  # noqa: E402

A, T, L = 9, 24, 12
SETTINGS = {"name": "small-context", "actions": "pointer", "dim": 16, "heads": 2, "layers": 1, "window": 4,
            "top_k": 2, "hidden": 16}  # fmt: skip


def observation_space(execution_shape=None):
    obs = {
        "task": spaces.Box(0, 263, (T,), np.int32),
        "program": spaces.Box(0, A - 1, (L,), np.int32),
        "action_mask": spaces.Box(0, 1, (A,), np.int8),
        "action_effects": spaces.Box(0, 63, (A,), np.int32),
    }
    if execution_shape is not None:
        obs["execution"] = spaces.Box(0, 263, execution_shape, np.int32)
    return spaces.Dict(obs)


def make(**config) -> StreamModule:
    torch.manual_seed(0)
    return StreamModule(
        observation_space=observation_space(), action_space=spaces.Discrete(A), model_config={**SETTINGS, **config}
    )


def batch(size: int, seed: int = 0) -> dict[str, torch.Tensor]:
    rng = np.random.default_rng(seed)
    task = np.zeros((size, T), np.int32)
    program = np.zeros((size, L), np.int32)
    for row in range(size):
        n, m = rng.integers(1, T + 1), rng.integers(0, L + 1)
        task[row, :n] = rng.integers(1, 264, n)
        program[row, :m] = rng.integers(1, A, m)
    mask = (rng.random((size, A)) < 0.6).astype(np.int8)
    mask[:, 0] = 1
    effects = np.tile(np.arange(1, A + 1, dtype=np.int32), (size, 1))
    obs = {"task": task, "program": program, "action_mask": mask, "action_effects": effects}
    return {key: torch.as_tensor(value) for key, value in obs.items()}


def test_the_masking_constant_is_rllibs():
    assert FLOAT_MIN == RLLIB_FLOAT_MIN


def test_forward_methods_return_the_nets_outputs_and_values_reuse_the_train_pass():
    module = make()
    obs = batch(16)
    with torch.no_grad():
        logits, value = module.net(obs)
        train = module.forward_train({Columns.OBS: obs})
        inference = module.forward_inference({Columns.OBS: obs})
    assert torch.equal(train[Columns.ACTION_DIST_INPUTS], logits)
    assert torch.equal(inference[Columns.ACTION_DIST_INPUTS], logits)
    assert torch.equal(module.compute_values({Columns.OBS: obs}, train[Columns.EMBEDDINGS]), value)
    with torch.no_grad():
        assert torch.equal(module.compute_values({Columns.OBS: obs}), value)
    assert not any(isinstance(m, torch.nn.Linear) for m in module.children())  # the adapter holds only the net


def test_values_without_grad_are_computed_in_chunks_with_the_same_result():
    module = make()
    obs = batch(VALUE_CHUNK * 2 + 7, seed=9)
    with torch.no_grad():
        chunked = module.compute_values({Columns.OBS: obs})
        whole = module.net(obs)[1]
    assert chunked.shape == (VALUE_CHUNK * 2 + 7,)
    torch.testing.assert_close(chunked, whole, rtol=1e-5, atol=1e-5)


def test_exploration_floor_mixes_uniform_over_allowed_actions_only_when_sampling():
    plain, floored = make(), make(exploration_floor=0.2)
    obs = batch(8, seed=4)
    with torch.no_grad():
        policy = torch.softmax(plain.forward_inference({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS], -1)
        sampled = torch.softmax(floored.forward_exploration({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS], -1)
        greedy = floored.forward_inference({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS]
        unchanged = plain.forward_exploration({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS]
    mask = obs["action_mask"].float()
    expected = 0.8 * policy + 0.2 * mask / mask.sum(-1, keepdim=True)
    torch.testing.assert_close(sampled, expected, rtol=1e-5, atol=1e-6)
    assert torch.all(sampled[mask == 0] == 0)
    torch.testing.assert_close(torch.softmax(greedy, -1), policy, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(torch.softmax(unchanged, -1), policy, rtol=1e-5, atol=1e-6)


class Placeholder:
    """Pickled in place of an old module class, then renamed in the pickle's bytes."""


@pytest.mark.parametrize(
    "old_class,network",
    [
        ("agents.models\nGRUModel", ("gru", "pointer")),
        ("agents.experiment_models\nIndexMemoryModel", ("small-context", "index")),
    ],
)
def test_a_checkpoint_of_an_old_module_class_loads_as_the_adapter(tmp_path, old_class, network):
    """Old checkpoints name agents.models' classes and hold the net's weights without the `net.` prefix."""
    name, actions = network
    module = make(name=name, actions=actions)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    module.save_to_path(tmp_path)
    kwargs = module.get_ctor_args_and_kwargs()[1]
    old_config = {key: value for key, value in kwargs["model_config"].items() if key not in ("name", "actions")}
    info = {"class": Placeholder, "ctor_args_and_kwargs": ((), {**kwargs, "model_config": old_config})}
    raw = pickle.dumps(info, protocol=2)  # GLOBAL opcodes: "module\nname\n", so the class can be renamed
    placeholder = f"{__name__}\nPlaceholder\n".encode()
    assert placeholder in raw
    (tmp_path / StreamModule.CLASS_AND_CTOR_ARGS_FILE_NAME).write_bytes(
        raw.replace(placeholder, f"{old_class}\n".encode())
    )
    state_file = tmp_path / "module_state.pkl"
    state = pickle.loads(state_file.read_bytes())
    state_file.write_bytes(pickle.dumps({key.removeprefix("net."): value for key, value in state.items()}))

    loaded = load_module(tmp_path)
    assert type(loaded) is StreamModule and (loaded.model_config["name"], loaded.model_config["actions"]) == network
    obs = batch(8, seed=2)
    with torch.no_grad():
        torch.testing.assert_close(loaded.net(obs), module.net(obs), rtol=0, atol=0)


def test_the_net_reads_the_execution_when_the_observation_space_has_it():
    """model_config without value_features (a checkpoint written before it) builds the plain net; the execution
    shape comes from the observation space, which RLlib pickles with the module."""
    plain = make()
    assert not plain.net.value_features and plain.net.execution_shape is None
    torch.manual_seed(0)
    module = StreamModule(
        observation_space=observation_space((3, 29)),
        action_space=spaces.Discrete(A),
        model_config={**SETTINGS, "value_features": True},
    )
    assert module.net.value_features and module.net.execution_shape == (3, 29)
    obs = batch(8, seed=1)
    execution = torch.zeros(8, 3, 29, dtype=torch.int32)
    execution[:, 0, 0], execution[:, 0, 1:14] = 1, torch.arange(8, 21)
    obs["execution"] = execution
    with torch.no_grad():
        out = module.forward_train({Columns.OBS: obs})
        torch.testing.assert_close(out[Columns.EMBEDDINGS], module.net(obs)[1])
        execution[:, 0, 13] = 0  # the first output byte not produced yet: another input, other values
        assert not torch.allclose(module.compute_values({Columns.OBS: obs}), out[Columns.EMBEDDINGS])
