"""JaxSettings.grad_chunk: a PPO minibatch's and a SIL batch's gradient taken in chunks equals the whole batch's
(agents.backends.jax.chunked_gradient; sums in another order, so up to float rounding)."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("flax")

import jax.numpy as jnp  # noqa: E402

from agents.backends.jax import chunk_rows, chunked_gradient  # noqa: E402

CURRICULUM = """
name: jax-chunk
scheduler: staged
language: bf
promotion: {threshold: 0.7, window: 64}
stages:
  - name: first
    mixture: [{family: emit-char, level: 0}, {family: echo-byte, level: 0}]
"""


def _close(a, b, rtol=2e-5, atol=1e-6) -> None:
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol)


def test_chunk_rows_is_the_largest_divisor_not_above_the_chunk():
    assert chunk_rows(512, 64) == 64
    assert chunk_rows(512, 0) == 512 and chunk_rows(512, 1024) == 512
    assert chunk_rows(96, 64) == 48 and chunk_rows(7, 4) == 1


def test_chunked_gradient_equals_the_whole_batch_gradient():
    rng = np.random.default_rng(0)
    params = {"w": jnp.asarray(rng.normal(size=(5, 3)), jnp.float32), "b": jnp.zeros(3)}
    batch = (jnp.asarray(rng.normal(size=(24, 5)), jnp.float32), jnp.asarray(rng.integers(0, 3, 24)))

    def loss(p, part):
        x, y = part
        logp = jax.nn.log_softmax(jnp.tanh(x @ p["w"] + p["b"]))
        nll = -jnp.take_along_axis(logp, y[:, None], axis=1)[:, 0]
        return nll.mean(), {"nll": nll.mean(), "top": (logp.argmax(-1) == y).mean()}

    whole = jax.grad(loss, has_aux=True)(params, batch)
    for rows in (24, 12, 8, 3):
        _close(chunked_gradient(loss, params, batch, rows), whole)
    assert float(jnp.abs(whole[0]["w"]).sum()) > 0  # not a vacuous comparison


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    from agents.backends.jax import Backend
    from agents.config import TrainConfig

    folder = tmp_path_factory.mktemp("chunk")
    (folder / "curriculum.yaml").write_text(CURRICULUM)
    cfg = TrainConfig.from_dict(
        {
            "curriculum": str(folder / "curriculum.yaml"),
            "model": {"dim": 16, "heads": 2, "layers": 1, "window": 4, "top_k": 2, "hidden": 16},
            "ppo": {"train_batch_size": 128, "minibatch_size": 64, "num_epochs": 2},
            "max_program_length": 8,
            "backend": "jax",
            "execution": True,
            "jax": {"num_envs": 8, "pool_size": 4, "pool_refresh": 0, "verify_chunk": 32, "grad_chunk": 0},
        }
    )
    return Backend(cfg, folder / "run", None, log=lambda _: None)


def _update_gap(new, reference, start) -> float:
    """|new - reference| / |reference - start| over all parameters: how far two updates of `start` differ."""
    leaves = lambda tree: np.concatenate([np.ravel(np.asarray(x)) for x in jax.tree_util.tree_leaves(tree)])  # noqa: E731
    moved = np.linalg.norm(leaves(reference) - leaves(start))
    assert moved > 1e-4  # the update did something
    return float(np.linalg.norm(leaves(new) - leaves(reference)) / moved)


def test_the_nets_gradient_in_chunks_equals_the_whole_batch(backend):
    """No row of the execution-reading net sees another: a PPO-like loss's gradient over chunks is the batch's."""
    _, traj, _, _ = backend.collect(backend.runner, backend.pool.params)
    obs = jax.tree_util.tree_map(lambda x: x.reshape((-1,) + x.shape[2:])[:64], traj.obs)
    actions = traj.action.reshape(-1)[:64]
    apply = backend.model.apply

    def loss(p, part):
        o, a = part
        logits, value = apply(p, o)
        log_prob = jnp.take_along_axis(jax.nn.log_softmax(logits), a[:, None], axis=1)[:, 0]
        return (-log_prob + 0.5 * value**2).mean(), {"value": value.mean()}

    params = backend.runner.train_state.params
    whole = jax.grad(loss, has_aux=True)(params, (obs, actions))
    scale = max(float(jnp.abs(g).max()) for g in jax.tree_util.tree_leaves(whole[0]))
    assert scale > 0
    _close(chunked_gradient(loss, params, (obs, actions), 16), whole, rtol=1e-4, atol=1e-5 * scale)


def test_ppo_learn_in_chunks_makes_the_whole_minibatchs_update(backend):
    """The same update up to float rounding, which Adam's first steps amplify only in near-zero gradient entries."""
    from agents.backends.jax import make_functions
    from reasonenv.envs.jax_token_env import JaxTokenEnv

    cfg = backend.cfg
    runner, traj, last_value, _ = backend.collect(backend.runner, backend.pool.params)
    learned = {}
    for chunk in (0, 16):
        _, learn = make_functions(
            JaxTokenEnv(backend.pool.params), backend.model, cfg.ppo, backend.num_envs, backend.num_steps,
            cfg.jax.verify_chunk, grad_chunk=chunk,
        )  # fmt: skip
        learned[chunk] = learn(runner, traj, last_value)
    (whole, whole_stats), (chunked, chunked_stats) = learned[0], learned[16]
    start = runner.train_state.params
    assert _update_gap(chunked.train_state.params, whole.train_state.params, start) < 0.05
    for name in ("policy_loss", "vf_loss", "entropy"):
        np.testing.assert_allclose(float(chunked_stats[name]), float(whole_stats[name]), rtol=1e-3, atol=1e-5)


def test_sil_step_in_chunks_equals_the_whole_batch(backend):
    import optax

    from agents.backends.jax import make_sil_step

    _, traj, _, _ = backend.collect(backend.runner, backend.pool.params)
    obs = jax.tree_util.tree_map(lambda x: x.reshape((-1,) + x.shape[2:])[:48], traj.obs)
    actions = traj.action.reshape(-1)[:48]
    returns = jnp.linspace(-1.0, 2.0, 48)
    weights = (jnp.arange(48) < 37).astype(jnp.float32)  # padding rows at the end, as Backend.imitate pads
    tx = optax.chain(optax.clip_by_global_norm(0.5), optax.adam(1e-3))
    params = backend.runner.train_state.params
    out = {}
    for chunk in (0, 16):
        step = make_sil_step(backend.model.apply, tx, 1.0, chunk)
        out[chunk] = step(params, tx.init(params), obs, actions, returns, weights)
    (whole_params, _, whole_loss, whole_nll), (params16, _, loss16, nll16) = out[0], out[16]
    np.testing.assert_allclose([float(loss16), float(nll16)], [float(whole_loss), float(whole_nll)], rtol=1e-5)
    assert float(whole_loss) > 0
    assert _update_gap(params16, whole_params, params) < 0.05
