"""Torch policy/value networks for the token envs, as RLlib new-API-stack `TorchRLModule`s (read top to bottom).

Every model reads the same observation (`obs["task"]`, `obs["program"]`,
`obs["action_effects"]`, `obs["action_mask"]`) and is stateless: the whole
episode is recomputed from the observation at every step, so RLlib needs no
state in/out and no `max_seq_len`.

The *stream* of an episode is the task's non-PAD tokens (examples, then the
spec) followed by the program tokens emitted so far. Both are non-PAD
prefixes of their arrays, so stream position p lives at index p of the
concatenation [task | program] when p < n_task, else at T + (p - n_task);
every model gathers with these indices (no Python loop over the batch).

Models (`MODELS` maps the CLI names to classes):

- `small-context` (the memory agent): a causal transformer over the last W
  stream tokens; tokens that left the window form an episodic memory of
  key/value vectors (token embedding + absolute position), from which the
  reasoner's query retrieves the top-k by dot product and attends over
  them; a knowledge store holds one entry per action slot, built from the
  slot's effect id, and each slot's logit is the query dotted with its
  entry (pointer head). Program tokens enter the stream through their
  slot's knowledge entry too, so nothing depends on a raw action index.
- `small-window`: the same without episodic memory.
- `full-context`: a transformer over the whole stream, program tokens
  embedded by action index, a plain linear head over action indices.
- `gru`: a GRU over the whole stream, knowledge-store input and pointer head.

Action masking: `logits + clamp(log(mask), min=FLOAT_MIN)` in every forward.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.apis.value_function_api import ValueFunctionAPI
from ray.rllib.core.rl_module.torch.torch_rl_module import TorchRLModule
from ray.rllib.utils.torch_utils import FLOAT_MIN
from torch import nn
from torch.nn import functional as F

from agents.train_config import MODEL_DEFAULTS

TASK_VOCAB = 264
"""Task token ids (reasonenv.envs.encoding.TASK_VOCAB); kept literal so this module imports no env code."""
EFFECT_VOCAB = 64
"""Embedding rows for effect ids; the contract bounds esolangs.knowledge.NUM_EFFECTS by 64."""
TYPE_PAD, TYPE_TASK, TYPE_PROGRAM = 0, 1, 2
VALUE_CHUNK = 512
"""Rows per forward pass when values are computed without grad (GAE over a train batch)."""

DEFAULTS: dict[str, Any] = dict(MODEL_DEFAULTS)


def masked_logits(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Forbidden actions get FLOAT_MIN added, so their probability is exactly 0 (and their entropy term too)."""
    return logits + torch.clamp(torch.log(mask.float()), min=FLOAT_MIN)


def stream_indices(n_task: torch.Tensor, length: torch.Tensor, task_len: int, positions: torch.Tensor):
    """Indices into [task | program] of stream positions `positions` (B, N), and which of them exist / are task tokens.

    `positions` may run below 0 (before the stream starts) or past its end;
    those are reported invalid and their index clamped into range.
    """
    valid = (positions >= 0) & (positions < length[:, None])
    is_task = positions < n_task[:, None]
    index = torch.where(is_task, positions, task_len + positions - n_task[:, None])  # caller clamps into range
    return index, valid, is_task & valid


