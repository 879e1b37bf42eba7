"""The robustness report: for every claim, its values over many runs against its bound.

How likely a claim is to fail in a reader's run is estimated two ways, by the kind of claim:

- **A bound on values** (``claims.check``: above, below, between). In each run the claim's
  worst value (the lowest, for "above") sets the run's margin to the bound, on a log scale
  where the claim's numbers span orders of magnitude. Over n runs the margins have a mean m
  and a standard deviation s. A new run's margin is predicted by Student's t with n − 1
  degrees of freedom, scaled by s·sqrt(1 + 1/n); the estimate is the probability that it
  falls below 0. The table gives m / s, "the margin in units of the spread": with 24 runs,
  a claim meets the course's target of fewer than 1 failure in 1,000 runs at m / s ≥ 3.5.
  A claim whose value is the same in every run (an exact count, a deterministic
  computation) has no spread and cannot fail by chance: "exact".
- **A count** (``claims.count``: at least k of n runs). The runs of all the notebook's
  executions are pooled: S successes in N runs. The rate is uncertain, so it is given the
  distribution that S of N implies (a beta distribution, from Jeffreys' prior), and the
  estimate is the probability that a new execution's n runs count fewer than k
  (beta-binomial). 72 successes in 72 runs, say, put "at least 2 of 3" at about 4 in 10,000.
  A count over a precomputed results file is the same in every execution, its successes
  and failures in the same places: "exact", like a deterministic value.
"""
from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from pathlib import Path

from scipy import stats

from lstmlib.training import sweeps

TARGET = 1e-3


def _scale(records) -> bool:
    flags = [r.get("log_scale") for r in records if r.get("log_scale") is not None]
    if flags:
        return bool(flags[0])
    numbers = [v for r in records for v in r["values"]]
    bound = records[0]["bound"]
    numbers += list(bound) if isinstance(bound, list) else [bound]
    return min(numbers) > 0 and max(numbers) / min(numbers) > 100


def _margin(record, log: bool) -> float:
    """The run's worst margin to the bound (negative: outside)."""
    f = (lambda v: math.log10(v) if v > 0 else -math.inf) if log else (lambda v: v)
    kind, bound, values = record["kind"], record["bound"], record["values"]
    if kind == "above":
        return min(f(v) for v in values) - f(bound)
    if kind == "below":
        return f(bound) - max(f(v) for v in values)
    if kind == "between":
        low, high = bound
        return min(min(f(v) - f(low), f(high) - f(v)) for v in values)
    return 0.0 if all(v == bound for v in values) else -1.0            # equals


def _read_from_a_file(records: list[dict]) -> bool:
    """A count whose runs are the same in every execution, successes and failures in the
    same places: counted over a precomputed results file (the same for every reader), not
    over runs the notebook trains. Live runs of other seeds cannot repeat a mixed pattern
    in 20 executions; a count of all successes is left to the beta-binomial."""
    first = records[0]["values"]
    return (len(records) > 1 and len(set(map(bool, first))) == 2
            and all(r["values"] == first for r in records))


def summarise(records: list[dict]) -> dict:
    """One claim over its runs: the observed range, the margin in spreads, the failure estimate."""
    kind = records[0]["kind"]
    bound = records[0]["bound"]
    runs = len(records)
    failed = sum(not r["ok"] for r in records)
    if kind in ("at_least", "at_most"):
        hits = [sum(r["values"]) for r in records]
        trials = [len(r["values"]) for r in records]
        S, N, n = sum(hits), sum(trials), max(trials)
        # the next run's count: beta-binomial, the rate's posterior from Jeffreys' prior
        successes = stats.betabinom(n, S + 0.5, N - S + 0.5)
        if kind == "at_least":
            risk = float(successes.cdf(bound - 1))
            text = f"at least {bound} of {n}"
        else:
            risk = float(successes.sf(bound))
            text = f"at most {bound} of {n}"
        spread = "rate {:.2f}".format(S / N)
        if _read_from_a_file(records):
            risk, spread = (0.0, "exact") if failed == 0 else (1.0, "fails")
        return dict(kind=kind, bound=text, observed=f"{min(hits)}–{max(hits)} of {n}",
                    spread=spread, risk=risk, runs=runs, failed=failed)
    log = _scale(records)
    margins = [_margin(r, log) for r in records]
    values = [v for r in records for v in r["values"]]
    m = sum(margins) / runs
    s = math.sqrt(sum((x - m) ** 2 for x in margins) / (runs - 1)) if runs > 1 else 0.0
    if s == 0 or not math.isfinite(s):
        risk = 0.0 if min(margins) >= 0 and failed == 0 else 1.0
        spread = "exact" if risk == 0 else "fails"
    else:
        risk = float(stats.t.cdf(-m / (s * math.sqrt(1 + 1 / runs)), runs - 1))
        spread = f"{m / s:.1f}" + (" (log)" if log else "")
    word = {"above": ">", "below": "<", "equals": "=="}
    text = (f"{_num(bound[0])} < · < {_num(bound[1])}" if kind == "between"
            else f"{word[kind]} {_num(bound)}")
    return dict(kind=kind, bound=text, observed=f"{_num(min(values))} to {_num(max(values))}",
                spread=spread, risk=risk, runs=runs, failed=failed)


