"""Any training checkpoint (RLlib or JAX backend) as a greedy `reasonenv.policy.Policy`, for evaluate and bench.

    policy = load_policy("runs/bf-basics__small-context__s0__...")   # the run's latest checkpoint
    policy = load_policy("runs/.../checkpoints/iter_000020")         # or one checkpoint
    action = policy.act(observation)                                   # argmax over allowed actions
    actions = policy.sample_batch(observations, rng)                   # or drawn, as the policy plays in training

RLlib checkpoints: only the module is loaded (`agents.backends.rllib_module.load_module` of
`algorithm/learner_group/learner/rl_module/default_policy`), no Ray cluster
and no env runner, so evaluation starts in about a second. JAX checkpoints
(`algorithm/jax_policy.json` beside the orbax `algorithm/state`): the Flax
model is rebuilt from jax_policy.json and only the weights are restored.

Both policies fit each observation to the shapes they were trained with
(task tokens padded or cut, action slots padded with masked `pad` slots,
execution runs and output positions padded or cut), so a policy trained
with `action_slots` or `task_length` acts in the plain envs. A policy that
reads the execution observation says so in `env_options` (execution=True).
torch / ray / jax are imported only when a checkpoint of that kind loads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from agents import run_dir as rd
from agents.nets import STATE_COLUMNS
from agents.run_dir import MODULE_PATH, POLICY_FILE, STATE_DIR, is_jax_checkpoint, rllib_module_dir

__all__ = ["MODULE_PATH", "POLICY_FILE", "STATE_DIR", "is_jax_checkpoint", "load_policy", "rllib_module_dir"]

BATCH_SIZES = (8, 64)
"""The JAX policy pads act_batch to one of these (past the last, to a multiple of it): evaluation's lockstep batches
shrink as episodes end, and every new batch size would compile the model again (seconds each)."""
FIT_KEYS = ("task", "program", "action_effects", "action_mask")


def padded_size(rows: int) -> int:
    for size in BATCH_SIZES:
        if rows <= size:
            return size
    return -(-rows // BATCH_SIZES[-1]) * BATCH_SIZES[-1]


def model_keys(sizes: dict[str, int], batch: dict[str, Any]) -> list[str]:
    """The batch keys a network reads: the fitted ones, and "execution" when the batch has it (a 2-D key)."""
    return [*sizes, *(["execution"] if "execution" in batch and "execution" not in sizes else [])]


def _run_config(checkpoint: Path) -> dict[str, Any] | None:
    path = rd.run_dir_of(checkpoint) / rd.CONFIG
    return json.loads(path.read_text()) if path.is_file() else None


def fit(array, size: int, name: str, checkpoint: Path) -> np.ndarray:
    """Pad with 0 (PAD / no token / pad effect / masked) or cut to the trained size; ValueError if cutting drops use."""
    array = np.asarray(array, np.int32).reshape(-1)
    if array.shape[0] >= size:
        if name in ("action_effects", "action_mask", "program") and array[size:].any():
            raise ValueError(
                f"observation {name!r} has {array.shape[0]} entries in use; this policy ({checkpoint}) was trained "
                f"with {size}"
            )
        return array[:size]  # a longer task is cut: the model sees its first `size` tokens
    return np.concatenate([array, np.zeros(size - array.shape[0], np.int32)])


def fit_execution(array, shape: tuple[int, int], checkpoint: Path) -> np.ndarray:
    """An "execution" observation (E, F = 13 + 2L) padded with 0 (no run, PAD) or cut to the trained (E, F).

    Runs are rows and output positions the trailing column pairs, so both
    pad and cut at the end (a cut drops the last runs or positions, as a
    longer task is cut); ValueError for an array that is not (E, 13 + 2L).
    """
    array = np.asarray(array, np.int32)
    if array.ndim != 2 or array.shape[1] < STATE_COLUMNS or (array.shape[1] - STATE_COLUMNS) % 2:
        raise ValueError(
            f"observation 'execution' has shape {array.shape}; this policy ({checkpoint}) reads (runs, 13 + 2 * "
            f"output positions) arrays, trained with {tuple(shape)}"
        )
    out = np.zeros(shape, np.int32)
    rows, columns = min(shape[0], array.shape[0]), min(shape[1], array.shape[1])
    out[:rows, :columns] = array[:rows, :columns]
    return out


class _Greedy:
    """What both policies share: `act`, the env options of the run, fitting observations to trained shapes."""

    checkpoint: Path
    config: dict[str, Any]
    sizes: dict[str, int]
    execution_shape: tuple[int, int] | None = None
    """(E, F) of the execution observation the network reads; None: it reads none."""

    @property
    def env_options(self) -> dict[str, Any]:
        """Token env arguments the policy was trained with (what `reasonenv evaluate` passes to its envs)."""
        options: dict[str, Any] = {}
        if self.config.get("max_program_length") is not None:
            options["max_program_length"] = int(self.config["max_program_length"])
        options.update(self.execution_options())
        return options

    def execution_options(self) -> dict[str, Any]:
        """The env options that give the execution observation this policy reads ({} when it reads none)."""
        if self.execution_shape is None:
            return {}
        runs, columns = self.execution_shape
        options: dict[str, Any] = {
            "execution": True,
            "execution_examples": runs,
            "execution_output": (columns - STATE_COLUMNS) // 2,
        }
        if self.config.get("end_on_pass"):  # the episodes it trained on ended once the visible examples passed
            options["end_on_pass"] = True
        return options

    def act(self, observation: dict[str, np.ndarray]) -> int:
        return int(self.act_batch([observation])[0])

    def act_batch(self, observations: list[dict[str, np.ndarray]]) -> np.ndarray:
        """Greedy actions of several observations in one forward pass."""
        return self(self._stack(observations))

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """Greedy actions [B] of a batched observation dict ({key: [B, ...]} numpy, already at the trained sizes)."""
        return self.logits(batch).argmax(-1)

    def logits(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """The policy's action logits [B, A] of a batched observation dict, -inf where the action mask forbids."""
        raise NotImplementedError

    def sample_batch(self, observations: list[dict[str, np.ndarray]], rng: np.random.Generator) -> np.ndarray:
        """Actions drawn from the policy's distribution (softmax of its logits over the allowed actions), one per
        observation: how the policy plays while it trains, where `act_batch` plays its argmax."""
        logits = self.logits(self._stack(observations)).astype(np.float64)  # float32 sums miss 1 by rng.choice's 1e-8
        probs = np.exp(logits - logits.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        return np.array([rng.choice(len(row), p=row) for row in probs])

    def _stack(self, observations: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        batch = {}
        for key, size in self.sizes.items():
            if key not in observations[0]:
                raise ValueError(
                    f"observation has no {key!r}; this policy ({self.checkpoint}) was trained on observations with "
                    f"keys {list(self.sizes)}"
                )
            batch[key] = np.stack([fit(o[key], size, key, self.checkpoint) for o in observations])
        batch["action_mask"] = batch["action_mask"].astype(np.int8)
        if self.execution_shape is not None:
            if "execution" not in observations[0]:
                raise ValueError(
                    f"observation has no 'execution'; this policy ({self.checkpoint}) reads the execution "
                    f"{self.execution_shape}: make its envs with {self.execution_options()}"
                )
            shape = self.execution_shape
            batch["execution"] = np.stack([fit_execution(o["execution"], shape, self.checkpoint) for o in observations])
        return batch


class GreedyModulePolicy(_Greedy):
    """An RLlib RL module's argmax over the actions `observation["action_mask"]` allows."""

    def __init__(self, module: Any, checkpoint: Path, config: dict[str, Any] | None = None):
        import torch

        self.module = module
        self.module.eval()
        self.checkpoint = Path(checkpoint)
        self.config = config or {}
        spaces = module.observation_space.spaces
        self.sizes = {key: int(np.prod(spaces[key].shape)) for key in spaces if key != "execution"}
        if "execution" in spaces:
            self.execution_shape = (int(spaces["execution"].shape[0]), int(spaces["execution"].shape[1]))
        self._torch = torch

    def logits(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """Masked action logits of a batched observation dict in one forward pass."""
        from ray.rllib.core.columns import Columns

        torch = self._torch
        tensors = {key: torch.as_tensor(np.asarray(batch[key])) for key in model_keys(self.sizes, batch)}
        with torch.no_grad():
            logits = self.module.forward_inference({Columns.OBS: tensors})[Columns.ACTION_DIST_INPUTS]
        mask = tensors["action_mask"].bool()
        logits = logits.masked_fill(~mask, float("-inf"))  # only allowed actions, whatever the module did
        return logits.numpy()


class JaxGreedyPolicy(_Greedy):
    """The Flax model's argmax over allowed actions; `act_batch` pads batches to few sizes (few compiles)."""

    def __init__(self, model, params, checkpoint: Path, meta: dict, config: dict | None = None):
        import jax

        self.model, self.params, self.checkpoint, self.meta = model, params, Path(checkpoint), meta
        self.config = config or {}
        self.task_length = int(meta["task_length"])
        self.program_length = int(meta["program_length"])
        self.num_actions = int(meta["num_actions"])
        self.sizes = {
            "task": self.task_length,
            "program": self.program_length,
            "action_effects": self.num_actions,
            "action_mask": self.num_actions,
        }
        if meta.get("execution_shape") is not None:
            self.execution_shape = (int(meta["execution_shape"][0]), int(meta["execution_shape"][1]))
        self._logits = jax.jit(lambda p, obs: model.apply(p, obs)[0])

    @property
    def env_options(self) -> dict[str, Any]:
        return {"max_program_length": self.program_length, **self.execution_options()}

    def logits(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """Masked action logits of a batched observation dict, padded to one of BATCH_SIZES rows (few compiles)."""
        batch = {key: np.asarray(batch[key]) for key in model_keys(self.sizes, batch)}
        rows = len(batch["action_mask"])
        size = padded_size(rows)
        padded = {
            key: np.concatenate([value, np.zeros((size - rows,) + value.shape[1:], value.dtype)])
            for key, value in batch.items()
        }
        logits = np.asarray(self._logits(self.params, padded))[:rows]  # padding rows (empty streams) are dropped
        return np.where(batch["action_mask"].astype(bool), logits, -np.inf)  # only allowed actions


def load_jax_params(checkpoint: str | Path) -> tuple[Any, Any, dict[str, Any]]:
    """(Flax model, its weights, jax_policy.json) of a JAX backend checkpoint; ValueError naming it otherwise."""
    import warnings

    import jax
    import orbax.checkpoint as ocp

    from agents.nets.flax_nets import build_model

    checkpoint = Path(checkpoint)
    meta_path = checkpoint / rd.ALGORITHM / POLICY_FILE
    if not meta_path.is_file():
        raise ValueError(f"{str(checkpoint)!r} is not a JAX backend checkpoint (no {rd.ALGORITHM}/{POLICY_FILE})")
    meta = json.loads(meta_path.read_text())
    model = build_model(
        meta["model"],
        meta["settings"],
        meta["task_length"],
        meta["program_length"],
        meta["num_actions"],
        actions=meta.get("actions"),
        # Checkpoints written before these existed: no value features, no execution input.
        value_features=bool(meta.get("value_features", False)),
        byte_rows=bool(meta.get("byte_rows", True)),
        effects=str(meta.get("effects", "ids")),
        signed_step=bool(meta.get("signed_step", False)),
        execution_shape=meta.get("execution_shape"),
    )
    obs = {
        "task": np.zeros((1, meta["task_length"]), np.int32),
        "program": np.zeros((1, meta["program_length"]), np.int32),
        "action_effects": np.zeros((1, meta["num_actions"]), np.int32),
        "action_mask": np.ones((1, meta["num_actions"]), np.int8),
    }
    if meta.get("execution_shape") is not None:
        obs["execution"] = np.zeros((1, *meta["execution_shape"]), np.int32)
    template = jax.eval_shape(model.init, jax.random.PRNGKey(0), obs)  # shapes and dtypes only: nothing runs
    with warnings.catch_warnings():  # orbax warns that it reads the sharding from file: one CPU/GPU device either way
        warnings.simplefilter("ignore", UserWarning)
        restored = ocp.PyTreeCheckpointer().restore((checkpoint / rd.ALGORITHM / STATE_DIR).resolve())
    params = jax.tree_util.tree_map(
        lambda like, value: np.asarray(value, like.dtype).reshape(like.shape),
        template,
        _as_like(restored["params"], template),
    )
    return model, params, meta


def load_jax_policy(checkpoint: str | Path) -> JaxGreedyPolicy:
    """The greedy policy of a JAX checkpoint directory (checkpoints/iter_N); ValueError naming it otherwise."""
    model, params, meta = load_jax_params(checkpoint)
    return JaxGreedyPolicy(model, params, Path(checkpoint), meta, _run_config(Path(checkpoint)))


def load_rllib_policy(checkpoint: str | Path) -> GreedyModulePolicy:
    """The greedy policy of an RLlib checkpoint directory; ValueError naming it when it holds no RL module."""
    from agents.backends.rllib_module import load_module

    module = load_module(rllib_module_dir(checkpoint).resolve())
    return GreedyModulePolicy(module, Path(checkpoint), _run_config(Path(checkpoint)))


def load_policy(path: str | Path) -> GreedyModulePolicy | JaxGreedyPolicy:
    """The greedy policy of a run directory (its latest checkpoint) or of a checkpoint directory, either backend.

    Raises ValueError naming the path when it is neither (or has no checkpoint yet).
    """
    checkpoint = rd.resolve_checkpoint(path)
    if is_jax_checkpoint(checkpoint):
        return load_jax_policy(checkpoint)
    return load_rllib_policy(checkpoint)


def _as_like(tree, template):
    """Orbax restores without a target as nested dicts; give them the template's container types."""
    import jax

    leaves = jax.tree_util.tree_leaves(tree)
    structure = jax.tree_util.tree_structure(template)
    if len(leaves) != structure.num_leaves:
        raise ValueError(f"checkpoint weights hold {len(leaves)} arrays, the model {structure.num_leaves}")
    flat_template = jax.tree_util.tree_flatten_with_path(template)[0]
    lookup = {jax.tree_util.keystr(path): value for path, value in jax.tree_util.tree_flatten_with_path(tree)[0]}
    return jax.tree_util.tree_unflatten(structure, [lookup[jax.tree_util.keystr(path)] for path, _ in flat_template])
