"""reasonenv: the Gymnasium face of the suite (environments, ids, wrappers), the LLM benchmark and the CLI.

Importing it registers every environment id with Gymnasium and imports
neither torch, Ray nor JAX.
"""

from __future__ import annotations

__version__ = "0.1.0"

try:
    from reasonenv.envs.registration import register_envs as _register_envs
except ModuleNotFoundError as _err:  # envs not built yet
    if _err.name not in ("reasonenv.envs", "reasonenv.envs.registration"):
        raise
else:
    _register_envs()
