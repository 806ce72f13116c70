"""The torch policy/value networks, as plain `nn.Module`s with no RL framework in sight (read top to bottom).

    net = build_net({"name": "small-context", "actions": "pointer", "dim": 64, "heads": 4, "layers": 2,
                     "window": 16, "top_k": 8, "hidden": 128}, task_length=64, program_length=32, num_actions=9)
    logits, value = net(obs)       # obs: task, program, action_effects, action_mask tensors (B, ...)

Every network reads the same observation (`obs["task"]`, `obs["program"]`,
`obs["action_effects"]`, `obs["action_mask"]`, and `obs["execution"]` when
built with `execution_shape`) and is stateless: the whole episode is
recomputed from the observation at every step.

The *stream* of an episode is the task's non-PAD tokens (examples, then the
spec) followed by the program tokens emitted so far. Both are non-PAD
prefixes of their arrays, so stream position p lives at index p of the
concatenation [task | program] when p < n_task, else at T + (p - n_task);
every network gathers with these indices (no Python loop over the batch).

One class, `StreamNet`, with two flags (agents.nets describes the names):
`name` picks the encoder (a causal window transformer, with or without
episodic memory, whose window may be the whole stream; or a GRU), and
`actions` picks how program tokens enter the stream and how actions are
scored (pointer head over a knowledge store, plain index head, or plain
head with the effect table as input).

Two optional inputs (both off, the network and its parameters are exactly
those of before issue 21):
- `value_features`: a byte token (id >= 8, task or execution) is
  embedding(id) + Linear(17 -> d)([8 bits of b, b / 255, 1[b >= k] for
  k = 1..8]), so the network can compare and count bytes instead of
  learning 256 unrelated rows (agents.nets.VALUE_FEATURES says why the
  ordinal steps).
  With `byte_rows=False` as well, every byte shares embedding row 8 and
  differs only by those features: a byte no training instance contained
  (held-out content) is then not an untrained random row (N(0, 1), far
  larger than a trained feature vector) but sits between its neighbours.
  The parameters are the same either way (row 8 is simply the only byte
  row read).
- `signed_step` (with `execution_shape`): the execution rows' step
  column (agents.nets.STEP_COLUMN) enters by embedding(id) +
  Linear(11 -> d)(agents.nets.STEP_FEATURES: its sign and magnitude as a
  step in -128..127) instead of the unsigned value features, so a fall of
  1 (255) sits next to a rise of 1 but for its sign. A parameter
  `step_embed`, created last.
- `execution_shape` (E, F): `obs["execution"]` (reasonenv's "execution
  so far" of the program prefix on each example, F = 13 + 2 L) becomes a
  few *execution tokens* that always stay in the reasoner's view: one
  state token per run (its 13 state columns) and one token per output
  position j that some run has, holding every run's (expected_j,
  output_j). The transformers prepend them to the window (every window
  token attends to all of them, they are never evicted into memory); the
  GRU reads them first and adds their mean to its last state. Missing
  runs and positions are masked out of attention, and the torch net trims
  them on the batch's maximum (as it trims PAD), which changes no output.

How a slot's effect becomes its knowledge entry (`effects`, agents.nets):
`ids` (default) embeds the effect id (`effect_embed`); `parts` looks up
the effect's row of esolangs.knowledge.effect_parts_matrix (a registered
buffer `effect_parts_table`, not a parameter, and not saved in the state
dict: the constant comes from the code, whose columns are append-only)
and maps it through the learned Linear(P -> d) `effect_parts`, which
takes `effect_embed`'s place.

Masking: forbidden actions get FLOAT_MIN added to their logits, so their
probability (and entropy term) is exactly 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from agents.nets import (
    BYTE_OFFSET,
    EFFECT_INPUTS,
    SIZE_KEYS,
    STATE_COLUMNS,
    STEP_COLUMN,
    STEP_FEATURES,
    THERMOMETER,
    VALUE_FEATURES,
    check_effects,
    check_network,
    execution_layout,
)
from esolangs.knowledge import NUM_PART_COLUMNS, effect_parts_matrix

FLOAT_MIN = -3.4e38
"""Added to forbidden actions' logits: ray.rllib.utils.torch_utils.FLOAT_MIN's value (a literal there too, slightly
above torch.finfo(torch.float32).min), so masked logits stay bit for bit what the RLlib modules produced."""
TASK_VOCAB = 264
"""Task token ids (reasonenv.envs.encoding.TASK_VOCAB); kept literal so this module imports no env code."""
EFFECT_VOCAB = 64
"""Embedding rows for effect ids; the contract bounds esolangs.knowledge.NUM_EFFECTS by 64."""
TYPE_PAD, TYPE_TASK, TYPE_PROGRAM = 0, 1, 2


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


def causal_layer(
    layer: nn.TransformerEncoderLayer, x: torch.Tensor, last_only: bool, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """One pre-norm `TransformerEncoderLayer` under a causal mask, with its own parameters; (B, S, d) -> (B, S or 1, d).

    `last_only` returns the last position alone and computes its query,
    attention output and feed-forward only (keys and values still cover
    every position). `mask` (B, 1, S, S), additive (0 or -inf), replaces
    the plain causal mask (the execution prefix's mask).
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
    if mask is None:
        attended = F.scaled_dot_product_attention(
            query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2), is_causal=not last_only
        )
    else:
        attended = F.scaled_dot_product_attention(
            query.transpose(1, 2),
            key.transpose(1, 2),
            value.transpose(1, 2),
            attn_mask=mask[:, :, -1:] if last_only else mask,
        )
    out = attention.out_proj(attended.transpose(1, 2).reshape(B, -1, d))
    x = (x[:, -1:] if last_only else x) + out
    return x + layer.linear2(layer.activation(layer.linear1(layer.norm2(x))))


