"""Chapter 3 over 24 networks: what every run of the chapter shares (precomputed).

The page trains one language model, as many as a reader's laptop can afford in its budget.
What holds for every network, and what only for most, is measured here on 24 more, trained
exactly as the page's (seeds 1 to 24), and on a few LSTMs without a forget gate (exercise 5).
``benchmarks/ch03_runs.py`` runs them into ``benchmarks/results/ch03_runs.jsonl``
(:mod:`lstmlib.training.sweeps`: resumable, tied by a hash to the code it runs); the notebook draws
its headline figure from the file, and ``tests/test_experiments_ch03.py`` re-runs a sample
of its rows.

    summary(seed)              one network of the chapter, measured as the page measures it
    summary_without_forget(seed)   one LSTM without a forget gate (exercise 5)
    load()                     the file's rows: [{"kind", "seed", ...}, ...]
"""
from __future__ import annotations

from ..training import sweeps
from . import ch03, ch03_clamp

PATH = "benchmarks/results/ch03_runs.jsonl"
COMMAND = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ch03_runs.py"
SEEDS = tuple(range(1, 25))                  # the networks trained as the page's
SEEDS_WITHOUT_FORGET = tuple(range(1, 7))    # the LSTMs without a forget gate (exercise 5)


def summary(seed: int) -> dict:
    """Train the chapter's language model with ``seed`` and measure it as the page does.

    Returns numbers only: the loss, the accuracy, the gender units' correlations, the forget
    gates at a new subject and elsewhere (the strongest gender unit, the other gender units,
    the other units) and
    at each kind of word, their input gates' mean, what they keep from the noun to the
    pronoun, and, for the three clamps of
    :func:`lstmlib.experiments.ch03_clamp.clamp_experiments` and for exercises 3 and 4 (each gender
    unit alone), the accuracy at the first pronoun after a change of gender and after the same gender.
    """
    model = ch03.language_model(seed)
    history = ch03.train_language(model, seed)
    stories = ch03.test_stories(seed)
    rec = ch03.record(model, stories)
    corr = ch03.gender_correlation(rec)                               # (H,)
    units = ch03.gender_units(corr)
    others = [u for u in range(len(corr)) if u not in units]
    size = corr.abs().sort(descending=True).values
    contrast = {name: ch03.forget_contrast(rec, u) for name, u in
                (("strongest", units[:1]), ("the other gender units", units[1:]),
                 ("others", others))}
    out = dict(loss=sum(history.loss[-100:]) / 100, accuracy=rec.accuracy(),
               trained=_both(ch03_clamp.pronoun_damage(rec)), units=units,
               strongest=size[0].item(), second=size[1].item(), median=size.median().item(),
               drop={k: c["elsewhere"] - c["subject"] for k, c in contrast.items()},
               kept=ch03.kept_to_pronoun(rec, units).tolist(),
               profile={"strongest": ch03.forget_by_kind(rec, units[:1]),
                        "others": ch03.forget_by_kind(rec, others)},
               input_gate=rec.gates["i"][..., units].mean().item())
    for name, c in ch03_clamp.clamp_experiments(model, rec, units, corr).items():
        out[name] = dict(_both(c["damage"]), shift=c["shift"], units=c["units"])
    words = {"the": ch03.token_kind(stories, "the"), "noun": stories.new_subject}
    out["alone"] = [_both(ch03_clamp.damage(model, stories, [u])) for u in units]
    for word in ("the", "noun"):
        out[f"at {word} only"] = _both(ch03_clamp.damage(model, stories, units, steps=words[word]))
    return out


def _both(d: ch03_clamp.Damage) -> dict:
    return dict(switch=d.switch, same=d.same)


def summary_without_forget(seed: int) -> dict:
    """Exercise 5: the LSTM without a forget gate, trained and measured as the page's model.

    Its accuracy; the strongest correlation of a cell state with the gender and that unit's
    largest |C_t|; the strongest correlation of an output gate o_t with it; and the mean
    |C_t| over every unit at the last of the 50 words.
    """
    model = ch03.language_model(seed, forget_gate=False)
    ch03.train_language(model, seed)
    rec = ch03.record(model, ch03.test_stories(seed))
    corr = ch03.gender_correlation(rec)                               # of C_t, (H,)
    u = int(corr.abs().argmax())
    return dict(accuracy=rec.accuracy(), trained=_both(ch03_clamp.pronoun_damage(rec)),
                cell_corr=abs(corr[u].item()), cell_size=rec.gates["C_t"][..., u].abs().max().item(),
                gate_corr=ch03.gender_correlation(rec, of="o").abs().max().item(),
                last_size=rec.gates["C_t"][-1].abs().mean().item())


def planned_runs() -> list[dict]:
    """Every run of the file: the chapter's network with each seed, then those without f_t."""
    return ([dict(kind="LSTM", seed=s) for s in SEEDS]
            + [dict(kind="no forget gate", seed=s) for s in SEEDS_WITHOUT_FORGET])


def one_run(kind: str, seed: int) -> dict:
    """One planned run: :func:`summary` or :func:`summary_without_forget`."""
    if kind == "LSTM":
        return summary(seed)
    if kind == "no forget gate":
        return summary_without_forget(seed)
    raise ValueError(f"expected kind 'LSTM' or 'no forget gate', got {kind!r}")


def load(kind: str = "LSTM", check: bool = True) -> list[dict]:
    """The precomputed rows of one kind, in seed order.

    With ``check`` (the default) the file is refused if the code that made it has changed
    since (:class:`lstmlib.training.sweeps.StaleResults`). The page reads it with ``check=False``, so
    that an edit elsewhere in lstmlib does not stop a reader's run;
    ``tests/test_experiments_ch03.py`` checks that the file is current.
    """
    if kind not in ("LSTM", "no forget gate"):
        raise ValueError(f"expected kind 'LSTM' or 'no forget gate', got {kind!r}")
    if not isinstance(check, bool):
        raise TypeError(f"expected check to be True or False, got {check!r}")
    rows = [r for r in sweeps.load(PATH, check=check).rows if r["kind"] == kind]
    return sorted(rows, key=lambda r: r["seed"])
