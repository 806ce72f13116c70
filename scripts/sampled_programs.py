"""The programs a trained run writes when it samples from its policy (as in training), not its greedy argmax.

    .venv/bin/python scripts/sampled_programs.py runs/bf-reasoning/T3-none-rllib__s0__TIME --family pair-twice
    .venv/bin/python scripts/sampled_programs.py RUN --family reverse-bytes --config '{"max_length": 3}' --episodes 200

Plays `--episodes` episodes, one per instance of the entry's training
content (`--content heldout` for held-out content), each action drawn from
the softmax of the policy's logits over the allowed actions, and prints:
the sampled success, a histogram of the final potential (the share of the
expected output the program wrote, `reasonenv.envs.execution.potential_of`),
the most common program openings, and the failed programs that came
closest (input, expected output, run statuses, program). docs/training.md's
diagnosis 10 reads pair-twice from it: programs that wrote three of the
four bytes and lost the fourth to a read past the input.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

import numpy as np


class Sampling:
    """A policy that draws its actions (`sample_batch`) where `reasonenv.evaluation.run_episodes` asks for
    `act_batch`, so the lockstep play, its mask check and its episode records are the evaluation's own."""

    def __init__(self, policy, rng: np.random.Generator):
        self.policy, self.rng = policy, rng

    def act(self, observation: dict) -> int:
        return int(self.act_batch([observation])[0])

    def act_batch(self, observations: list[dict]) -> np.ndarray:
        return self.policy.sample_batch(observations, self.rng)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="a run directory (with config.json and checkpoints) or a checkpoint directory")
    parser.add_argument("--family", required=True, help="task family, e.g. pair-twice")
    parser.add_argument("--level", type=int, default=None, help="difficulty level (default: the family's default)")
    parser.add_argument("--config", default="", help="config overrides as JSON, e.g. '{\"max_length\": 3}'")
    parser.add_argument("--language", default="bf", help="language (default bf)")
    parser.add_argument("--episodes", type=int, default=100, help="episodes, one per instance (default 100)")
    parser.add_argument("--content", choices=("train", "heldout"), default="train", help="content side (default train)")
    parser.add_argument("--closest", type=int, default=8, help="failed programs to print, closest first (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampling (default 0)")
    args = parser.parse_args(argv)
    if not (Path(args.run) / "config.json").is_file() and not (Path(args.run) / "algorithm").is_dir():
        print(f"sampled_programs: {args.run!r} is not a run or checkpoint directory", file=sys.stderr)
        return 2
    try:
        config = json.loads(args.config) if args.config else {}
    except json.JSONDecodeError as error:
        print(f"sampled_programs: --config {args.config!r} is not JSON ({error.msg})", file=sys.stderr)
        return 2
    if args.episodes < 1:
        print(f"sampled_programs: --episodes {args.episodes} must be at least 1", file=sys.stderr)
        return 2

    from agents.policies import load_policy
    from reasonenv.evaluation import EvalTarget, run_episodes, target_instances, token_env

    try:
        policy = load_policy(args.run)
        target = EvalTarget(family=args.family, language=args.language, level=args.level, config=config)
        instances, _, _ = target_instances(target, args.episodes, args.content)
    except (ValueError, KeyError) as error:
        print(f"sampled_programs: {error}", file=sys.stderr)
        return 2
    pairs = [(token_env(target, [instance], policy.env_options), instance) for instance in instances]
    finals = [episode.info for episode in run_episodes(pairs, Sampling(policy, np.random.default_rng(args.seed)))]

    passed = sum(bool(info.get("success")) for info in finals)
    print(f"{args.family} {config or ''} ({args.content} content): sampled success {passed}/{len(finals)}")
    bins = collections.Counter(min(4, max(0, int(np.floor(float(info.get("potential", 0.0)) * 4)))) for info in finals)
    labels = ["< 0.25", "0.25-0.5", "0.5-0.75", "0.75-1", "1"]
    print("final potential: " + ", ".join(f"{labels[b]}: {bins.get(b, 0)}" for b in range(5)))
    openings = collections.Counter(str(info.get("program", ""))[:6] for info in finals)
    print("openings (6 tokens): " + ", ".join(f"{p!r} {n}" for p, n in openings.most_common(10)))
    failed = [(float(info.get("potential", 0.0)), i) for i, info in enumerate(finals) if not info.get("success")]
    for potential, i in sorted(failed, reverse=True)[: args.closest]:
        test = instances[i].examples[0] if instances[i].examples else instances[i].tests[0]
        statuses = sorted(set(finals[i].get("statuses") or ()))
        print(
            f"  potential {potential:.2f}: {list(test.input)} -> {list(test.output)}: {finals[i].get('program', '')!r}"
            f" ({', '.join(statuses)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
