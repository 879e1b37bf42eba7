"""Chapter 10, LSTMs for time series: the notes' opening claim, tested against baselines.

Used by ``book/10_time_series.ipynb``, whose check cells state the claims (the notebook is
their one definition; ``benchmarks/robustness.py`` runs it over seeds and numeric
environments); ``tests/test_experiments_ch10.py`` tests these functions, the exercise
solutions and a re-run sample of the sweep (Zeng et al. 2023; Gers, Eck & Schmidhuber 2001;
Hyndman & Athanasopoulos 2021; Hyndman & Koehler 2006 for MASE):

    problem, budget, size, baselines, train, compare, Comparison, mase_scale,
    co2_ratios, mackey_glass_ratios, show, sweep_table, sweep_text, sweep_ratios,
    sweep_mase, sweep_mase_text

The notebook trains every network live on two series (CO₂ and Mackey–Glass) with three
seeds each; ``benchmarks/forecast_sweep.py`` ran the larger grid on all three series.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from ..forecasting import baselines as base
from ..forecasting import data, fit, models
from ..forecasting.protocol import Problem, errors
from ..seed import seed_everything

# Windows: lookback L, horizon K, and the linear model's moving-average kernel, per series.
SERIES = {"co2": dict(lookback=36, horizon=12, kernel=13),
          "sunspots": dict(lookback=22, horizon=11, kernel=11),
          "mackey_glass": dict(lookback=24, horizon=14, kernel=13)}
# The classical model of each series, fitted by statsmodels on the training part.
CLASSICAL = {"co2": ("ETS", dict(trend=True, seasonal=12)),
             "sunspots": ("ARIMA", dict(order=(8, 0, 0), trend="c")),
             "mackey_glass": ("ARIMA", dict(order=(12, 0, 0), trend="c"))}
LIVE = ("co2", "mackey_glass")                 # the series the notebook trains on
TRAINED = models.KINDS                         # DLinear, MLP, LSTM, GRU, Transformer
# Training in the notebook: steps, batch, validation checks; the learning rate per model.
TRAINING = dict(steps=300, batch=64, check_every=25, seeds=3)
LR = {"DLinear": 0.01, "MLP": 0.01, "LSTM": 0.03, "GRU": 0.03, "Transformer": 0.03}
HORIZONS = ("one", "multi")                    # one step ahead; the mean over leads 1 … K
METRICS = ("mse", "mae", "mase")


def seeds(seed: int) -> tuple[int, ...]:
    """The model seeds of one run of the chapter: SEED 0 trains seeds 0, 1, 2; SEED 1 trains
    3, 4, 5, and so on, so the tests' SEED 1-5 never reuse the page's networks."""
    n = TRAINING["seeds"]
    return tuple(n * seed + k for k in range(n))


@functools.lru_cache(maxsize=None)
def problem(name: str) -> Problem:
    """The chapter's forecasting problem for one series (60/20/20 split in time)."""
    s = SERIES[name]
    return Problem(data.load(name), s["lookback"], s["horizon"])


def budget(name: str) -> int:
    """The linear model's parameter count, 2 (L K + K): every network is sized to it."""
    s = SERIES[name]
    return models.parameter_count(models.build("DLinear", s["lookback"], s["horizon"], s["kernel"]))


def size(name: str, kind: str) -> int:
    """The size argument of :func:`lstmlib.forecasting.models.build` at the series' budget."""
    s = SERIES[name]
    if kind == "DLinear":
        return s["kernel"]
    return models.size_for_budget(kind, s["lookback"], s["horizon"], budget(name))


@dataclass
class Entry:
    """One model's test forecasts: one (B, K) array per seed (one for untrained models)."""
    name: str
    params: int
    forecasts: list = field(repr=False)
    trained: bool = True
    models: list = field(default_factory=list, repr=False)    # the trained networks, per seed


