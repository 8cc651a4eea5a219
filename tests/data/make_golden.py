#!/usr/bin/python3
"""Regenerates the golden seed trajectories in this folder from the seed program itself.

The seed program is the numpy RNN of iamtrask's 2015 blog post "Anyone Can Learn To Code an
LSTM-RNN in Python (Part 1: RNN)" (its code as published there, saved to a file); it is not part
of this repository, and the golden files here were made from it with this script.

Run from the repository root:  /usr/bin/python3 tests/data/make_golden.py SEED_PROGRAM.py
For each variant it runs the seed program with np.random.seed, hidden_dim, alpha and the step
count changed (the same edit a user would make by hand), saves what it prints as
seed_<name>.txt and its final synapse_0, synapse_h, synapse_1 as seed_<name>_weights.json.
Needs Debian's python3-numpy. The files it writes are committed; tests only read them.
"""
import contextlib, io, json, sys

VARIANTS = [  # name, seed, hidden, lr, steps
    ("default", 0, 16, 0.1, 10000),
    ("s1_h8_lr0.25_n3000", 1, 8, 0.25, 3000),
    ("s42_h32_lr0.05_n2000", 42, 32, 0.05, 2000),
    ("s7_h1_lr0.5_n2000", 7, 1, 0.5, 2000),
]


def edited(source, seed, hidden, lr, steps):
    replacements = {
        "np.random.seed(0)": "np.random.seed(%d)" % seed,
        "hidden_dim = 16": "hidden_dim = %d" % hidden,
        "alpha = 0.1": "alpha = %r" % lr,
        "for j in range(10000):": "for j in range(%d):" % steps,
    }
    for old, new in replacements.items():
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


def main(seed_path):
    source = open(seed_path).read()
    for name, seed, hidden, lr, steps in VARIANTS:
        scope = {}
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(edited(source, seed, hidden, lr, steps), seed_path, "exec"), scope)
        with open("tests/data/seed_%s.txt" % name, "w") as out:
            out.write(printed.getvalue())
        weights = {
            "seed": seed, "hidden": hidden, "lr": lr, "steps": steps,
            "W0": scope["synapse_0"].tolist(),
            "Wh": scope["synapse_h"].tolist(),
            "W1": scope["synapse_1"].tolist(),
        }
        with open("tests/data/seed_%s_weights.json" % name, "w") as out:
            json.dump(weights, out)
            out.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_golden.py SEED_PROGRAM.py (the seed program's path)")
    main(sys.argv[1])
