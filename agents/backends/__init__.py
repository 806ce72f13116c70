"""Trainer backends of agents.loop, one module each, over one config (agents.config) and one reward (agents.reward).

- `agents.backends.rllib`: the general backend. Ray RLlib PPO (new API stack, torch) over the Python
  Gymnasium envs: every language, a private local Ray or a `ray start --head` cluster (`--address`).
- `agents.backends.jax`: the jitted backend. PPO inside `jax.jit` over the functional token env (Brainfuck
  family), for accelerators.

`rllib_module` is RLlib's thin TorchRLModule adapter around agents.nets.torch_nets (no network code).

Each of rllib and jax defines `Backend` (the agents.loop.Backend protocol). This package imports nothing: the loop
imports the chosen module by name, so torch/ray or jax load only when that backend runs.
"""