@dataclass
class Comparison:
    """Every model's test forecasts for one series, and their errors."""
    problem: Problem = field(repr=False)
    entries: dict                   # name -> Entry, in the order the models were added

    @property
    def truth(self) -> np.ndarray:
        return self.problem.truth("test")                             # (B, K)

    def errors(self, name: str) -> list:
        """One :class:`~lstmlib.forecasting.protocol.Errors` per seed."""
        return [errors(f, self.truth) for f in self.entries[name].forecasts]

    def scores(self, name: str, horizon: str = "multi", metric: str = "mse") -> np.ndarray:
        """One value per seed: MSE, MAE or MASE (the MAE over :func:`mase_scale`), one step
        ahead (``"one"``) or over 1 … K."""
        if horizon not in HORIZONS or metric not in METRICS:
            raise ValueError(f"expected horizon in {HORIZONS} and metric in {METRICS}, "
                             f"got {horizon!r} and {metric!r}")
        k = 0 if metric == "mse" else 1
        scale = _mase_scale(self.problem) if metric == "mase" else 1.0
        return np.array([(e.one_step() if horizon == "one" else e.multi_step())[k] / scale
                         for e in self.errors(name)])

    def ranking(self, horizon: str = "multi", metric: str = "mse") -> list[str]:
        """Model names by mean score over seeds, best first."""
        return sorted(self.entries, key=lambda n: self.scores(n, horizon, metric).mean())

    def clearly_better(self, a: str, b: str, horizon: str = "multi", metric: str = "mse",
                       margin: float = 1.0) -> bool:
        """Every seed of ``a`` beats every seed of ``b``, by the factor ``margin``."""
        return bool(self.scores(a, horizon, metric).max() * margin < self.scores(b, horizon, metric).min())

    def table(self, horizon: str = "multi") -> str:
        """The ranked table: parameters, then test MSE and MAE as mean (min-max) over seeds,
        and the mean MASE. Columns of small numbers are scaled (``1000 × MSE``) to stay
        readable and narrow."""
        s = self.problem.series
        unit = "" if "no unit" in s.unit else s.unit
        lead = "one step ahead" if horizon == "one" else f"mean over leads 1-{self.problem.horizon}"
        names = self.ranking(horizon)
        columns = []
        for metric, u in (("mse", f"{unit}²" if unit else ""), ("mae", unit)):
            values = {n: self.scores(n, horizon, metric) for n in names}
            scale = _scale(min(v.mean() for v in values.values()))
            head = (f"{scale:,} × " if scale > 1 else "") + metric.upper() + (f" ({u})" if u else "")
            columns.append((head, {n: _spread(v * scale) for n, v in values.items()}))
        seeds = max(len(self.entries[n].forecasts) for n in names)
        lines = [f"{s.title}, test part, {lead}", f"(trained models: mean (min-max) over {seeds} seeds)",
                 f"{'':4} {'model':<14} {'params':>6}  {columns[0][0]:<23} "
                 f"{columns[1][0]:<20} MASE"]
        for rank, name in enumerate(names, 1):
            cells = [c[1][name] for c in columns]
            mase = self.scores(name, horizon, "mase").mean()
            lines.append(f"{rank:>3}. {name:<14} {self.entries[name].params:>6,}  "
                         f"{cells[0]:<23} {cells[1]:<20} {mase:.3g}")
        return "\n".join(lines)


def _mase_scale(p: Problem) -> float:
    """The in-sample MAE of the seasonal naive forecast (naive where there is no season) on
    the training part: MASE's denominator (Hyndman & Koehler 2006)."""
    m = p.series.period or 1
    train = p.values("train")                                         # (N_train,)
    return float(np.abs(train[m:] - train[:-m]).mean())


def mase_scale(name: str) -> float:
    """MASE's scale for one series: the mean |y_t - y_{t-m}| over its training part, m its
    season (1 without one). A MASE below 1 beats that in-sample seasonal naive forecast."""
    return _mase_scale(problem(name))


