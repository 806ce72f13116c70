"""The arms of the transfer ablation (scripts/exp_transfer.py): agents.models' networks with the head and input swapped.

    model = build_arm("index+memory", observation_space, action_space, {"dim": 32})

Two switches make the 2x2 ablation, plus two baselines:

    arm              knowledge store (input + pointer head)   episodic memory + window W
    pointer+memory   yes  (agents.models small-context)        yes
    pointer+window   yes  (small-window)                       no (window only)
    index+memory     no: program tokens by action index,       yes
                     a plain linear head over action indices
    index+window     no                                        no
    full-context     no  (agents.models full-context)          window = whole stream
    permuted-plain   effect ids in its input (program tokens   yes
                     through their slot's effect, plus the
                     whole slot->effect table as one input
                     vector: sum of slot x effect embeddings),
                     a plain head over indices;
                     trained with a fresh slot order each
                     episode (reasonenv.envs.action_wrappers)

"Knowledge store no" means no effect ids anywhere: the arm cannot know
what an action does in a language whose order it never saw, which is why
the permuted-plain baseline exists (the fair test of whether a dedicated
store is needed at all).
"""

from __future__ import annotations

import torch
from torch import nn

from agents.models import FullContextModel, SmallContextModel, SmallWindowModel


class IndexMemoryModel(SmallContextModel):
    """Memory agent without the knowledge store: index embedding in, linear head over action indices out."""

    model_name = "index+memory"
    uses_pointer_head = False
    uses_index_embedding = True


class IndexWindowModel(SmallWindowModel):
    """Small window, no memory, no knowledge store."""

    model_name = "index+window"
    uses_pointer_head = False
    uses_index_embedding = True


class PermutedPlainModel(SmallContextModel):
    """Memory reasoner that reads effect ids (program tokens + the slot->effect table) and scores actions by index."""

    model_name = "permuted-plain"
    uses_pointer_head = False
    uses_index_embedding = False

    def build(self, cfg):
        super().build(cfg)
        # The whole slot->effect table as one vector: sum over slots of slot_embed(a) * effect_embed(e_a),
        # then an MLP (a few thousand parameters, so the arm's size stays close to the others').
        d = cfg["dim"]
        self.slot_embed = nn.Embedding(self.num_actions, d)
        self.effect_table = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, d))

    def encode(self, obs):
        vectors, n_task, length, task_len = self.token_vectors(obs)
        W = self.window
        positions = length[:, None] - W + torch.arange(W, device=length.device)[None, :]
        window, _ = self.gather_stream(vectors, n_task, length, task_len, positions)
        hidden = self.reasoner(window, mask=self.causal, is_causal=True)
        state = self.final_norm(hidden[:, -1])
        state = state + self.memory_out(self.retrieve(state, vectors, n_task, length, task_len))
        slots = torch.arange(self.num_actions, device=state.device)
        table = (self.slot_embed(slots)[None] * self.knowledge(obs["action_effects"])).sum(1)
        state = state + self.effect_table(table)
        h = self.trunk(state)
        return h, self.action_logits(h, obs)


ARMS: dict[str, type] = {
    "pointer+memory": SmallContextModel,
    "pointer+window": SmallWindowModel,
    "index+memory": IndexMemoryModel,
    "index+window": IndexWindowModel,
    "full-context": FullContextModel,
    "permuted-plain": PermutedPlainModel,
}
"""Arm name -> module class (all stateless TorchRLModules sharing agents.models.StreamModel's interface)."""
PERMUTED_ARMS = ("permuted-plain",)
"""Arms trained with a fresh action order in every episode."""


def build_arm(arm: str, observation_space, action_space, model_config: dict | None = None):
    """The torch module of an arm; ValueError lists the arms."""
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; choose one of {', '.join(ARMS)}")
    return ARMS[arm](
        observation_space=observation_space, action_space=action_space, model_config=dict(model_config or {})
    )
