#!/usr/bin/python3
"""The addition RNN written as a PyTorch user would: autograd, batched, torch.optim.SGD.

Same model, loss and update as carry: 2 inputs, H sigmoid hidden units with a recurrent matrix,
one sigmoid output, no biases; loss 0.5 * sum over bits of (y - out)^2, averaged over the batch;
operands uniform in [0, 2^(T-1)), bits fed least significant first. Problems are drawn on the
device every step, as a user would.

Run:  /usr/bin/python3 bench/peers/torch_rnn.py --batch 16384 --threads 2 [--device cuda]
Prints one JSON object: the median samples/s over --repeats timed runs of --steps steps.
"""
import argparse
import json
import statistics
import time

import torch


class AdditionRNN(torch.nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.w0 = torch.nn.Parameter(2 * torch.rand(2, hidden) - 1)
        self.wh = torch.nn.Parameter(2 * torch.rand(hidden, hidden) - 1)
        self.w1 = torch.nn.Parameter(2 * torch.rand(hidden, 1) - 1)

    def forward(self, x):  # x: (T, B, 2) -> out: (T, B, 1)
        h = torch.zeros(x.shape[1], self.wh.shape[0], device=x.device)
        outputs = []
        for x_t in x:
            h = torch.sigmoid(x_t @ self.w0 + h @ self.wh)
            outputs.append(torch.sigmoid(h @ self.w1))
        return torch.stack(outputs)


def batch(batch_size, bits, device):
    limit = 2 ** (bits - 1)
    a = torch.randint(0, limit, (batch_size,), device=device)
    b = torch.randint(0, limit, (batch_size,), device=device)
    shifts = torch.arange(bits, device=device)[:, None]
    x = torch.stack([(a >> shifts) & 1, (b >> shifts) & 1], dim=2).float()  # (T, B, 2)
    y = (((a + b) >> shifts) & 1).float()[:, :, None]  # (T, B, 1)
    return x, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16384)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--bits", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--steps", type=int, default=0, help="steps per timed run (0: ~0.3 s)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compile", action="store_true", help="torch.compile the step (torch 2)")
    args = parser.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    model = AdditionRNN(args.hidden).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

    def step():
        x, y = batch(args.batch, args.bits, device)
        optimizer.zero_grad()
        loss = 0.5 * ((y - model(x)) ** 2).sum() / args.batch
        loss.backward()
        optimizer.step()
        return loss

    if args.compile:
        step = torch.compile(step)

    def synchronize():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def timed(steps):
        synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        synchronize()
        return time.perf_counter() - start

    timed(3)  # warm-up
    steps = args.steps
    if steps <= 0:
        steps = max(1, int(0.3 / max(timed(3) / 3, 1e-7)))
    seconds = statistics.median(timed(steps) for _ in range(args.repeats))
    print(json.dumps({
        "peer": "pytorch" + ("-compile" if args.compile else ""),
        "framework": "torch " + torch.__version__,
        "device": args.device,
        "threads": torch.get_num_threads(),
        "batch": args.batch, "hidden": args.hidden, "bits": args.bits, "lr": args.lr,
        "steps": steps, "repeats": args.repeats,
        "samples_per_s": steps * args.batch / seconds,
        "steps_per_s": steps / seconds,
    }))


if __name__ == "__main__":
    main()