def _scale(smallest: float) -> int:
    """1 if the smallest mean is at least 0.01; else the power of ten that lifts it to 1 or more."""
    k = 0
    while smallest < 0.01 and smallest * 10 ** k < 1 and k < 12:
        k += 1
    return 10 ** k


def _spread(values) -> str:
    values = np.asarray(values)
    if len(values) == 1:
        return f"{values[0]:.3g}"
    return f"{values.mean():.3g} ({values.min():.3g}-{values.max():.3g})"


def baselines(name: str) -> dict:
    """The untrained forecasts: naive, seasonal naive (where the series has a season) and the
    classical model. Returns ``{name: Entry}``."""
    p = problem(name)
    out = {"naive": Entry("naive", 0, [base.naive(p, "test")], trained=False)}
    if p.series.period:
        out["seasonal naive"] = Entry("seasonal naive", 0,
                                      [base.seasonal_naive(p, "test", p.series.period)], False)
    kind, spec = CLASSICAL[name]
    classical = base.Classical.fit(p, kind, **spec)
    out[classical.name()] = Entry(classical.name(), classical.n_params,
                                  [classical.forecast("test")], trained=False)
    return out


def train(name: str, kind: str, seed: int, steps: int = TRAINING["steps"]):
    """One network, seeded, trained on one series. Returns ``(model, Run)``."""
    p = problem(name)
    seed_everything(seed)
    model = models.build(kind, p.lookback, p.horizon, size(name, kind))
    return fit.fit(model, p, seed, steps=steps, batch=TRAINING["batch"], lr=LR[kind],
                   check_every=TRAINING["check_every"])


def compare(name: str, seed: int, kinds=TRAINED) -> Comparison:
    """Every model on one series: the baselines, and each network trained with the seeds
    :func:`seeds` gives for ``seed``."""
    p = problem(name)
    entries = baselines(name)
    for kind in kinds:
        trained = [train(name, kind, s)[0] for s in seeds(seed)]
        entries[kind] = Entry(kind, models.parameter_count(trained[0]),
                              [fit.forecast(m, p, "test") for m in trained], models=trained)
    return Comparison(p, entries)


def _worst(scores: dict, names) -> float:
    return max(scores[n].max() for n in names)


def co2_ratios(c: Comparison) -> dict:
    """The ratios of test MSE that chapter 10's text bounds on CO₂, for one run of the page
    (``multi``: the mean over leads 1 … 12; ``one``: one step ahead)."""
    one = {n: c.scores(n, "one") for n in c.entries}                  # one value per seed
    multi = {n: c.scores(n, "multi") for n in c.entries}
    nets, close = list(TRAINED), ["DLinear", "MLP", "ETS(A,A,A)", "LSTM", "GRU"]
    ets = one["ETS(A,A,A)"][0]
    means = [multi[n].mean() for n in close]
    others = [n for n in nets if n != "Transformer"]
    return {
        "naive / worst network seed, year": multi["naive"][0] / _worst(multi, nets),
        "naive / worst DLinear seed, year": multi["naive"][0] / _worst(multi, ["DLinear"]),
        "seasonal naive / worst network seed": multi["seasonal naive"][0] / _worst(multi, nets),
        "seasonal naive / worst DLinear seed": multi["seasonal naive"][0] / _worst(multi, ["DLinear"]),
        "best network mean / ETS, one step": min(one[n].mean() for n in nets) / ets,
        "LSTM mean / ETS, one step": one["LSTM"].mean() / ets,
        "highest / lowest of the five means, year": max(means) / min(means),
        "LSTM mean / DLinear mean, year": multi["LSTM"].mean() / multi["DLinear"].mean(),
        "Transformer mean / next worst, year": min(
            multi["Transformer"].mean() / multi[n].mean() for n in others)}