def causal_layer(layer: nn.TransformerEncoderLayer, x: torch.Tensor, last_only: bool) -> torch.Tensor:
    """One pre-norm `TransformerEncoderLayer` under a causal mask, with its own parameters; (B, S, d) -> (B, S or 1, d).

    `last_only` returns the last position alone and computes its query,
    attention output and feed-forward only (keys and values still cover
    every position).
    """
    attention = layer.self_attn
    B, S, d = x.shape
    heads = attention.num_heads
    weight, bias = attention.in_proj_weight, attention.in_proj_bias
    normed = layer.norm1(x)
    if last_only:
        query = F.linear(normed[:, -1:], weight[:d], bias[:d])
        key, value = F.linear(normed, weight[d:], bias[d:]).view(B, S, 2, heads, d // heads).unbind(2)
    else:
        query, key, value = F.linear(normed, weight, bias).view(B, S, 3, heads, d // heads).unbind(2)
    query = query.reshape(B, -1, heads, d // heads)
    attended = F.scaled_dot_product_attention(
        query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2), is_causal=not last_only
    )
    out = attention.out_proj(attended.transpose(1, 2).reshape(B, -1, d))
    x = (x[:, -1:] if last_only else x) + out
    return x + layer.linear2(layer.activation(layer.linear1(layer.norm2(x))))


class StreamModel(TorchRLModule, ValueFunctionAPI):
    """Shared plumbing: config, observation parsing, token embeddings, masking, the RLlib forward methods.

    A subclass implements `encode(obs) -> (h, logits)`: `h` (B, hidden) is
    the embedding the value head reads, `logits` (B, A) are unmasked.
    """

    uses_pointer_head = True
    uses_index_embedding = False

    def setup(self):
        cfg = dict(DEFAULTS)
        cfg.update(self.model_config or {})
        self.cfg = cfg
        spaces = self.observation_space.spaces
        self.task_len = int(spaces["task"].shape[0])
        self.program_len = int(spaces["program"].shape[0])
        self.num_actions = int(self.action_space.n)
        d = cfg["dim"]
        self.task_embed = nn.Embedding(TASK_VOCAB, d)
        self.type_embed = nn.Embedding(3, d)
        self.position_embed = nn.Embedding(self.task_len + self.program_len + 1, d)
        if self.uses_index_embedding:
            self.action_embed = nn.Embedding(self.num_actions, d)
        else:
            # Knowledge store: one entry per action slot from its effect id only.
            self.effect_embed = nn.Embedding(EFFECT_VOCAB, d)
            self.knowledge_in = nn.Linear(d, d)  # how a slot's token reads when it enters the stream
            self.knowledge_key = nn.Linear(d, d)  # what the pointer head matches the query against
        self.build(cfg)
        self.value_head = nn.Sequential(nn.Linear(cfg["hidden"], cfg["hidden"]), nn.Tanh(), nn.Linear(cfg["hidden"], 1))
        if self.uses_pointer_head:
            self.query_head = nn.Linear(cfg["hidden"], d)
        else:
            self.action_head = nn.Linear(cfg["hidden"], self.num_actions)
        self.exploration_floor = float(cfg.get("exploration_floor", 0.0))
        count = sum(p.numel() for p in self.parameters())
        self.parameter_count = count
        print(
            f"[agents.models] {type(self).model_name}: {count:,} parameters "
            f"(dim={d}, window={cfg['window']}, top_k={cfg['top_k']})",
            flush=True,
        )

    def build(self, cfg: dict[str, Any]) -> None:
        raise NotImplementedError

    def encode(self, obs: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    # ------------------------------------------------------------------ shared pieces
    def knowledge(self, effects: torch.Tensor) -> torch.Tensor:
        """(B, A, d): one vector per action slot, from the slot's effect id."""
        return self.effect_embed(effects.long())

    def token_vectors(self, obs: dict[str, torch.Tensor], trim: bool = True):
        """Embeddings of [task | program] (B, T+L, d), plus n_task and stream length (B,).

        T is read from the observation, not the space the module was built
        for, so an evaluation env with a longer `task` array still works.
        With `trim`, PAD columns past the batch's longest task and program
        are cut first: every later step indexes by stream position and masks
        what does not exist, so the result is the same for less work (early
        stages use 2-20 of 64 task columns). The GRU, which runs over every
        column, asks for the untrimmed arrays.
        """
        task, program = obs["task"].long(), obs["program"].long()
        n_task = (task != 0).sum(1)
        n_program = (program != 0).sum(1)
        if trim and task.shape[0] > 0:
            task = task[:, : max(int(n_task.max()), 1)]
            program = program[:, : max(int(n_program.max()), 1)]
        task_vectors = self.task_embed(task)
        if self.uses_index_embedding:
            program_vectors = self.action_embed(program)
        else:
            entries = self.knowledge_in(self.knowledge(obs["action_effects"]))  # (B, A, d)
            program_vectors = torch.gather(entries, 1, program[:, :, None].expand(-1, -1, entries.shape[-1]))
        return torch.cat([task_vectors, program_vectors], 1), n_task, n_task + n_program, task.shape[1]

    def gather_stream(self, vectors, n_task, length, task_len, positions):
        """Token vectors at stream `positions` (B, N) with type and absolute-position embeddings; invalid ones are PAD-typed."""
        index, valid, is_task = stream_indices(n_task, length, task_len, positions)
        index = index.clamp(0, vectors.shape[1] - 1)
        picked = torch.gather(vectors, 1, index[:, :, None].expand(-1, -1, vectors.shape[-1]))
        kind = torch.where(is_task, TYPE_TASK, torch.where(valid, TYPE_PROGRAM, TYPE_PAD))
        picked = picked * valid[:, :, None] + self.type_embed(kind)
        picked = (
            picked + self.position_embed(positions.clamp(0, self.position_embed.num_embeddings - 1)) * valid[:, :, None]
        )
        return picked, valid

    def action_logits(self, h: torch.Tensor, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.uses_pointer_head:
            keys = self.knowledge_key(self.knowledge(obs["action_effects"]))  # (B, A, d)
            query = self.query_head(h)
            return torch.einsum("bad,bd->ba", keys, query) / math.sqrt(keys.shape[-1])
        return self.action_head(h)

    # ------------------------------------------------------------------ RLlib API
    def _forward(self, batch: dict[str, Any], **kwargs) -> dict[str, Any]:
        obs = batch[Columns.OBS]
        _, logits = self.encode(obs)
        return {Columns.ACTION_DIST_INPUTS: masked_logits(logits, obs["action_mask"])}

    def _forward_exploration(self, batch: dict[str, Any], **kwargs) -> dict[str, Any]:
        """What the env runners sample from: the policy, mixed with a uniform floor over allowed actions if set.

        The env runner records the log-probability of this distribution, and
        the learner's ratio is policy / this, so the floor is corrected for.
        """
        out = self._forward(batch, **kwargs)
        if self.exploration_floor > 0:
            mask = batch[Columns.OBS]["action_mask"]
            allowed = mask.float()
            uniform = allowed / allowed.sum(-1, keepdim=True).clamp_min(1.0)
            probs = torch.softmax(out[Columns.ACTION_DIST_INPUTS], -1)
            mixed = (1.0 - self.exploration_floor) * probs + self.exploration_floor * uniform
            out[Columns.ACTION_DIST_INPUTS] = masked_logits(torch.log(mixed.clamp_min(1e-30)), mask)
        return out

    def _forward_train(self, batch: dict[str, Any], **kwargs) -> dict[str, Any]:
        # The embeddings let PPO's value loss reuse this pass instead of encoding the batch twice.
        obs = batch[Columns.OBS]
        h, logits = self.encode(obs)
        return {Columns.ACTION_DIST_INPUTS: masked_logits(logits, obs["action_mask"]), Columns.EMBEDDINGS: h}

    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        if embeddings is None:
            obs = batch[Columns.OBS]
            rows = len(obs["action_mask"])
            if torch.is_grad_enabled() or rows <= VALUE_CHUNK:
                embeddings, _ = self.encode(obs)
            else:
                # GAE asks for the values of a whole train batch without grad:
                # chunks that stay in cache run about twice as fast on CPU.
                embeddings = torch.cat(
                    [
                        self.encode({key: value[start : start + VALUE_CHUNK] for key, value in obs.items()})[0]
                        for start in range(0, rows, VALUE_CHUNK)
                    ]
                )
        return self.value_head(embeddings).squeeze(-1)


class WindowTransformer(StreamModel):
    """A causal transformer over the last W stream tokens; `use_memory` adds top-k retrieval over older tokens."""

    use_memory = False
    full_context = False

    def build(self, cfg):
        d = cfg["dim"]
        if self.full_context:
            cfg["window"] = self.task_len + self.program_len
        self.window = int(cfg["window"])
        layer = nn.TransformerEncoderLayer(d, cfg["heads"], 2 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.reasoner = nn.TransformerEncoder(layer, cfg["layers"], enable_nested_tensor=False)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(self.window), persistent=False)
        self.final_norm = nn.LayerNorm(d)
        if self.use_memory:
            self.top_k = int(cfg["top_k"])
            self.memory_query = nn.Linear(d, d)
            self.memory_key = nn.Linear(d, d, bias=False)
            self.memory_value = nn.Linear(d, d)
            self.null_key = nn.Parameter(torch.zeros(d))  # lets the reasoner retrieve nothing
            self.null_value = nn.Parameter(torch.zeros(d))
            self.memory_out = nn.Linear(d, d)
        self.trunk = nn.Sequential(
            nn.Linear(d, cfg["hidden"]), nn.GELU(), nn.Linear(cfg["hidden"], cfg["hidden"]), nn.GELU()
        )

    def encode(self, obs):
        vectors, n_task, length, task_len = self.token_vectors(obs)
        W = self.window
        positions = length[:, None] - W + torch.arange(W, device=length.device)[None, :]
        window, _ = self.gather_stream(vectors, n_task, length, task_len, positions)
        state = self.final_norm(self.reason(window))
        if self.use_memory:
            state = state + self.memory_out(self.retrieve(state, vectors, n_task, length, task_len))
        h = self.trunk(state)
        return h, self.action_logits(h, obs)

    def reason(self, window: torch.Tensor) -> torch.Tensor:
        """The causal reasoner's output at the window's last position (B, d).

        Same parameters and result as `self.reasoner(window, mask=causal)[:, -1]`
        (pre-norm layers, no dropout), computed more cheaply: the last layer
        computes attention and feed-forward for the last query only (it
        still reads every position's keys and values), since only that
        position is used; and attention runs on (B, heads, S, head_dim)
        views of one fused projection, where nn.MultiheadAttention's
        batch-first path transposes and copies its inputs.
        """
        layers = self.reasoner.layers
        x = window
        for number, layer in enumerate(layers):
            x = causal_layer(layer, x, last_only=number == len(layers) - 1)
        return x[:, -1]

    def retrieve(self, state, vectors, n_task, length, task_len):
        """Attend over the top-k memories (stream tokens before the window) most similar to the reasoner's query."""
        B, N, d = vectors.shape
        # Stream position of every [task | program] entry; it is a memory if it left the window.
        index = torch.arange(N, device=vectors.device)[None, :].expand(B, -1)
        is_task = index < task_len
        position = torch.where(is_task, index, n_task[:, None] + index - task_len)
        exists = torch.where(is_task, index < n_task[:, None], position < length[:, None])
        in_memory = exists & (position < (length - self.window)[:, None])
        kind = torch.where(is_task, TYPE_TASK, TYPE_PROGRAM)
        position = position.clamp(0, self.position_embed.num_embeddings - 1)
        # A memory is token + type + position vector, and its score with the
        # query is linear in it: score each part against the (few) type and
        # position rows and gather, so only the top-k memories are ever built
        # (same scores as building all B x N of them, a fraction of the work).
        # score = query . (K m) = (K^T query) . m: one d x d product per row instead of one per memory.
        query = self.memory_query(state)
        probe = (query @ self.memory_key.weight) / math.sqrt(d)
        scores = (
            torch.einsum("bnd,bd->bn", vectors, probe)
            + torch.gather(probe @ self.type_embed.weight.T, 1, kind)
            + torch.gather(probe @ self.position_embed.weight.T, 1, position)
        )
        scores = scores.masked_fill(~in_memory, -1e9)
        k = min(self.top_k, N)
        top_scores, top_index = scores.topk(k, dim=1)
        top_memories = (
            torch.gather(vectors, 1, top_index[:, :, None].expand(-1, -1, d))
            + self.type_embed(torch.gather(kind, 1, top_index))
            + self.position_embed(torch.gather(position, 1, top_index))
        )
        top_values = self.memory_value(top_memories)
        null_score = (self.null_key[None, :] * query).sum(-1, keepdim=True) / math.sqrt(d)
        weights = torch.softmax(torch.cat([null_score, top_scores], 1), dim=1)
        values = torch.cat([self.null_value.expand(B, 1, d), top_values], 1)
        return torch.einsum("bk,bkd->bd", weights, values)


class SmallContextModel(WindowTransformer):
    """The memory agent: window transformer + episodic top-k memory + knowledge-store pointer head."""

    model_name = "small-context"
    use_memory = True


class SmallWindowModel(WindowTransformer):
    """Baseline: the W-token window and pointer head, no episodic memory."""

    model_name = "small-window"


class FullContextModel(WindowTransformer):
    """Baseline: transformer over the whole stream, program tokens by action index, linear head over indices."""

    model_name = "full-context"
    full_context = True
    uses_pointer_head = False
    uses_index_embedding = True


class GRUModel(StreamModel):
    """Baseline: a GRU over the whole stream (right-aligned), knowledge-store input and pointer head."""

    model_name = "gru"

    def build(self, cfg):
        d = cfg["dim"]
        self.gru = nn.GRU(d, d, batch_first=True)
        self.trunk = nn.Sequential(
            nn.Linear(d, cfg["hidden"]), nn.GELU(), nn.Linear(cfg["hidden"], cfg["hidden"]), nn.GELU()
        )

    def encode(self, obs):
        vectors, n_task, length, task_len = self.token_vectors(obs, trim=False)
        N = vectors.shape[1]
        positions = length[:, None] - N + torch.arange(N, device=length.device)[None, :]
        stream, _ = self.gather_stream(vectors, n_task, length, task_len, positions)
        _, last = self.gru(stream)
        h = self.trunk(last[0])
        return h, self.action_logits(h, obs)


MODELS: dict[str, type[StreamModel]] = {
    cls.model_name: cls for cls in (SmallContextModel, FullContextModel, SmallWindowModel, GRUModel)
}


def model_class(name: str) -> type[StreamModel]:
    """The module class of a CLI model name; ValueError lists the names."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}") from None
