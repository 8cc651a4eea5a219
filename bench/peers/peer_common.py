"""What every peer in this folder shares: its command line, the timing rule and the JSON it prints.

A peer trains the same model as carry (2 inputs, H sigmoid hidden units with a recurrent matrix,
one sigmoid output, no biases; loss 0.5 * sum over bits of (y - out)^2, averaged over the batch;
plain SGD) on problems it draws itself every step, and prints one JSON object for `carry bench`.
"""
import argparse
import json
import statistics


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--batch", type=int, default=16384)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--bits", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--steps", type=int, default=0, help="steps per timed run (0: ~0.3 s)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: the default)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compile", action="store_true", help="compile the step (torch 2)")
    return parser.parse_args()


def measure(timed, args):
    """timed(n) runs n steps and returns seconds (finished on the device). Warm up, pick the steps
    per run (~0.3 s unless --steps), return (steps, median seconds over --repeats runs)."""
    timed(3)
    steps = args.steps if args.steps > 0 else max(1, int(0.3 / max(timed(3) / 3, 1e-7)))
    return steps, statistics.median(timed(steps) for _ in range(args.repeats))


def report(peer, framework, device, threads, args, steps, seconds):
    print(json.dumps({
        "peer": peer, "framework": framework, "device": device, "threads": threads,
        "batch": args.batch, "hidden": args.hidden, "bits": args.bits, "lr": args.lr,
        "steps": steps, "repeats": args.repeats,
        "samples_per_s": steps * args.batch / seconds,
        "steps_per_s": steps / seconds,
    }))
