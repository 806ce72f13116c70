"""A token-level policy (a trained RL agent) as a benchmark model, so agents and LLMs share one harness and one report.

`PolicyModel(policy)` answers each `ModelRequest` by building the token env
(`SynthesisEnv`) for the request's instance and language, rolling the
policy through it with `env.step` until STOP or the length cap, and
returning the program it wrote, rendered as an answer
(`reasonenv.bench.prompts.render_answer`), so the runner extracts, runs and
records it exactly as it does an LLM's. The chat messages are not read:
the agent sees the token observation (examples, spec, effect ids), which
states the same task.

The command line builds it for `reasonenv bench --model checkpoint:PATH`
(`agents.checkpoint.load_policy`, greedy). A greedy policy writes the same
program every time, so extra samples or feedback attempts repeat it.
Python, the benchmark's control language, has no token env: the model is
not available there.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any, Mapping

from reasonenv.bench.models import ModelRequest, ModelResponse
from reasonenv.bench.prompts import language_info, render_answer
from reasonenv.policy import Policy, run_episode


class PolicyModel:
    """The benchmark's Model interface around a `reasonenv.policy.Policy`."""

    in_flight = 0

    def __init__(self, policy: Policy, name: str = "policy", env_options: Mapping[str, Any] | None = None):
        if not callable(getattr(policy, "act", None)):
            raise TypeError(f"PolicyModel needs a reasonenv.policy.Policy (an object with act(observation)), got {type(policy).__name__}")
        self.policy = policy
        self.name = name
        self.env_options = dict(env_options or {})
        self._envs: dict[tuple, Any] = {}

    def available(self, instance: Any, language: str) -> bool:
        if language == "python":
            return False
        import esolangs

        try:
            esolangs.get(language)
        except ValueError:
            return False
        return True

    async def check(self) -> None:
        return None

    def program(self, instance: Any, language: str) -> tuple[str, int, str | None]:
        """(program text, tokens, how the episode ended) of one greedy rollout on `instance` in `language`."""
        env = self._env(instance, language)
        episode = run_episode(env, self.policy, seed=0, options={"instance": instance})
        return episode.program, episode.length, episode.info.get("end")

    async def respond(self, request: ModelRequest) -> ModelResponse:
        started = time.monotonic()
        try:
            program, tokens, end = self.program(request.instance, request.language)
        except ValueError as err:  # e.g. the policy chose a masked action: record it, do not stop the run
            return ModelResponse(text="", error=f"policy rollout failed: {err}", latency_s=time.monotonic() - started)
        return ModelResponse(text=render_answer(program, language_info(request.language)),
                             latency_s=time.monotonic() - started, completion_tokens=tokens, finish_reason=end)

    async def aclose(self) -> None:
        for env in self._envs.values():
            env.close()
        self._envs.clear()

    def _env(self, instance: Any, language: str):
        from curricula.base import config_of
        from reasonenv.evaluation import EvalTarget, token_env

        config = dataclasses.asdict(config_of(instance))
        key = (instance.family, json.dumps(config, sort_keys=True, default=str), language)
        env = self._envs.get(key)
        if env is not None and _fits(env, instance):
            return env
        if env is not None:
            env.close()
        env = token_env(EvalTarget(instance.family, language, None, config), [instance], self.env_options)
        self._envs[key] = env
        return env


def _fits(env: Any, instance: Any) -> bool:
    """Whether the env's `task` array holds the instance's whole encoding (else it is rebuilt larger)."""
    from reasonenv.evaluation import task_encoding_length

    return task_encoding_length(instance) <= env.task_length
