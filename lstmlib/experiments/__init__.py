"""The chapters' experiments, one module per chapter, shared by the notebooks and the tests.

A chapter imports its own module (``from lstmlib.experiments import ch03``), calls its
functions with the chapter's seed and asserts what its text says; ``tests/test_claims_chNN.py``
calls the same functions with five other seeds and asserts the same claims, so the text and the
code cannot drift apart. Each module's settings (a dict in capitals, such as ``ch01.ADDING``)
were chosen so that every run is fast on a laptop CPU and its outcome is unmistakable.

What more than one chapter needs (tasks, models, training, interventions, plots) lives in
lstmlib's other modules; these modules only put it together the way a chapter does.

    common         random streams for data, and the summaries several chapters use
    ch01           from RNN to LSTM: vanishing and exploding gradients, the adding problem
    ch02           the cell state: the temporal-order task, the carousel, memory reach
    ch03           step 1, forget: a language model's gender units, their forget gates
    ch03_plots     chapter 3's figures: the forget gate by kind of word, the clamp's damage
    ch04           step 2, store: what a trained LSTM writes, i_t ⊙ C̃_t, and blocking it
    ch05           step 3, output: the output gate on delayed recall, the leak intervention
    ch05_language  step 3, output: what a language model's h_t exposes before a verb
    ch06           peephole connections: what a gate sees of its cell, a timing task
    ch07           coupled forget and input gates: what i_t = 1 − f_t saves and forbids
    ch08           the GRU: parameters, the two conventions, one step by hand
    ch08_compare   the GRU against the LSTM at the same parameter budget
    ch09           which variant? ten recurrent networks on three tasks (one run)
    ch09_results   chapter 9's reduced sweep, summaries, tables and figures
    ch10           LSTMs for time series: the notes' opening claim, tested
    a1             appendix A1: the backward pass line by line, gradient checks
    a1_train       appendix A1: the NumPy LSTM trained with its own gradients
    a1_speed       appendix A1: the NumPy LSTM against torch, where the time goes
"""
