"""PyTorch on the peer workload: the plain loop an experienced user writes.

No DataLoader (for 400 in-memory rows it only adds per-batch Python overhead): a shuffled index
permutation per epoch, sliced into batches of 32, plus a validation pass per epoch so the run gives
the same learning curve Keras' ``validation_split`` gives. Threads are left at torch's default.
``train_s`` is the training loop alone. Prints one JSON line.
"""

from __future__ import annotations

import torch
from torch import nn

import workload as w


class Normalize(nn.Module):
    """Fixed (not trained) standardisation with Keras' Normalization formula.

    Keras divides by ``max(sqrt(var), epsilon)``, so the constant ``x0`` column becomes 0 rather
    than NaN; buffers, not parameters, so the optimiser never sees them.
    """

    def __init__(self, X_train: torch.Tensor, eps: float = 1e-7):
        super().__init__()
        self.register_buffer("mean", X_train.mean(dim=0))
        self.register_buffer("scale", X_train.var(dim=0, unbiased=False).sqrt().clamp_min(eps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.scale


def build_model(X_train: torch.Tensor) -> nn.Sequential:
    """Normaliser, Dense 5 relu, Dense 5 relu, Dense 1 (torch's default initialisation)."""
    n_in = X_train.shape[1]
    return nn.Sequential(
        Normalize(X_train),
        nn.Linear(n_in, w.HIDDEN[0]), nn.ReLU(),
        nn.Linear(w.HIDDEN[0], w.HIDDEN[1]), nn.ReLU(),
        nn.Linear(w.HIDDEN[1], 1),
    )


def train(model, X_train, y_train, X_val, y_val, generator) -> tuple[list[float], list[float], int]:
    """Adam on shuffled mini-batches; returns per-epoch train loss, val loss, and the step count."""
    optimizer = torch.optim.Adam(model.parameters(), lr=w.LEARNING_RATE)
    loss_fn = nn.MSELoss()
    n = len(X_train)
    losses, val_losses, steps = [], [], 0
    for _ in range(w.EPOCHS):
        model.train()
        order = torch.randperm(n, generator=generator)
        total = torch.zeros(())
        for start in range(0, n, w.BATCH_SIZE):
            idx = order[start:start + w.BATCH_SIZE]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(X_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
            # Row-weighted, like Keras' epoch loss; detach so the sum builds no graph.
            total += loss.detach() * len(idx)
            steps += 1
        model.eval()
        with torch.no_grad():
            val_losses.append(loss_fn(model(X_val), y_val).item())
        losses.append(total.item() / n)
    return losses, val_losses, steps


def main() -> None:
    seed = w.parse_seed(description=__doc__)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    X, y = w.make_data()
    X_train, y_train, X_val, y_val = (torch.as_tensor(a, dtype=torch.float32)
                                      for a in w.split(X, y[:, None]))
    model = build_model(X_train)

    with w.stopwatch() as train_s:
        losses, val_losses, steps = train(model, X_train, y_train, X_val, y_val, generator)

    with torch.no_grad():
        val_mse = w.mse(y_val.numpy(), model(X_val).numpy())
    w.emit("pytorch", torch.__version__, train_s(), val_mse, len(losses), steps, seed,
           threads=torch.get_num_threads(),
           trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
           history_val_loss=val_losses[-1])


if __name__ == "__main__":
    main()
