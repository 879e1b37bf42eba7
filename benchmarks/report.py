"""The results file: benchmarks/results/latest.md, rendered from latest.json."""
from __future__ import annotations


def _ok(flag) -> str:
    return "yes" if flag else "**NO**"


def markdown(results: dict) -> str:
    m = results.get("machine", {})
    out = ["# Benchmark results", "",
           "Written by `python benchmarks/run.py`; do not edit by hand. Each section keeps the date",
           "it was last measured (`--only` re-measures one section and keeps the others).", "",
           "## Machine", "",
           f"- CPU: {m.get('cpu')}; {m.get('logical_cores')} logical cores ({m.get('usable_cores')} usable), "
           f"torch uses {m.get('torch_threads')} threads",
           f"- torch {m.get('torch')}, numpy {m.get('numpy')}, Python {m.get('python')}, {m.get('os')}",
           f"- commit {m.get('commit')}, {m.get('date')}", "",
           "The machine is shared with other work: runs are interleaved and every figure is a median; "
           "`load` is the 1/5/15-minute load average when the section finished, `noise` the larger "
           "interquartile range / median of the two series compared.", ""]
    if "layers" in results:
        s = results["layers"]
        out += [f"## lstmlib's layers against torch.nn ({s['date']}, load {s['load']})", "",
                "Forward + backward of `layer(x)[0].sum()`, float32, gates not recorded, D = 16, H = 64; "
                "the ratio is the median of the per-round ratios lstmlib / torch.nn over interleaved "
                "rounds. Target: ratio ≤ 2.0. Both with torch's default thread count (what a reader "
                "gets) and with one thread (what the chapters set: these networks are small).", "",
                "| torch threads | layer | B | T | lstmlib (ms) | torch.nn (ms) | ratio | ≤ 2.0 | noise "
                "| readable path (ms, ratio) |",
                "|---:|---|---:|---:|---:|---:|---:|:---:|---:|---|"]
        for r in s["rows"]:
            readable = f"{r['readable_ms']:.1f}, {r['readable_ratio']:.1f}×" if "readable_ms" in r else ""
            out.append(f"| {r.get('threads', '')} | {r['layer']} | {r['B']} | {r['T']} | {r['lstmlib_ms']:.2f} "
                       f"| {r['torch_ms']:.2f} | {r['ratio']:.2f} | {_ok(r['ratio'] <= r['target'])} "
                       f"| {r['noise']:.0%} | {readable} |")
        out.append("")
        for f in s.get("floors", []):
            out += [_floor(f), ""]
    if "numpy" in results:
        s = results["numpy"]
        out += [f"## Appendix A1's NumPy LSTM against torch.nn.LSTM ({s['date']}, load {s['load']})", "",
                "Forward + hand-written BPTT (`numpy_lstm.forward`, `backward`) against torch.nn.LSTM's "
                "forward + backward, float64 both, D = 16, H = 64.", "",
                "| torch threads | B | T | NumPy LSTM (ms) | torch.nn (ms) | ratio | lstmlib.LSTM float64 (ms) |",
                "|---:|---:|---:|---:|---:|---:|---:|"]
        for r in s["rows"]:
            out.append(f"| {r.get('threads', '')} | {r['B']} | {r['T']} | {r['numpy_ms']:.2f} | {r['torch_ms']:.2f} "
                       f"| {r['ratio']:.2f} | {r['lstmlib_ms']:.2f} |")
        out.append("")
    if "book" in results:
        s = results["book"]
        b = s["run"]
        out += [f"## The book's time budget ({s['date']}, load {b['load']})", "",
                "Each notebook executed top to bottom in a fresh `python3` kernel (nbclient), one after "
                "another; the seconds include starting the kernel.", ""]
        if b["notebooks"]:
            out += ["| notebook | seconds | limit | within |", "|---|---:|---:|:---:|"]
            for r in b["notebooks"]:
                note = f" ({r['error']})" if r["error"] else ""
                out.append(f"| `{r['notebook']}` | {r['seconds']:.1f} | {r['limit']:.0f} | {_ok(r['ok'])}{note} |")
            out.append(f"| **whole book** | **{b['total_s']:.1f}** | {b['limit_s']:.0f} | {_ok(b['ok'])} |")
        else:
            out.append("No notebooks under `book/` yet.")
        out.append("")
        site = s.get("site")
        if site:
            out += ["| site build | seconds | limit | exit code | within |", "|---|---:|---:|---:|:---:|"]
            problems = []
            for name in ("cold", "warm"):
                if name in site:
                    r = site[name]
                    out.append(f"| {name} | {r['seconds']:.1f} | {r['limit']:.0f} | {r['returncode']} | {_ok(r['ok'])} |")
                    problems += [p for p in r.get("problems", []) if p not in problems]
            if problems:
                out += ["", "The build reported:", ""] + [f"- `{p}`" for p in problems]
            out += ["", f"`jupyter-book {site['command'].split(' --path-output')[0]}` into a fresh temporary folder "
                    "(cold: nothing cached, every notebook executed), then the same command again (warm).", ""]
    return "\n".join(out)


