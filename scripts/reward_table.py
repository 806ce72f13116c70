"""Print the worked reward table of docs/training.md: episode returns of hand-picked programs under the old and the new reward.

    .venv/bin/python scripts/reward_table.py

Every program is played token by token through the real token env
(`reasonenv/BF-...` SynthesisEnv with the execution observation on) on one
instance, and its return is summed from agents.reward exactly as a
training wrapper pays it:

- old: scoring "pqt", shaped_weight 0.2 * clip(score) + success_bonus 1 * success, step penalty 0.002;
- new: scoring "binary", shaping "potential": success_bonus 1 * success + 1.0 * (phi' - phi), step penalty 0.002.

The rows show the issue's deceptions and what the potential does with
them: for target byte 3 the closer program scores above the shorter wrong
one, and on reverse the near-miss that runs off cell 0 after writing the
whole reversed input keeps the credit for what it wrote.
"""

from __future__ import annotations

import argparse

import numpy as np

OLD = {"scoring": "pqt", "shaping": "score", "shaped_weight": 0.2, "success_bonus": 1.0}
NEW = {"scoring": "binary", "shaping": "potential", "shaped_weight": 1.0, "success_bonus": 1.0}
STEP_PENALTY = 0.002

CASES = (
    ("emit-char", {"max_value": 31}, bytes([3]), (".", "+.", "++.", "+++.", "++++.", "+++")),
    ("emit-string", {"length": 2, "max_value": 7}, bytes([2, 3]), ("+.", "++.+.", "++.", "+.+.", "++..")),
    (
        "reverse-bytes",
        {"max_length": 4},
        None,
        (".", ",.", ",[.,]", ",[>,]<[.<]", ">,[>,]<[.<]"),
    ),
)


def play(family: str, config: dict, target: bytes | None, program: str, reward: dict) -> tuple[float, bool]:
    """(return, success) of `program` on the case's instance under `reward`."""
    import reasonenv.envs.registration  # noqa: F401
    from agents.reward import potential_reward, training_reward
    from reasonenv.envs.synthesis import SynthesisEnv

    env = SynthesisEnv(
        language="bf",
        task=family,
        task_config=config,
        scoring=reward["scoring"],
        step_penalty=STEP_PENALTY,
        execution=True,
        max_program_length=32,
    )
    instance = find_instance(env, target)
    _, info = env.reset(options={"instance": instance})
    potential = info["potential"]
    total, success = 0.0, False
    for action in [*env.table.actions(program), 0]:
        _, env_reward, terminated, truncated, info = env.step(action)
        done = terminated or truncated
        success = bool(done and info.get("success"))
        if reward["shaping"] == "potential":
            change, potential = info["potential"] - potential, info["potential"]
            total += float(
                potential_reward(env_reward, success, change, reward["shaped_weight"], reward["success_bonus"])
            )
        else:
            total += float(training_reward(env_reward, success, reward["shaped_weight"], reward["success_bonus"]))
        if done:
            break
    return total, success


def find_instance(env, target: bytes | None):
    """The first instance of the env's family whose target is `target` (any instance with an input of 3 bytes for None)."""
    rng = np.random.default_rng(0)
    for _ in range(4000):
        instance, _ = env.source.sample(rng, None)
        output = instance.tests[0].output
        if target is None and len(instance.tests[0].input) == 3:
            return instance
        if target is not None and output == target:
            return instance
    raise RuntimeError(f"no instance of {env.source.family_name!r} with target {target!r} in 4000 draws")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    print("| task | program | passes | old return (pqt 0.2 + bonus) | new return (binary + potential) |")
    print("|---|---|---|---|---|")
    for family, config, target, programs in CASES:
        label = f"{family} {list(target) if target is not None else '(input of 3 bytes)'}"
        for program in programs:
            old, success = play(family, config, target, program, OLD)
            new, _ = play(family, config, target, program, NEW)
            print(f"| {label} | `{program}` | {'yes' if success else 'no'} | {old:+.3f} | {new:+.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
