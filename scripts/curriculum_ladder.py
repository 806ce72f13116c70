"""Print one row per stage of the shipped staged curricula: chance and oracle success on each stage's new part, and more.

Columns (see `reasonenv.ladder`): the entries the stage adds ("new part"),
the weight share of entries repeated from earlier stages, the success rate
of a uniformly random masked policy and of the observation-only oracle on
the new part, the median token length of the reference program, whether
the new part reads input, and the median observation stream (non-PAD task
tokens, i.e. examples + spec, plus program tokens) in the oracle's episodes.

    python scripts/curriculum_ladder.py --episodes 4000
"""

from __future__ import annotations

import argparse
import sys
import time

DEFAULT_CURRICULA = ("bf-basics", "bf-reasoning", "befunge-basics", "mixed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=2000, help="random-policy episodes per stage (default 2000)")
    parser.add_argument("--oracle-episodes", type=int, default=200, help="oracle episodes per stage (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the policies and instances (default 0)")
    parser.add_argument(
        "--curriculum",
        action="append",
        help=f"a staged curriculum name or YAML path; repeatable (default: {', '.join(DEFAULT_CURRICULA)})",
    )
    args = parser.parse_args(argv)
    for name, value, low in (
        ("--episodes", args.episodes, 1),
        ("--oracle-episodes", args.oracle_episodes, 1),
        ("--seed", args.seed, 0),
    ):
        if value < low:
            print(f"error: {name} must be >= {low}, got {value}", file=sys.stderr)
            return 2

    from reasonenv.ladder import ladder_rows, markdown_table

    rows = []
    started = time.perf_counter()
    for curriculum in args.curriculum or DEFAULT_CURRICULA:
        try:
            rows += ladder_rows(
                curriculum, episodes=args.episodes, oracle_episodes=args.oracle_episodes, seed=args.seed
            )
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    print(markdown_table(rows))
    print(
        f"\n{args.episodes} random and {args.oracle_episodes} oracle episodes per stage, seed {args.seed}, "
        f"{time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
