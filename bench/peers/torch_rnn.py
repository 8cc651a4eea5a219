#!/usr/bin/python3
"""The addition RNN written as a PyTorch user would: autograd, batched, torch.optim.SGD.

Same model, loss and update as carry (see peer_common.py); operands uniform in [0, 2^(T-1)),
bits fed least significant first, drawn on the device every step as a user would.

Run:  /usr/bin/python3 bench/peers/torch_rnn.py --batch 16384 --threads 2 [--device cuda] [--compile]
Prints one JSON object: the median samples/s over --repeats timed runs of --steps steps.
"""
import time

import torch

import peer_common


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
    args = peer_common.arguments(__doc__.splitlines()[0])
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

    def timed(steps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    steps, seconds = peer_common.measure(timed, args)
    peer_common.report("pytorch-compile" if args.compile else "pytorch",
                       "torch " + torch.__version__, args.device, torch.get_num_threads(), args,
                       steps, seconds)


if __name__ == "__main__":
    main()
