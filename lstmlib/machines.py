"""Run a notebook or a command as another CPU would: the numeric environments, and a probe.

Training in float32 takes a different path on every CPU. torch picks its kernels by the
instruction set it finds (``ATEN_CPU_CAPABILITY``), its matrix products come from Intel's MKL,
which picks its own code path (``MKL_CBWR``, ``MKL_ENABLE_INSTRUCTIONS``), and NumPy's
OpenBLAS, which lstmlib's LSTM uses for its fast path, picks kernels per CPU model
(``OPENBLAS_CORETYPE``). Each setting below makes this machine take another of those paths,
so that one machine can check a claim as several readers' laptops would:

    python -m lstmlib.machines probe              # which settings change results here
    python -m lstmlib.machines run book/08_gru.ipynb --seed 7 --as mkl-compatible
    python -m lstmlib.machines exec generic-kernels -- bash scripts/test.sh tests/test_x.py

:func:`run_notebook` executes a chapter top to bottom in a fresh kernel, with its ``SEED = 0``
line set to another seed and the environment of one setting; ``benchmarks/robustness.py`` and
``tests/test_other_runs.py`` run every chapter that way.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["ENVIRONMENTS", "KERNEL_ENV", "environ", "probe", "run_notebook", "set_seed"]

# Each setting: the environment variables that make this machine compute as another CPU.
ENVIRONMENTS = {
    "native": {},
    # torch's portable kernels, as on a CPU without AVX2 / AVX-512 (or ARM's NEON paths)
    "generic-kernels": {"ATEN_CPU_CAPABILITY": "default"},
    # MKL's conditional numerical reproducibility: the code path of an unknown x86 CPU
    "mkl-compatible": {"MKL_CBWR": "COMPATIBLE"},
    # MKL limited to AVX2, as on an older Intel or an AMD CPU
    "mkl-avx2": {"MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    # OpenBLAS's kernels for an Intel Haswell (and AMD Zen), and for a 2011 Sandy Bridge
    "openblas-haswell": {"OPENBLAS_CORETYPE": "Haswell"},
    "openblas-sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge"},
    # all three libraries on older paths at once: an old laptop
    "old-laptop": {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE",
                   "OPENBLAS_CORETYPE": "Sandybridge"},
}
NUMERIC_VARIABLES = sorted({k for env in ENVIRONMENTS.values() for k in env})

# What every executed notebook gets, whatever the caller set: one BLAS/OpenMP thread (results
# that do not depend on the cores), no progress bars. The site's build uses the same.
KERNEL_ENV = {"LSTMLIB_PROGRESS": "0", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "OPENBLAS_NUM_THREADS": "1"}
KERNEL_ENV_REMOVED = ("MPLBACKEND",)

SEED_LINE = re.compile(r"^SEED = (\d+)$", re.MULTILINE)


def environ(name: str, base=None) -> dict:
    """A copy of ``base`` (default ``os.environ``) set up for the numeric environment ``name``.

    The numeric variables the caller had set are removed first, so ``native`` is native.
    """
    if name not in ENVIRONMENTS:
        raise ValueError(f"expected one of {', '.join(ENVIRONMENTS)}, got {name!r}")
    env = dict(os.environ if base is None else base)
    for var in NUMERIC_VARIABLES:
        env.pop(var, None)
    env.update(ENVIRONMENTS[name])
    return env


# ---------------------------------------------------------------------------------------------
# The probe: which settings change results on this machine
# ---------------------------------------------------------------------------------------------
FINGERPRINT = r"""
import json, numpy as np, torch, lstmlib
torch.set_num_threads(1)
x = torch.randn(20, 8, 3, generator=torch.Generator().manual_seed(0))
y = x.sum(0)[:, :1]
out = {}
for name, layer, steps in (("torch", torch.nn.LSTM(3, 16), 100),
                           ("lstmlib", lstmlib.LSTM(3, 16), 30)):
    torch.manual_seed(0)
    layer = type(layer)(3, 16)
    readout = torch.nn.Linear(16, 1)
    opt = torch.optim.Adam([*layer.parameters(), *readout.parameters()], lr=1e-2)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((readout(layer(x)[0][-1]) - y) ** 2).mean()
        loss.backward()
        opt.step()
    out[name] = loss.item()
