"""lstmlib: the small package every chapter of the LSTM course imports.

Modules, one job each:
    cells          one time step of each cell, written as the book's equations
    layers         the sequence layers RNN, LSTM, PeepholeLSTM, CoupledLSTM, GRU (torch)
    numpy_lstm     an LSTM from scratch in NumPy with backpropagation through time by hand
    numpy_train    training the NumPy LSTM: readout, clipping, SGD and Adam in NumPy (appendix A1)
    tasks          long-time-lag tasks: the adding problem, the temporal-order task
    language       a small synthetic language: subjects, pronouns and verbs (chapters 3-5)
    recall         the delayed-recall task: keep a value quiet, give it back at a cue (chapter 5)
    timing         timing tasks after Gers & Schmidhuber: waves and spikes from one start (chapter 6)
    counting       tasks that need accumulation (a sum, a count) and one that overwrites (chapter 7)
    streams        a continual stream that needs forgetting, and a word-level text task (chapter 9)
    forecasting    forecasting a time series: data, protocol, models, baselines (chapter 10)
    models         a recurrent layer with a linear readout of its last hidden state, or of each
    packed         several small LSTMs trained at once as one block-diagonal layer (chapter 6)
    interventions  holding a gate at a fixed value for chosen units and steps (chapters 3-5)
    probes         linear probes: logistic regression on a network's frozen states (chapter 5)
    train          a compact training loop
    gradients      how far the error signal reaches: Jacobians by distance, the forget-gate product
    experiments    the chapters' experiments, one module per chapter (experiments.ch01, ...)
    sweeps         results files of long sweeps: written as they go, resumable, tied to their code
    claims         the book's claims as checks that name the claim, the values and the bound
    machines       running a notebook or a command as another CPU would: numeric environments
    exercises      exercises with checkers: q.check(your_function), q.hint(), q.solution()
    plots          learning curves, quantities by distance, gate heat maps, in the course's style
    variant_plots  every run of a comparison as a dot; two gates against each other (chapters 6-9)
    diagrams       the notes' architecture figures drawn by code, and an animated LSTM cell
    style          the course's colours (one per gate) and figure style
    seed           seeding every random number generator at once
    validate       the argument checks behind lstmlib's error messages
    fused          the LSTM layers' fast path: a whole sequence as one autograd Function
    fast_loops     the fast path's loops over time in NumPy: the forward step and BPTT
"""
from .layers import GRU, LSTM, RNN, CoupledLSTM, PeepholeLSTM
from .seed import seed_everything
from .train import Diverged, History, train

__all__ = ["RNN", "LSTM", "PeepholeLSTM", "CoupledLSTM", "GRU", "seed_everything", "train", "History", "Diverged"]
__version__ = "0.1.0"