class StreamNet(nn.Module):
    """Policy and value of one observation batch: `forward(obs) -> (masked logits (B, A), value (B,))`.

    `encode(obs) -> (h, logits)` is the same pass before the heads' masking
    and the value head: `h` (B, hidden) is what the value head reads.
    Parameters are created in a fixed order (inputs, encoder, trunk, value
    head, action head, then the optional value features and execution
    input), so one torch seed gives one initialisation, and the same seed
    gives a network without the options the weights it always had.
    `effects="parts"` is not such an option: its Linear takes effect_embed's
    place, so the same seed draws other weights for the layers after it.
    """

    effect_parts_table: torch.Tensor
    """With effects="parts": (EFFECT_VOCAB, P) esolangs.knowledge.effect_parts_matrix, a non-persistent buffer."""

    def __init__(
        self,
        name: str,
        actions: str,
        task_length: int,
        program_length: int,
        num_actions: int,
        *,
        dim: int,
        heads: int,
        layers: int,
        window: int,
        top_k: int,
        hidden: int,
        value_features: bool = False,
        execution_shape: tuple[int, int] | None = None,
        byte_rows: bool = True,
        effects: str = EFFECT_INPUTS[0],
        signed_step: bool = False,
    ):
        super().__init__()
        check_network(name, actions)
        check_effects(effects, actions)
        if dim % heads:
            raise ValueError(f"model dim {dim} is not divisible by heads {heads}; pick dim a multiple of heads")
        self.name, self.actions = name, actions
        self.task_length, self.program_length, self.num_actions = (
            int(task_length),
            int(program_length),
            int(num_actions),
        )
        self.settings: dict[str, Any] = {"name": name, "actions": actions, "dim": dim, "heads": heads,
                                         "layers": layers, "window": window, "top_k": top_k, "hidden": hidden,
                                         "value_features": bool(value_features),
                                         "byte_rows": bool(byte_rows), "effects": effects,
                                         "signed_step": bool(signed_step)}  # fmt: skip
        self.value_features = bool(value_features)
        if not byte_rows and not value_features:
            raise ValueError("byte_rows=False needs value_features=True (else every byte reads the same)")
        self.byte_rows = bool(byte_rows)
        self.effects = effects
        self.signed_step = bool(signed_step)
        self.execution_shape = None if execution_shape is None else tuple(int(n) for n in execution_shape)
        self.use_memory = name == "small-context"
        self.uses_pointer_head = actions == "pointer"
        self.uses_index_embedding = actions == "index"
        # The transformer's window; the full-context transformer and the GRU see the whole stream.
        self.window = self.task_length + self.program_length if name in ("full-context", "gru") else int(window)
        self.top_k = int(top_k)
        d = dim
        self.task_embed = nn.Embedding(TASK_VOCAB, d)
        self.type_embed = nn.Embedding(3, d)
        self.position_embed = nn.Embedding(self.task_length + self.program_length + 1, d)
        if self.uses_index_embedding:
            self.action_embed = nn.Embedding(self.num_actions, d)
        else:
            # Knowledge store: one entry per action slot from its effect only (its id, or its parts).
            if effects == "parts":
                table = torch.from_numpy(effect_parts_matrix(EFFECT_VOCAB))
                self.register_buffer("effect_parts_table", table, persistent=False)
                self.effect_parts = nn.Linear(NUM_PART_COLUMNS, d)
            else:
                self.effect_embed = nn.Embedding(EFFECT_VOCAB, d)
            self.knowledge_in = nn.Linear(d, d)  # how a slot's token reads when it enters the stream
            # What the pointer head matches the query against. index+effects never reads it: it stays so that
            # the permuted-plain arm's weights and parameter count are those of the earlier experiment models.
            self.knowledge_key = nn.Linear(d, d)
        if name == "gru":
            self.gru = nn.GRU(d, d, batch_first=True)
        else:
            layer = nn.TransformerEncoderLayer(d, heads, 2 * d, dropout=0.0, batch_first=True, norm_first=True)
            self.reasoner = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.final_norm = nn.LayerNorm(d)
            if self.use_memory:
                self.memory_query = nn.Linear(d, d)
                self.memory_key = nn.Linear(d, d, bias=False)
                self.memory_value = nn.Linear(d, d)
                self.null_key = nn.Parameter(torch.zeros(d))  # lets the reasoner retrieve nothing
                self.null_value = nn.Parameter(torch.zeros(d))
                self.memory_out = nn.Linear(d, d)
        self.trunk = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU())
        if actions == "index+effects":
            # The whole slot->effect table as one vector: sum over slots of slot_embed(a) * effect_embed(e_a),
            # then an MLP (a few thousand parameters, so the network's size stays close to the others').
            self.slot_embed = nn.Embedding(self.num_actions, d)
            self.effect_table = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, d))
        self.value_head = nn.Sequential(nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        if self.uses_pointer_head:
            self.query_head = nn.Linear(hidden, d)
        else:
            self.action_head = nn.Linear(hidden, self.num_actions)
        # Created last, so that without them the parameters and a seed's initialisation are the earlier ones.
        if self.value_features:
            self.value_embed = nn.Linear(VALUE_FEATURES, d)
        if self.execution_shape is not None:
            runs, outputs = execution_layout(self.execution_shape)
            # Row c < 12 scales state column c, rows 12 and 13 the expected and the produced byte: a sum of
            # per-field products keeps which column held which id (a sum of added field vectors would not).
            self.execution_field = nn.Embedding(STATE_COLUMNS + 2, d)
            self.execution_run = nn.Embedding(runs, d)
            self.execution_state = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, d))
            if outputs:
                self.execution_position = nn.Embedding(outputs, d)
                self.execution_output = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, d))
            if self.signed_step:
                self.step_embed = nn.Linear(STEP_FEATURES, d)

    # ------------------------------------------------------------------ the pass
    def forward(self, obs: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        h, logits = self.encode(obs)
        return masked_logits(logits, obs["action_mask"]), self.value_head(h).squeeze(-1)

    def encode(self, obs: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """(h (B, hidden), unmasked logits (B, A))."""
        if self.name == "gru":
            state = self.recur(obs)
        else:
            vectors, n_task, length, task_len = self.token_vectors(obs)
            W = self.window
            positions = length[:, None] - W + torch.arange(W, device=length.device)[None, :]
            window, _ = self.gather_stream(vectors, n_task, length, task_len, positions)
            if self.execution_shape is None:
                state = self.final_norm(self.reason(window))
            else:
                tokens, present = self.execution_tokens(obs)
                mask = prefix_mask(present, W)
                state = self.final_norm(self.reason(torch.cat([tokens, window], 1), mask))
            if self.use_memory:
                state = state + self.memory_out(self.retrieve(state, vectors, n_task, length, task_len))
        if self.actions == "index+effects":
            slots = torch.arange(self.num_actions, device=state.device)
            table = (self.slot_embed(slots)[None] * self.knowledge(obs["action_effects"])).sum(1)
            state = state + self.effect_table(table)
        h = self.trunk(state)
        return h, self.action_logits(h, obs)

    # ------------------------------------------------------------------ inputs
    def knowledge(self, effects: torch.Tensor) -> torch.Tensor:
        """(B, A, d): one vector per action slot, from the slot's effect id (`ids`) or its parts row (`parts`)."""
        if self.effects == "parts":
            return self.effect_parts(self.effect_parts_table[effects.long()])
        return self.effect_embed(effects.long())

    def token_vectors(self, obs: Mapping[str, torch.Tensor], trim: bool = True):
        """Embeddings of [task | program] (B, T+L, d), plus n_task and stream length (B,) and T.

        T is read from the observation, not the size the net was built for,
        so an evaluation env with a longer `task` array still works. With
        `trim`, PAD columns past the batch's longest task and program are
        cut first: every later step indexes by stream position and masks
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
        task_vectors = self.byte_vectors(task)
        if self.uses_index_embedding:
            program_vectors = self.action_embed(program)
        else:
            entries = self.knowledge_in(self.knowledge(obs["action_effects"]))  # (B, A, d)
            program_vectors = torch.gather(entries, 1, program[:, :, None].expand(-1, -1, entries.shape[-1]))
        return torch.cat([task_vectors, program_vectors], 1), n_task, n_task + n_program, task.shape[1]

    def byte_vectors(self, ids: torch.Tensor) -> torch.Tensor:
        """Task-vocabulary ids (...) -> (..., d): embedding(id) (one shared row for bytes without byte_rows), plus
        Linear([8 bits, b / 255, 1[b >= k] k = 1..8]) for bytes (value features)."""
        vectors = self.embedding_rows(ids)
        if not self.value_features:
            return vectors
        byte = (ids - BYTE_OFFSET).clamp(0, 255)
        bits = (byte[..., None] >> torch.arange(8, device=ids.device)) & 1
        steps = byte[..., None] >= torch.arange(1, THERMOMETER + 1, device=ids.device)
        features = torch.cat([bits.float(), byte[..., None].float() / 255.0, steps.float()], -1)
        return vectors + self.value_embed(features) * (ids >= BYTE_OFFSET)[..., None]

    def embedding_rows(self, ids: torch.Tensor) -> torch.Tensor:
        """Task-vocabulary ids (...) -> their embedding rows (..., d); without byte_rows every byte reads the one row
        of byte 0 (its value or step features tell them apart)."""
        if not self.byte_rows:
            ids = torch.where(ids >= BYTE_OFFSET, torch.full_like(ids, BYTE_OFFSET), ids)
        return self.task_embed(ids)

    def step_vectors(self, ids: torch.Tensor) -> torch.Tensor:
        """Step-column ids (...) -> (..., d) under `signed_step`: embedding(id) (the shared row without byte_rows),
        plus Linear(agents.nets.STEP_FEATURES) for bytes: s > 0, s < 0, 1[|s| >= k] k = 1..8, |s| / 128."""
        byte = (ids - BYTE_OFFSET).clamp(0, 255)
        signed = torch.where(byte < 128, byte, byte - 256)
        size = signed.abs()
        steps = size[..., None] >= torch.arange(1, THERMOMETER + 1, device=ids.device)
        features = torch.cat(
            [(signed > 0)[..., None].float(), (signed < 0)[..., None].float(), steps.float(), size[..., None] / 128.0],
            -1,
        )
        return self.embedding_rows(ids) + self.step_embed(features) * (ids >= BYTE_OFFSET)[..., None]

    def execution_tokens(self, obs: Mapping[str, torch.Tensor], trim: bool = True):
        """The execution tokens (B, X, d) and which exist (B, X): E' run-state tokens, then L' output-position tokens.

        A run exists when its status is not NONE (0); output position j when
        some run's expected or produced byte j is there. Position j's token
        holds every run's (expected_j, output_j), each run's bytes scaled by
        its run row (a gated sum keeps which run they came from): E + L
        tokens rather than E + E x L, so the reasoner's view grows less. With `trim`, runs
        and positions past the batch's last existing one are cut (every
        missing token is masked, so this changes no output).
        """
        if "execution" not in obs:
            raise ValueError(
                "observation has no 'execution'; this network was built with execution_shape "
                f"{self.execution_shape}, so it needs the env option execution=True"
            )
        execution = obs["execution"].long()
        if tuple(execution.shape[1:]) != self.execution_shape:
            raise ValueError(
                f"observation 'execution' has shape {tuple(execution.shape[1:])}; this network was built for "
                f"{self.execution_shape}"
            )
        runs, outputs = execution_layout(self.execution_shape)
        B = execution.shape[0]
        pairs = execution[:, :, STATE_COLUMNS:].reshape(B, runs, outputs, 2)
        run_exists = execution[:, :, 0] != 0  # (B, E)
        position_exists = run_exists[:, :, None] & (pairs != 0).any(-1)  # (B, E, L)
        if trim and B > 0:
            count = torch.arange(1, runs + 1, device=execution.device)
            runs = int((run_exists * count).max())
            count = torch.arange(1, outputs + 1, device=execution.device)
            outputs = int((position_exists * count).max()) if outputs else 0
            execution, run_exists = execution[:, :runs], run_exists[:, :runs]
            pairs, position_exists = pairs[:, :runs, :outputs], position_exists[:, :runs, :outputs]
        field = self.execution_field.weight
        run = self.execution_run.weight[:runs]
        if self.signed_step:  # the step column by its own features, the others by the value features
            step = self.step_vectors(execution[:, :, STEP_COLUMN])
            columns = torch.cat([self.byte_vectors(execution[:, :, :STEP_COLUMN]), step[:, :, None]], 2)
        else:
            columns = self.byte_vectors(execution[:, :, :STATE_COLUMNS])
        state = (columns * field[:STATE_COLUMNS]).sum(2)
        tokens = [self.execution_state(state + run)]
        exists = [run_exists]
        if outputs:
            pair = (self.byte_vectors(pairs) * field[STATE_COLUMNS:]).sum(3)  # (B, E', L', d)
            pair = (pair * (run[:, None] * run_exists[:, :, None, None])).sum(1)  # (B, L', d): the runs that exist
            tokens.append(self.execution_output(pair + self.execution_position.weight[:outputs]))
            exists.append(position_exists.any(1))
        present = torch.cat(exists, 1)
        return torch.cat(tokens, 1) * present[:, :, None], present

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

    # ------------------------------------------------------------------ encoders
    def reason(self, window: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """The causal reasoner's output at the window's last position (B, d).

        Same parameters and result as `self.reasoner(window, is_causal=True,
        mask=causal)[:, -1]` (pre-norm layers, no dropout), computed more
        cheaply: the last layer computes attention and feed-forward for the
        last query only (it still reads every position's keys and values),
        since only that position is used; and attention runs on (B, heads,
        S, head_dim) views of one fused projection, where
        nn.MultiheadAttention's batch-first path transposes and copies its
        inputs. `mask` (B, 1, S, S) replaces the causal mask (prefix_mask).
        """
        layers = self.reasoner.layers
        x = window
        if mask is not None:  # additive once: attention would convert a bool mask again in every layer
            mask = torch.zeros(mask.shape, dtype=x.dtype, device=x.device).masked_fill(~mask, float("-inf"))
        for number, layer in enumerate(layers):
            x = causal_layer(layer, x, last_only=number == len(layers) - 1, mask=mask)
        return x[:, -1]

    def recur(self, obs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The GRU's last state over the whole stream, right-aligned in T+L steps (B, d).

        With execution input it first reads every execution token (E + L
        steps, untrimmed: a missing one is a zero vector, and a step on it
        still moves the state, so trimming would change the output), and the
        mean of the existing execution tokens is added to its last state: read
        30-60 steps before the end alone, they moved a fresh GRU's outputs by
        about 1e-7 (the recurrence forgets them), so without this they would
        not stay in view.
        """
        vectors, n_task, length, task_len = self.token_vectors(obs, trim=False)
        N = vectors.shape[1]
        positions = length[:, None] - N + torch.arange(N, device=length.device)[None, :]
        stream, _ = self.gather_stream(vectors, n_task, length, task_len, positions)
        if self.execution_shape is None:
            return self.gru(stream)[1][0]
        tokens, present = self.execution_tokens(obs, trim=False)
        last = self.gru(torch.cat([tokens, stream], 1))[1][0]
        return last + tokens.sum(1) / present.sum(1, keepdim=True).clamp(min=1)

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

    # ------------------------------------------------------------------ heads
    def action_logits(self, h: torch.Tensor, obs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        if self.uses_pointer_head:
            keys = self.knowledge_key(self.knowledge(obs["action_effects"]))  # (B, A, d)
            query = self.query_head(h)
            return torch.einsum("bad,bd->ba", keys, query) / math.sqrt(keys.shape[-1])
        return self.action_head(h)


def prefix_mask(present: torch.Tensor, window: int) -> torch.Tensor:
    """Attention mask (B, 1, P+W, P+W), True = may attend, for P execution tokens before a causal window of W.

    Every position sees every existing execution token (the prefix is read
    as a whole, so its order does not matter) and the window causally; a
    missing execution token is seen by nobody but itself (a row with no key
    at all would be NaN).
    """
    B, P = present.shape
    S = P + window
    index = torch.arange(S, device=present.device)
    allowed = (index[None, :] <= index[:, None]) | (index[None, :] < P)  # (S query, S key)
    keys = torch.cat([present, torch.ones(B, window, dtype=torch.bool, device=present.device)], 1)
    mask = (allowed[None] & keys[:, None, :]) | torch.eye(S, dtype=torch.bool, device=present.device)[None]
    return mask[:, None]


def build_net(
    settings: Mapping[str, Any],
    task_length: int,
    program_length: int,
    num_actions: int,
    execution_shape: tuple[int, int] | None = None,
) -> StreamNet:
    """The torch network of ModelSettings fields (name, actions, SIZE_KEYS, value_features, byte_rows, effects,
    signed_step); other keys are ignored (a missing byte_rows is True, a missing effects "ids", a missing signed_step
    False).

    ValueError names a missing setting: the defaults live with the config
    (agents.config.ModelSettings), not here. A missing `value_features` is
    False: settings written before it existed (old checkpoints' model_config)
    build the network they were trained with. `execution_shape` (E, F) is
    the observation's "execution" shape; None reads no execution.
    """
    missing = [key for key in ("name", "actions", *SIZE_KEYS) if key not in settings]
    if missing:
        raise ValueError(f"model settings lack {missing}; give name, actions and {', '.join(SIZE_KEYS)}")
    sizes = {key: int(settings[key]) for key in SIZE_KEYS}
    return StreamNet(
        str(settings["name"]),
        str(settings["actions"]),
        task_length,
        program_length,
        num_actions,
        **sizes,
        value_features=bool(settings.get("value_features", False)),
        execution_shape=execution_shape,
        byte_rows=bool(settings.get("byte_rows", True)),
        effects=str(settings.get("effects", EFFECT_INPUTS[0])),
        signed_step=bool(settings.get("signed_step", False)),
    )


def parameter_count(net: nn.Module) -> int:
    return int(sum(p.numel() for p in net.parameters()))
