"""Why the agents solve no PQT task: mean program length and sampled success as per-task PPO training goes on.

    python -m experiments.diagnose_pqt                                  # reverse, echo-twice; from scratch
    python -m experiments.diagnose_pqt --pretrained runs/exp_pqt_full   # also its pretrained model 0
    python -m experiments.diagnose_pqt --tasks reverse,echo-twice,echo-second-seq,length

Trains the agent of experiments.pqt exactly as that experiment does for one
run (the issue-21 learner: same net, instance, reward, PPO settings and
program budget), once
from scratch and, with --pretrained, once from the pretrained model 0
(`models/pretrained_m0`) of an experiments.pqt output directory. Prints, at
about ten points of the budget, the programs executed so far, the mean
length (tokens, STOP included) of the programs of that PPO iteration and
their sampled success, then the greedy program at the end. A length that
falls to 2-3 tokens and stays there while success stays 0 was the
short-program optimum of PQT's shaped reward that docs/experiments.md
describes for the earlier agents (which trained on that reward; the learner
trains on binary success plus potential shaping).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from curricula.families.pqt import PQT_FAMILIES
from experiments import arms, pqt
from experiments.common import arg, parse_args, write_json

NAME = "experiments.diagnose_pqt"


@dataclass
class DiagnoseArgs:
    tasks: list = arg(["reverse", "echo-twice"], "PQT families", choices=PQT_FAMILIES)
    programs: int = arg(5000, "programs executed per training run", positive=True)
    seed: int = arg(0, "run index (torch and env seed), as experiments.pqt's run r")
    pretrained: str | None = arg(None, "an experiments.pqt output directory: also train from its pretrained model 0")
    json: str | None = arg(None, "also write the figures to this JSON file")

    @classmethod
    def quick(cls) -> DiagnoseArgs:
        return cls(tasks=["length"], programs=96)

    def validate(self) -> None:
        if self.pretrained and not arms.is_trained(pqt.pretrained_run(Path(self.pretrained), 0)):
            raise ValueError(
                f"--pretrained {self.pretrained}: no trained models/pretrained_m0 there "
                "(run python -m experiments.pqt with agent-pretrained first)"
            )

    def starts(self) -> list[str]:
        return ["scratch"] + (["pretrained"] if self.pretrained else [])


def agent_net(args: DiagnoseArgs) -> arms.Net:
    """experiments.pqt's agent net: its defaults, or the sizes of the --pretrained directory's model 0."""
    if not args.pretrained:
        return pqt.net(pqt.PQTArgs())
    from agents.config import TrainConfig

    cfg = TrainConfig.load(pqt.pretrained_run(Path(args.pretrained), 0))
    model = cfg.model
    return arms.Net(
        pqt.AGENT,
        dim=model.dim,
        heads=model.heads,
        layers=model.layers,
        window=model.window,
        top_k=model.top_k,
        task_length=int(cfg.task_length or pqt.PQTArgs().task_length),
        max_program_length=cfg.max_program_length,
    )


def diagnose(args: DiagnoseArgs, task: str, start: str, work: Path) -> dict:
    """Train one run of experiments.pqt's agent on `task` from `start` and read its curve and greedy program."""
    train, _, _ = pqt.instances(task)
    net, entry = agent_net(args), arms.Entry(task, instance=train)
    trained = arms.train(
        net,
        [entry],
        work / f"{task}__{start}",
        programs=args.programs,
        seed=args.seed,
        init_from=pqt.pretrained_run(Path(args.pretrained), 0) if start == "pretrained" and args.pretrained else None,
    )
    points, previous = [], (0, 0)
    for steps, programs, success in trained.curve:
        length = (steps - previous[0]) / max(1, programs - previous[1])
        points.append({"programs": programs, "mean_length": length, "sampled_success": success})
        previous = (steps, programs)
    shown = points[:: max(1, len(points) // 10)]
    if points and shown[-1] is not points[-1]:
        shown.append(points[-1])
    greedy = arms.greedy_success(net, trained.run, [entry], 1, with_programs=True)
    (row,) = greedy["entries"].values()
    return {"task": task, "start": start, "curve": points, "shown": shown, "greedy": row["programs"][0]}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(DiagnoseArgs, __doc__, argv, prog=f"python -m {NAME}")
    try:
        return experiment(args)
    finally:
        arms.shutdown()  # the Ray the first training call started (every cell shared it)


def experiment(args: DiagnoseArgs) -> int:
    results = []
    with tempfile.TemporaryDirectory(prefix="diagnose_pqt_") as work:
        for task in args.tasks:
            for start in args.starts():
                result = diagnose(args, task, start, Path(work))
                results.append(result)
                print(f"\n{task}, agent from {start}: programs executed -> mean program length, sampled success")
                for point in result["shown"]:
                    print(
                        f"  {point['programs']:>6} -> {point['mean_length']:5.1f} tokens, "
                        f"{point['sampled_success']:.2f}"
                    )
                print(f"  greedy program at the end: {result['greedy']!r}", flush=True)
    if args.json:
        write_json(Path(args.json), {"args": asdict(args), "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
