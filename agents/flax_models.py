"""Flax twins of the torch policy/value networks in agents/models.py, for the jitted JAX trainer (read top to bottom).

The same architecture, layer for layer (torch's `nn.TransformerEncoderLayer`
with `norm_first=True`, ReLU feed-forward of width 2d, no dropout):

- `small-context` (the memory agent): a causal transformer over the last W
  stream tokens; tokens that left the window are an episodic memory of
  key/value vectors, from which the reasoner's query retrieves the top-k by
  dot product (plus a learned null entry) and attends over them; a
  knowledge store holds one entry per action slot, built from the slot's
  effect id, and each slot's logit is the query dotted with its entry
  (pointer head). Program tokens enter the stream through their slot's
  knowledge entry, so nothing depends on a raw action index.
- `small-window`: the same without episodic memory.
- `full-context`: the window is the whole stream, program tokens embedded
  by action index, a plain linear head over action indices.

The *stream* is the task's non-PAD tokens (examples, then spec) followed by
the program tokens so far; stream position p lives at index p of
[task | program] when p < n_task, else at T + (p - n_task).

`__call__(obs) -> (masked logits [B, A], value [B])`; forbidden actions get
`MASKED_LOGIT`, so their probability (and entropy term) is exactly 0.
"""

from __future__ import annotations

import math
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

TASK_VOCAB = 264
"""Task token ids (reasonenv.envs.encoding.TASK_VOCAB)."""
EFFECT_VOCAB = 64
"""Embedding rows for effect ids; the contract bounds esolangs.knowledge.NUM_EFFECTS by 64."""
TYPE_PAD, TYPE_TASK, TYPE_PROGRAM = 0, 1, 2
MASKED_LOGIT = -1e9
MODEL_NAMES = ("small-context", "small-window", "full-context")
"""The architectures this module builds (agents.models also has a GRU baseline, not ported)."""
MODEL_DEFAULTS: dict[str, int] = {"dim": 64, "heads": 4, "layers": 2, "window": 16, "top_k": 8, "hidden": 128}
"""The same defaults as agents.train_config.MODEL_DEFAULTS (kept literal: this module imports no torch code)."""


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


class StreamPolicy(nn.Module):
    """Window transformer (+ episodic memory) with a knowledge-store pointer head, or the full-context baseline."""

    model: str
    task_length: int
    program_length: int
    num_actions: int
    dim: int = 64
    heads: int = 4
    layers: int = 2
    window: int = 16
    top_k: int = 8
    hidden: int = 128
    last_position_only: bool = True
    """The top layer computes the last position only (same outputs; False computes every row, for tests)."""

    @property
    def use_memory(self) -> bool:
        return self.model == "small-context"

    @property
    def full_context(self) -> bool:
        return self.model == "full-context"

    @nn.compact
    def __call__(self, obs: dict[str, jax.Array]) -> tuple[jax.Array, jax.Array]:
        d = self.dim
        T, L = self.task_length, self.program_length
        task = obs["task"].astype(jnp.int32)
        program = obs["program"].astype(jnp.int32)
        n_task = (task != 0).sum(-1)
        length = n_task + (program != 0).sum(-1)
        type_embed = nn.Embed(3, d, name="type_embed")
        position_embed = nn.Embed(T + L + 1, d, name="position_embed")

        # Token vectors of [task | program]: task ids by embedding; program tokens through the knowledge store
        # (their slot's effect) or, for the full-context baseline, by action index.
        task_vectors = nn.Embed(TASK_VOCAB, d, name="task_embed")(task)
        if self.full_context:
            program_vectors = nn.Embed(self.num_actions, d, name="action_embed")(program)
        else:
            knowledge = nn.Embed(EFFECT_VOCAB, d, name="effect_embed")(obs["action_effects"].astype(jnp.int32))
            entries = nn.Dense(d, name="knowledge_in")(knowledge)  # (B, A, d)
            program_vectors = jnp.take_along_axis(entries, program[..., None], axis=-2)
        vectors = jnp.concatenate([task_vectors, program_vectors], axis=-2)  # (B, T+L, d)

        # The last W stream positions, gathered from [task | program].
        W = T + L if self.full_context else self.window
        positions = length[..., None] - W + jnp.arange(W)
        valid = (positions >= 0) & (positions < length[..., None])
        is_task = positions < n_task[..., None]
        index = jnp.clip(jnp.where(is_task, positions, T + positions - n_task[..., None]), 0, T + L - 1)
        window = jnp.take_along_axis(vectors, index[..., None], axis=-2)
        kind = jnp.where(is_task & valid, TYPE_TASK, jnp.where(valid, TYPE_PROGRAM, TYPE_PAD))
        window = window * valid[..., None] + type_embed(kind)
        window = window + position_embed(jnp.clip(positions, 0, T + L)) * valid[..., None]

        causal = nn.make_causal_mask(jnp.ones(window.shape[:-1], jnp.int32))
        hidden = window
        for number in range(self.layers):
            last_only = self.last_position_only and number == self.layers - 1
            hidden = EncoderLayer(d, self.heads, last_only, name=f"reasoner_{number}")(hidden, causal)
        state = nn.LayerNorm(epsilon=1e-5, name="final_norm")(hidden[..., -1, :])
        if self.use_memory:
            state = state + nn.Dense(d, name="memory_out")(
                self.retrieve(state, vectors, n_task, length, type_embed, position_embed)
            )
        h = nn.gelu(nn.Dense(self.hidden, name="trunk_0")(state), approximate=False)
        h = nn.gelu(nn.Dense(self.hidden, name="trunk_1")(h), approximate=False)

        if self.full_context:
            logits = nn.Dense(self.num_actions, name="action_head")(h)
        else:
            keys = nn.Dense(d, name="knowledge_key")(knowledge)  # (B, A, d)
            query = nn.Dense(d, name="query_head")(h)
            logits = jnp.einsum("...ad,...d->...a", keys, query) / math.sqrt(d)
        value = nn.Dense(1, name="value_1")(jnp.tanh(nn.Dense(self.hidden, name="value_0")(h)))[..., 0]
        return masked_logits(logits, obs["action_mask"]), value

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


def build_model(
    model: str, settings: dict[str, Any], task_length: int, program_length: int, num_actions: int
) -> StreamPolicy:
    """The Flax module of a model name and its settings (agents.train_config.MODEL_DEFAULTS keys)."""
    if model not in MODEL_NAMES:
        raise ValueError(f"the JAX trainer builds models {', '.join(MODEL_NAMES)}; got {model!r}")
    merged = {**MODEL_DEFAULTS, **settings}
    unknown = sorted(set(merged) - set(MODEL_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown model setting(s) {unknown}; known: {sorted(MODEL_DEFAULTS)}")
    sizes: dict[str, Any] = {k: int(v) for k, v in merged.items()}
    return StreamPolicy(
        model=model,
        task_length=int(task_length),
        program_length=int(program_length),
        num_actions=int(num_actions),
        **sizes,
    )


def parameter_count(params) -> int:
    return int(sum(x.size for x in jax.tree_util.tree_leaves(params)))