rng = np.random.default_rng(0)
A = rng.standard_normal((64, 70)).astype(np.float32)
out["numpy"] = float((A @ rng.standard_normal((70, 32)).astype(np.float32)).sum())
print(json.dumps(out))
"""


def _fingerprint(name: str) -> dict:
    env = environ(name)
    env.update(KERNEL_ENV)
    done = subprocess.run([sys.executable, "-c", FINGERPRINT], env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def probe(names=None) -> dict:
    """Which numeric environments change results on this machine, and in which library.

    Trains a small ``torch.nn.LSTM`` and an ``lstmlib.LSTM`` and multiplies two NumPy float32
    matrices in a fresh process per setting. Returns ``{name: {"changes": [...]}}``, where
    ``changes`` lists what differs from ``native`` ("torch", "lstmlib", "numpy"); empty when
    the setting changes nothing here (an AMD CPU ignores the Intel-only ones, say).
    """
    names = list(ENVIRONMENTS) if names is None else list(names)
    base = _fingerprint("native")
    if "error" in base:
        raise RuntimeError(f"the native fingerprint failed: {base['error']}")
    report = {}
    for name in names:
        found = base if name == "native" else _fingerprint(name)
        if "error" in found:
            report[name] = {"changes": [], "error": found["error"]}
        else:
            report[name] = {"changes": [k for k in base if found[k] != base[k]]}
    return report


# ---------------------------------------------------------------------------------------------
# A notebook run with another seed, as another CPU
# ---------------------------------------------------------------------------------------------
def set_seed(nb, seed: int):
    """Set the notebook's one ``SEED = 0`` line (in its first code cell) to ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"expected a non-negative int seed, got {seed!r}")
    cells = [c for c in nb.cells if c.cell_type == "code"]
    found = [c for c in cells if SEED_LINE.search(c.source)]
    if len(found) != 1 or found[0] is not cells[0] or len(SEED_LINE.findall(found[0].source)) != 1:
        raise ValueError("expected exactly one line 'SEED = <n>', in the first code cell, "
                         f"got {sum(len(SEED_LINE.findall(c.source)) for c in cells)}")
    found[0].source = SEED_LINE.sub(f"SEED = {seed}", found[0].source)
    return nb


def run_notebook(path, seed: int = 0, env: str = "native", claims_log=None,
                 timeout: int = 600) -> dict:
    """Execute a notebook top to bottom in a fresh kernel with ``SEED = seed`` under ``env``.

    Returns ``{"ok", "seconds", "error", "claim"}``: ``error`` is the last line of the first
    failure (None if none), ``claim`` the full message when a claim was not reproduced.
    With ``claims_log``, every claim the notebook checks is appended to that file.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = set_seed(nbformat.read(path, as_version=4), seed)
    kernel_env = environ(env)
    for name in KERNEL_ENV_REMOVED:
        kernel_env.pop(name, None)
    kernel_env.update(KERNEL_ENV)
    if claims_log is not None:
        kernel_env["LSTMLIB_CLAIMS_LOG"] = str(claims_log)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = claim = None
    try:
        client.execute(env=kernel_env, stderr=subprocess.DEVNULL)
    except Exception as e:             # the run failed: report it, do not stop the caller
        error, claim = _failure(nb, e)
    return {"ok": error is None, "seconds": round(time.perf_counter() - start, 2),
            "error": error, "claim": claim}


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _failure(nb, exc) -> tuple:
    """The last line of a failed run's error, and the message of a claim not reproduced."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code, 1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = f"{out['ename']}: {out['evalue']}".strip()
                if out["ename"] == "ClaimNotReproduced":
                    return first.splitlines()[0][:300], out["evalue"]
                text = ANSI.sub("", "\n".join(out.get("traceback", []))).splitlines()
                where = [re.sub(r"^\d+\s+", "", line.split("---->", 1)[1].strip())
                         for line in text if "---->" in line]
                at = f" at `{where[-1]}`" if where else ""
                return f"code cell {number}: {first.splitlines()[0]}{at}"[:300], None
    message = ANSI.sub("", str(exc)).strip()
    return f"{type(exc).__name__}: {(message.splitlines() or [''])[-1]}"[:300], None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstmlib.machines", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("probe", help="which settings change results on this machine")
    one = sub.add_parser("run", help="run a notebook with another seed, as another CPU")
    one.add_argument("notebook")
    one.add_argument("--seed", type=int, default=0)
    one.add_argument("--as", dest="env", default="native", choices=list(ENVIRONMENTS))
    ex = sub.add_parser("exec", help="run a command as another CPU: exec NAME -- command ...")
    ex.add_argument("env", choices=list(ENVIRONMENTS))
    ex.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "probe":
        for name, found in probe().items():
            what = ", ".join(found["changes"]) or "nothing"
            extra = f" ({found['error']})" if found.get("error") else ""
            print(f"{name:22s} {' '.join(f'{k}={v}' for k, v in ENVIRONMENTS[name].items()) or '-':60s}"
                  f" changes: {what}{extra}")
        return 0
    if args.command == "run":
        result = run_notebook(args.notebook, args.seed, args.env)
        print(f"{args.notebook} SEED = {args.seed} as {args.env}: "
              f"{'ok' if result['ok'] else 'FAILED'} in {result['seconds']:.1f} s")
        if not result["ok"]:
            print(result["claim"] or result["error"])
        return 0 if result["ok"] else 1
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("exec needs a command after --")
    return subprocess.call(cmd, env=environ(args.env))


if __name__ == "__main__":
    sys.exit(main())
