"""agents: how to learn — LLM clients, and later the small-context policy, retrieval memory, RLlib and JAX trainers.

Heavy libraries (torch, ray, jax, openai) are imported only inside the modules that use them.
"""
