"""Evaluate a trained agent greedily on held-out content: pass rate per family of a suite (or per entry of a curriculum).

    reasonenv evaluate runs/bf-basics-s0 --suite primitives --language bf --instances 50
    reasonenv evaluate runs/bf-basics-s0/checkpoints/iter_000040 --curriculum bf-basics --language bf-dialect-7
    reasonenv evaluate random:0 --suite primitives --language bf        # chance (uniform over allowed actions)
    reasonenv evaluate oracle: --curriculum bf-basics --language bf      # the observation-only oracle

POLICY is a run directory or a checkpoint directory (loaded with
`agents.policies.load_policy`, greedy), `random:SEED` for the random
masked baseline, or `oracle:` for the scripted observation-only oracle
(`reasonenv.oracles`; curriculum families only). Any language with a knowledge table can be named: for an
agent trained in another language that is the zero-shot knowledge swap.
Instances are held-out content (`curricula.heldout`); rows marked `train*`
fall back to training content because their (family, level) holds nothing
out, and say why.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from reasonenv.evaluation import DEFAULT_INSTANCES, EVAL_CONTENT, EVAL_SUITES

RANDOM_PREFIX = "random:"
ORACLE_SPEC = "oracle:"
RUN_ENV_OPTIONS = (
    "max_program_length",
    "action_order",
    "mask_actions",
    "execution",
    "execution_examples",
    "execution_output",
    "end_on_pass",
)
"""Token env options a loaded policy's envs keep as it trained with (its execution rows included)."""


def _csv(text: str) -> tuple[str, ...]:
    items = tuple(x.strip() for x in text.split(",") if x.strip())
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return items


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "policy",
        metavar="RUN_DIR|CHECKPOINT",
        help="a training run directory, a checkpoint directory, random:SEED or oracle:",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--suite", choices=EVAL_SUITES, help="evaluate on the families of this suite")
    which.add_argument(
        "--curriculum", help="evaluate on the entries of a curriculum's stages (a shipped name or a YAML path)"
    )
    parser.add_argument(
        "--language",
        required=True,
        help="language to write programs in: bf, ook, befunge93, whitespace, bf-dialect-<seed>, or an option variant such as bf+eof=unchanged",
    )
    parser.add_argument("--instances", type=int, default=DEFAULT_INSTANCES, help="held-out instances per family")
    parser.add_argument(
        "--content",
        choices=EVAL_CONTENT,
        default="heldout",
        help="held-out content (default), or training content to measure the generalisation gap",
    )
    parser.add_argument("--families", type=_csv, help="comma-separated families to keep (default: all)")
    parser.add_argument("--max-program-length", type=int, help="program tokens allowed (default: the run's, else 64)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def load(spec: str):
    """(policy, token env options it was trained with) for a POLICY argument."""
    if spec.startswith(RANDOM_PREFIX):
        from reasonenv.policy import RandomMaskedPolicy

        seed = spec[len(RANDOM_PREFIX) :] or "0"
        if not seed.isdigit():
            raise ValueError(f"random:SEED needs an integer seed >= 0, got {spec!r}")
        return RandomMaskedPolicy(int(seed)), {}
    if spec == ORACLE_SPEC:
        from reasonenv.oracles import ObservationOracle

        return ObservationOracle(), {}
    path = Path(spec)
    if not path.exists():
        raise ValueError(
            f"{spec!r} is neither a run directory nor a checkpoint directory (no such path); or use random:SEED or oracle:"
        )
    try:
        from agents.policies import load_policy
    except ImportError as err:
        raise ValueError(f"cannot load checkpoints here: {err} (install the training extra: make setup-train)") from err
    try:
        with contextlib.redirect_stdout(sys.stderr):  # loaders' messages (e.g. parameter counts) stay off the results
            policy = load_policy(path)
    except (FileNotFoundError, NotADirectoryError, KeyError) as err:
        raise ValueError(f"{spec!r} holds no loadable checkpoint: {err}") from err
    options = dict(getattr(policy, "env_options", None) or {})
    if "max_program_length" not in options:
        options.update(_run_env_options(path))
    return policy, options


def _run_env_options(path: Path) -> dict:
    """Token env options recorded in the run's config.json (the run directory or a checkpoint inside it)."""
    for folder in [path, *path.resolve().parents][:4]:
        config = folder / "config.json"
        if config.is_file():
            try:
                data = json.loads(config.read_text())
            except (OSError, ValueError):
                return {}
            return {key: data[key] for key in ("max_program_length", "action_order") if data.get(key) is not None}
    return {}


def main(args: argparse.Namespace) -> int:
    from reasonenv.evaluation import evaluate

    try:
        if isinstance(args.instances, bool) or args.instances < 1:
            raise ValueError(f"--instances must be >= 1, got {args.instances}")
        if args.max_program_length is not None and args.max_program_length < 1:
            raise ValueError(f"--max-program-length must be >= 1, got {args.max_program_length}")
        if args.curriculum is not None:
            from curricula.schedulers import load_curriculum

            load_curriculum(args.curriculum)  # a bad name fails here, in one line, before the model loads
        import esolangs

        esolangs.get(args.language)
        policy, env_options = load(args.policy)
        options = {key: env_options[key] for key in RUN_ENV_OPTIONS if key in env_options}
        if args.max_program_length is not None:
            options["max_program_length"] = args.max_program_length
        result = evaluate(
            policy,
            language=args.language,
            suite=args.suite,
            curriculum=args.curriculum,
            instances=args.instances,
            families=args.families,
            env_options=options,
            content=args.content,
            progress=not args.no_progress and not args.json,
        )
    except ValueError as err:
        print(f"reasonenv evaluate: error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.table())
    return 0
