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
(`agents.policies.load_policy`, greedy). A greedy policy writes the same
program every time, so extra samples or feedback attempts repeat it.

Requests that arrive together (the runner keeps up to 2 x --concurrency
conversations in flight) are answered together: grouped by language and,
when the policy has `act_batch`, played in lockstep, one forward pass per
step for the whole group (`reasonenv.evaluation.run_episodes`). The envs of
a language share one `task` length (the longest encoding asked so far), so
instances of different families stack into one batch.
Python, the benchmark's control language, has no token env: the model is
not available there.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Mapping
from typing import Any

from reasonenv.bench.models import ModelRequest, ModelResponse
from reasonenv.bench.prompts import language_info, render_answer
from reasonenv.policy import Policy

BATCH = 64
"""Episodes played in lockstep at most."""


class PolicyModel:
    """The benchmark's Model interface around a `reasonenv.policy.Policy`."""

    in_flight = 0

    def __init__(self, policy: Policy, name: str = "policy", env_options: Mapping[str, Any] | None = None):
        if not callable(getattr(policy, "act", None)):
            raise TypeError(
                f"PolicyModel needs a reasonenv.policy.Policy (an object with act(observation)), got {type(policy).__name__}"
            )
        self.policy = policy
        self.name = name
        self.env_options = dict(env_options or {})
        self.lockstep = callable(getattr(policy, "act_batch", None))
        self._pools: dict[str, list] = {}  # by language
        self._pending: list[tuple[ModelRequest, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None

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
        from reasonenv.evaluation import run_episodes

        episode = run_episodes(self._pairs(language, [instance]), self.policy)[0]
        return episode.program, episode.length, episode.info.get("end")

    async def respond(self, request: ModelRequest) -> ModelResponse:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        self.in_flight = len(self._pending)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())
        return await future

    async def aclose(self) -> None:
        for pool in self._pools.values():
            for env in pool:
                env.close()
        self._pools.clear()

    # ------------------------------------------------------------------ batching
    async def _flush(self) -> None:
        """Answer what is pending, group by group; yield in between so that the next requests can queue up."""
        await asyncio.sleep(0)  # the other conversations in flight ask now, and join this round
        while self._pending:
            pending, self._pending = self._pending, []
            groups: dict[str, list] = {}  # by language
            for request, future in pending:
                groups.setdefault(request.language, []).append((request, future))
            for items in groups.values():
                for start in range(0, len(items), BATCH):
                    chunk = items[start : start + BATCH]
                    for (_, future), response in zip(chunk, self._answer([request for request, _ in chunk])):
                        if not future.done():
                            future.set_result(response)
            self.in_flight = len(self._pending)
            await asyncio.sleep(0)

    def _answer(self, requests: list[ModelRequest]) -> list[ModelResponse]:
        """Responses to requests in one language, played together; a failing group is replayed
        one request at a time, so that only the request whose rollout fails gets the error."""
        from reasonenv.evaluation import run_episodes

        started = time.monotonic()
        first = requests[0]
        try:
            episodes = run_episodes(self._pairs(first.language, [r.instance for r in requests]), self.policy)
        except ValueError as err:  # e.g. the policy chose a masked action
            if len(requests) > 1:
                return [self._answer([request])[0] for request in requests]
            return [ModelResponse(text="", error=f"policy rollout failed: {err}", latency_s=time.monotonic() - started)]
        latency = (time.monotonic() - started) / len(requests)
        info = language_info(first.language)
        return [
            ModelResponse(
                text=render_answer(e.program, info),
                latency_s=latency,
                completion_tokens=e.length,
                finish_reason=e.info.get("end"),
            )
            for e in episodes
        ]

    def _pairs(self, language: str, instances: list[Any]) -> list[tuple[Any, Any]]:
        """(token env, instance) pairs: distinct envs when playing in lockstep, all of one `task` length that fits
        every instance asked in this language so far (a reset with `options={"instance": ...}` poses any family)."""
        from curricula.base import config_of
        from reasonenv.envs.encoding import fit_length
        from reasonenv.evaluation import EvalTarget, task_encoding_length, token_env

        pool = self._pools.setdefault(language, [])
        options = dict(self.env_options)
        if "task_length" not in options:
            longest = max(task_encoding_length(instance) for instance in instances)
            if pool and longest > pool[0].task_length:
                for env in pool:  # rebuilt larger, so no instance is cut
                    env.close()
                pool.clear()
            options["task_length"] = pool[0].task_length if pool else fit_length(longest)
        first = instances[0]
        while len(pool) < (len(instances) if self.lockstep else 1):
            target = EvalTarget(first.family, language, None, dataclasses.asdict(config_of(first)))
            pool.append(token_env(target, instances, options))
        return [(pool[k] if self.lockstep else pool[0], instance) for k, instance in enumerate(instances)]
