"""Chapter 10's precomputed experiment, read: each model's setting chosen on validation, MASE
per series and fold, ranks, paired tests, and the two probes of locality.

    rows = sweeps.load(SWEEP).rows
    scores = window_scores(rows)      # {(series, fold): {model: MASE}}
    print(ranking_text(scores))       # mean MASE per series, mean rank and its spread
    compare(scores, "LSTM", "PatchTST")     # wins, windows, Wilcoxon p
    diebold_mariano(rows, "co2", "LSTM", "DLinear")
    shuffle_ratios(rows), lookback_table(rows, lookback_rows)

Models: the references (naive, seasonal naive), the statistical models (ETS, ARIMA, each in
the form AICc chose per fold) and every trained model at the setting with the lowest mean
validation error over its seeds in that fold; a trained model's MASE in a window is the mean
over its seeds.
"""
from __future__ import annotations

import functools

import numpy as np

from ..forecasting import evaluation
from .ch10 import CLASSICAL, PROBED, REFERENCES, SERIES, TRAINED, chosen, problems, reference

SWEEP = "benchmarks/results/forecast_sweep.jsonl"
LOOKBACK = "benchmarks/results/forecast_lookback.jsonl"
MODELS = (*REFERENCES, *CLASSICAL, *TRAINED)
SHORT = {"co2": "CO2", "elnino": "El Nino", "elec_equip": "elec.", "unemployment": "unempl.",
         "sunspots": "sunspot", "mackey_glass": "M-G"}


def final(rows) -> dict:
    """``{(series, fold, kind): [rows]}``: the runs (one per seed) at the chosen setting;
    for ETS and ARIMA, their one run."""
    pick = chosen(rows)
    out = {}
    for r in rows:
        if r.get("lookback") is not None:
            continue
        key = (r["series"], r["fold"], r["kind"])
        if r["kind"] in CLASSICAL or (r["lr"], r["budget"]) == pick[key]:
            out.setdefault(key, []).append(r)
    return out


@functools.lru_cache(maxsize=None)
def _reference_mase(series: str, fold: int) -> dict:
    p = problems(series)[fold]
    return {n: evaluation.mase(reference(p, n), p.truth("test"), p.mase_scale())
            for n in REFERENCES}


def window_scores(rows) -> dict:
    """``{(series, fold): {model: MASE}}`` for every model of ``MODELS``."""
    out = {}
    for (series, fold, kind), runs in final(rows).items():
        scale = problems(series)[fold].mase_scale()
        window = out.setdefault((series, fold), dict(_reference_mase(series, fold)))
        window[kind] = float(np.mean([np.mean(r["origin_ae"]) for r in runs]) / scale)
    return out


def windows(scores, series=None) -> list:
    """The windows (series, fold) in order, of one series or of all."""
    return sorted(k for k in scores if series is None or k[0] == series)


def mean_ranks(scores) -> dict:
    """``{model: (W,) ranks over every window}``, 1 the best
    (:func:`lstmlib.forecasting.evaluation.ranks`)."""
    keys = windows(scores)
    return evaluation.ranks({m: [scores[k][m] for k in keys] for m in MODELS})


def ranking_text(scores) -> str:
    """Every model, best mean rank first: its mean MASE on each series (over the folds), its
    geometric-mean skill against seasonal naive, and its rank over all windows."""
    rank = mean_ranks(scores)
    present = {s for s, _ in windows(scores)}
    series = [s for s in SERIES if s in present]
    mean = {(m, s): np.mean([scores[k][m] for k in windows(scores, s)])
            for m in MODELS for s in series}
    head = (f"{'model':<15}" + "".join(f"{SHORT[s]:>8}" for s in series)
            + f"{'skill':>6}{'rank':>5}{'(sd)':>5}")
    lines = [head, "-" * len(head)]
    for m in sorted(MODELS, key=lambda m: rank[m].mean()):
        lines.append(f"{m:<15}" + "".join(f"{mean[m, s]:>8.3f}" for s in series)
                     + f"{skill(scores, m):>+6.2f}{rank[m].mean():>5.1f}{rank[m].std():>5.1f}")
    return "\n".join(lines)


def skill(scores, model: str, against: str = "seasonal naive") -> float:
    """The model's skill against a reference, from the geometric mean over every window of
    the ratio of their MASE: 1 − exp(mean log(MASE_model / MASE_reference))."""
    ratio = [scores[k][model] / scores[k][against] for k in windows(scores)]
    return float(1 - np.exp(np.mean(np.log(ratio))))


