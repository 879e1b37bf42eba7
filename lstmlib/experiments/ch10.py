"""Chapter 10, LSTMs for time series: the notes' opening claim, tested against baselines.

Used by ``book/10_time_series.ipynb`` and re-checked over five more seeds by
``tests/test_claims_ch10.py`` (Zeng et al. 2023; Gers, Eck & Schmidhuber 2001;
Hyndman & Athanasopoulos 2021):

    problem, budget, size, baselines, train, compare, Comparison, sweep_table, sweep_text

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
        """One value per seed: MSE or MAE, one step ahead (``"one"``) or over 1 … K."""
        if horizon not in HORIZONS or metric not in ("mse", "mae"):
            raise ValueError(f"expected horizon in {HORIZONS} and metric 'mse' or 'mae', "
                             f"got {horizon!r} and {metric!r}")
        k = 0 if metric == "mse" else 1
        return np.array([(e.one_step() if horizon == "one" else e.multi_step())[k]
                         for e in self.errors(name)])

    def ranking(self, horizon: str = "multi", metric: str = "mse") -> list[str]:
        """Model names by mean score over seeds, best first."""
        return sorted(self.entries, key=lambda n: self.scores(n, horizon, metric).mean())

    def clearly_better(self, a: str, b: str, horizon: str = "multi", metric: str = "mse",
                       margin: float = 1.0) -> bool:
        """Every seed of ``a`` beats every seed of ``b``, by the factor ``margin``."""
        return bool(self.scores(a, horizon, metric).max() * margin < self.scores(b, horizon, metric).min())

    def table(self, horizon: str = "multi") -> str:
        """The ranked table: parameters, then test MSE and MAE as mean (min-max) over seeds.
        Columns of small numbers are scaled (``1000 × MSE``) to stay readable and narrow."""
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
                 f"{'':4} {'model':<14} {'params':>6}  {columns[0][0]:<23} {columns[1][0]}"]
        for rank, name in enumerate(names, 1):
            cells = [c[1][name] for c in columns]
            lines.append(f"{rank:>3}. {name:<14} {self.entries[name].params:>6,}  "
                         f"{cells[0]:<23} {cells[1]}".rstrip())
        return "\n".join(lines)


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


# The precomputed sweep (benchmarks/forecast_sweep.py).
SWEEP = "benchmarks/results/forecast_sweep.jsonl"


def sweep_table(rows, series: str, horizon: str = "multi") -> dict:
    """Test MSE per seed for each (model, budget) of one series; where the sweep tried more
    than one learning rate, at the one whose mean validation error was lower.
    Returns ``{(kind, budget): dict(lr, params, mse)}``, ``mse`` one value per seed."""
    runs = {}
    for r in rows:
        if r["series"] == series:
            lr = r.get("lr", LR[r["kind"]])
            runs.setdefault((r["kind"], r["budget"]), {}).setdefault(lr, []).append(r)
    out = {}
    for key, by_lr in runs.items():
        lr = min(by_lr, key=lambda lr: np.mean([r["val"] for r in by_lr[lr]]))
        mse = [r["mse"][0] if horizon == "one" else float(np.mean(r["mse"])) for r in by_lr[lr]]
        out[key] = dict(lr=lr, params=by_lr[lr][0]["params"], mse=np.array(mse))
    return out


def sweep_text(rows, series: str, horizon: str = "multi") -> str:
    """The sweep's results for one series as a table: each model and budget at its chosen
    learning rate, test MSE as mean (min-max) over seeds, best first."""
    table = sweep_table(rows, series, horizon)
    scale = _scale(min(v["mse"].mean() for v in table.values()))
    head = (f"{scale:,} × " if scale > 1 else "") + "test MSE"
    lines = [f"{'':4} {'model':<12} {'budget':<7} {'params':>6} {'lr':>5}  {head}"]
    order = sorted(table, key=lambda k: table[k]["mse"].mean())
    for rank, key in enumerate(order, 1):
        v = table[key]
        lines.append(f"{rank:>3}. {key[0]:<12} {key[1]:<7} {v['params']:>6,} {v['lr']:>5g}  "
                     f"{_spread(v['mse'] * scale)}")
    return "\n".join(lines)
