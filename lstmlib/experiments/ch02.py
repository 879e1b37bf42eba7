"""Chapter 2, the cell state: the temporal-order task, the constant error carousel, memory reach.

Used by ``book/02_cell_state.ipynb``, which checks its claims with :mod:`lstmlib.claims`,
and tested by ``tests/test_experiments_ch02.py`` (Hochreiter & Schmidhuber 1997; Gers et al.
2000; Jozefowicz et al. 2015). The temporal-order task's settings, model and training
(``TEMPORAL``, ``temporal_model``, ``train_temporal``, ``held_out_accuracy``), which chapter 8
shares, live in :mod:`lstmlib.models.recipes`, which the chapter's notebook imports too.

    carousel, unit_memory, memory_reach
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import tasks
from ..analysis import gradients
from ..analysis.stats import geometric_mean
from ..models.readouts import LastStep
from ..models import recipes
from ..training.seed import PROBE, data_stream


@dataclass
class Carousel:
    """What :func:`carousel` measured, each (T + 1, S, H) by distance d = T − t."""
    product: torch.Tensor                   # ∏ f from the recorded forget gates
    direct: torch.Tensor                    # diagonal of ∂C_T/∂C_t by autograd, h cut out (the direct path)
    full: torch.Tensor                      # diagonal of ∂C_T/∂C_t by autograd, every path

    def _relative(self, other, floor=1e-30):
        keep = self.product > floor                         # ∏ f that underflowed has no relative error
        return torch.where(keep, (other - self.product).abs() / self.product.clamp_min(floor), torch.nan)

    def direct_error(self) -> float:
        """Largest relative difference between the direct path (autograd) and ∏ f."""
        return float(torch.nan_to_num(self._relative(self.direct), nan=0.0).max())

    def full_difference(self) -> np.ndarray:
        """Median over units and sequences of |full − ∏ f| / ∏ f, by distance: (T + 1,)."""
        rel = self._relative(self.full)
        return rel.flatten(1).nanmedian(dim=1).values.numpy()


def carousel(model: LastStep, seed: int, T: int = recipes.TEMPORAL["T"], sequences: int = 8) -> Carousel:
    """The constant error carousel in a trained LSTM: ∂C_T/∂C_t along the cell state is ∏ f.

    Records the forget gates f_t on a few fresh sequences (``return_gates=True``), multiplies
    them back from T, and compares with autograd's ∂C_T/∂C_t, first with the h path cut
    (the direct path alone) and then with every path.
    """
    x, _ = tasks.temporal_order(T, sequences, generator=data_stream(seed, PROBE))
    with torch.no_grad():
        _, _, gates = model.rnn(x, return_gates=True)
    product = gradients.forget_product(gates["f"])
    direct = gradients.jacobians(model.rnn, x, of="C", wrt="C", detach_h=True).diagonal(dim1=2, dim2=3)
    full = gradients.jacobians(model.rnn, x, of="C", wrt="C").diagonal(dim1=2, dim2=3)
    return Carousel(product, direct, full)


def unit_memory(model: LastStep, seed: int, T: int = recipes.TEMPORAL["T"],
                sequences: int = 64) -> np.ndarray:
    """How much of each unit's C_t is still in C_T along the cell state: ∏ f by distance, per unit.

    The geometric mean over ``sequences`` fresh temporal-order sequences of ∏_{s=t+1}^{T} f_s.
    Returns (T + 1, H). A value of 0.5 at distance d means that, along the cell state, the
    unit keeps half of what it held d steps ago.
    """
    x, _ = tasks.temporal_order(T, sequences, generator=data_stream(seed, PROBE))
    with torch.no_grad():
        _, _, gates = model.rnn(x, return_gates=True)
    product = gradients.forget_product(gates["f"])                 # (T + 1, S, H)
    return geometric_mean(product, dim=1).numpy()


def memory_reach(model: LastStep, seed: int, T: int = recipes.TEMPORAL["T"],
                 sequences: int = 64) -> np.ndarray:
    """The typical unit's memory: the geometric mean over units of :func:`unit_memory`, (T + 1,)."""
    return geometric_mean(torch.from_numpy(unit_memory(model, seed, T, sequences)), dim=1).numpy()