def compare(scores, a: str, b: str, series=None) -> dict:
    """``a`` against ``b`` over the windows (of one series, or all): in how many ``a`` has
    the lower MASE, the geometric-mean ratio a / b, and Wilcoxon's p (all windows only)."""
    keys = windows(scores, series)
    x = np.array([scores[k][a] for k in keys])
    y = np.array([scores[k][b] for k in keys])
    out = dict(wins=int((x < y).sum()), windows=len(keys),
               ratio=float(np.exp(np.mean(np.log(x / y)))))
    if len(keys) >= 5:
        out["p"] = evaluation.paired_windows(x, y)
    return out


def origin_losses(rows, series: str, kind: str) -> np.ndarray:
    """Each test origin's absolute error (mean over leads, and over seeds for a trained
    model), the folds one after the other, scaled by each fold's MASE scale."""
    runs = final(rows)
    out = []
    for fold, p in enumerate(problems(series)):
        if kind in REFERENCES:
            ae = evaluation.origin_errors(reference(p, kind), p.truth("test"))
        else:
            ae = np.mean([r["origin_ae"] for r in runs[series, fold, kind]], axis=0)
        out.append(np.asarray(ae) / p.mase_scale())
    return np.concatenate(out)


def diebold_mariano(rows, series: str, a: str, b: str) -> tuple[float, float]:
    """The Diebold–Mariano test of ``a`` against ``b`` on one series, over every test origin
    of its folds (:func:`lstmlib.forecasting.evaluation.diebold_mariano`, with the series'
    horizon)."""
    return evaluation.diebold_mariano(origin_losses(rows, series, a),
                                      origin_losses(rows, series, b), SERIES[series]["horizon"])


def shuffle_ratios(rows) -> dict:
    """``{(series, kind): MAE on shuffled windows / MAE}`` for every trained model at its
    chosen setting, the mean over folds and seeds of each ratio."""
    out = {}
    for (series, fold, kind), runs in final(rows).items():
        if kind in TRAINED:
            out.setdefault((series, kind), []).extend(
                r["shuffled_mae"] / np.mean(r["origin_ae"]) for r in runs)
    return {k: float(np.mean(v)) for k, v in out.items()}


def lookback_table(rows, lookback_rows) -> dict:
    """``{(series, kind): {lookback: MASE}}`` on the last fold: ``PROBED`` at the series' own
    lookback (from ``rows``) and at the other lookbacks (``lookback_rows``), means over seeds."""
    runs = final(rows)
    out = {}
    for series in SERIES:
        fold = len(problems(series)) - 1
        scale = problems(series)[fold].mase_scale()
        for kind in PROBED:
            own = problems(series)[fold].lookback
            table = {own: np.mean([np.mean(r["origin_ae"]) for r in runs[series, fold, kind]])}
            for lb in sorted({r["lookback"] for r in lookback_rows if r["series"] == series}):
                ae = [np.mean(r["origin_ae"]) for r in lookback_rows
                      if (r["series"], r["kind"], r["lookback"]) == (series, kind, lb)]
                table[lb] = np.mean(ae)
            out[series, kind] = {lb: float(v / scale) for lb, v in sorted(table.items())}
    return out


def settings_text(rows, fold: int = -1) -> str:
    """What the search chose in one fold of every series (the last by default): each trained
    model's learning rate and size ("0.01/4x"), and the statistical models' forms."""
    pick, runs = chosen(rows), final(rows)
    lines = [f"{'':<9}" + "".join(f"{k:>10}" for k in TRAINED)]
    forms = []
    for s in SERIES:
        f = range(len(problems(s)))[fold]
        lines.append(f"{SHORT[s]:<9}" + "".join(
            f"{pick[s, f, k][0]:>6g}/{pick[s, f, k][1]}" for k in TRAINED))
        forms.append(f"{SHORT[s]:<9}" + ", ".join(runs[s, f, k][0]["form"] for k in CLASSICAL))
    return "\n".join(lines + [""] + forms)


def live_settings(rows, name: str) -> dict:
    """``{kind: (lr, budget)}``: what the sweep chose for each trained model on the last fold
    of ``name``, the fold the page trains on."""
    fold = len(problems(name)) - 1
    return {kind: setting for (s, f, kind), setting in chosen(rows).items()
            if (s, f) == (name, fold)}


