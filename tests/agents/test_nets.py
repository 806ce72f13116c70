"""agents.nets: the torch networks (shapes, masking, stream gathering, memory, slot equivariance, the old modules'
outputs, value features, execution tokens, effects as parts) and their Flax twins (torch weights copied in give equal
outputs, every architecture x action head, with and without value features, execution input and effects as parts)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agents.nets import ACTION_HEADS, ARCHITECTURES, ARMS, EFFECT_HEADS, LEGACY_MODELS, check_network, network_of_arm
from esolangs.knowledge import MAX_EFFECTS, NUM_EFFECTS, NUM_PART_COLUMNS, effect_parts_matrix

torch = pytest.importorskip("torch")

from agents.nets.torch_nets import FLOAT_MIN, build_net, parameter_count, stream_indices  # noqa: E402

A, T, L = 9, 24, 12
E, OUT = 3, 8
"""Execution runs and output positions: the observation's "execution" is (E, 13 + 2 OUT) (the contract's default)."""
EXECUTION_SHAPE = (E, 13 + 2 * OUT)
SIZES = {"dim": 16, "heads": 2, "layers": 2, "window": 4, "top_k": 3, "hidden": 32}
NETWORKS = [(name, actions) for name in ARCHITECTURES for actions in ACTION_HEADS]
PARTS_NETWORKS = [(name, actions) for name, actions in NETWORKS if actions in EFFECT_HEADS]
"""The networks that read effects, so can read them as parts."""
REFERENCE = Path(__file__).with_name("nets_reference.json")


def make(name: str, actions: str, seed: int = 0, execution_shape=None, **sizes):
    torch.manual_seed(seed)
    return build_net({"name": name, "actions": actions, **SIZES, **sizes}, T, L, A, execution_shape)


def make_reading(name: str, actions: str = "pointer", seed: int = 0, **sizes):
    """A network with value features and execution input."""
    return make(name, actions, seed, EXECUTION_SHAPE, value_features=True, **sizes)


def execution_rows(size: int, seed: int = 0, runs=(0, E + 1), outputs=(0, OUT + 1)) -> np.ndarray:
    """Random "execution" arrays of the contract's layout: a prefix of runs (status 1..4, byte tokens in the state
    columns, PAD off the tape), each with expected and produced outputs of their own lengths (PAD past them)."""
    rng = np.random.default_rng(seed)
    out = np.zeros((size, *EXECUTION_SHAPE), np.int32)
    for row in range(size):
        for run in range(rng.integers(*runs)):
            line = out[row, run]
            line[0] = rng.integers(1, 5)
            line[1:12] = rng.integers(8, 264, 11)
            line[3 + rng.integers(0, 5)] = 0 if rng.random() < 0.3 else line[3]  # sometimes off the tape
            line[11] = rng.choice([0, 3, 4, int(rng.integers(8, 264))])
            expected, produced = rng.integers(*outputs), rng.integers(*outputs)
            line[13 : 13 + 2 * expected : 2] = rng.integers(8, 264, expected)
            line[13 : 13 + 2 * produced : 2] = rng.integers(8, 264, produced)
    return out


def observations(size: int, seed: int = 0, task_tokens=(1, T + 1), program_tokens=(0, L + 1)) -> dict[str, np.ndarray]:
    """Random observations: non-PAD prefixes of task and program, a random mask with STOP always allowed, effect ids
    drawn per row (so the knowledge store sees different tables)."""
    rng = np.random.default_rng(seed)
    task = np.zeros((size, T), np.int32)
    program = np.zeros((size, L), np.int32)
    for row in range(size):
        n = rng.integers(*task_tokens)
        task[row, :n] = rng.integers(1, 264, n)
        m = rng.integers(*program_tokens)
        program[row, :m] = rng.integers(1, A, m)
    mask = (rng.random((size, A)) < 0.6).astype(np.int8)
    mask[:, 0] = 1
    effects = np.stack([rng.permutation(np.arange(1, 30))[:A] for _ in range(size)]).astype(np.int32)
    return {"task": task, "program": program, "action_mask": mask, "action_effects": effects}


def tensors(obs: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {key: torch.as_tensor(value) for key, value in obs.items()}


def outputs(net, obs: dict[str, np.ndarray]):
    with torch.no_grad():
        return net(tensors(obs))


# ---------------------------------------------------------------------- names


def test_old_names_map_to_a_network_and_unknown_names_get_one_line():
    assert network_of_arm("pointer+memory") == ("small-context", "pointer")
    assert network_of_arm("permuted-plain") == ("small-context", "index+effects")
    assert LEGACY_MODELS["full-context"] == ARMS["full-context"] == ("full-context", "index")
    for name, actions in [*ARMS.values(), *LEGACY_MODELS.values()]:
        check_network(name, actions)
    with pytest.raises(ValueError, match="did you mean 'small-context'"):
        check_network("small-contxt", "pointer")
    with pytest.raises(ValueError, match="choose one of pointer, index, index\\+effects"):
        make("gru", "logits")
    with pytest.raises(ValueError, match="unknown arm 'memory'"):
        network_of_arm("memory")
    with pytest.raises(ValueError, match="lack \\['window'\\]"):
        build_net(
            {"name": "gru", "actions": "pointer", "dim": 8, "heads": 2, "layers": 1, "top_k": 2, "hidden": 8}, T, L, A
        )


# ---------------------------------------------------------------------- torch


@pytest.mark.parametrize("name,actions", NETWORKS)
def test_forward_shapes_masking_values_and_gradients(name, actions):
    net = make(name, actions)
    obs = observations(32)
    logits, values = net(tensors(obs))
    assert logits.shape == (32, A) and values.shape == (32,) and torch.isfinite(values).all()
    forbidden = torch.as_tensor(obs["action_mask"]) == 0
    _, raw = net.encode(tensors(obs))
    assert torch.equal(logits[forbidden], (raw + FLOAT_MIN)[forbidden]) and (logits[forbidden] < -1e38).all()
    assert torch.equal(logits[~forbidden], raw[~forbidden]) and torch.isfinite(logits[~forbidden]).all()
    samples = torch.distributions.Categorical(logits=logits).sample((200,))  # never a forbidden action
    assert not forbidden.gather(1, samples.T).any()
    (logits.clamp(min=-1e4).logsumexp(-1).sum() + values.sum()).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())
    assert parameter_count(net) == sum(p.numel() for p in net.parameters())


def test_index_effects_has_the_pointer_networks_parameters_but_its_head_and_table():
    """At the default sizes; the permuted-plain arm kept the pointer network's (unused) knowledge_key: so does index+effects."""
    sizes = {"dim": 64, "heads": 4, "layers": 2, "window": 16, "top_k": 8, "hidden": 128}
    counts = {
        actions: parameter_count(build_net({"name": "small-context", "actions": actions, **sizes}, 64, 32, 9))
        for actions in ACTION_HEADS
    }
    assert counts["pointer"] > 10_000
    # index+effects keeps the unused knowledge_key (d*d + d) of the permuted-plain arm it replaces
    extra = 64 * 9 + (64 * 64 + 64) * 2
    assert counts["index+effects"] == counts["pointer"] - 128 * 64 - 64 + 128 * 9 + 9 + extra


