"""How fast could a PPO iteration of the JAX trainer be on this machine? FLOPs per env step against measured matmul rates.

Counts the floating-point work of one iteration (XLA's cost analysis of the
model's forward pass and of one minibatch's gradient, the same model and
PPO settings as `reasonenv train --backend jax`), measures this machine's
matmul rate at two shapes (a large square product, the best case, and the
model's own [B*W, d] x [d, d] projection), and prints the env steps/s each
rate would allow if the whole iteration ran at it, with the ratio to a
given RLlib rate. It answers whether a speed target is within reach of any
implementation of this model and these settings, not how fast the trainer is
(scripts/bench_jax_trainer.py measures that).

    .venv/bin/python scripts/roofline_jax_trainer.py --rllib-steps-per-s 1366
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curriculum", default="bf-basics", help="curriculum whose observation shapes are used")
    parser.add_argument("--model", default="small-context", help="architecture (agents.config.MODEL_NAMES)")
    parser.add_argument(
        "--rllib-steps-per-s", type=float, default=None, help="RLlib's measured env steps/s, to print ratios against"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.rllib_steps_per_s is not None and args.rllib_steps_per_s <= 0:
        parser.error(f"--rllib-steps-per-s must be > 0, got {args.rllib_steps_per_s}")
    return args


def flops(compiled) -> float:
    analysis = compiled.cost_analysis()
    analysis = analysis[0] if isinstance(analysis, list) else analysis
    return float(analysis["flops"])


def matmul_rate(rows: int, inner: int, cols: int, repeats: int = 20) -> float:
    """Best-of-`repeats` GFLOP/s of a jitted float32 [rows, inner] x [inner, cols] product."""
    import jax
    import jax.numpy as jnp

    a, b = jnp.ones((rows, inner), jnp.float32), jnp.ones((inner, cols), jnp.float32)
    product = jax.jit(lambda x, y: x @ y)
    product(a, b).block_until_ready()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        product(a, b).block_until_ready()
        best = min(best, time.perf_counter() - start)
    return 2 * rows * inner * cols / best / 1e9


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import jax

    from agents.backends.jax import Pool
    from agents.config import ModelSettings, TrainConfig
    from agents.nets.flax_nets import build_model
    from curricula.schedulers import load_curriculum
    from reasonenv.envs.jax_token_env import JaxTokenEnv

    cfg = TrainConfig(curriculum=args.curriculum, backend="jax", model=ModelSettings(name=args.model), timesteps=1)
    ppo = cfg.ppo
    pool = Pool(cfg, load_curriculum(cfg.curriculum), 0)
    env = JaxTokenEnv(pool.params)
    model = build_model(
        cfg.model.name, cfg.model.sizes(), pool.info.task_length, cfg.max_program_length, pool.info.num_actions
    )
    key = jax.random.PRNGKey(0)
    obs, _ = jax.jit(jax.vmap(env.reset, (0, None)))(jax.random.split(key, ppo.minibatch_size), pool.params)
    params = jax.jit(model.init)(key, jax.tree_util.tree_map(lambda x: x[:1], obs))

    def loss(weights, observations):
        logits, value = model.apply(weights, observations)
        return jax.nn.logsumexp(logits, -1).mean() + value.mean()

    forward = flops(jax.jit(model.apply).lower(params, obs).compile()) / ppo.minibatch_size
    gradient = flops(jax.jit(jax.grad(loss)).lower(params, obs).compile()) / ppo.minibatch_size
    # Per env step: one forward pass to act, then num_epochs gradient passes over it in minibatches.
    per_step = forward + ppo.num_epochs * gradient
    sizes = cfg.model.sizes()
    rows, dim = ppo.minibatch_size * int(sizes["window"]), int(sizes["dim"])
    rates = {
        "matmul 2048x2048x2048": matmul_rate(2048, 2048, 2048, 5),
        f"matmul {rows}x{dim}x{dim} (the model's projections)": matmul_rate(rows, dim, dim),
    }
    figures = {
        "model": args.model,
        "forward_flops_per_step": forward,
        "gradient_flops_per_sample": gradient,
        "num_epochs": ppo.num_epochs,
        "flops_per_env_step": per_step,
        "rates_gflops": rates,
        "ceilings_steps_per_s": {name: rate * 1e9 / per_step for name, rate in rates.items()},
        "rllib_steps_per_s": args.rllib_steps_per_s,
    }
    print(f"{args.model} on {args.curriculum}: {forward / 1e6:.2f} MFLOP forward, {gradient / 1e6:.2f} MFLOP gradient")
    print(f"per env step (forward + {ppo.num_epochs} epochs x gradient): {per_step / 1e6:.2f} MFLOP")
    for name, rate in rates.items():
        ceiling = rate * 1e9 / per_step
        ratio = (
            f" = {ceiling / args.rllib_steps_per_s:.1f}x RLlib's {args.rllib_steps_per_s:,.0f}/s"
            if args.rllib_steps_per_s
            else ""
        )
        print(f"  {name}: {rate:,.0f} GFLOP/s -> at most {ceiling:,.0f} env steps/s if every FLOP ran at it{ratio}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
