"""The greedy program a trained run writes for each distinct content of one entry, training and held-out content apart.

    .venv/bin/python scripts/greedy_programs.py runs/bf-reasoning/T1-none-rllib__s0__TIME --family emit-char --level 4
    .venv/bin/python scripts/greedy_programs.py RUN --level 4 --emit-char-seed 2    # a run on a fresh split

One line per content side: `(input -> output) -> OK|x program` for every
distinct first hidden test the sample drew. docs/training.md reads T1's
failures from it (the byte is counted right, the tail after the output is
what fails).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="a run directory (with config.json and checkpoints)")
    parser.add_argument("--family", default="emit-char", help="task family (default emit-char)")
    parser.add_argument("--level", type=int, default=4, help="difficulty level (default 4: emit-char over 1..31)")
    parser.add_argument(
        "--config", default="", help="config overrides as JSON instead of --level, e.g. '{\"max_length\": 2}'"
    )
    parser.add_argument("--language", default="bf", help="language (default bf)")
    parser.add_argument("--instances", type=int, default=40, help="instances drawn per content side (default 40)")
    parser.add_argument("--emit-char-seed", type=int, default=-1, help="the run's fresh emit-char split, if any")
    args = parser.parse_args(argv)
    if not (Path(args.run) / "config.json").is_file():
        print(f"greedy_programs: {args.run!r} is not a run directory (no config.json)", file=sys.stderr)
        return 2
    try:
        config = json.loads(args.config) if args.config else {}
    except json.JSONDecodeError as error:
        print(f"greedy_programs: --config {args.config!r} is not JSON ({error.msg})", file=sys.stderr)
        return 2
    if args.emit_char_seed >= 0:
        os.environ["REASONENV_EMIT_CHAR_SEED"] = str(args.emit_char_seed)  # before anything reads the split

    from agents.policies import load_policy
    from reasonenv.evaluation import EvalTarget, run_episodes, target_instances, token_env

    policy = load_policy(args.run)
    level = None if config else args.level
    target = EvalTarget(family=args.family, language=args.language, level=level, config=config)
    for content in ("train", "heldout"):
        instances, _, _ = target_instances(target, args.instances, content)
        pairs = [(token_env(target, [instance], policy.env_options), instance) for instance in instances]
        seen: dict[tuple[bytes, bytes], tuple[bool, str]] = {}
        for (_, instance), episode in zip(pairs, run_episodes(pairs, policy)):
            test = instance.tests[0]  # the first hidden test names the content
            seen.setdefault((bytes(test.input), bytes(test.output)), (episode.success, episode.program))
        programs = "; ".join(
            f"({list(stdin)} -> {list(stdout)}) -> {'OK' if ok else 'x'} {program}"
            for (stdin, stdout), (ok, program) in sorted(seen.items())
        )
        print(f"{content}: {programs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