def _num(v) -> str:
    if isinstance(v, bool) or isinstance(v, int):
        return f"{v:,}"
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:.3g}"
    return f"{v:.2e}"


def _risk(p: float) -> str:
    if p == 0:
        return "0"
    return "< 1e-9" if p < 1e-9 else f"{p:.1e}"


def claims_of(results) -> dict:
    """{(claim, occurrence): [record per run]} over the runs of one chapter."""
    out = defaultdict(list)
    for rec in results.records:
        seen = defaultdict(int)
        for c in rec["result"]["claims"]:
            seen[c["claim"]] += 1
            out[(c["claim"], seen[c["claim"]])].append(c)
    return out


def write(path: Path, folder: Path, commit: str = "", dirty: bool = False) -> str:
    """Write the report from every chapter's results file in ``folder``; return its text."""
    chapters, rows, failures, cpus, stale = [], [], [], set(), []
    for file in sorted(folder.glob("*.jsonl")):
        try:
            results = sweeps.load(file)
        except sweeps.StaleResults:
            stale.append(file.stem)
            results = sweeps.load(file, check=False)
        records = results.records
        cpus.update(r["result"].get("cpu", "?") for r in records)
        by_claim = {k: summarise(v) for k, v in claims_of(results).items()}
        failed = [r for r in records if not r["result"]["ok"]]
        for r in failed:
            failures.append((file.stem, r["run"], r["result"]))
        worst = max(by_claim.items(), key=lambda kv: kv[1]["risk"], default=None)
        seconds = sorted(r["result"]["seconds"] for r in records)
        chapters.append((file.stem, len(records), results.header["planned"], len(failed),
                         len(by_claim), worst, seconds[len(seconds) // 2] if seconds else 0))
        rows += [(file.stem, claim, n, s) for (claim, n), s in by_claim.items()]
    probe_file = folder / "probe.json"
    probe = json.loads(probe_file.read_text()) if probe_file.exists() else {}
    lines = ["# Robustness report", "",
             "<!-- written by benchmarks/robustness.py; do not edit by hand -->", "",
             f"Every chapter executed top to bottom in a fresh kernel with other seeds and "
             f"numeric environments (`{'.venv/bin/python benchmarks/robustness.py'}`). "
             f"Commit {commit or '?'}{' with uncommitted changes' if dirty else ''}, "
             f"written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"CPU: {', '.join(sorted(cpus)) or '?'}.", ""]
    if stale:
        lines += [f"**Stale:** the notebook or lstmlib changed since these chapters ran: "
                  f"{', '.join(stale)}. Run the script again.", ""]
    if probe:
        lines += ["Numeric environments (`python -m lstmlib.machines probe` on this CPU, "
                  f"{probe.get('date', '?')}): what each changes against the native run.", "",
                  "| environment | settings | changes | used |", "|---|---|---|---|"]
        from lstmlib.machines import ENVIRONMENTS
        for name, found in probe["probe"].items():
            settings = " ".join(f"`{k}={v}`" for k, v in ENVIRONMENTS.get(name, {}).items())
            lines.append(f"| {name} | {settings or '(none)'} | "
                         f"{', '.join(found['changes']) or 'nothing'} | "
                         f"{'yes' if name in probe['used'] else 'no'} |")
        lines.append("")
    lines += ["## Chapters", "",
              "| chapter | runs | failed | claims | median run | thinnest margin |",
              "|---|---:|---:|---:|---:|---|"]
    for stem, n, planned, failed, count, worst, median in chapters:
        thin = (f"{_risk(worst[1]['risk'])}: {worst[0][0][:70]}" if worst else "")
        lines.append(f"| {stem} | {n}{'' if n >= planned else f' of {planned}'} | {failed} | "
                     f"{count} | {median:.0f} s | {thin} |")
    lines += ["", "## Failures", ""]
    if failures:
        for stem, run, result in failures:
            lines.append(f"- {stem}, SEED = {run['seed']}, {run['env']}: "
                         f"{(result.get('error') or '').replace('|', '/')}")
    else:
        lines.append("None.")
    lines += ["", "## Claims, thinnest margin first", "",
              "Margin: the mean of each run's worst margin to the bound in units of its "
              "standard deviation over the runs (see *Method*). Estimated failure rate: "
              "how often a new run would fail.", "",
              "| chapter | claim | bound | observed over the runs | margin / spread | "
              "est. failure rate |", "|---|---|---|---|---:|---:|"]
    rows.sort(key=lambda r: (-r[3]["risk"], r[0]))
    for stem, claim, n, s in rows:
        nth = f" (check {n})" if n > 1 else ""
        flag = " ⚠" if s["risk"] >= TARGET else ""
        lines.append(f"| {stem} | {claim.replace('|', '/')}{nth} | {s['bound']} | "
                     f"{s['observed']} ({s['runs']} runs) | {s['spread']} | "
                     f"{_risk(s['risk'])}{flag} |")
    lines += ["", "## Method", "", __doc__.split("\n\n", 1)[1].strip(), ""]
    text = "\n".join(lines)
    path.write_text(text)
    return text