def _floor(f: dict) -> str:
    return (f"Where the time goes (LSTM, B = {f['B']}, T = {f['T']}, torch on {f['threads']} thread(s)), "
            f"per time step: the fast path {f['fast_us_per_step']:.1f} µs (forward alone "
            f"{f['fast_fwd_us_per_step']:.1f} µs), torch.nn {f['torch_us_per_step']:.1f} µs (forward alone "
            f"{f['torch_fwd_us_per_step']:.1f} µs). One NumPy call on a (64, 1) array costs "
            f"{f['numpy_call_us']:.2f} µs and a (256, 64) × (64, 1) product {f['numpy_matmul_us']:.2f} µs, so "
            f"the fast path's 16 calls per step (10 forward, 6 backward, one product each) cannot take less than "
            f"{f['numpy_floor_us_per_step']:.1f} µs; the rest is the loop itself. The same loop in torch calls "
            f"would pay {f['torch_call_us']:.2f} µs per call ({f['torch_addmm_us']:.2f} µs for addmm) and "
            f"{f['torch_view_us']:.2f} µs per slice; torch.nn runs its loop in C++.")


README_BEGIN = "<!-- benchmarks/run.py writes the figures below from benchmarks/results/latest.json -->"
README_END = "<!-- end of benchmarks/run.py's figures -->"


def readme_summary(results: dict) -> str:
    """The README's "Latest numbers": the same figures as latest.md, in a few sentences.

    ``benchmarks/run.py`` rewrites the README's block between README_BEGIN and README_END with
    this text, and ``tests/test_readme.py`` checks that the two agree.
    """
    m = results.get("machine", {})
    out = [f"**Latest numbers** ({m.get('date')}, commit {m.get('commit')}; {m.get('cpu')}, "
           f"{m.get('usable_cores')} cores shared with other jobs; torch {m.get('torch')}, "
           f"numpy {m.get('numpy')}, Python {m.get('python')})."]
    layers = results.get("layers")
    if layers:
        rows = {(r["layer"], r["B"], r["T"], r.get("threads")): r for r in layers["rows"]}
        sizes = sorted({(r["B"], r["T"]) for r in layers["rows"]}, key=lambda s: -s[0])
        threads = sorted({r.get("threads") for r in layers["rows"]}, key=lambda n: (n != 2, n))
        out[0] += (f" Layers (measured {layers['date']}, load {layers['load'][0]}): forward + backward "
                   "of `layer(x)[0].sum()`, float32, D = 16, H = 64; lstmlib's time / torch.nn's, "
                   "with torch on its default threads and on one:")
        head = [f"B = {B}, T = {T}" + (", 1 thread" if n == 1 else "") for n in threads for B, T in sizes]
        out += ["", "| layer | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
        for layer in ("LSTM", "GRU", "RNN"):
            cells = []
            for n in threads:
                for B, T in sizes:
                    r = rows.get((layer, B, T, n))
                    cells.append("" if r is None else
                                 f"{r['ratio']:.2f} ({r['lstmlib_ms']:.1f} vs {r['torch_ms']:.1f} ms)")
            out.append(f"| {layer} | " + " | ".join(cells) + " |")
        readable = [r for r in layers["rows"] if "readable_ratio" in r and r.get("threads") == threads[0]]
        if readable:
            out += ["", "Without the fast path (the readable per-step autograd loop, same run) the LSTM "
                    "takes " + " and ".join(f"{r['readable_ratio']:.1f}×" for r in readable)
                    + " torch.nn's time."]
    numpy = results.get("numpy")
    if numpy:
        ratios = [r["ratio"] for r in numpy["rows"]]
        out += ["", f"The appendix's NumPy LSTM takes {min(ratios):.2f}–{max(ratios):.2f}× the time of "
                f"torch.nn.LSTM, both in float64 (measured {numpy['date']})."]
    book = results.get("book")
    if book:
        run = book["run"]
        chapters = ", ".join(f"{Path_name(r['notebook'])} {r['seconds']:.1f} s" for r in run["notebooks"])
        text = (f"The book (measured {book['date']}, load {run['load'][0]}): each notebook in a fresh "
                f"kernel, {chapters} (limit 30 s each, 60 s for chapters 9 and 10); the whole book "
                f"{run['total_s']:.1f} s (limit {run['limit_s']:.0f} s).")
        site = book.get("site")
        if site and "cold" in site and "warm" in site:
            text += (f" A cold site build took {site['cold']['seconds']:.1f} s (limit "
                     f"{site['cold']['limit']:.0f} s) and a rebuild with nothing changed "
                     f"{site['warm']['seconds']:.1f} s (limit {site['warm']['limit']:.0f} s).")
        out += ["", text]
    return "\n".join(_fill(par) for par in "\n".join(out).split("\n\n"))


def _fill(paragraph: str) -> str:
    """A prose paragraph wrapped at 96 columns, like the rest of the README; tables as they are."""
    import textwrap
    if paragraph.lstrip().startswith("|"):
        return paragraph + "\n"
    return textwrap.fill(paragraph, width=96, break_on_hyphens=False) + "\n"


def Path_name(notebook: str) -> str:
    """``book/01_rnn_to_lstm.ipynb`` -> ``01_rnn_to_lstm``."""
    return notebook.rsplit("/", 1)[-1].removesuffix(".ipynb")


def update_readme(readme_text: str, results: dict) -> str:
    """The README with its block of figures replaced by :func:`readme_summary`."""
    start = readme_text.index(README_BEGIN) + len(README_BEGIN)
    end = readme_text.index(README_END)
    return readme_text[:start] + "\n" + readme_summary(results) + readme_text[end:]
