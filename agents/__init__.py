"""agents: how to learn — one config, one reward, one host loop over two PPO backends (RLlib, JAX), the networks, LLM clients.

Heavy libraries (torch, ray, jax, openai) are imported only inside the modules that use them.
"""
