"""The chapters' experiments, one module per chapter, shared by the notebooks and the tests.

A chapter imports its own module (``from lstmlib.experiments import ch03``), calls its
functions with the chapter's ``SEED`` and checks what its text says with :mod:`lstmlib.claims`;
the notebook is the one definition of each claim. ``tests/test_other_runs.py`` runs every
notebook again with another seed as another CPU would, and ``benchmarks/robustness.py`` runs it
many times, so the text and the code cannot drift apart. ``tests/test_experiments_chNN.py``
tests the functions themselves (bad input, shapes, small exact facts) and the exercises'
solutions. Each module's settings (a dict in capitals, such as ``ch05.RECALL``) were chosen so
that every run is fast on a laptop CPU and its outcome is unmistakable.

What more than one chapter needs (tasks, models, training, interventions, plots) lives in
lstmlib's other modules; these modules only put it together the way a chapter does. A
chapter's module trains nothing through another chapter's: the adding problem and the
temporal-order task as chapters 1, 2, 4 and 8 train them are :mod:`lstmlib.models.recipes`.

A chapter's module is ``chNN``; where it needs more, its companions are named by their role:
``chNN_plots`` (its figures), ``chNN_runs`` (its experiment over several runs at once, or the
results of its robustness run), ``chNN_sweep`` (a long sweep run by ``benchmarks/``, whose
committed results the chapter reads), and a few named for their subject.

    ch01      from RNN to LSTM: vanishing and exploding gradients, the adding problem
    ch02      the cell state: the temporal-order task, the carousel, memory reach
    ch03      step 1, forget: a language model's gender units, their forget gates
              (ch03_clamp: the forget gates held at 1 at a new subject, and two controls)
    ch04      step 2, store: what a trained LSTM writes, i_t ⊙ C̃_t, and blocking it
    ch05      step 3, output: the output gate on delayed recall
              (ch05_leak: the leak intervention, o_t held before the cue;
              ch05_language: what a language model's h_t exposes before a verb)
    ch06      peephole connections: what a gate sees of its cell, a timing task
    ch07      coupled forget and input gates: what i_t = 1 − f_t saves and forbids
              (ch07_inside: the trained networks' gates, and the forget gate held at 1)
    ch08      the GRU: parameters, the two conventions, one step by hand
              (ch08_compare: the GRU against the LSTM at the same parameter budget)
    ch09      which variant? ten recurrent networks on three tasks
              (ch09_results: the sweep's runs read into tables, factors and the cell trace)
    ch10      LSTMs for time series: the notes' opening claim, tested
    ch11      in practice with torch.nn: layouts, torch's weights and biases, stacks, both
              directions, padding (ch11_runs: the trained networks, padding, long streams,
              initial states, stacks, a lagged forecast; ch11_plots: its figures;
              ch11_speed: the CPU speed benchmark's table, read)
    a1        appendix A1: the backward pass line by line, gradient checks
              (a1_train: the NumPy LSTM trained with its own gradients;
              a1_speed: the NumPy LSTM against torch, where the time goes;
              a1_calls: the NumPy calls one step makes, counted)
"""
