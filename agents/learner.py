"""The instance-reading learner of issue 21 as one TrainConfig: every part on, or one part switched off by name.

    from agents.learner import reasoning_config
    cfg = reasoning_config(seed=0, budget_s=1800)                       # what scripts/train_bf_reasoning.py trains
    cfg = reasoning_config(seed=0, budget_s=1800, ablate="execution")   # one ablation row
    cfg = reasoning_config(seed=0, timesteps=200_000, effects="parts")  # the transfer experiment's parts arm

One definition serves the T1-T3 script and the experiments (experiments/arms.py's learner arms), so an
experiment's "the learner from issue 21" is that learner, not a copy that drifts. docs/training.md explains
each part and why its setting is what it is; the comments below keep the reasons next to the numbers.
"""

from __future__ import annotations

from typing import Any

LEARNER_CURRICULUM = "bf-reasoning"
FIXED_GAMMA = 0.99
"""Under gamma = 1 every detour to a right output has the same return, and greedy play on a falling string
(`++++.` then the second byte) took `+` to the length cap where sampled play found `,` or `>` detours
(docs/training.md, diagnosis 8); a discount makes the direct program the best one."""
ABLATIONS = (
    "none",
    "execution",
    "value-features",
    "kept",
    "relabel",
    "memory",
    "end-on-pass",
    "kl-stop",
    "signed-step",
)
"""`ablate` values: none, or the one part switched off (scripts/train_bf_reasoning.py's --help says what each is)."""
EFFECTS = ("ids", "parts")


def reasoning_config(
    *,
    curriculum: str = LEARNER_CURRICULUM,
    seed: int = 0,
    backend: str = "rllib",
    budget_s: float | None = None,
    timesteps: int | None = None,
    ablate: str = "none",
    gamma: float = FIXED_GAMMA,
    effects: str = "ids",
    num_cpus: int | None = 2,
) -> Any:
    """The learner's validated agents.config.TrainConfig, with the `ablate` part switched off.

    `effects` is how a knowledge entry reads an action's effect: "ids" (the learner of T1-T3) or "parts"
    (esolangs.knowledge's parts: the transfer experiment's agent). Everything else a caller changes (the
    curriculum file, a fine-tuning's init_from, sizes) it sets with dataclasses.replace on the result.
    """
    from agents.config import KeptSettings, ModelSettings, PPOSettings, RewardSettings, RLlibSettings, TrainConfig

    if ablate not in ABLATIONS:
        raise ValueError(f"ablate must be one of {', '.join(ABLATIONS)}, got {ablate!r}")
    if effects not in EFFECTS:
        raise ValueError(f"effects must be one of {', '.join(EFFECTS)}, got {effects!r}")
    execution = ablate != "execution"
    return TrainConfig(
        curriculum=curriculum,
        seed=seed,
        backend=backend,
        budget_s=budget_s,
        timesteps=timesteps,
        execution=execution,
        # The episode ends once the visible examples pass: after the output is complete, a token that writes nothing
        # cost only the step penalty, so greedy programs ran on to the cap with junk tails that flip from update to
        # update between harmless and looping (T1's fresh split: every failure; T3: every program 32 tokens).
        end_on_pass=execution and ablate != "end-on-pass",
        reward=RewardSettings(
            scoring="binary" if execution else "pqt",
            shaping="potential" if execution else "score",
            shaped_weight=1.0 if execution else 0.2,
            success_bonus=1.0,
            step_penalty=0.002,
        ),
        # Without value features a byte is its own embedding row only (the network of before issue 21); with them
        # it is its value features only, so a held-out byte is not an untrained random row.
        model=ModelSettings(
            name="small-window" if ablate == "memory" else "small-context",
            value_features=ablate != "value-features",
            byte_rows=ablate == "value-features",
            effects=effects,
            # The step column mod 256 reads 255 for a fall of 1, "far up" to the value features: greedy T2 programs
            # answered every fall with `+` to the cap. Signed, a fall of k reads like a rise of k but for its sign.
            signed_step=execution and ablate != "signed-step",
        ),
        # Entropy 0.1 explores the first programs (0.01 from the start collapsed onto 32-token programs in 90 s), but
        # held at 0.1 the policy keeps 1.2-1.8 nats per token: sampled success on 16-32-token programs stays under
        # 0.5 and the greedy choice flips from probe to probe. So it decays to 0.01 over the first 500k env steps.
        # Sampled success collapsed right after single updates whose approximate KL was 20-70x the run's median
        # (0.005-0.010): target_kl 0.02 skips an iteration's remaining minibatch steps once one measures over 0.03.
        ppo=PPOSettings(
            entropy_coeff=0.1,
            entropy_final=0.01,
            entropy_decay_steps=500_000,
            target_kl=None if ablate == "kl-stop" else 0.02,
            gamma=gamma,
        ),
        kept=KeptSettings(top_k=0 if ablate == "kept" else 8, sil_weight=1.0, sil_steps=4),
        relabel=ablate not in ("relabel", "kept"),
        probe_every=5,
        rllib=RLlibSettings(num_cpus=num_cpus),
        checkpoint_every=10,
    ).validate()
