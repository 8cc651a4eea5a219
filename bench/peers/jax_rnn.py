#!/usr/bin/python3
"""The addition RNN in JAX: jit-compiled step, lax.scan over the bits, plain SGD.

The same model, loss and update as carry and bench/peers/torch_rnn.py (see there). JAX is not
packaged by Debian; this peer runs where JAX is installed (typically a GPU machine).

Run:  python3 bench/peers/jax_rnn.py --batch 16384 [--device gpu]
Prints one JSON object: the median samples/s over --repeats timed runs of --steps steps.
"""
import argparse
import json
import statistics
import time

import jax
import jax.numpy as jnp


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16384)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--bits", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--steps", type=int, default=0, help="steps per timed run (0: ~0.3 s)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="accepted for symmetry; unused")
    parser.add_argument("--device", default=None, help="cpu or gpu (default: JAX's choice)")
    args = parser.parse_args()
    if args.device:
        jax.config.update("jax_platform_name", args.device.replace("cuda", "gpu"))

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

    timed(3)  # compile and warm up
    steps = args.steps if args.steps > 0 else max(1, int(0.3 / max(timed(3) / 3, 1e-7)))
    seconds = statistics.median(timed(steps) for _ in range(args.repeats))
    print(json.dumps({
        "peer": "jax",
        "framework": "jax " + jax.__version__,
        "device": str(jax.devices()[0]),
        "threads": args.threads,
        "batch": batch, "hidden": hidden, "bits": bits, "lr": lr,
        "steps": steps, "repeats": args.repeats,
        "samples_per_s": steps * batch / seconds,
        "steps_per_s": steps / seconds,
    }))


if __name__ == "__main__":
    main()
