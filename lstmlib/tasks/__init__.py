"""Tasks: the data the chapters train on, one family per module.

    long_lag   the adding problem and the temporal-order task (Hochreiter & Schmidhuber 1997;
               chapters 1-2, 4, 8)
    language   a small synthetic language: subjects, pronouns and verbs (chapters 3-5)
    recall     delayed recall: keep a value quiet, give it back at a cue (chapter 5)
    timing     timing after Gers & Schmidhuber: waves and spikes from one start (chapter 6)
    counting   tasks that need accumulation (a sum, a count) and one that overwrites (chapter 7)
    latch      a continual stream whose target is the last marked value (chapter 9)
    words      a character-level text of words, and the best possible predictor (chapter 9)
    padded     sequences of different lengths in one padded batch: the first value minus the
               last (chapter 11)

Each task draws from a ``torch.Generator`` it is given and returns tensors in the layers'
layout (T, B, D). The long-lag tasks are also importable from the package itself
(``tasks.adding_problem``).
"""
from .long_lag import (ADDING_BASELINE, TEMPORAL_CLASSES, TEMPORAL_SYMBOLS, adding_problem, batches_of,
                       temporal_order)

__all__ = ["ADDING_BASELINE", "TEMPORAL_SYMBOLS", "TEMPORAL_CLASSES", "adding_problem", "temporal_order",
           "batches_of"]