def mackey_glass_ratios(c: Comparison) -> dict:
    """The ratios of test MSE that chapter 10's text bounds on Mackey–Glass, for one run of
    the page (``14 steps``: the mean over leads 1 … 14), and the largest ratio over the leads
    1 … 12 of the LSTM's error to the linear model's (means over seeds)."""
    one = {n: c.scores(n, "one") for n in c.entries}                  # one value per seed
    multi = {n: c.scores(n, "multi") for n in c.entries}
    lead = {n: np.mean([e.mse for e in c.errors(n)], axis=0) for n in c.entries}   # (K,)
    out = {}
    for rnn in ("LSTM", "GRU"):
        out[f"best DLinear seed / worst {rnn} seed"] = multi["DLinear"].min() / multi[rnn].max()
        out[f"{rnn} mean / DLinear mean, 14 steps"] = multi[rnn].mean() / multi["DLinear"].mean()
    out["ARIMA / best DLinear seed, 14 steps"] = multi["ARIMA(12,0,0)"][0] / multi["DLinear"].min()
    out["next best mean / MLP mean, one step"] = min(
        one[n].mean() for n in c.entries if n != "MLP") / one["MLP"].mean()
    out["MLP mean / LSTM mean, 14 steps"] = multi["MLP"].mean() / multi["LSTM"].mean()
    out["Transformer mean / MLP, LSTM, GRU means"] = min(
        multi["Transformer"].mean() / multi[n].mean() for n in ("MLP", "LSTM", "GRU"))
    out["Transformer mean / DLinear mean, 14 steps"] = (multi["Transformer"].mean()
                                                        / multi["DLinear"].mean())
    out["LSTM / DLinear by lead, leads 1-12 (max)"] = float(
        (lead["LSTM"][:12] / lead["DLinear"][:12]).max())
    return out


def show(ratios: dict) -> None:
    """Print a dict of named ratios, one a line, within 79 columns."""
    for name, value in ratios.items():
        print(f"{name:<44} {value:8.3g}")


# The precomputed sweep (benchmarks/forecast_sweep.py).
SWEEP = "benchmarks/results/forecast_sweep.jsonl"


def sweep_table(rows, series: str, horizon: str = "multi") -> dict:
    """Test MSE and MASE per seed for each (model, budget) of one series; where the sweep tried
    more than one learning rate, at the one whose mean validation error was lower.
    Returns ``{(kind, budget): dict(lr, params, mse, mase)}``, ``mse`` and ``mase`` one value
    per seed."""
    if horizon not in HORIZONS:
        raise ValueError(f"expected horizon in {HORIZONS}, got {horizon!r}")
    runs = {}
    for r in rows:
        if r["series"] == series:
            lr = r.get("lr", LR[r["kind"]])
            runs.setdefault((r["kind"], r["budget"]), {}).setdefault(lr, []).append(r)
    scale = mase_scale(series)
    out = {}
    for key, by_lr in runs.items():
        lr = min(by_lr, key=lambda lr: np.mean([r["val"] for r in by_lr[lr]]))
        pick = (lambda v: v[0]) if horizon == "one" else (lambda v: float(np.mean(v)))
        out[key] = dict(lr=lr, params=by_lr[lr][0]["params"],
                        mse=np.array([pick(r["mse"]) for r in by_lr[lr]]),
                        mase=np.array([pick(r["mae"]) / scale for r in by_lr[lr]]))
    return out


def sweep_text(rows, series: str, horizon: str = "multi") -> str:
    """The sweep's results for one series as a table: each model and budget at its chosen
    learning rate, test MSE as mean (min-max) over seeds and the mean MASE, best first."""
    table = sweep_table(rows, series, horizon)
    scale = _scale(min(v["mse"].mean() for v in table.values()))
    head = (f"{scale:,} × " if scale > 1 else "") + "test MSE"
    lines = [f"{'':4} {'model':<12} {'budget':<7} {'params':>6} {'lr':>5}  {head:<23} MASE"]
    order = sorted(table, key=lambda k: table[k]["mse"].mean())
    for rank, key in enumerate(order, 1):
        v = table[key]
        lines.append(f"{rank:>3}. {key[0]:<12} {key[1]:<7} {v['params']:>6,} {v['lr']:>5g}  "
                     f"{_spread(v['mse'] * scale):<23} {v['mase'].mean():.3g}")
    return "\n".join(lines)


