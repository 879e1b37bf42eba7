"""lstmlib: the small package every chapter of the LSTM course imports.

Packages by role. Imports run one way, from the top of this list to the bottom: the chapters'
``experiments`` use everything below them; ``analysis``, ``models``, ``plots`` and
``forecasting`` use the layers; the layers use the cells.

    experiments  the chapters' experiments, one module per chapter (experiments.ch01, ...)
    exercises    exercises with checkers: q.check(your_function), q.hint(), q.solution()
    forecasting  forecasting a time series: data, protocol, models, baselines (chapter 10)
    analysis     looking inside trained networks: gradients by distance, linear probes, stats
    plots        the recurring plots: learning curves, gate heat maps, every run as a dot
    diagrams     the notes' architecture figures drawn by code, and an animated LSTM cell
    models       readouts on a layer (LastStep, EveryStep), packed networks, a carried state
    scratch      an LSTM from scratch in NumPy, with backpropagation through time by hand (A1)
    training     the training loop, seeding and data streams, results files of long sweeps
    tasks        the data: adding and temporal order, the language, recall, timing, counting,
                 the latch stream, word text
    layers       the sequence layers RNN, LSTM, PeepholeLSTM, CoupledLSTM, GRU (torch), gate
                 clamps (interventions), and the LSTM's fast path
    cells        one time step of each cell, written as the book's equations
    style        the course's colours (one per gate) and figure style
    claims       the book's claims as checks that name the claim, the values and the bound
    machines     running a notebook or a command as another CPU would: numeric environments
    validate     the argument checks behind lstmlib's error messages

The layers, the training loop and the seeding helper are importable from here:
``lstmlib.LSTM``, ``lstmlib.train``, ``lstmlib.seed_everything``.
"""
from .layers import GRU, LSTM, RNN, CoupledLSTM, PeepholeLSTM
from .training.loop import Diverged, History, train
from .training.seed import seed_everything

__all__ = ["RNN", "LSTM", "PeepholeLSTM", "CoupledLSTM", "GRU", "seed_everything", "train", "History", "Diverged"]
__version__ = "0.1.0"
