"""lstmlib: the small package every chapter of the LSTM course imports.

Modules, one job each:
    cells       one time step of each cell, written as the book's equations
    layers      the sequence layers RNN, LSTM, PeepholeLSTM, CoupledLSTM, GRU (torch)
    fused       the LSTM layers' fast path: a whole sequence as one autograd Function
    fast_loops  the fast path's loops over time in NumPy: the forward step and BPTT
    numpy_lstm  an LSTM from scratch in NumPy with backpropagation through time by hand
    train       a compact training loop
    seed        seeding every random number generator at once
    validate    the argument checks behind lstmlib's error messages
"""
from .layers import GRU, LSTM, RNN, CoupledLSTM, PeepholeLSTM
from .seed import seed_everything
from .train import History, train

__all__ = ["RNN", "LSTM", "PeepholeLSTM", "CoupledLSTM", "GRU", "seed_everything", "train", "History"]
__version__ = "0.1.0"