def sweep_ratios(rows, marks: dict) -> dict:
    """The ratios of test MSE (mean over the leads) that chapter 10's text bounds on the
    precomputed sweep; ``marks``: the sunspots' untrained forecasts' MSE, by name."""
    mse = {(r_s, k): v["mse"] for r_s in SERIES
           for (k, b), v in sweep_table(rows, r_s).items() if b == "small"}   # one per seed
    one = {k: v["mse"].mean() for (k, b), v in sweep_table(rows, "mackey_glass", "one").items()}
    sun = [k for (s, k) in mse if s == "sunspots"]
    lstm, tf = mse["sunspots", "LSTM"], mse["sunspots", "Transformer"]
    co2 = sorted((mse["co2", k].mean(), k) for (s, k) in mse if s == "co2")
    return {
        "sunspots: best other / worst DLinear seed": min(
            [mse["sunspots", k].min() for k in sun if k != "DLinear"] + list(marks.values()))
        / mse["sunspots", "DLinear"].max(),
        "sunspots: LSTM mean / next worst mean": lstm.mean() / max(
            mse["sunspots", k].mean() for k in sun if k != "LSTM"),
        "sunspots: best LSTM seed / seasonal naive": lstm.min() / marks["seasonal naive"],
        "sunspots: LSTM, Transformer ranges overlap": min(lstm.max() / tf.min(),
                                                          tf.max() / lstm.min()),
        "co2: best other mean / DLinear's, MLP's": min(
            m for m, k in co2 if k not in ("DLinear", "MLP")) / max(
            m for m, k in co2 if k in ("DLinear", "MLP")),
        "co2: LSTM mean / DLinear mean": mse["co2", "LSTM"].mean() / mse["co2", "DLinear"].mean(),
        "co2: best Transformer seed / worst other": mse["co2", "Transformer"].min() / max(
            mse["co2", k].max() for (s, k) in mse if s == "co2" and k != "Transformer"),
        "mackey_glass: best MLP / worst LSTM, GRU": mse["mackey_glass", "MLP"].min() / max(
            mse["mackey_glass", "LSTM"].max(), mse["mackey_glass", "GRU"].max()),
        "mackey_glass: next best / MLP, one step": min(
            v for k, v in one.items() if k != "MLP") / one["MLP"]}


def sweep_mase(rows, series=tuple(SERIES)) -> dict:
    """Every trained model's mean test MASE (over seeds and leads 1 … K) on each series of the
    sweep: ``{kind: [one value per series]}``, errors in one unit across series."""
    tables = {s: sweep_table(rows, s) for s in series}
    kinds = sorted({k for t in tables.values() for k, b in t if b == "small"})
    return {k: [float(tables[s][k, "small"]["mase"].mean()) for s in series] for k in kinds}


def sweep_mase_text(rows, series=tuple(SERIES)) -> str:
    """:func:`sweep_mase` as a table, with the mean over the series, best first."""
    mase = sweep_mase(rows, series)
    lines = [f"{'':4} {'model':<12} " + " ".join(f"{s[:12]:>12}" for s in series)
             + f" {'mean':>6}"]
    for rank, k in enumerate(sorted(mase, key=lambda k: np.mean(mase[k])), 1):
        lines.append(f"{rank:>3}. {k:<12} " + " ".join(f"{v:>12.3g}" for v in mase[k])
                     + f" {np.mean(mase[k]):>6.3g}")
    return "\n".join(lines)
