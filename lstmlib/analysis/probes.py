"""Linear probes: can a straight cut through a network's states read off a property? (chapter 5)

A linear probe (Alain & Bengio 2016) is a logistic-regression classifier trained on a
network's hidden states, frozen, to predict a label the network was never told, such as the
number (singular or plural) of the current subject. If a probe trained on one part of the data
predicts the label on another part well above chance, the states expose the label in a form a
single linear layer can read: the form the network's own readout W_y · h_t + b_y can use.

    X, y = collect(h, batch.number, where=batch.next_verb)   # (T, B, H) states -> (N, H), (N,)
    result = probe(X, y, generator=g)      # balance the classes, split, fit, test
    result.accuracy, result.chance         # held-out accuracy, and 1 / (number of classes)

The classes are balanced (every class cut down to the size of the smallest) before the split,
so that chance is exactly 1 / K and a probe cannot look good by always guessing the common
class. The fit itself (:func:`fit`) is multinomial logistic regression on standardised features
with a small L2 penalty, minimised by L-BFGS in float64; its loss is convex, so the answer does
not depend on a random start.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

L2 = 1e-3                 # the weight penalty of the fit (on standardised features)


def collect(states: torch.Tensor, labels: torch.Tensor, where: torch.Tensor):
    """The states and labels at the chosen steps, as a data set for a probe.

    states: (T, B, H), e.g. a layer's output h_t or ``gates["C_t"]``; labels: (T, B) integer
    classes; where: (T, B) bool, the steps to keep. Returns ``(X (N, H) float64, y (N,) long)``.
    """
    if not isinstance(states, torch.Tensor) or states.dim() != 3:
        got = tuple(states.shape) if isinstance(states, torch.Tensor) else type(states).__name__
        raise ValueError(f"expected states of shape (T, B, H), got {got}")
    T, B = states.shape[:2]
    for name, t in (("labels", labels), ("where", where)):
        if not isinstance(t, torch.Tensor) or tuple(t.shape) != (T, B):
            got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"expected {name} of shape (T, B) = {(T, B)}, like states, got {got}")
    if where.dtype != torch.bool:
        raise TypeError(f"expected where to be a bool tensor, got dtype {where.dtype}")
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise TypeError(f"expected labels to be integer classes, got dtype {labels.dtype}")
    return states.detach()[where].double(), labels[where].long()


def _check_data(X, y):
    if not isinstance(X, torch.Tensor) or X.dim() != 2:
        got = tuple(X.shape) if isinstance(X, torch.Tensor) else type(X).__name__
        raise ValueError(f"expected X of shape (N, H), got {got}")
    if not isinstance(y, torch.Tensor) or tuple(y.shape) != (X.shape[0],):
        got = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise ValueError(f"expected y of shape (N,) = ({X.shape[0]},), one label per row of X, got {got}")
    if y.dtype.is_floating_point or y.dtype == torch.bool:
        raise TypeError(f"expected y to be integer classes, got dtype {y.dtype}")


@dataclass
class LinearProbe:
    """A fitted probe: class scores (X − mean) / std · W.T + b; ``classes`` maps columns to labels."""
    mean: torch.Tensor          # (H,)
    std: torch.Tensor           # (H,)
    W: torch.Tensor             # (K, H)
    b: torch.Tensor             # (K,)
    classes: torch.Tensor       # (K,)

    def scores(self, X: torch.Tensor) -> torch.Tensor:
        """(N, K) class scores (logits)."""
        if not isinstance(X, torch.Tensor) or X.dim() != 2 or X.shape[1] != self.W.shape[1]:
            got = tuple(X.shape) if isinstance(X, torch.Tensor) else type(X).__name__
            raise ValueError(f"expected X of shape (N, {self.W.shape[1]}), got {got}")
        return ((X.double() - self.mean) / self.std) @ self.W.T + self.b

    def predict(self, X: torch.Tensor) -> torch.Tensor:
        """(N,) the predicted label of each row."""
        return self.classes[self.scores(X).argmax(dim=1)]

    def accuracy(self, X: torch.Tensor, y: torch.Tensor) -> float:
        """The share of rows whose label is predicted right."""
        _check_data(X, y)
        return (self.predict(X) == y).double().mean().item()


def fit(X: torch.Tensor, y: torch.Tensor, l2: float = L2, max_iter: int = 200) -> LinearProbe:
    """Multinomial logistic regression: minimise mean cross-entropy + l2/2 · ‖W‖² (not b).

    Features are standardised with the training rows' mean and standard deviation (a feature
    that never changes gets std 1), so ``l2`` means the same for every layer and size.
    """
    _check_data(X, y)
    if isinstance(l2, bool) or not isinstance(l2, (int, float)) or not l2 >= 0:
        raise ValueError(f"expected l2 to be a number >= 0, got {l2!r}")
    classes, target = y.unique(return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"expected at least two classes to tell apart, got only {classes.tolist()}")
    X = X.detach().double()
    mean, std = X.mean(dim=0), X.std(dim=0)
    std = torch.where(std > 1e-12, std, torch.ones_like(std))
    Z = (X - mean) / std                                                   # (N, H)
    K, H = len(classes), X.shape[1]
    W = torch.zeros(K, H, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(K, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], lr=1.0, max_iter=max_iter, tolerance_grad=1e-10,
                            tolerance_change=1e-14, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        value = torch.nn.functional.cross_entropy(Z @ W.T + b, target) + 0.5 * l2 * (W ** 2).sum()
        value.backward()
        return value

    with torch.enable_grad():
        opt.step(closure)
    return LinearProbe(mean, std, W.detach(), b.detach(), classes)


@dataclass
class ProbeResult:
    """What :func:`probe` measured: held-out ``accuracy``, ``chance`` (1 / K after balancing),
    the ``train_accuracy``, the number of rows of each split, and the fitted ``probe``."""
    accuracy: float
    chance: float
    train_accuracy: float
    n_train: int
    n_test: int
    probe: LinearProbe


def probe(X: torch.Tensor, y: torch.Tensor, generator: torch.Generator | None = None,
          test: float = 0.5, l2: float = L2, n: int | None = None) -> ProbeResult:
    """Balance the classes, split into training and held-out rows, fit, and test.

    Every class is cut down to the size of the smallest (so chance is 1 / K), and the same
    share of each class is held out. test: that share. n: use at most this many rows in all
    (n // K per class), so that two probes can be compared on data sets of equal size.
    """
    if isinstance(test, bool) or not isinstance(test, (int, float)) or not 0 < test < 1:
        raise ValueError(f"expected test to be a share between 0 and 1, got {test!r}")
    _check_data(X, y)
    classes = y.unique()
    K = len(classes)
    if K < 2:
        raise ValueError(f"expected at least two classes to tell apart, got only {classes.tolist()}")
    per_class = min(int((y == c).sum()) for c in classes)              # balance the classes
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 2 * K:
            raise ValueError(f"expected n to be an int of at least {2 * K} (two rows per class), got {n!r}")
        per_class = min(per_class, n // K)
    n_test = int(round(test * per_class))                             # held out, per class
    if n_test < 1 or n_test >= per_class:
        raise ValueError(f"expected enough rows to split {test:.0%} off, got {per_class} per class "
                         f"after balancing")
    held, kept = [], []
    for c in classes:                                                  # a stratified split
        rows = (y == c).nonzero().flatten()
        rows = rows[torch.randperm(len(rows), generator=generator)[:per_class]]
        held.append(rows[:n_test])
        kept.append(rows[n_test:])
    held, kept = torch.cat(held), torch.cat(kept)
    X_train, y_train, X_test, y_test = X[kept], y[kept], X[held], y[held]
    fitted = fit(X_train, y_train, l2=l2)
    return ProbeResult(accuracy=fitted.accuracy(X_test, y_test), chance=1 / K,
                       train_accuracy=fitted.accuracy(X_train, y_train),
                       n_train=len(y_train), n_test=len(y_test), probe=fitted)
