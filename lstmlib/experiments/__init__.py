"""The chapters' experiments, one module per chapter, shared by the notebooks and the tests.

A chapter imports its own module (``from lstmlib.experiments import ch03``), calls its
functions with the chapter's seed and asserts what its text says; ``tests/test_claims_chNN.py``
calls the same functions with five other seeds and asserts the same claims, so the text and the
code cannot drift apart. Each module's settings (a dict in capitals, such as ``ch01.ADDING``)
were chosen so that every run is fast on a laptop CPU and its outcome is unmistakable.

What more than one chapter needs (tasks, models, training, interventions, plots) lives in
lstmlib's other modules; these modules only put it together the way a chapter does.

    common   random streams for data, and the summaries several chapters use
    ch01     from RNN to LSTM: vanishing and exploding gradients, the adding problem
    ch02     the cell state: the temporal-order task, the constant error carousel, memory reach
    ch03     step 1, forget: a language model's gender units, their forget gates, never forgetting
    ch03_plots  chapter 3's figures: the forget gate by kind of word, the damage of the clamp
    ch04     step 2, store: what a trained LSTM writes, i_t ⊙ C̃_t, and blocking the writes
"""
