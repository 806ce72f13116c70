"""RLlib's torch PPO learner plus the clip fraction and an approximate KL in its metrics.

RLlib logs entropy and explained variance itself, but its KL only when the
KL penalty is on (`use_kl_loss`); `approx_kl` is logged always.

Entropy over allowed actions only: the modules add FLOAT_MIN to the
logits of forbidden actions, so their probability is exactly 0 and
torch's `Categorical.entropy()` (logits clamped to finfo.min, times
probs) adds 0 for them; tests/agents/test_nets.py checks the equality
against the entropy of the allowed actions alone.

With an exploration floor (agents.backends.rllib_module), the batch's log-probabilities
are those of the sampling distribution, so `approx_kl` and the clip
fraction measure the new policy against what was sampled.
"""

from __future__ import annotations

from typing import Any

import torch
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner
from ray.rllib.core.columns import Columns

CLIP_FRACTION_KEY = "clip_fraction"
APPROX_KL_KEY = "approx_kl"


class PPOLearnerWithClipFraction(PPOTorchLearner):
    """PPO's loss unchanged; logs the share of samples whose probability ratio left [1 - clip, 1 + clip], and approx KL."""

    def compute_loss_for_module(self, *, module_id, config, batch: dict[str, Any], fwd_out: dict[str, Any]):
        loss = super().compute_loss_for_module(module_id=module_id, config=config, batch=batch, fwd_out=fwd_out)
        with torch.no_grad():
            module = self.module[module_id].unwrapped()
            dist = module.get_train_action_dist_cls().from_logits(fwd_out[Columns.ACTION_DIST_INPUTS])
            ratio = torch.exp(dist.logp(batch[Columns.ACTIONS]) - batch[Columns.ACTION_LOGP])
            clipped = ((ratio - 1.0).abs() > config.clip_param).float()
            approx_kl = (ratio - 1.0) - ratio.log()  # Schulman's low-variance estimator of KL(old || new)
            if Columns.LOSS_MASK in batch:
                mask = batch[Columns.LOSS_MASK]
                count = mask.sum().clamp(min=1)
                fraction, kl = clipped[mask].sum() / count, approx_kl[mask].sum() / count
            else:
                fraction, kl = clipped.mean(), approx_kl.mean()
        self.metrics.log_value((module_id, CLIP_FRACTION_KEY), fraction.item(), window=1)
        self.metrics.log_value((module_id, APPROX_KL_KEY), kl.item(), window=1)
        return loss
