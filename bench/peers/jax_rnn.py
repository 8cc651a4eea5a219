#!/usr/bin/python3
"""The addition RNN in JAX: a jit-compiled step, lax.scan over the bits, plain SGD.

Same model, loss and update as carry (see peer_common.py). JAX is not packaged by Debian; this
peer runs where JAX is installed (typically a GPU machine) and `carry bench --peers` skips it
elsewhere.

Run:  python3 bench/peers/jax_rnn.py --batch 16384 [--device gpu]
Prints one JSON object: the median samples/s over --repeats timed runs of --steps steps.
"""
import time

import jax
import jax.numpy as jnp

import peer_common


def main():
    args = peer_common.arguments(__doc__.splitlines()[0])
    jax.config.update("jax_platform_name", "gpu" if args.device in ("cuda", "gpu") else "cpu")
    batch, hidden, bits, lr = args.batch, args.hidden, args.bits, args.lr
    limit = 2 ** (bits - 1)
    k0, k1, k2, data_key = jax.random.split(jax.random.PRNGKey(0), 4)
    params = {
        "w0": jax.random.uniform(k0, (2, hidden), minval=-1.0, maxval=1.0),
        "wh": jax.random.uniform(k1, (hidden, hidden), minval=-1.0, maxval=1.0),
        "w1": jax.random.uniform(k2, (hidden, 1), minval=-1.0, maxval=1.0),
    }

    def loss_fn(p, x, y):  # x: (T, B, 2), y: (T, B)
        def cell(h, x_t):
            h = jax.nn.sigmoid(x_t @ p["w0"] + h @ p["wh"])
            return h, jax.nn.sigmoid(h @ p["w1"])[:, 0]

        _, out = jax.lax.scan(cell, jnp.zeros((batch, hidden)), x)
        return 0.5 * jnp.sum((y - out) ** 2) / batch

    @jax.jit
    def step(p, key):
        key, key_a, key_b = jax.random.split(key, 3)
        a = jax.random.randint(key_a, (batch,), 0, limit)
        b = jax.random.randint(key_b, (batch,), 0, limit)
        shifts = jnp.arange(bits)[:, None]
        x = jnp.stack([(a >> shifts) & 1, (b >> shifts) & 1], axis=2).astype(jnp.float32)
        y = (((a + b) >> shifts) & 1).astype(jnp.float32)
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y)
        return jax.tree_util.tree_map(lambda w, g: w - lr * g, p, grads), key, loss

    def timed(steps):
        nonlocal params, data_key
        start = time.perf_counter()
        for _ in range(steps):
            params, data_key, loss = step(params, data_key)
        loss.block_until_ready()
        return time.perf_counter() - start

    steps, seconds = peer_common.measure(timed, args)
    peer_common.report("jax", "jax " + jax.__version__, str(jax.devices()[0]), args.threads, args,
                       steps, seconds)


if __name__ == "__main__":
    main()