def test_entropy_of_masked_logits_counts_allowed_actions_only():
    net = make("small-context", "pointer")
    obs = observations(64, seed=3)
    logits, _ = outputs(net, obs)
    entropy = torch.distributions.Categorical(logits=logits).entropy()
    for row in range(64):
        p = torch.softmax(logits[row][obs["action_mask"][row] == 1], -1)
        assert entropy[row] == pytest.approx(float(-(p * p.log()).sum()), abs=1e-5)


def test_outputs_match_the_old_modules_reference():
    """Seed 0 at these sizes gives the weights the old RLlib modules had (same parameters, created in the same order),
    and the outputs they produced then (nets_reference.json, written by the old code)."""
    reference = json.loads(REFERENCE.read_text())
    assert (reference["task_length"], reference["program_length"], reference["num_actions"]) == (T, L, A)
    obs = observations(6, seed=0)
    for key, expected in reference["outputs"].items():
        name, actions = key.split()
        logits, values = outputs(make(name, actions, **reference["sizes"]), obs)
        want = np.array([[np.nan if x is None else x for x in row] for row in expected["logits"]], np.float32)
        allowed = ~np.isnan(want)
        assert np.array_equal(allowed, obs["action_mask"].astype(bool)), key
        np.testing.assert_allclose(logits.numpy()[allowed], want[allowed], rtol=1e-5, atol=1e-5, err_msg=key)
        np.testing.assert_allclose(values.numpy(), expected["values"], rtol=1e-5, atol=1e-5, err_msg=key)


