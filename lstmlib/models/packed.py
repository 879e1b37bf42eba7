"""Several small LSTM models trained at once, as one layer with block-diagonal weights.

A small network trains slowly for a reason that has nothing to do with its size: every
training step pays a fixed overhead (the loop over time, the optimiser) that a network of 8
units does not amortise. A sweep over variants and seeds (chapter 6) runs K such models; a
:class:`Pack` runs them as one LSTM of K·H units whose weights are block-diagonal, so model k's
units read only model k's units, and one readout per model:

    models = [EveryStep("LSTM", 1, 8, 1, peepholes=p) for p in ((), ("f",), ("o",))]
    pack = Pack(models)                     # x (T, B, D) -> (T, B, K, out): every model's output
    train(pack, make_batch, steps=300, loss=pack.loss("mse"), clip=None)
    pack.unpack()                           # the trained weights, back in the K models

The weights outside the blocks start at 0 and their gradients are masked to 0. Adam updates
each parameter from its own gradient alone, and the pack's loss is the sum of the models'
losses, so training the pack is training each model on its own: same data, same updates
(``tests/test_packed.py`` checks this to float64 rounding). Global gradient-norm clipping
would couple the models through the shared norm, so train a pack with ``clip=None``.

The models must agree on everything but their peepholes and parameters: the same class
(:class:`lstmlib.models.LastStep` or :class:`lstmlib.models.EveryStep`), a layer of the
LSTM family with the same sizes and ablation switches, the same number of outputs. A model
without a peephole the pack has gets that peephole's weights at 0, masked.
"""
from __future__ import annotations

import torch
from torch import nn

from ..layers import LSTM
from .readouts import EveryStep, LastStep

ELEMENTWISE = {"mse": nn.functional.mse_loss, "bce": nn.functional.binary_cross_entropy_with_logits}
SWITCHES = ("forget_gate", "input_gate", "output_gate", "input_activation", "output_activation", "coupled")


