"""experiments: the project's three experiments, each run as a module (results and readings: docs/experiments.md).

    python -m experiments.transfer          does the issue-21 learner carry Brainfuck into languages whose
                                            programs differ? (effects as parts / ids / a permuted plain head,
                                            and from scratch; zero-shot, then fine-tuning curves)
    python -m experiments.rl_vs_supervised  the learner's RL against supervised pretraining on references
                                            (then RL) and on its own successes, on held-out sets reachable by
                                            interpolation or composition
    python -m experiments.pqt               the learner (scratch, pretrained) against Priority Queue Training
                                            on PQT's short tasks at a matched budget of programs executed
    python -m experiments.diagnose_pqt      why the agents solve no PQT task (program length over training)

Each takes `--quick` (a smoke test: a few minutes on 2 cores) and `--help`, writes
results.json, results.md, a PNG and one JSON per finished cell under `--out`,
and resumes a stopped run where it stopped.

Modules: `common` (arguments, cell store, statistics, tables, figures: shared
by all three) and `arms` (the one boundary to a trainer: train, fine-tune,
supervised pretraining, greedy success, PQT search). Only `arms` imports
agents, and only inside its functions, so `--help` starts without torch.
"""
