"""reasonenv: the Gymnasium face of the suite (environments, ids, wrappers), the LLM benchmark and the CLI.

Importing it registers every environment id with Gymnasium, in either order:

    import gymnasium as gym
    import reasonenv          # or the other way round
    env = gym.make("reasonenv/BF-Reverse-v0")

The ids are registered the moment Gymnasium is imported (at once if it
already is), from a shipped table with lazy "module:Class" entry points,
so importing reasonenv loads neither the task suites nor torch, Ray or JAX,
and the command line, which does not need Gymnasium for `--help` or `run`,
starts without it.
"""

from __future__ import annotations

import sys
from importlib.machinery import ModuleSpec
from types import ModuleType

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (startup time); type checkers read it as True
if TYPE_CHECKING:
    from importlib.abc import Loader

__version__ = "0.1.0"


def _register_envs() -> None:
    from reasonenv.envs.registration import register_envs

    register_envs()


class _RegisterAfterLoading:
    """Runs Gymnasium's own loader, then registers the ids; afterwards the module carries its own loader again."""

    def __init__(self, loader: Loader) -> None:
        self.loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, _GymnasiumImportHook)]
        _register_envs()


class _GymnasiumImportHook:
    """A meta path finder that finds nothing itself: it asks the other finders for `gymnasium` and wraps the loader.

    It stays installed until Gymnasium has actually been loaded, so a mere
    `importlib.util.find_spec("gymnasium")` (an availability check) does not use it up.
    """

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
        if fullname != "gymnasium":
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _RegisterAfterLoading(spec.loader)
                return spec
        return None


if "gymnasium" in sys.modules:
    _register_envs()
elif not any(isinstance(finder, _GymnasiumImportHook) for finder in sys.meta_path):
    sys.meta_path.insert(0, _GymnasiumImportHook())
