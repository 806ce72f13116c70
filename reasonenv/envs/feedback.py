"""Multi-attempt text synthesis: after each failed attempt the observation adds the interpreter's output or error on the visible examples."""

from __future__ import annotations

from typing import Any

from curricula.base import Instance
from reasonenv.envs.config import FeedbackConfig
from reasonenv.envs.text import TextSynthesisEnv, show_bytes, to_ascii

SHOWN_OUTPUT_CHARS = 200
"""Characters of a run's output (as a literal) shown per example; longer outputs are cut and marked."""
ATTEMPT_HEADER_CHARS = 160
"""Room kept per attempt for the header lines around the program and the feedback."""


def feedback_text(instance: Instance, program: str, language: str, limit: int) -> str:
    """The interpreter's status, output and error for `program` on each visible example, at most `limit` characters."""
    from curricula.verify import execute

    executions = execute(instance, program, language, tests=instance.examples)
    lines = []
    for number, (example, run) in enumerate(zip(instance.examples, executions), 1):
        shown = show_bytes(run.output)
        if len(shown) > SHOWN_OUTPUT_CHARS:
            shown = shown[:SHOWN_OUTPUT_CHARS] + "...[cut]"
        verdict = "correct" if run.output == example.output and run.ok else "wrong"
        line = f"  {number}. {verdict}: status {run.status}, {run.steps} steps, output {shown}"
        if run.error:
            line += f"; error: {run.error}"
        if verdict == "wrong":
            line += f" (expected {show_bytes(example.output)})"
        lines.append(line)
    if not lines:
        lines.append("  (the task shows no examples)")
    text = to_ascii("\n".join(lines))
    if len(text) > limit:
        text = text[: limit - 5] + "[...]"
    return text


class FeedbackSynthesisEnv(TextSynthesisEnv):
    """Answer a task prompt with a program, read the interpreter's feedback, try again, up to `max_attempts` times.

    ## Description
    Interpreter feedback as an environment (the self-scaffolding regime of
    EsolangBench). The first observation is the prompt of
    `TextSynthesisEnv`. Each step submits a whole program; it is run on
    the hidden tests. If it passes them all the episode ends; otherwise
    the next observation is the prompt followed by one block per failed
    attempt: the program and, for each visible example, the status, the
    output (or error) and the expected output. Hidden test inputs are
    never shown.

    ## Action Space
    `Text(max_length=max_program_chars, min_length=0, charset=string.printable)`.

    ## Observation Space
    `Text(max_length=max_prompt_length + max_attempts * (max_program_chars + feedback_chars + 160),
    min_length=1, charset=string.printable)`.

    ## Rewards
    0 on every step but the last. The last step's reward is the score
    (in the `scoring` mode) of the final attempt (`reward_on="final"`) or
    of the best attempt (`reward_on="best"`).

    ## Starting State
    As `TextSynthesisEnv`: an instance drawn from `self.np_random` or fixed
    by reset options; no attempt yet.

    ## Episode End
    Terminated when an attempt passes every hidden test or after
    `max_attempts` attempts (the attempt budget is part of the task, so
    this is termination, not truncation).

    ## Arguments
    Those of `TextSynthesisEnv` plus `max_attempts` (5), `reward_on`
    ("final" | "best") and `feedback_chars` (2000 characters of feedback
    kept per attempt).

    `info` after each step: attempt, program, passed, total, success,
    statuses, steps, score; at the end also best_score.

    ## Version History
    - v0: initial version.
    """

    config_class = FeedbackConfig
    config: FeedbackConfig

    def observation_length(self) -> int:
        config = self.config
        return config.max_prompt_length + config.max_attempts * (
            config.max_program_chars + config.feedback_chars + ATTEMPT_HEADER_CHARS
        )

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        observation, info = super().reset(seed=seed, options=options)
        self._scores: list[float] = []
        self._observation_text = observation
        return observation, info

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        program = self._check_program(action)
        verdict = self._verify(program)
        self._answers.append(program)
        self._scores.append(verdict.reward)
        attempt = len(self._answers)
        info: dict[str, Any] = {"attempt": attempt, "program": program, **verdict.info()}
        terminated = verdict.success or attempt >= self.config.max_attempts
        reward = 0.0
        if terminated:
            self._done = True
            best = max(self._scores)
            reward = best if self.config.reward_on == "best" else verdict.reward
            info["best_score"] = best
        else:
            assert self._instance is not None, "_check_program refuses a step before reset()"
            block = feedback_text(self._instance, program, self.language, self.config.feedback_chars)
            self._observation_text += (
                f"\n# Attempt {attempt} of {self.config.max_attempts} did not pass every hidden test\n"
                f"Program:\n{program}\n"
                f"On the visible examples:\n{block}\n"
            )
        self._last_info = info
        return self._observation_text, float(reward), terminated, False, info

    def render(self):
        if self.render_mode is None or self._instance is None:
            return super().render()
        text = self._observation_text
        if self._done:
            info = self._last_info
            text += (
                f"\n# Attempt {info['attempt']} (last)\nProgram:\n{info['program']}\n"
                f"passed {info['passed']}/{info['total']} hidden tests\n"
            )
        return text
