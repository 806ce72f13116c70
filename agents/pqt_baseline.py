"""Priority Queue Training (Abolafia et al. 2018), small and readable: an RNN writes Brainfuck, the best programs teach it.

    result = run_pqt(instance, PQTSettings(), budget=5000, seed=0)
    result.first_success   # (programs executed when a program first passed every test, program text) or None

The method, as the paper describes it (brain_coder `single_task/pg_agent.py`):

- The policy is an autoregressive RNN over Brainfuck's 8 commands plus an
  end token; it sees no task description, only its own tokens: one run
  searches for one task, scored on that task's fixed test cases.
- Every iteration samples `batch_size` programs, executes each on the
  tests (`curricula.verify.evaluate`, PQT's shaped reward `pqt` under the
  instance's brain_coder interpreter conventions) and keeps the `topk` best
  distinct programs seen so far in a priority queue.
- Loss = `pqt_weight` x (-mean log-likelihood of the queue's programs)
  + `pg_weight` x REINFORCE (reward minus an exponential moving average
  baseline) - `entropy_weight` x entropy. pg_weight = 0 is "PQT",
  pg_weight > 0 "PG+PQT" in the paper's table.

Budget: programs executed (every sampled program counts, duplicates too,
as in the paper). Duplicate programs are scored from a cache (the verdict
is the same). Only torch and the project's verifier are used.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

BF_COMMANDS = "><+-.,[]"
END = 0
"""Token 0 ends the program; token i >= 1 is BF_COMMANDS[i - 1]."""


@dataclass
class PQTSettings:
    """brain_coder's PQT hyperparameters where they fit a small run (batch 64, top-K 10, lr 1e-4 in the paper)."""

    batch_size: int = 64
    topk: int = 10
    max_length: int = 32
    """Program tokens at most (the paper allows 100; matched here to the agent's program cap)."""
    hidden: int = 64
    lr: float = 1e-3
    pqt_weight: float = 1.0
    pg_weight: float = 0.0
    entropy_weight: float = 0.01
    baseline_decay: float = 0.99

    def validate(self) -> PQTSettings:
        for name in ("batch_size", "topk", "max_length", "hidden"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"PQTSettings.{name} must be a positive integer, got {value!r}")
        if self.pqt_weight < 0 or self.pg_weight < 0 or self.pqt_weight + self.pg_weight == 0:
            raise ValueError("PQTSettings: pqt_weight and pg_weight must be >= 0 and not both 0")
        return self