def classical_mase(rows, name: str, fold: int) -> dict:
    """``{"ETS": MASE, "ARIMA": MASE}`` of the statistical models in one fold, from the sweep
    (fitting them takes longer than the page allows), with their chosen forms."""
    runs, scale = final(rows), problems(name)[fold].mase_scale()
    return {k: (float(np.mean(runs[name, fold, k][0]["origin_ae"]) / scale),
                runs[name, fold, k][0]["form"]) for k in CLASSICAL}


def live_text(result: dict, classical: dict) -> str:
    """The page's live table: every model's MASE on the last fold, per seed and the mean;
    the statistical models' from the sweep."""
    lines = [f"{'model':<16}{'MASE per seed':<22}{'mean':>7}"]
    rows = [(m, result[m]) for m in (*REFERENCES, *TRAINED)]
    rows += [(f"{k} (sweep)", [v]) for k, (v, _) in classical.items()]
    for model, values in sorted(rows, key=lambda r: np.mean(r[1])):
        seeds_ = " ".join(f"{v:.3f}" for v in values)
        lines.append(f"{model:<16}{seeds_:<22}{np.mean(values):>7.3f}")
    return "\n".join(lines)


def budget_text(name: str) -> str:
    """Each trained model's size and parameter count at the budgets of the search."""
    from ..forecasting import models
    from .ch10 import TUNING, budget, size
    p = problems(name)[0]
    lines = [f"{name}: L = {p.lookback}, K = {p.horizon}, DLinear {budget(name)} parameters"]
    for kind in TRAINED[1:]:
        cells = []
        for key in TUNING["budgets"]:
            n = size(name, kind, key)
            count = models.parameter_count(models.build(kind, p.lookback, p.horizon, n))
            cells.append(f"{key}: size {n:>3}, {count:>5,}")
        lines.append(f"  {kind:<9} " + "   ".join(cells))
    return "\n".join(lines)


def best_counts(scores) -> dict:
    """``{model: in how many windows it has the lowest MASE}`` (every model of ``MODELS``)."""
    best = [min(scores[k], key=scores[k].get) for k in windows(scores)]
    return {m: best.count(m) for m in MODELS}


def significant_text(rows, pairs, level: float = 0.05) -> str:
    """:func:`significant` for each pair, a column each: the model significantly better on
    each series, or "-"."""
    cols = [f"{a} v {b}" for a, b in pairs]
    verdicts = [significant(rows, a, b, level) for a, b in pairs]
    lines = [f"{'':<9}" + "".join(f"{c:>18}" for c in cols)]
    for s in SERIES:
        lines.append(f"{SHORT[s]:<9}" + "".join(f"{v[s]:>18}" for v in verdicts))
    return "\n".join(lines)


def significant(rows, a: str, b: str, level: float = 0.05) -> dict:
    """Per series, the Diebold–Mariano verdict on ``a`` against ``b``: ``"a"`` or ``"b"``
    (whose error is significantly lower at ``level``), or ``"-"``."""
    out = {}
    for series in SERIES:
        stat, p = diebold_mariano(rows, series, a, b)
        out[series] = "-" if p >= level else (a if stat < 0 else b)
    return out


def lookback_gains(table: dict) -> dict:
    """``{kind: on how many series twice the lookback gave a lower MASE than the series'
    own}``, from :func:`lookback_table`."""
    out = {}
    for (series, kind), by_lookback in table.items():
        own = problems(series)[0].lookback
        out[kind] = out.get(kind, 0) + int(by_lookback[max(by_lookback)] < by_lookback[own])
    return out


def live_ratios(co2: dict, mackey_glass: dict) -> dict:
    """The ratios the page's text bounds on its live runs (:func:`lstmlib.experiments.ch10.live`
    of CO₂ and Mackey–Glass): one value per network seed, or one per run."""
    means = [np.mean(co2[k]) for k in TRAINED]
    return {
        "network / seasonal naive, CO2": [v / co2["seasonal naive"][0]
                                          for k in TRAINED for v in co2[k]],
        "highest / lowest network mean, CO2": max(means) / min(means),
        "nonlinear / DLinear, M-G": [v / np.mean(mackey_glass["DLinear"])
                                     for k in TRAINED[1:] for v in mackey_glass[k]],
        "shuffled / in order": [s / v for r in (co2, mackey_glass) for k in TRAINED
                                for s, v in zip(r["shuffled " + k], r[k])]}