class Pack(nn.Module):
    """K models of the LSTM family as one layer; see the module docstring.

    Attributes: ``models`` (the K models, untouched until :meth:`unpack`), ``rnn`` (the packed
    :class:`lstmlib.LSTM` of K·H units), ``readout`` (K·out outputs), ``K``.
    """

    def __init__(self, models):
        super().__init__()
        self.models = _check(models)
        first = self.models[0]
        layer = first.rnn
        self.K, self.h = len(self.models), layer.hidden_size
        self.D, self.out = layer.input_size, first.readout.out_features
        self.every_step = isinstance(first, EveryStep)
        self.peepholes = tuple(g for g in "fio" if any(g in m.rnn.peepholes for m in self.models))
        K, h, D, O = self.K, self.h, self.D, self.out
        factory = {"dtype": layer.W.dtype, "device": layer.W.device}
        self.rnn = LSTM(D, K * h, peepholes=self.peepholes, **{s: getattr(layer, s) for s in SWITCHES}, **factory)
        self.readout = nn.Linear(K * h, K * O, **factory)
        masks = {"W": torch.zeros_like(self.rnn.W), "readout": torch.zeros_like(self.readout.weight)}
        masks.update({f"p_{g}": torch.zeros(K * h, **factory) for g in self.peepholes})
        with torch.no_grad():
            for p in (*self.rnn.parameters(), *self.readout.parameters()):
                p.zero_()
            for k, m in enumerate(self.models):
                for pack_block, model_tensor in self._blocks(k, m).values():
                    pack_block.copy_(model_tensor)
                for name, (mask_block, _) in self._blocks(k, m, masks).items():
                    if name in masks or name[0] == "W":        # biases are each one model's anyway
                        mask_block.fill_(1.0)
        for name, mask in masks.items():
            self.register_buffer(f"mask_{name}", mask)
            param = self.readout.weight if name == "readout" else getattr(self.rnn, name)
            param.register_hook(lambda grad, mask=mask: grad * mask)

    def _blocks(self, k, model, masks=None):
        """{name: (model k's block of the pack, the model's tensor)}; with ``masks``, the same
        blocks of the masks."""
        K, h, O = self.K, self.h, self.out
        packed = {"W": self.rnn.W, "b": self.rnn.b, "readout": self.readout.weight, "readout_b": self.readout.bias,
                  **{f"p_{g}": getattr(self.rnn, f"p_{g}") for g in self.peepholes}}
        if masks:
            packed.update(masks)
        blocks = {}
        for j in range(len(self.rnn.blocks)):                  # the gate blocks, e.g. f, i, C, o
            rows, own = slice((j * K + k) * h, (j * K + k + 1) * h), slice(j * h, (j + 1) * h)
            blocks[f"W{j}h"] = (packed["W"][rows, k * h:(k + 1) * h], model.rnn.W[own, :h])   # own units only
            blocks[f"W{j}x"] = (packed["W"][rows, K * h:], model.rnn.W[own, h:])             # the shared x_t
            blocks[f"b{j}"] = (packed["b"][rows], model.rnn.b[own])
        for g in self.peepholes:
            if g in model.rnn.peepholes:
                blocks[f"p_{g}"] = (packed[f"p_{g}"][k * h:(k + 1) * h], getattr(model.rnn, f"p_{g}"))
        blocks["readout"] = (packed["readout"][k * O:(k + 1) * O, k * h:(k + 1) * h], model.readout.weight)
        blocks["readout_b"] = (packed["readout_b"][k * O:(k + 1) * O], model.readout.bias)
        return blocks

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Every model's prediction: (T, B, K, out) for EveryStep models, (B, K, out) for LastStep."""
        output, _ = self.rnn(x)                               # (T, B, K·h)
        y_hat = self.readout(output if self.every_step else output[-1])
        return y_hat.unflatten(-1, (self.K, self.out))

    def loss(self, loss="mse"):
        """The pack's training loss: the sum over models of ``loss(model's prediction, y)``.

        ``loss``: "mse", "bce" (binary cross-entropy on logits), both computed for all models
        at once, or a callable ``loss(y_hat, y) -> scalar``, called once per model.
        """
        if callable(loss):
            return lambda y_hat, y: sum(loss(y_hat[..., k, :], y) for k in range(self.K))
        if loss not in ELEMENTWISE:
            raise ValueError(f"unknown loss {loss!r}: expected one of {tuple(ELEMENTWISE)} or a callable")
        loss_fn = ELEMENTWISE[loss]
        # a mean over every model's equally many elements, times K: the sum of the models' means
        return lambda y_hat, y: self.K * loss_fn(y_hat, y.unsqueeze(-2).expand_as(y_hat))

    def clip_each(self, max_norm: float) -> torch.Tensor:
        """Clip each model's gradient to the norm ``max_norm`` on its own, as
        ``torch.nn.utils.clip_grad_norm_`` clips a model trained alone; return the K norms
        before clipping, (K,).

        Call it between ``backward()`` and the optimiser's step (chapter 5 wraps Adam so).
        With it a pack trains every model as ``train(model, ..., clip=max_norm)`` would alone,
        where global clipping would couple the models through their shared norm.
        """
        if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or not max_norm > 0:
            raise ValueError(f"expected max_norm to be a positive number, got {max_norm!r}")
        grads = {"W": self.rnn.W.grad, "b": self.rnn.b.grad, "readout": self.readout.weight.grad,
                 "readout_b": self.readout.bias.grad,
                 **{f"p_{g}": getattr(self.rnn, f"p_{g}").grad for g in self.peepholes}}
        if any(g is None for g in grads.values()):
            raise RuntimeError("expected the pack's gradients: call backward() before clip_each")
        norms = []
        with torch.no_grad():
            for k, m in enumerate(self.models):
                blocks = [g for g, _ in self._blocks(k, m, grads).values()]    # views of the grads
                norm = torch.linalg.vector_norm(torch.stack([g.norm() for g in blocks]))
                scale = (max_norm / (norm + 1e-6)).clamp(max=1.0)           # as clip_grad_norm_
                for g in blocks:
                    g.mul_(scale)
                norms.append(norm)
        return torch.stack(norms)

    def unpack(self) -> list:
        """Copy the trained weights back into the K models and return them."""
        with torch.no_grad():
            for k, m in enumerate(self.models):
                for pack_block, model_tensor in self._blocks(k, m).values():
                    model_tensor.copy_(pack_block)
        return self.models


def _check(models):
    if not isinstance(models, (list, tuple)) or not models:
        raise TypeError(f"expected a non-empty list of models, got {type(models).__name__}")
    models = list(models)
    kinds = {type(m) for m in models}
    if len(kinds) != 1 or not kinds <= {LastStep, EveryStep}:
        raise TypeError(f"expected models that are all LastStep or all EveryStep, got {sorted(k.__name__ for k in kinds)}")
    for m in models:
        if not isinstance(m.rnn, LSTM):
            raise TypeError(f"expected models with a layer of the LSTM family, got {type(m.rnn).__name__}")
    first = models[0]
    key = lambda m: (m.rnn.input_size, m.rnn.hidden_size, m.readout.out_features, m.rnn.W.dtype,
                     *(getattr(m.rnn, s) for s in SWITCHES))
    for k, m in enumerate(models):
        if key(m) != key(first):
            raise ValueError(f"model {k} differs from model 0 in its sizes, dtype or ablation switches "
                             f"(input, hidden, outputs, dtype, {', '.join(SWITCHES)}): {key(m)} against {key(first)}")
    return models
