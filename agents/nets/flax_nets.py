"""Flax twins of agents.nets.torch_nets, for the jitted JAX trainer (read top to bottom).

    net = build_net(settings, task_length, program_length, num_actions)    # the same settings as the torch net
    params = net.init(key, obs)        # or flax_params_from_torch(torch_net): the torch net's weights
    logits, value = net.apply(params, obs)

Every (name, actions) pair of the torch family, with the same parameters
layer for layer (torch's `nn.TransformerEncoderLayer` with
`norm_first=True`, ReLU feed-forward of width 2d, no dropout; torch's GRU
equations); tests/agents/test_nets.py copies torch weights in with
`flax_params_from_torch` and checks equal outputs. agents.nets names the
architectures and action heads, and torch_nets describes the stream.

The options `value_features`, `byte_rows`, `signed_step`, `effects` (`parts`: the
effect's row of esolangs.knowledge.effect_parts_matrix, a jnp constant,
through the Dense `effect_parts`) and `execution_shape` (execution tokens
prepended to the window; the GRU reads them first and adds their mean to
its last state) are torch_nets' too.

Two differences, neither visible in the probabilities: forbidden actions
get the logit MASKED_LOGIT (-1e9; exp underflows to exactly 0) where the
torch net adds FLOAT_MIN, and neither the task array nor the execution
tokens are trimmed to the batch's longest (the torch net's trimming changes
no output).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from agents.nets import (
    BYTE_OFFSET,
    EFFECT_INPUTS,
    SIZE_KEYS,
    STATE_COLUMNS,
    STEP_COLUMN,
    THERMOMETER,
    check_effects,
    check_network,
    execution_layout,
)
from esolangs.knowledge import effect_parts_matrix

TASK_VOCAB = 264
"""Task token ids (reasonenv.envs.encoding.TASK_VOCAB)."""
EFFECT_VOCAB = 64
"""Embedding rows for effect ids; the contract bounds esolangs.knowledge.NUM_EFFECTS by 64."""
TYPE_PAD, TYPE_TASK, TYPE_PROGRAM = 0, 1, 2
MASKED_LOGIT = -1e9
EFFECT_PARTS_TABLE = effect_parts_matrix(EFFECT_VOCAB)
"""(EFFECT_VOCAB, P) float32: what `effects="parts"` reads per effect id (a constant inside jit, never a parameter)."""


def masked_logits(logits: jax.Array, mask: jax.Array) -> jax.Array:
    return jnp.where(mask.astype(bool), logits, MASKED_LOGIT)


class EncoderLayer(nn.Module):
    """Pre-norm transformer layer: x + MHA(LN(x)), then x + FF(LN(x)), FF = Linear(2d) ReLU Linear(d).

    With `last_only`, only the last position is computed (its query against every key, then its
    feed-forward): the policy reads nothing else from the top layer, so the other W-1 rows were
    wasted work. The parameters are the same either way.
    """

    dim: int
    heads: int
    last_only: bool = False

    @nn.compact
    def __call__(self, x, mask):
        h = nn.LayerNorm(epsilon=1e-5)(x)
        if self.last_only:
            x, queries, mask = x[..., -1:, :], h[..., -1:, :], mask[..., -1:, :]
        else:
            queries = h
        x = x + nn.MultiHeadDotProductAttention(num_heads=self.heads, qkv_features=self.dim, out_features=self.dim)(
            queries, h, mask=mask
        )
        h = nn.LayerNorm(epsilon=1e-5)(x)
        return x + nn.Dense(self.dim)(nn.relu(nn.Dense(2 * self.dim)(h)))


class TorchGRU(nn.Module):
    """torch.nn.GRU's equations over (..., N, d) from a zero state, as one lax.scan; returns the last state (..., d).

    r = sigmoid(x W_ir + h W_hr + b_r), z = sigmoid(x W_iz + h W_hz + b_z),
    n = tanh(x W_in + b_in + r * (h W_hn + b_hn)), h' = (1 - z) * n + z * h;
    torch's two biases b_ir + b_hr are the one bias b_r here (likewise b_z).
    """

    dim: int

    @nn.compact
    def __call__(self, stream):
        d = self.dim
        input_kernel = self.param("input_kernel", nn.initializers.lecun_normal(), (d, 3 * d))
        input_bias = self.param("input_bias", nn.initializers.zeros, (3 * d,))
        hidden_kernel = self.param("hidden_kernel", nn.initializers.lecun_normal(), (d, 3 * d))
        hidden_bias = self.param("hidden_bias", nn.initializers.zeros, (d,))  # b_hn, inside r * (...)
        inputs = stream @ input_kernel + input_bias  # (..., N, 3d): every step's input part at once

        def step(h, x):
            recurrent = h @ hidden_kernel
            r = jax.nn.sigmoid(x[..., :d] + recurrent[..., :d])
            z = jax.nn.sigmoid(x[..., d : 2 * d] + recurrent[..., d : 2 * d])
            n = jnp.tanh(x[..., 2 * d :] + r * (recurrent[..., 2 * d :] + hidden_bias))
            return (1.0 - z) * n + z * h, None

        start = jnp.zeros(stream.shape[:-2] + (d,), stream.dtype)
        last, _ = jax.lax.scan(step, start, jnp.moveaxis(inputs, -2, 0))
        return last


class StreamNet(nn.Module):
    """`__call__(obs) -> (masked logits [..., A], value [...])`; the flags mean what they mean in torch_nets.

    `architecture` is torch_nets' `name` (flax reserves `name` for a module's own name).
    """

    architecture: str
    actions: str
    task_length: int
    program_length: int
    num_actions: int
    dim: int = 64
    heads: int = 4
    layers: int = 2
    window: int = 16
    top_k: int = 8
    hidden: int = 128
    value_features: bool = False
    """Bytes also enter by Linear([8 bits, b / 255, 1[b >= k] k = 1..8]) (torch_nets' value features)."""
    execution_shape: tuple[int, int] | None = None
    """(E, F) of obs["execution"]; None reads no execution."""
    byte_rows: bool = True
    """Bytes have their own embedding rows; False: they share row 8 (torch_nets' byte_rows)."""
    effects: str = EFFECT_INPUTS[0]
    """ids: an embedding row per effect id; parts: the effect's parts row through a Dense (torch_nets' effects)."""
    signed_step: bool = False
    """The execution rows' step column enters by its signed features (torch_nets' signed_step; Dense `step_embed`)."""
    last_position_only: bool = True
    """The top layer computes the last position only (same outputs; False computes every row, for tests)."""

    @property
    def use_memory(self) -> bool:
        return self.architecture == "small-context"

    @property
    def full_context(self) -> bool:
        return self.architecture == "full-context"

    @property
    def stream_window(self) -> int:
        """Stream tokens the encoder reads directly: the window, or the whole stream (full-context, gru)."""
        return (
            self.window
            if self.architecture in ("small-context", "small-window")
            else self.task_length + self.program_length
        )

    @nn.compact
    def __call__(self, obs: Mapping[str, jax.Array]) -> tuple[jax.Array, jax.Array]:
        d = self.dim
        T, L = self.task_length, self.program_length
        task = obs["task"].astype(jnp.int32)
        program = obs["program"].astype(jnp.int32)
        n_task = (task != 0).sum(-1)
        length = n_task + (program != 0).sum(-1)
        type_embed = nn.Embed(3, d, name="type_embed")
        position_embed = nn.Embed(T + L + 1, d, name="position_embed")

        # Token vectors of [task | program]: task ids by embedding; program tokens through the knowledge store
        # (their slot's effect) or, for the index head, by action index.
        task_embed = nn.Embed(TASK_VOCAB, d, name="task_embed")
        value_embed = nn.Dense(d, name="value_embed") if self.value_features else None

        def embedding_rows(ids):
            """embedding(id), one shared row for bytes without byte_rows (torch_nets' embedding_rows)."""
            return task_embed(ids if self.byte_rows else jnp.where(ids >= BYTE_OFFSET, BYTE_OFFSET, ids))

        def byte_vectors(ids):
            """embedding_rows(id), plus Linear([8 bits, b / 255, 1[b >= k] k = 1..8]) for byte ids (value
            features)."""
            vectors = embedding_rows(ids)
            if value_embed is None:
                return vectors
            byte = jnp.clip(ids - BYTE_OFFSET, 0, 255)
            bits = jnp.right_shift(byte[..., None], jnp.arange(8)) & 1
            steps = byte[..., None] >= jnp.arange(1, THERMOMETER + 1)
            features = jnp.concatenate(
                [bits.astype(jnp.float32), byte[..., None].astype(jnp.float32) / 255.0, steps.astype(jnp.float32)], -1
            )
            return vectors + value_embed(features) * (ids >= BYTE_OFFSET)[..., None]

        task_vectors = byte_vectors(task)
        if self.actions == "index":
            program_vectors = nn.Embed(self.num_actions, d, name="action_embed")(program)
        else:
            effect_ids = obs["action_effects"].astype(jnp.int32)
            if self.effects == "parts":
                knowledge = nn.Dense(d, name="effect_parts")(jnp.asarray(EFFECT_PARTS_TABLE)[effect_ids])
            else:
                knowledge = nn.Embed(EFFECT_VOCAB, d, name="effect_embed")(effect_ids)
            entries = nn.Dense(d, name="knowledge_in")(knowledge)  # (B, A, d)
            program_vectors = jnp.take_along_axis(entries, program[..., None], axis=-2)
        vectors = jnp.concatenate([task_vectors, program_vectors], axis=-2)  # (B, T+L, d)

        # The last W stream positions, gathered from [task | program] (the GRU: all of them, right-aligned).
        W = self.stream_window
        positions = length[..., None] - W + jnp.arange(W)
        valid = (positions >= 0) & (positions < length[..., None])
        is_task = positions < n_task[..., None]
        index = jnp.clip(jnp.where(is_task, positions, T + positions - n_task[..., None]), 0, T + L - 1)
        window = jnp.take_along_axis(vectors, index[..., None], axis=-2)
        kind = jnp.where(is_task & valid, TYPE_TASK, jnp.where(valid, TYPE_PROGRAM, TYPE_PAD))
        window = window * valid[..., None] + type_embed(kind)
        window = window + position_embed(jnp.clip(positions, 0, T + L)) * valid[..., None]

        if self.execution_shape is not None:
            step_vectors = None
            if self.signed_step:
                step_embed = nn.Dense(d, name="step_embed")

                def step_vectors(ids):
                    """torch_nets.StreamNet.step_vectors: embedding(id) + Dense(STEP_FEATURES) for bytes."""
                    byte = jnp.clip(ids - BYTE_OFFSET, 0, 255)
                    signed = jnp.where(byte < 128, byte, byte - 256)
                    size = jnp.abs(signed)
                    steps = size[..., None] >= jnp.arange(1, THERMOMETER + 1)
                    features = jnp.concatenate(
                        [
                            (signed > 0)[..., None].astype(jnp.float32),
                            (signed < 0)[..., None].astype(jnp.float32),
                            steps.astype(jnp.float32),
                            size[..., None].astype(jnp.float32) / 128.0,
                        ],
                        -1,
                    )
                    return embedding_rows(ids) + step_embed(features) * (ids >= BYTE_OFFSET)[..., None]

            tokens, present = self.execution_tokens(obs, byte_vectors, step_vectors)
        if self.architecture == "gru":
            if self.execution_shape is None:
                state = TorchGRU(d, name="gru")(window)
            else:  # it reads the execution first, and their mean joins its last state (torch_nets.StreamNet.recur)
                state = TorchGRU(d, name="gru")(jnp.concatenate([tokens, window], axis=-2))
                state = state + tokens.sum(-2) / jnp.maximum(present.sum(-1, keepdims=True), 1)
        else:
            if self.execution_shape is None:
                causal = nn.make_causal_mask(jnp.ones(window.shape[:-1], jnp.int32))
            else:
                causal = prefix_mask(present, W)
                window = jnp.concatenate([tokens, window], axis=-2)
            hidden = window
            for number in range(self.layers):
                last_only = self.last_position_only and number == self.layers - 1
                hidden = EncoderLayer(d, self.heads, last_only, name=f"reasoner_{number}")(hidden, causal)
            state = nn.LayerNorm(epsilon=1e-5, name="final_norm")(hidden[..., -1, :])
            if self.use_memory:
                state = state + nn.Dense(d, name="memory_out")(
                    self.retrieve(state, vectors, n_task, length, type_embed, position_embed)
                )
        if self.actions == "index+effects":
            # The whole slot->effect table as one vector: sum over slots of slot_embed(a) * effect_embed(e_a).
            slots = nn.Embed(self.num_actions, d, name="slot_embed")(jnp.arange(self.num_actions))
            table = (slots * knowledge).sum(-2)
            table = nn.Dense(d, name="effect_table_1")(
                nn.gelu(nn.Dense(d, name="effect_table_0")(table), approximate=False)
            )
            state = state + table
        h = nn.gelu(nn.Dense(self.hidden, name="trunk_0")(state), approximate=False)
        h = nn.gelu(nn.Dense(self.hidden, name="trunk_1")(h), approximate=False)

        if self.actions == "pointer":
            keys = nn.Dense(d, name="knowledge_key")(knowledge)  # (B, A, d)
            query = nn.Dense(d, name="query_head")(h)
            logits = jnp.einsum("...ad,...d->...a", keys, query) / math.sqrt(d)
        else:
            logits = nn.Dense(self.num_actions, name="action_head")(h)
        value = nn.Dense(1, name="value_1")(jnp.tanh(nn.Dense(self.hidden, name="value_0")(h)))[..., 0]
        return masked_logits(logits, obs["action_mask"]), value

    def execution_tokens(self, obs, byte_vectors, step_vectors=None):
        """(tokens [..., E + L, d], present [..., E + L]): torch_nets.StreamNet.execution_tokens, untrimmed."""
        d = self.dim
        runs, outputs = execution_layout(self.execution_shape)
        execution = obs["execution"].astype(jnp.int32)
        if tuple(execution.shape[-2:]) != tuple(self.execution_shape):
            raise ValueError(
                f"observation 'execution' has shape {tuple(execution.shape[-2:])}; this network was built for "
                f"{tuple(self.execution_shape)}"
            )
        field = nn.Embed(STATE_COLUMNS + 2, d, name="execution_field").embedding
        run = nn.Embed(runs, d, name="execution_run").embedding
        run_exists = execution[..., 0] != 0  # (..., E)
        if step_vectors is not None:  # the step column by its own features, the others by the value features
            step = step_vectors(execution[..., STEP_COLUMN])
            columns = jnp.concatenate([byte_vectors(execution[..., :STEP_COLUMN]), step[..., None, :]], axis=-2)
        else:
            columns = byte_vectors(execution[..., :STATE_COLUMNS])
        state = (columns * field[:STATE_COLUMNS]).sum(-2) + run
        state = nn.Dense(d, name="execution_state_1")(
            nn.gelu(nn.Dense(d, name="execution_state_0")(state), approximate=False)
        )
        tokens, present = [state], [run_exists]
        if outputs:
            pairs = execution[..., STATE_COLUMNS:].reshape(execution.shape[:-1] + (outputs, 2))
            position_exists = run_exists[..., None] & (pairs != 0).any(-1)  # (..., E, L)
            position = nn.Embed(outputs, d, name="execution_position").embedding
            pair = (byte_vectors(pairs) * field[STATE_COLUMNS:]).sum(-2)  # (..., E, L, d)
            pair = (pair * (run[:, None] * run_exists[..., None, None])).sum(-3) + position  # (..., L, d)
            pair = nn.Dense(d, name="execution_output_1")(
                nn.gelu(nn.Dense(d, name="execution_output_0")(pair), approximate=False)
            )
            tokens.append(pair)
            present.append(position_exists.any(-2))
        exists = jnp.concatenate(present, axis=-1)
        return jnp.concatenate(tokens, axis=-2) * exists[..., None], exists

    def retrieve(self, state, vectors, n_task, length, type_embed, position_embed):
        """Attend over the top-k memories (stream tokens before the window) most similar to the reasoner's query."""
        d = self.dim
        T, L = self.task_length, self.program_length
        N = T + L
        index = jnp.arange(N)
        is_task = index < T
        position = jnp.where(is_task, index, n_task[..., None] + index - T)  # (B, N)
        exists = jnp.where(is_task, index < n_task[..., None], position < length[..., None])
        in_memory = exists & (position < (length - self.window)[..., None])
        memories = (
            vectors + type_embed(jnp.where(is_task, TYPE_TASK, TYPE_PROGRAM)) + position_embed(jnp.clip(position, 0, N))
        )
        query = nn.Dense(d, name="memory_query")(state)
        # score = (m K) . query = m . (K query): one d x d product per row instead of one per memory
        memory_key = self.param("memory_key", nn.initializers.lecun_normal(), (d, d))
        scores = jnp.einsum("...nd,...d->...n", memories, query @ memory_key.T) / math.sqrt(d)
        scores = jnp.where(in_memory, scores, -1e9)
        k = min(self.top_k, N)
        top_scores, top_index = jax.lax.top_k(scores, k)
        top_values = nn.Dense(d, name="memory_value")(jnp.take_along_axis(memories, top_index[..., None], axis=-2))
        null_key = self.param("null_key", nn.initializers.zeros, (d,))
        null_value = self.param("null_value", nn.initializers.zeros, (d,))
        null_score = (query @ null_key)[..., None] / math.sqrt(d)
        weights = jax.nn.softmax(jnp.concatenate([null_score, top_scores], axis=-1), axis=-1)
        values = jnp.concatenate([jnp.broadcast_to(null_value, top_values[..., :1, :].shape), top_values], axis=-2)
        return jnp.einsum("...k,...kd->...d", weights, values)


def prefix_mask(present: jax.Array, window: int) -> jax.Array:
    """torch_nets.prefix_mask: [..., 1, P+W, P+W], every position sees the existing execution tokens, the window causally."""
    P = present.shape[-1]
    S = P + window
    index = jnp.arange(S)
    allowed = (index[None, :] <= index[:, None]) | (index[None, :] < P)
    keys = jnp.concatenate([present, jnp.ones(present.shape[:-1] + (window,), bool)], axis=-1)
    mask = (allowed & keys[..., None, :]) | jnp.eye(S, dtype=bool)
    return mask[..., None, :, :]


def build_net(
    settings: Mapping[str, Any],
    task_length: int,
    program_length: int,
    num_actions: int,
    execution_shape: tuple[int, int] | None = None,
) -> StreamNet:
    """The Flax network of ModelSettings fields (name, actions, SIZE_KEYS, value_features, byte_rows, effects), as
    torch_nets.build_net (a missing value_features is False, byte_rows True, effects "ids"); other keys are ignored.
    `execution_shape`: obs["execution"]'s (E, F)."""
    missing = [key for key in ("name", "actions", *SIZE_KEYS) if key not in settings]
    if missing:
        raise ValueError(f"model settings lack {missing}; give name, actions and {', '.join(SIZE_KEYS)}")
    check_network(str(settings["name"]), str(settings["actions"]))
    effects = str(settings.get("effects", EFFECT_INPUTS[0]))
    check_effects(effects, str(settings["actions"]))
    if execution_shape is not None:
        execution_layout(execution_shape)  # ValueError for a shape that is not (E, 13 + 2L)
        execution_shape = (int(execution_shape[0]), int(execution_shape[1]))
    return StreamNet(
        architecture=str(settings["name"]),
        actions=str(settings["actions"]),
        task_length=int(task_length),
        program_length=int(program_length),
        num_actions=int(num_actions),
        dim=int(settings["dim"]),
        heads=int(settings["heads"]),
        layers=int(settings["layers"]),
        window=int(settings["window"]),
        top_k=int(settings["top_k"]),
        hidden=int(settings["hidden"]),
        value_features=bool(settings.get("value_features", False)),
        execution_shape=execution_shape,
        byte_rows=bool(settings.get("byte_rows", True)),
        effects=effects,
        signed_step=bool(settings.get("signed_step", False)),
    )


def build_model(
    name: str,
    sizes: Mapping[str, Any],
    task_length: int,
    program_length: int,
    num_actions: int,
    actions=None,
    *,
    value_features: bool = False,
    execution_shape: tuple[int, int] | None = None,
    byte_rows: bool = True,
    effects: str = EFFECT_INPUTS[0],
    signed_step: bool = False,
) -> StreamNet:
    """The Flax network of an architecture name, its sizes and action head (None: the architecture's own head,
    LEGACY_MODELS: index for full-context, else pointer); what the JAX backend and its checkpoints name.
    `value_features`, `execution_shape`, `byte_rows`, `effects` and `signed_step` are build_net's (False / None /
    True / "ids" / False: the network of old checkpoints)."""
    from agents.nets import LEGACY_MODELS

    if actions is None:
        actions = LEGACY_MODELS[name][1] if name in LEGACY_MODELS else "pointer"
    if not byte_rows and not value_features:
        raise ValueError("byte_rows=False needs value_features=True (else every byte reads the same)")
    settings = {
        "name": name,
        "actions": actions,
        **sizes,
        "value_features": bool(value_features),
        "byte_rows": bool(byte_rows),
        "effects": effects,
        "signed_step": bool(signed_step),
    }
    return build_net(settings, task_length, program_length, num_actions, execution_shape)


def parameter_count(params) -> int:
    return int(sum(x.size for x in jax.tree_util.tree_leaves(params)))


def flax_params_from_torch(net) -> dict[str, Any]:
    """The variables (`{"params": ...}`) of the Flax twin of a torch_nets.StreamNet, from its weights.

    `net` is read through its `state_dict()`, `settings` and
    `execution_shape` only, so this module imports no torch; build the twin
    with `build_net(net.settings, net.task_length, net.program_length,
    net.num_actions, net.execution_shape)`.
    """
    w = {key: value.detach().cpu().numpy().astype(np.float32) for key, value in net.state_dict().items()}
    d, heads = int(net.settings["dim"]), int(net.settings["heads"])
    architecture, actions = net.settings["name"], net.settings["actions"]

    def dense(prefix: str) -> dict[str, np.ndarray]:
        out = {"kernel": w[f"{prefix}.weight"].T}
        if f"{prefix}.bias" in w:
            out["bias"] = w[f"{prefix}.bias"]
        return out

    def norm(prefix: str) -> dict[str, np.ndarray]:
        return {"scale": w[f"{prefix}.weight"], "bias": w[f"{prefix}.bias"]}

    params: dict[str, Any] = {
        "type_embed": {"embedding": w["type_embed.weight"]},
        "position_embed": {"embedding": w["position_embed.weight"]},
        "task_embed": {"embedding": w["task_embed.weight"]},
        "trunk_0": dense("trunk.0"),
        "trunk_1": dense("trunk.2"),
        "value_0": dense("value_head.0"),
        "value_1": dense("value_head.2"),
    }
    if actions == "index":
        params["action_embed"] = {"embedding": w["action_embed.weight"]}
    else:
        if "effect_parts.weight" in w:
            params["effect_parts"] = dense("effect_parts")
        else:
            params["effect_embed"] = {"embedding": w["effect_embed.weight"]}
        params["knowledge_in"] = dense("knowledge_in")
    if actions == "pointer":
        params["knowledge_key"] = dense("knowledge_key")
        params["query_head"] = dense("query_head")
    else:
        params["action_head"] = dense("action_head")
    if actions == "index+effects":
        params["slot_embed"] = {"embedding": w["slot_embed.weight"]}
        params["effect_table_0"] = dense("effect_table.0")
        params["effect_table_1"] = dense("effect_table.2")
    if "value_embed.weight" in w:
        params["value_embed"] = dense("value_embed")
    if "step_embed.weight" in w:
        params["step_embed"] = dense("step_embed")
    if "execution_field.weight" in w:
        params["execution_field"] = {"embedding": w["execution_field.weight"]}
        params["execution_run"] = {"embedding": w["execution_run.weight"]}
        params["execution_state_0"] = dense("execution_state.0")
        params["execution_state_1"] = dense("execution_state.2")
        if "execution_position.weight" in w:
            params["execution_position"] = {"embedding": w["execution_position.weight"]}
            params["execution_output_0"] = dense("execution_output.0")
            params["execution_output_1"] = dense("execution_output.2")
    if architecture == "gru":
        b_ih, b_hh = w["gru.bias_ih_l0"], w["gru.bias_hh_l0"]
        params["gru"] = {
            "input_kernel": w["gru.weight_ih_l0"].T,
            "input_bias": b_ih + np.concatenate([b_hh[: 2 * d], np.zeros(d, np.float32)]),
            "hidden_kernel": w["gru.weight_hh_l0"].T,
            "hidden_bias": b_hh[2 * d :],
        }
        return {"params": params}
    head_dim = d // heads
    number = 0
    while f"reasoner.layers.{number}.norm1.weight" in w:
        prefix = f"reasoner.layers.{number}"
        in_weight, in_bias = w[f"{prefix}.self_attn.in_proj_weight"], w[f"{prefix}.self_attn.in_proj_bias"]
        attention = {
            part: {
                "kernel": in_weight[i * d : (i + 1) * d].T.reshape(d, heads, head_dim),
                "bias": in_bias[i * d : (i + 1) * d].reshape(heads, head_dim),
            }
            for i, part in enumerate(("query", "key", "value"))
        }
        attention["out"] = {
            "kernel": w[f"{prefix}.self_attn.out_proj.weight"].T.reshape(heads, head_dim, d),
            "bias": w[f"{prefix}.self_attn.out_proj.bias"],
        }
        params[f"reasoner_{number}"] = {
            "LayerNorm_0": norm(f"{prefix}.norm1"),
            "MultiHeadDotProductAttention_0": attention,
            "LayerNorm_1": norm(f"{prefix}.norm2"),
            # Dense_0 is the feed-forward's output layer: flax names it first (it is constructed before the
            # inner layer in `Dense(d)(relu(Dense(2d)(h)))`).
            "Dense_0": dense(f"{prefix}.linear2"),
            "Dense_1": dense(f"{prefix}.linear1"),
        }
        number += 1
    params["final_norm"] = norm("final_norm")
    if architecture == "small-context":
        params["memory_query"] = dense("memory_query")
        params["memory_key"] = w["memory_key.weight"].T
        params["memory_value"] = dense("memory_value")
        params["memory_out"] = dense("memory_out")
        params["null_key"] = w["null_key"]
        params["null_value"] = w["null_value"]
    return {"params": params}
