"""The torch modules of agents.models: shapes, masking, parameter counts, stream gathering, memory, slot-permutation invariance."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("ray.rllib")

from gymnasium import spaces  # noqa: E402
from ray.rllib.core.columns import Columns  # noqa: E402
from ray.rllib.core.distribution.torch.torch_distribution import TorchCategorical  # noqa: E402

from agents.models import MODELS, stream_indices  # noqa: E402

A, T, L = 9, 48, 24


def observation_space():
    return spaces.Dict(
        {
            "task": spaces.Box(0, 263, (T,), np.int32),
            "family": spaces.Discrete(512),
            "language": spaces.Discrete(1),
            "program": spaces.Box(0, A - 1, (L,), np.int32),
            "action_mask": spaces.Box(0, 1, (A,), np.int8),
            "action_effects": spaces.Box(0, 63, (A,), np.int32),
        }
    )


def make(name: str, **model_config):
    torch.manual_seed(0)
    return MODELS[name](
        observation_space=observation_space(), action_space=spaces.Discrete(A), model_config=model_config
    )


def batch(size: int, seed: int = 0, task_tokens=(1, T), program_tokens=(0, L)) -> dict[str, np.ndarray]:
    """Random observations: non-PAD prefixes of task and program, a random mask with at least one allowed action."""
    rng = np.random.default_rng(seed)
    task = np.zeros((size, T), np.int32)
    program = np.zeros((size, L), np.int32)
    for row in range(size):
        n = rng.integers(*task_tokens)
        task[row, :n] = rng.integers(1, 264, n)
        m = rng.integers(*program_tokens) if program_tokens[1] > program_tokens[0] else program_tokens[0]
        program[row, :m] = rng.integers(1, A, m)
    mask = (rng.random((size, A)) < 0.6).astype(np.int8)
    mask[np.arange(size), rng.integers(0, A, size)] = 1
    effects = np.tile(np.arange(1, A + 1, dtype=np.int32), (size, 1))
    return {
        "task": task,
        "program": program,
        "action_mask": mask,
        "action_effects": effects,
        "family": np.zeros(size, np.int64),
        "language": np.zeros(size, np.int64),
    }


def logits_of(model, obs: dict[str, np.ndarray]) -> torch.Tensor:
    with torch.no_grad():
        return model.forward_inference({Columns.OBS: {k: torch.as_tensor(v) for k, v in obs.items()}})[
            Columns.ACTION_DIST_INPUTS
        ]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_forward_shapes_masking_values_and_parameter_count(name, capsys):
    model = make(name)
    out = capsys.readouterr().out
    assert f"{name}: {model.parameter_count:,} parameters" in out
    assert model.parameter_count == sum(p.numel() for p in model.parameters()) > 10_000
    obs = batch(32)
    tensors = {k: torch.as_tensor(v) for k, v in obs.items()}
    train = model.forward_train({Columns.OBS: tensors})
    logits = train[Columns.ACTION_DIST_INPUTS]
    assert logits.shape == (32, A)
    forbidden = torch.as_tensor(obs["action_mask"]) == 0
    assert (logits[forbidden] < -1e30).all() and torch.isfinite(logits[~forbidden]).all()
    values = model.compute_values({Columns.OBS: tensors}, train[Columns.EMBEDDINGS])
    assert values.shape == (32,) and torch.isfinite(values).all()
    assert torch.allclose(values, model.compute_values({Columns.OBS: tensors}))
    # sampling from the masked logits never picks a forbidden action
    samples = TorchCategorical.from_logits(logits).sample(sample_shape=(200,))
    assert not forbidden.gather(1, samples.T).any()
    # gradients reach the parameters through the masked logits
    (logits.clamp(min=-1e4).logsumexp(-1).sum() + values.sum()).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_entropy_of_masked_logits_counts_allowed_actions_only():
    model = make("small-context")
    obs = batch(64, seed=3)
    logits = logits_of(model, obs)
    entropy = TorchCategorical.from_logits(logits).entropy()
    for row in range(64):
        allowed = logits[row][obs["action_mask"][row] == 1]
        p = torch.softmax(allowed, -1)
        assert entropy[row] == pytest.approx(float(-(p * p.log()).sum()), abs=1e-5)


def test_stream_indices_match_a_python_reference():
    rng = np.random.default_rng(1)
    n_task = torch.as_tensor(rng.integers(1, T, 20))
    n_program = torch.as_tensor(rng.integers(0, L, 20))
    length = n_task + n_program
    positions = length[:, None] - 16 + torch.arange(16)[None, :]
    index, valid, is_task = stream_indices(n_task, length, T, positions)
    for row in range(20):
        for j in range(16):
            p = int(positions[row, j])
            assert bool(valid[row, j]) == (0 <= p < int(length[row]))
            if valid[row, j]:
                expected = p if p < int(n_task[row]) else T + p - int(n_task[row])
                assert int(index[row, j]) == expected and bool(is_task[row, j]) == (p < int(n_task[row]))


@pytest.mark.parametrize("name", ["small-context", "small-window", "gru"])
def test_logits_follow_action_slots_permuted_with_their_effects(name):
    """Nothing depends on the raw action index: permute the token slots with their effects -> the logits permute alike.

    STOP stays action 0 (the contract fixes it; 0 is also the program's PAD id).
    """
    model = make(name)
    obs = batch(16, seed=5)
    perm = np.concatenate([[0], 1 + np.random.default_rng(7).permutation(A - 1)])  # new slot s holds old slot perm[s]
    inverse = np.argsort(perm)
    permuted = dict(obs)
    permuted["action_effects"] = obs["action_effects"][:, perm]
    permuted["action_mask"] = obs["action_mask"][:, perm]
    program = obs["program"].copy()
    nonzero = program != 0
    program[nonzero] = inverse[program[nonzero]]  # old action a now sits at slot inverse[a]
    permuted["program"] = program
    assert not np.array_equal(program, obs["program"])
    original = logits_of(model, obs)
    moved = logits_of(model, permuted)
    assert torch.allclose(moved, original[:, perm], atol=1e-4)


def test_full_context_head_is_tied_to_indices():
    """The baseline is not invariant (that is what distinguishes it)."""
    model = make("full-context")
    obs = batch(8, seed=2)
    permuted = dict(obs, action_effects=obs["action_effects"][:, ::-1].copy())
    assert torch.allclose(logits_of(model, obs), logits_of(model, permuted))


def test_memory_reads_tokens_that_left_the_window():
    """Changing the task tokens far outside the window changes small-context's logits, not small-window's."""
    obs = batch(8, seed=9, task_tokens=(30, 31), program_tokens=(10, 11))
    changed = {k: v.copy() for k, v in obs.items()}
    changed["task"][:, :12] = (changed["task"][:, :12] % 250) + 9
    memory, window = make("small-context"), make("small-window")
    assert not torch.allclose(logits_of(memory, obs), logits_of(memory, changed), atol=1e-6)
    assert torch.allclose(logits_of(window, obs), logits_of(window, changed))


def test_works_on_a_longer_task_array_than_it_was_built_for():
    model = make("small-context")
    obs = batch(4, seed=4)
    wider = dict(obs, task=np.concatenate([obs["task"], np.zeros((4, 16), np.int32)], 1))
    assert torch.allclose(logits_of(model, obs), logits_of(model, wider), atol=1e-5)


@pytest.mark.parametrize("name", ["small-context", "full-context"])
def test_reasoner_last_position_matches_the_full_causal_encoder(name):
    model = make(name, layers=3)
    obs = {k: torch.as_tensor(v) for k, v in batch(16, seed=3).items()}
    vectors, n_task, length, task_len = model.token_vectors(obs)
    positions = length[:, None] - model.window + torch.arange(model.window)[None, :]
    window, _ = model.gather_stream(vectors, n_task, length, task_len, positions)
    full = model.reasoner(window, mask=model.causal, is_causal=True)[:, -1]
    torch.testing.assert_close(model.reason(window), full, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["small-context", "small-window", "full-context"])
def test_trimming_pad_columns_changes_no_output(name):
    model = make(name)
    obs = {k: torch.as_tensor(v) for k, v in batch(32, seed=5, task_tokens=(1, 12), program_tokens=(0, 6)).items()}
    with torch.no_grad():
        h_trimmed, logits_trimmed = model.encode(obs)
        assert model.token_vectors(obs)[0].shape[1] < T + L
        original = model.token_vectors
        model.token_vectors = lambda o, trim=True: original(o, trim=False)
        h_full, logits_full = model.encode(obs)
    torch.testing.assert_close(h_trimmed, h_full, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(logits_trimmed, logits_full, rtol=1e-5, atol=1e-5)


def test_values_without_grad_are_computed_in_chunks_with_the_same_result():
    from agents.models import VALUE_CHUNK

    model = make("small-context")
    obs = {k: torch.as_tensor(v) for k, v in batch(VALUE_CHUNK * 2 + 7, seed=9).items()}
    with torch.no_grad():
        chunked = model.compute_values({Columns.OBS: obs})
        whole = model.value_head(model.encode(obs)[0]).squeeze(-1)
    assert chunked.shape == (VALUE_CHUNK * 2 + 7,)
    torch.testing.assert_close(chunked, whole, rtol=1e-5, atol=1e-5)


def _retrieve_by_building_every_memory(model, state, vectors, n_task, length, task_len):
    """The memory read written plainly: build all B x N memories, score them, attend over the top k."""
    B, N, d = vectors.shape
    index = torch.arange(N)[None, :].expand(B, -1)
    is_task = index < task_len
    position = torch.where(is_task, index, n_task[:, None] + index - task_len)
    exists = torch.where(is_task, index < n_task[:, None], position < length[:, None])
    in_memory = exists & (position < (length - model.window)[:, None])
    kind = torch.where(is_task, 1, 2)
    memories = (
        vectors
        + model.type_embed(kind)
        + model.position_embed(position.clamp(0, model.position_embed.num_embeddings - 1))
    )
    query = model.memory_query(state)
    scores = torch.einsum("bnd,bd->bn", memories, query @ model.memory_key.weight) / d**0.5
    scores = scores.masked_fill(~in_memory, -1e9)
    top_scores, top_index = scores.topk(min(model.top_k, N), dim=1)
    top_values = model.memory_value(torch.gather(memories, 1, top_index[:, :, None].expand(-1, -1, d)))
    null_score = (model.null_key[None, :] * query).sum(-1, keepdim=True) / d**0.5
    weights = torch.softmax(torch.cat([null_score, top_scores], 1), dim=1)
    values = torch.cat([model.null_value.expand(B, 1, d), top_values], 1)
    return torch.einsum("bk,bkd->bd", weights, values)


def test_memory_read_matches_building_every_memory():
    model = make("small-context", window=4)
    torch.nn.init.normal_(model.null_key)  # a non-zero null entry, so its weight matters too
    obs = {k: torch.as_tensor(v) for k, v in batch(64, seed=11, task_tokens=(1, 20), program_tokens=(0, 12)).items()}
    vectors, n_task, length, task_len = model.token_vectors(obs)
    state = torch.randn(64, vectors.shape[-1])
    fast = model.retrieve(state, vectors, n_task, length, task_len)
    plain = _retrieve_by_building_every_memory(model, state, vectors, n_task, length, task_len)
    torch.testing.assert_close(fast, plain, rtol=1e-5, atol=1e-5)
    assert fast.abs().sum() > 0


def test_exploration_floor_mixes_uniform_over_allowed_actions_only_when_sampling():
    plain = make("small-context")
    floored = make("small-context", exploration_floor=0.2)
    obs = {k: torch.as_tensor(v) for k, v in batch(8, seed=4).items()}
    with torch.no_grad():
        policy = torch.softmax(plain._forward({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS], -1)
        sampled = torch.softmax(floored._forward_exploration({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS], -1)
        greedy = floored._forward_inference({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS]
        unchanged = plain._forward_exploration({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS]
    mask = obs["action_mask"].float()
    expected = 0.8 * policy + 0.2 * mask / mask.sum(-1, keepdim=True)
    torch.testing.assert_close(sampled, expected, rtol=1e-5, atol=1e-6)
    assert torch.all(sampled[mask == 0] == 0)
    torch.testing.assert_close(torch.softmax(greedy, -1), policy, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(torch.softmax(unchanged, -1), policy, rtol=1e-5, atol=1e-6)
