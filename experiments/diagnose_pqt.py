"""Why the agents solve no PQT task: mean program length and sampled success as per-task PPO training goes on.

    .venv/bin/python scripts/diagnose_pqt_agents.py                                   # reverse, echo-twice; from scratch
    .venv/bin/python scripts/diagnose_pqt_agents.py --pretrained runs/exp_pqt_full    # also its pretrained model 0
    .venv/bin/python scripts/diagnose_pqt_agents.py --tasks reverse,echo-twice,echo-second-seq,length --entropy-coeff 0.1

Trains the agent of scripts/exp_pqt.py exactly as that script does for one
run (same model, instance, reward, PPO settings and program budget), once
from scratch and, with --pretrained, once from `models/pretrained_m0.pt` of
an exp_pqt output directory. Prints, at about ten points of the budget, the
programs executed so far, the mean length (tokens, STOP included) of the
programs of that PPO iteration and their sampled success, then the greedy
program at the end. A length that falls to 2-3 tokens and stays there while
success stays 0 is the short-program optimum of PQT's shaped reward that
docs/experiments.md describes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="reverse,echo-twice", help="PQT families, comma-separated")
    parser.add_argument("--programs", type=int, default=5000, help="programs executed per training run")
    parser.add_argument("--seed", type=int, default=0, help="run index (torch and env seed), as exp_pqt's run r")
    parser.add_argument(
        "--entropy-coeff", type=float, default=0.01, help="PPO entropy coefficient (exp_pqt's agents use 0.01)"
    )
    parser.add_argument("--pretrained", help="an exp_pqt.py output directory: also train from its pretrained model 0")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.entropy_coeff < 0:
        parser.error(f"--entropy-coeff must be >= 0, got {args.entropy_coeff}")
    if args.programs <= 0:
        parser.error(f"--programs must be a positive integer, got {args.programs}")
    if args.pretrained and not (Path(args.pretrained) / "models" / "pretrained_m0.pt").is_file():
        parser.error(f"--pretrained {args.pretrained}: no models/pretrained_m0.pt there (run scripts/exp_pqt.py first)")
    return args


def diagnose(task: str, start: str, args, pqt_args) -> dict:
    import exp_pqt
    import torch

    from agents.experiment_trainer import (
        Entry,
        MixtureSampler,
        PPOConfig,
        VecTokenEnv,
        greedy_actions,
        ppo_train,
        success_on,
    )

    train, _, _ = exp_pqt.instances(task)
    torch.manual_seed(args.seed)
    model = exp_pqt.new_agent(pqt_args)
    if start == "pretrained":
        model.load_state_dict(torch.load(Path(args.pretrained) / "models" / "pretrained_m0.pt"))
    entry = Entry(task, instance=train)
    shape = exp_pqt.shape_of(pqt_args)
    venv = VecTokenEnv(
        MixtureSampler([entry]), pqt_args.num_envs, shape, seed=args.seed, scoring=pqt_args.agent_scoring
    )
    config = PPOConfig(lr=pqt_args.agent_lr, entropy_coeff=args.entropy_coeff)
    log = ppo_train(model, venv, config, programs=args.programs, seed=args.seed)
    points, previous = [], (0, 0)
    for steps, programs, success in log.curve:
        length = (steps - previous[0]) / max(1, programs - previous[1])
        points.append({"programs": programs, "mean_length": length, "sampled_success": success})
        previous = (steps, programs)
    shown = points[:: max(1, len(points) // 10)]
    if points and shown[-1] is not points[-1]:
        shown.append(points[-1])
    _, _, (greedy,) = success_on(greedy_actions(model), entry, [train], shape)
    return {"task": task, "start": start, "curve": points, "shown": shown, "greedy": greedy}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import exp_pqt
    from experiments_common import quiet, torch_setup, write_json

    torch_setup()
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = sorted(set(tasks) - set(exp_pqt.PQT_FAMILIES))
    if unknown:
        raise SystemExit(f"error: --tasks has unknown PQT families {unknown}")
    pqt_args = exp_pqt.PQTArgs()
    results = []
    for task in tasks:
        for start in ["scratch"] + (["pretrained"] if args.pretrained else []):
            with quiet():
                result = diagnose(task, start, args, pqt_args)
            results.append(result)
            print(f"\n{task}, agent from {start}: programs executed -> mean program length, sampled success")
            for point in result["shown"]:
                print(f"  {point['programs']:>6} -> {point['mean_length']:5.1f} tokens, {point['sampled_success']:.2f}")
            print(f"  greedy program at the end: {result['greedy']!r}")
    if args.json:
        write_json(Path(args.json), {"args": vars(args), "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