def test_stream_indices_match_a_python_reference():
    rng = np.random.default_rng(1)
    n_task = torch.as_tensor(rng.integers(1, T, 20))
    length = n_task + torch.as_tensor(rng.integers(0, L, 20))
    positions = length[:, None] - 16 + torch.arange(16)[None, :]
    index, valid, is_task = stream_indices(n_task, length, T, positions)
    for row in range(20):
        for j in range(16):
            p = int(positions[row, j])
            assert bool(valid[row, j]) == (0 <= p < int(length[row]))
            if valid[row, j]:
                expected = p if p < int(n_task[row]) else T + p - int(n_task[row])
                assert int(index[row, j]) == expected and bool(is_task[row, j]) == (p < int(n_task[row]))


def permuted(obs: dict[str, np.ndarray], seed: int = 7) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The same observations with the action slots reordered (slots move with their effects and mask); STOP stays 0
    (the contract fixes it; 0 is also the program's PAD id). New slot s holds old slot perm[s]."""
    perm = np.concatenate([[0], 1 + np.random.default_rng(seed).permutation(A - 1)])
    inverse = np.argsort(perm)
    program = obs["program"].copy()
    nonzero = program != 0
    program[nonzero] = inverse[program[nonzero]]  # old action a now sits at slot inverse[a]
    assert not np.array_equal(program, obs["program"])
    moved = dict(obs, program=program, action_effects=obs["action_effects"][:, perm])
    moved["action_mask"] = obs["action_mask"][:, perm]
    return moved, perm


@pytest.mark.parametrize("name,actions", NETWORKS)
def test_pointer_heads_follow_slots_permuted_with_their_effects_and_index_heads_do_not(name, actions):
    """Nothing in a pointer network depends on the raw action index; the index heads are tied to it (that is what
    the transfer ablation's index arms and the permuted-plain baseline test)."""
    net = make(name, actions)
    obs = observations(16, seed=5, program_tokens=(3, L + 1))
    moved, perm = permuted(obs)
    (logits, value), (logits_p, value_p) = outputs(net, obs), outputs(net, moved)
    allowed = torch.as_tensor(moved["action_mask"]).bool()
    same = torch.allclose(logits_p[allowed], logits[:, perm][allowed], atol=1e-4)
    if actions == "pointer":
        assert same and torch.allclose(value, value_p, atol=1e-4)
    else:
        assert not same


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_the_index_head_reads_no_effect_ids(name):
    net = make(name, "index")
    obs = observations(8, seed=2)
    other = dict(obs, action_effects=obs["action_effects"][:, ::-1].copy())
    assert torch.equal(outputs(net, obs)[0], outputs(net, other)[0])


def test_memory_reads_tokens_that_left_the_window():
    """Changing task tokens far outside the window changes small-context's logits, not small-window's."""
    obs = observations(8, seed=9, task_tokens=(20, 21), program_tokens=(6, 7))
    changed = {key: value.copy() for key, value in obs.items()}
    changed["task"][:, :8] = (changed["task"][:, :8] % 250) + 9
    for actions in ACTION_HEADS:
        memory, window = make("small-context", actions), make("small-window", actions)
        assert not torch.allclose(outputs(memory, obs)[0], outputs(memory, changed)[0], atol=1e-6)
        assert torch.equal(outputs(window, obs)[0], outputs(window, changed)[0])


def test_works_on_a_longer_task_array_than_it_was_built_for():
    net = make("small-context", "pointer")
    obs = observations(4, seed=4)
    wider = dict(obs, task=np.concatenate([obs["task"], np.zeros((4, 16), np.int32)], 1))
    torch.testing.assert_close(outputs(net, obs), outputs(net, wider), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["small-context", "full-context"])
def test_reasoner_last_position_matches_the_full_causal_encoder(name):
    net = make(name, "pointer", layers=3)
    obs = tensors(observations(16, seed=3))
    with torch.no_grad():
        vectors, n_task, length, task_len = net.token_vectors(obs)
        positions = length[:, None] - net.window + torch.arange(net.window)[None, :]
        window, _ = net.gather_stream(vectors, n_task, length, task_len, positions)
        causal = torch.nn.Transformer.generate_square_subsequent_mask(net.window)
        full = net.reasoner(window, mask=causal, is_causal=True)[:, -1]
        torch.testing.assert_close(net.reason(window), full, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,actions", [(n, a) for n, a in NETWORKS if n != "gru"])
def test_trimming_pad_columns_changes_no_output(name, actions):
    net = make(name, actions)
    obs = tensors(observations(32, seed=5, task_tokens=(1, 8), program_tokens=(0, 4)))
    with torch.no_grad():
        trimmed = net.encode(obs)
        assert net.token_vectors(obs)[0].shape[1] < T + L
        original = net.token_vectors
        net.token_vectors = lambda o, trim=True: original(o, trim=False)
        untrimmed = net.encode(obs)
    torch.testing.assert_close(trimmed, untrimmed, rtol=1e-5, atol=1e-5)


def _retrieve_by_building_every_memory(net, state, vectors, n_task, length, task_len):
    """The memory read written plainly: build all B x N memories, score them, attend over the top k."""
    B, N, d = vectors.shape
    index = torch.arange(N)[None, :].expand(B, -1)
    is_task = index < task_len
    position = torch.where(is_task, index, n_task[:, None] + index - task_len)
    exists = torch.where(is_task, index < n_task[:, None], position < length[:, None])
    in_memory = exists & (position < (length - net.window)[:, None])
    kind = torch.where(is_task, 1, 2)
    memories = (
        vectors + net.type_embed(kind) + net.position_embed(position.clamp(0, net.position_embed.num_embeddings - 1))
    )
    query = net.memory_query(state)
    scores = torch.einsum("bnd,bd->bn", memories, query @ net.memory_key.weight) / d**0.5
    scores = scores.masked_fill(~in_memory, -1e9)
    top_scores, top_index = scores.topk(min(net.top_k, N), dim=1)
    top_values = net.memory_value(torch.gather(memories, 1, top_index[:, :, None].expand(-1, -1, d)))
    null_score = (net.null_key[None, :] * query).sum(-1, keepdim=True) / d**0.5
    weights = torch.softmax(torch.cat([null_score, top_scores], 1), dim=1)
    values = torch.cat([net.null_value.expand(B, 1, d), top_values], 1)
    return torch.einsum("bk,bkd->bd", weights, values)


def test_memory_read_matches_building_every_memory():
    net = make("small-context", "pointer", window=4)
    torch.nn.init.normal_(net.null_key)  # a non-zero null entry, so its weight matters too
    obs = tensors(observations(64, seed=11, task_tokens=(1, 20), program_tokens=(0, 12)))
    with torch.no_grad():
        vectors, n_task, length, task_len = net.token_vectors(obs)
        state = torch.randn(64, vectors.shape[-1])
        fast = net.retrieve(state, vectors, n_task, length, task_len)
        plain = _retrieve_by_building_every_memory(net, state, vectors, n_task, length, task_len)
    torch.testing.assert_close(fast, plain, rtol=1e-5, atol=1e-5)
    assert fast.abs().sum() > 0


# ---------------------------------------------------------------------- value features and execution input


def test_without_the_options_the_parameters_and_a_seeds_weights_are_the_old_ones():
    """value_features missing from the settings (old checkpoints' model_config) is False; the options' parameters are
    created after all others, so a seed gives the other parameters the weights they always had."""
    for name, actions in NETWORKS:
        plain = make(name, actions)
        assert not plain.value_features and plain.execution_shape is None and not plain.settings["value_features"]
        assert not [key for key in plain.state_dict() if key.startswith(("value_embed", "execution_"))]
        reading = make_reading(name, actions)
        old, new = plain.state_dict(), reading.state_dict()
        for key, value in old.items():
            assert torch.equal(new[key], value), (name, actions, key)
        added = {key.split(".")[0] for key in set(new) - set(old)}
        assert added == {"value_embed", "execution_field", "execution_run", "execution_state", "execution_position",
                         "execution_output"}  # fmt: skip
    d = SIZES["dim"]
    assert parameter_count(make("gru", "index", value_features=True)) == parameter_count(make("gru", "index")) + 18 * d


def test_value_features_add_a_bytes_bits_and_value_and_nothing_to_other_tokens():
    net = make("small-context", "pointer", value_features=True)
    ids = torch.tensor([0, 3, 7, 8, 9, 8 + 200, 263])
    with torch.no_grad():
        added = net.byte_vectors(ids) - net.task_embed(ids)
        assert torch.equal(added[:3], torch.zeros(3, SIZES["dim"]))  # PAD, END, a marker: embedding only
        features = torch.tensor(
            [
                [0.0] * 8 + [0.0] + [0.0] * 8,
                [1.0] + [0.0] * 7 + [1 / 255] + [1.0] + [0.0] * 7,
                [0, 0, 0, 1, 0, 0, 1, 1, 200 / 255] + [1.0] * 8,
                [1.0] * 8 + [1.0] + [1.0] * 8,
            ]
        )
        torch.testing.assert_close(added[3:], net.value_embed(features))
        # with the value layer zeroed the network is the plain one with the same seed
        net.value_embed.weight.zero_()
        net.value_embed.bias.zero_()
        obs = observations(8, seed=3)
        torch.testing.assert_close(outputs(net, obs), outputs(make("small-context", "pointer"), obs))


def test_without_byte_rows_a_byte_is_one_shared_row_plus_its_value_features():
    """byte_rows=False: no byte's own row is read (a row no training instance touched cannot steer the output), the
    parameters are the same, and the features still tell bytes apart; it needs value features."""
    net = make("small-context", "pointer", value_features=True, byte_rows=False)
    assert net.settings["byte_rows"] is False
    assert parameter_count(net) == parameter_count(make("small-context", "pointer", value_features=True))
    ids = torch.tensor([0, 3, 7, 8, 9, 8 + 2, 263])
    with torch.no_grad():
        before = net.byte_vectors(ids)
        net.task_embed.weight[9:].normal_()  # every byte row but byte 0's
        torch.testing.assert_close(net.byte_vectors(ids), before)
        assert not torch.allclose(before[4], before[5])  # bytes 1 and 2 still differ
        net.task_embed.weight[8].zero_()
        features = torch.tensor(
            [
                [0.0] * 17,
                [1.0] + [0.0] * 7 + [1 / 255] + [1.0] + [0.0] * 7,
                [0, 1.0] + [0.0] * 6 + [2 / 255] + [1.0, 1.0] + [0.0] * 6,
                [1.0] * 8 + [1.0] + [1.0] * 8,
            ]
        )
        torch.testing.assert_close(net.byte_vectors(ids)[3:], net.value_embed(features))
        net.task_embed.weight[:3].normal_()  # PAD, END and markers keep their own rows
        assert not torch.allclose(net.byte_vectors(ids)[:3], before[:3])
    with pytest.raises(ValueError, match="value_features"):
        make("small-context", "pointer", byte_rows=False)


def test_signed_step_reads_the_step_column_as_a_signed_step_and_nothing_else():
    """signed_step: column 12's byte b enters as s = b (b < 128) else b - 256: [s > 0, s < 0, 1[|s| >= k] k = 1..8,
    |s| / 128] through step_embed, so 255 (a fall of 1) and 1 differ in the sign features only; other columns and
    the output pairs are read as before."""
    net = make_reading("small-context", "pointer", byte_rows=False, signed_step=True)
    assert net.settings["signed_step"] is True and "step_embed.weight" in net.state_dict()
    ids = torch.tensor([0, 3, 8 + 0, 8 + 1, 8 + 255, 8 + 254, 8 + 128, 8 + 127])
    with torch.no_grad():
        added = net.step_vectors(ids) - net.task_embed(torch.where(ids >= 8, torch.full_like(ids, 8), ids))
        assert torch.equal(added[:2], torch.zeros(2, SIZES["dim"]))  # PAD, END: embedding only
        up, down = [1.0, 0.0], [0.0, 1.0]
        features = torch.tensor(
            [
                [0.0] * 11,
                up + [1.0] + [0.0] * 7 + [1 / 128],
                down + [1.0] + [0.0] * 7 + [1 / 128],
                down + [1.0, 1.0] + [0.0] * 6 + [2 / 128],
                down + [1.0] * 8 + [1.0],
                up + [1.0] * 8 + [127 / 128],
            ]
        )
        torch.testing.assert_close(added[2:], net.step_embed(features))
    # One run whose only byte is the step column (PAD elsewhere reads no value features): its state token does not
    # move when the value features' weights do (it does without signed_step), and without the sign weights a fall
    # of k and a rise of k give the same token.
    execution = np.zeros((4, *EXECUTION_SHAPE), np.int32)
    execution[:, 0, 0] = 1
    execution[:, 0, 12] = 8 + np.array([1, 255, 2, 254])
    for signed in (True, False):
        reader = net if signed else make_reading("small-context", "pointer", byte_rows=False)
        with torch.no_grad():
            before = reader.execution_tokens({"execution": torch.as_tensor(execution)})[0]
            reader.value_embed.weight.normal_()
            after = reader.execution_tokens({"execution": torch.as_tensor(execution)})[0]
        assert torch.equal(after, before) == signed
    with torch.no_grad():
        net.step_embed.weight[:, :2].zero_()
        tokens = net.execution_tokens({"execution": torch.as_tensor(execution)})[0][:, 0]
    torch.testing.assert_close(tokens[0], tokens[1])
    torch.testing.assert_close(tokens[2], tokens[3])
    assert not torch.allclose(tokens[0], tokens[2])


@pytest.mark.parametrize("name,actions", NETWORKS)
def test_execution_input_shapes_gradients_and_it_is_read(name, actions):
    net = make(name, actions, execution_shape=EXECUTION_SHAPE, value_features=True)
    obs = dict(observations(16, seed=2), execution=execution_rows(16, seed=2, runs=(1, E + 1)))
    logits, values = net(tensors(obs))
    assert logits.shape == (16, A) and values.shape == (16,) and torch.isfinite(values).all()
    (logits.clamp(min=-1e4).logsumexp(-1).sum() + values.sum()).backward()
    for key, parameter in net.named_parameters():
        if key.startswith(("execution_", "value_embed")):
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, key
    changed = dict(obs, execution=execution_rows(16, seed=3, runs=(1, E + 1)))
    assert not torch.allclose(outputs(net, obs)[1], outputs(net, changed)[1], atol=1e-6)
    # A network built without execution input ignores the key (the env may give it to every policy).
    plain = make(name, actions)
    torch.testing.assert_close(outputs(plain, obs), outputs(plain, {k: v for k, v in obs.items() if k != "execution"}))


@pytest.mark.parametrize("name", ["small-context", "small-window", "gru"])
def test_execution_tokens_stay_in_view_however_long_the_stream(name):
    """The stream is 3-5 times the window: one field of the first run still moves every row's logits (the memory
    holds stream tokens only, and the window holds none of the execution)."""
    net = make_reading(name)
    obs = dict(
        observations(8, seed=9, task_tokens=(16, 21), program_tokens=(6, 7)),
        execution=execution_rows(8, runs=(1, E + 1), outputs=(1, OUT + 1)),
    )
    for column, (before, after) in {0: (1, 2), 2: (8, 9), 11: (3, 4), 12: (8 + 65, 8 + 66), 13: (0, 8)}.items():
        one, other = ({key: value.copy() for key, value in obs.items()} for _ in range(2))
        one["execution"][:, 0, column], other["execution"][:, 0, column] = before, after
        moved = (outputs(net, one)[0] - outputs(net, other)[0]).abs().amax(1)
        assert (moved > 1e-5).all(), (column, moved)


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_missing_runs_and_positions_and_the_batch_around_a_row_change_no_output(name):
    """A row's outputs do not depend on the other rows of its batch (trimming on the batch's maximum), nor on whether
    its missing runs and output positions were trimmed away."""
    net = make_reading(name)
    obs = dict(observations(12, seed=4), execution=execution_rows(12, seed=4, runs=(0, 2), outputs=(0, 3)))
    with torch.no_grad():
        together = net(tensors(obs))
        alone = [net(tensors({key: value[row : row + 1] for key, value in obs.items()})) for row in range(12)]
        tokens, present = net.execution_tokens(tensors(obs))
        assert tokens.shape[1] < E + OUT and present.any()
        original = net.execution_tokens
        net.execution_tokens = lambda o, trim=True: original(o, trim=False)
        untrimmed = net(tensors(obs))
    torch.testing.assert_close(together, untrimmed, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(together[0], torch.cat([a[0] for a in alone]), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(together[1], torch.cat([a[1] for a in alone]), rtol=1e-5, atol=1e-5)


def test_execution_shape_and_observation_are_checked_in_one_line():
    with pytest.raises(ValueError, match=r"execution_shape \(3, 28\) is not"):
        make("small-context", "pointer", execution_shape=(3, 28))
    net = make_reading("small-window")
    with pytest.raises(ValueError, match="has no 'execution'.*execution=True"):
        net(tensors(observations(2)))
    with pytest.raises(ValueError, match=r"shape \(2, 29\); this network was built for \(3, 29\)"):
        net(tensors(dict(observations(2), execution=np.zeros((2, 2, 29), np.int32))))


# ---------------------------------------------------------------------- effects as parts

PARTS_EFFECT_IDS = np.array([*range(2, 10), 51, 52, 1, 20, 45, 49, NUM_EFFECTS, 60], np.int32)
"""Brainfuck parts, the EOF variants, identity-only ids (stop, Befunge, Whitespace) and zero rows past NUM_EFFECTS."""


def parts_effects(size: int, seed: int = 0) -> np.ndarray:
    """(size, A) effect ids drawn from PARTS_EFFECT_IDS, a fresh draw per row."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.choice(PARTS_EFFECT_IDS, A, replace=False) for _ in range(size)]).astype(np.int32)


@pytest.mark.parametrize("name,actions", PARTS_NETWORKS)
def test_effects_as_parts_read_a_constant_table_through_a_learned_linear(name, actions):
    """The parts matrix is a buffer (moves with the net, no gradient, not in the state dict, so checkpoints hold the
    parameters alone); the Linear(P -> d) takes effect_embed's place, and it gets gradients."""
    ids, parts = make(name, actions), make(name, actions, effects="parts")
    assert (ids.effects, parts.effects, parts.settings["effects"]) == ("ids", "parts", "parts")
    assert torch.equal(parts.effect_parts_table, torch.from_numpy(effect_parts_matrix(MAX_EFFECTS)))
    assert parts.effect_parts_table.shape == (64, NUM_PART_COLUMNS) and not parts.effect_parts_table.requires_grad
    assert "effect_parts_table" not in parts.state_dict() and not hasattr(parts, "effect_embed")
    assert "effect_parts.weight" in parts.state_dict() and "effect_embed.weight" in ids.state_dict()
    d = SIZES["dim"]
    assert parameter_count(parts) == parameter_count(ids) - 64 * d + NUM_PART_COLUMNS * d + d
    obs = dict(observations(16, seed=2), action_effects=parts_effects(16, seed=2))
    logits, values = parts(tensors(obs))
    (logits.clamp(min=-1e4).logsumexp(-1).sum() + values.sum()).backward()
    assert parts.effect_parts.weight.grad is not None and parts.effect_parts.weight.grad.abs().sum() > 0


def test_effect_ids_with_equal_parts_rows_get_the_same_knowledge_and_logit():
    """Two ids whose parts rows are equal are one knowledge vector (where the ids net has two): the zero rows past
    NUM_EFFECTS, and `,` (7) and its EOF variant (51) once their rows are made equal; the pointer head then gives
    their slots the same logit."""
    parts, ids = make("small-context", "pointer", effects="parts"), make("small-context", "pointer")
    effects = torch.tensor([[7, 51, NUM_EFFECTS, 60, 4, 5, 2, 3, 6]])
    with torch.no_grad():
        knowledge = parts.knowledge(effects)[0]
        torch.testing.assert_close(knowledge[2], knowledge[3], rtol=0, atol=0)
        assert not torch.allclose(ids.knowledge(effects)[0, 2], ids.knowledge(effects)[0, 3])
        assert not torch.allclose(knowledge[0], knowledge[1])  # `,` and its EOF variant: different parts rows
        parts.effect_parts_table[51] = parts.effect_parts_table[7]
        knowledge = parts.knowledge(effects)[0]
        torch.testing.assert_close(knowledge[0], knowledge[1], rtol=0, atol=0)
        obs = dict(observations(4, seed=6), action_effects=effects.numpy().repeat(4, 0))
        obs["action_mask"][:] = 1
        logits = outputs(parts, obs)[0]
    torch.testing.assert_close(logits[:, 0], logits[:, 1], rtol=0, atol=0)
    torch.testing.assert_close(logits[:, 2], logits[:, 3], rtol=0, atol=0)
    assert not torch.allclose(logits[:, 0], logits[:, 2])


def test_effects_setting_missing_is_ids_and_bad_values_are_one_line():
    """Settings written before `effects` existed (old checkpoints' model_config) build the ids net; an unknown value
    and `parts` with the index head (which reads no effects) are refused in one line naming the value and choices."""
    old = make("small-context", "pointer")
    assert old.effects == "ids" and hasattr(old, "effect_embed")
    with pytest.raises(ValueError, match=r"^model effects 'bits' is unknown; choose one of ids, parts$"):
        make("small-context", "pointer", effects="bits")
    with pytest.raises(ValueError, match=r"^model effects 'parts' needs an action head .* actions 'index' reads none$"):
        make("full-context", "index", effects="parts")


# ---------------------------------------------------------------------- Flax twins


@pytest.mark.parametrize("reads", ["plain", "reading", "value-only"])
@pytest.mark.parametrize("name,actions", NETWORKS)
def test_flax_twin_with_the_torch_weights_gives_the_same_outputs(name, actions, reads):
    """Streams of every length (many longer than the window, so memory retrieval runs), masked actions, perturbed
    weights (non-zero null memory entry, non-zero biases); `reading`: value features and execution input on, with
    0 to E runs per row (the torch net trims, the Flax net masks)."""
    pytest.importorskip("jax")
    net = make(name, actions) if reads == "plain" else make_reading(name, actions, byte_rows=reads == "reading")
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    obs = observations(48, seed=1)
    if reads != "plain":
        obs["execution"] = execution_rows(48, seed=1, outputs=(0, OUT - 1))
    assert ((obs["task"] != 0).sum(1) + (obs["program"] != 0).sum(1) > SIZES["window"]).mean() > 0.8
    assert (obs["action_mask"] == 0).any()
    twin = assert_flax_twin_matches(net, obs)
    assert (twin.value_features, twin.execution_shape) == (reads != "plain", net.execution_shape)
    assert twin.byte_rows == (reads != "value-only") and twin.effects == "ids"


def assert_flax_twin_matches(net, obs: dict[str, np.ndarray]):
    """The Flax twin of `net` with its weights copied in: every parameter copied, equal logits on allowed actions,
    equal values, probability exactly 0 on forbidden actions on both sides. Returns the twin."""
    jax = pytest.importorskip("jax")
    flax_nets = pytest.importorskip("agents.nets.flax_nets")
    logits, values = outputs(net, obs)
    twin = flax_nets.build_net(net.settings, net.task_length, net.program_length, net.num_actions, net.execution_shape)
    params = flax_nets.flax_params_from_torch(net)
    template = jax.eval_shape(twin.init, jax.random.PRNGKey(0), obs)  # every Flax parameter is copied, shapes agree
    assert jax.tree_util.tree_structure(template) == jax.tree_util.tree_structure(params)
    for (path, like), value in zip(
        jax.tree_util.tree_flatten_with_path(template)[0], jax.tree_util.tree_leaves(params), strict=True
    ):
        assert like.shape == value.shape, jax.tree_util.keystr(path)
    flax_logits, flax_values = (np.asarray(x) for x in twin.apply(params, obs))
    allowed = obs["action_mask"].astype(bool)
    np.testing.assert_allclose(flax_logits[allowed], logits.numpy()[allowed], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(flax_values, values.numpy(), rtol=1e-5, atol=1e-5)
    # forbidden actions: probability exactly 0 on both sides
    assert (np.asarray(jax.nn.softmax(flax_logits))[~allowed] == 0).all()
    assert (torch.softmax(logits, -1).numpy()[~allowed] == 0).all()
    return twin


@pytest.mark.parametrize("name,actions", NETWORKS)
def test_flax_twin_with_a_signed_step_gives_the_same_outputs(name, actions):
    pytest.importorskip("jax")
    net = make_reading(name, actions, byte_rows=False, signed_step=True)
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    obs = dict(observations(32, seed=5), execution=execution_rows(32, seed=5, outputs=(0, OUT - 1)))
    obs["execution"][:16, :, 12] = 8 + np.arange(240, 256)[:, None]  # falls, beside the random bytes of the rest
    assert assert_flax_twin_matches(net, obs).signed_step


@pytest.mark.parametrize("reads", ["plain", "reading"])
@pytest.mark.parametrize("name,actions", PARTS_NETWORKS)
def test_flax_twin_reading_effects_as_parts_gives_the_same_outputs(name, actions, reads):
    """effects="parts": the torch net's parts Linear copied into the Flax Dense gives equal outputs, on effect ids of
    every kind (Brainfuck parts, the EOF variants 51 and 52, identity-only ids, zero rows past NUM_EFFECTS)."""
    pytest.importorskip("jax")
    net = make(name, actions, effects="parts") if reads == "plain" else make_reading(name, actions, effects="parts")
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    obs = dict(observations(48, seed=5), action_effects=parts_effects(48, seed=5))
    if reads == "reading":
        obs["execution"] = execution_rows(48, seed=5, outputs=(0, OUT - 1))
    twin = assert_flax_twin_matches(net, obs)
    assert twin.effects == "parts" and twin.value_features == (reads == "reading")


@pytest.mark.parametrize("reads", ["plain", "reading"])
@pytest.mark.parametrize("name,actions", [(n, a) for n, a in NETWORKS if n != "gru"])
def test_flax_top_layer_computing_the_last_position_only_changes_no_output(name, actions, reads):
    """The policy reads only the last position of the top layer: skipping the other rows must not change outputs."""
    import dataclasses

    jax = pytest.importorskip("jax")
    flax_nets = pytest.importorskip("agents.nets.flax_nets")
    settings = {"name": name, "actions": actions, **SIZES, "value_features": reads == "reading"}
    model = flax_nets.build_net(settings, T, L, A, EXECUTION_SHAPE if reads == "reading" else None)
    obs = observations(5, seed=0)
    if reads == "reading":
        obs["execution"] = execution_rows(5, seed=0)
    params = model.init(jax.random.PRNGKey(1), obs)
    everything = dataclasses.replace(model, last_position_only=False)
    assert model.last_position_only
    for got, want in zip(model.apply(params, obs), everything.apply(params, obs), strict=True):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-5)