class ProgramRNN(nn.Module):
    """An LSTM language model over program tokens: start token in, a categorical over END + 8 commands out."""

    def __init__(self, hidden: int):
        super().__init__()
        self.vocab = len(BF_COMMANDS) + 1
        self.embed = nn.Embedding(self.vocab + 1, hidden)  # + a start token
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, self.vocab)

    def sample(self, batch: int, max_length: int, generator: torch.Generator) -> list[list[int]]:
        """`batch` programs as token lists (END excluded), sampled one token at a time."""
        token = torch.full((batch, 1), self.vocab, dtype=torch.long)
        state = None
        programs: list[list[int]] = [[] for _ in range(batch)]
        alive = torch.ones(batch, dtype=torch.bool)
        with torch.no_grad():
            for _ in range(max_length):
                output, state = self.lstm(self.embed(token), state)
                probs = torch.softmax(self.out(output[:, -1]), -1)
                token = torch.multinomial(probs, 1, generator=generator)
                for row in torch.nonzero(alive).flatten().tolist():
                    t = int(token[row, 0])
                    if t == END:
                        alive[row] = False
                    else:
                        programs[row].append(t)
                if not alive.any():
                    break
        return programs

    def log_probs(self, programs: list[list[int]], max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(log-likelihood of each program including its END when it fits, mean entropy per token)."""
        batch = len(programs)
        steps = max(len(p) for p in programs) + 1
        steps = min(steps, max_length)
        targets = torch.full((batch, steps), -1, dtype=torch.long)
        for row, program in enumerate(programs):
            tokens = (program + [END])[:steps]
            targets[row, : len(tokens)] = torch.as_tensor(tokens)
        inputs = torch.cat([torch.full((batch, 1), self.vocab), targets[:, :-1].clamp(min=0)], 1)
        output, _ = self.lstm(self.embed(inputs))
        log_probs = torch.log_softmax(self.out(output), -1)
        valid = targets >= 0
        picked = log_probs.gather(2, targets.clamp(min=0)[..., None])[..., 0] * valid
        entropy = -(log_probs.exp() * log_probs).sum(-1)
        return picked.sum(1), (entropy * valid).sum() / valid.sum()


def text_of(tokens: list[int]) -> str:
    return "".join(BF_COMMANDS[t - 1] for t in tokens)


@dataclass
class PQTResult:
    programs: int = 0
    """Programs executed."""
    first_success: tuple[int, str] | None = None
    """(programs executed when a program first passed every test, its text)."""
    best_reward: float = float("-inf")
    curve: list[tuple[int, float]] = field(default_factory=list)
    """(programs executed, best reward so far) per iteration."""
    queue: list[tuple[float, str]] = field(default_factory=list)


def run_pqt(
    instance: Any, settings: PQTSettings, *, budget: int, seed: int = 0, stop_on_success: bool = True
) -> PQTResult:
    """Search for a Brainfuck program passing `instance`'s tests within `budget` programs executed."""
    from curricula.verify import evaluate

    settings.validate()
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = ProgramRNN(settings.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    cache: dict[str, tuple[float, bool]] = {}
    queue: list[tuple[float, str, tuple[int, ...]]] = []  # min-heap of (reward, text, tokens): the top-K best
    in_queue: set[str] = set()
    baseline = None
    result = PQTResult()
    while result.programs < budget:
        batch = min(settings.batch_size, budget - result.programs)
        programs = model.sample(batch, settings.max_length, generator)
        rewards = []
        for tokens in programs:
            text = text_of(tokens)
            if text not in cache:
                score, _ = evaluate(instance, text, "bf", mode="pqt")
                cache[text] = (score.reward, score.success)
            reward, success = cache[text]
            result.programs += 1
            rewards.append(reward)
            result.best_reward = max(result.best_reward, reward)
            if success and result.first_success is None:
                result.first_success = (result.programs, text)
            if text not in in_queue and (len(queue) < settings.topk or reward > queue[0][0]):
                heapq.heappush(queue, (reward, text, tuple(tokens)))
                in_queue.add(text)
                if len(queue) > settings.topk:
                    in_queue.discard(heapq.heappop(queue)[1])
        result.curve.append((result.programs, result.best_reward))
        if stop_on_success and result.first_success is not None:
            break
        rewards_t = torch.as_tensor(rewards, dtype=torch.float32)
        mean_reward = float(rewards_t.mean())
        baseline = (
            mean_reward
            if baseline is None
            else settings.baseline_decay * baseline + (1 - settings.baseline_decay) * mean_reward
        )
        loss = torch.zeros(())
        entropy = torch.zeros(())
        if settings.pg_weight > 0:
            log_likelihood, entropy = model.log_probs(programs, settings.max_length)
            loss = loss - settings.pg_weight * ((rewards_t - baseline) * log_likelihood).mean()
        if settings.pqt_weight > 0 and queue:
            queue_ll, queue_entropy = model.log_probs([list(q[2]) for q in queue], settings.max_length)
            loss = loss - settings.pqt_weight * queue_ll.mean()
            if settings.pg_weight == 0:
                entropy = queue_entropy
        loss = loss - settings.entropy_weight * entropy
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    result.queue = sorted(((r, t) for r, t, _ in queue), reverse=True)
    return result


def passes(instance: Any, program: str) -> bool:
    """Does `program` pass every test of `instance` (binary success under the instance's conventions)?"""
    from curricula.verify import evaluate

    score, _ = evaluate(instance, program, "bf", mode="binary")
    return bool(score.success)
