"""Models built from the layers: a readout on top, several networks as one, a carried state.

    readouts   a recurrent layer with a linear readout of its last hidden state (LastStep) or
               of every step (EveryStep); accuracy
    packed     several small LSTMs trained at once as one block-diagonal layer (Pack; chapter 6)
    carried    a model run over consecutive chunks of a stream, its state carried (chapter 9)
    padded     a readout of each sequence's last valid step in a padded batch, from a zero or
               a learned initial state (PaddedLastStep; chapter 11)
    recipes    how the course trains the adding problem and the temporal-order task: the settings,
               models and held-out scores chapters 1, 2, 4 and 8 share
"""
from .carried import Carried
from .packed import Pack
from .readouts import EveryStep, LastStep, accuracy

__all__ = ["LastStep", "EveryStep", "accuracy", "Pack", "Carried"]
