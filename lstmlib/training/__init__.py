"""Training: the loop, seeding, and the results files of long sweeps.

    loop     a compact training loop: optimiser, clipping, loss history, NaN check, progress
    seed     seeding every random number generator at once; independent streams for data
    sweeps   results files of long sweeps: written as they go, resumable, tied to their code
    progress the progress bars of both, shown only when a person is watching (LSTMLIB_PROGRESS)

``train``, ``History``, ``Diverged`` and ``seed_everything`` are importable from ``lstmlib``.
"""
