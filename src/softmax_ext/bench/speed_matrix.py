"""The speed matrix of issue 16: each case in its own process, one table.

``softmax-ext bench --matrix`` and ``bench/matrix.py`` (``make bench-matrix``)
run it.  For every case of :mod:`.speed_data`, a child process
(``python -m softmax_ext.bench.speed_matrix --worker CASE``) fits every entry
of :mod:`.speed_fits`; this process reads the load average before and after
each child and writes a markdown table and a JSON file.

Flags: an entry whose objective is more than ``GAP_MAX`` (relative) above the
case's best is "gap".  The bests (ours, scikit-learn's) are the fastest
entries within ``BEST_GAP_MAX`` of the best objective: a fit stopped by tol
1e-6 can sit 1e-7 above the optimum (digits' lbfgs, both libraries), which
is what that tol gives users; further off, an entry is not comparable.  An entry whose max / min over its rounds exceeds
``SPREAD_MAX`` is "noisy"; a case during which other processes kept more
than ``OTHERS_LOAD_MAX`` cores busy on average is flagged "load" (the
1-minute load average, reported before and after each case, counts our own
two-thread fits, so it cannot tell a busy machine from a running
benchmark).  ``auto`` should be within ``AUTO_MAX`` of our
fastest solver.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["run", "summarize", "markdown", "main"]

GAP_MAX = 1e-8
BEST_GAP_MAX = 1e-6
SPREAD_MAX = 1.3
OTHERS_LOAD_MAX = 0.5
AUTO_MAX = 1.10


def _load():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def worker(name, rounds, out, peers):
    """Fit every entry of case ``name`` (in this process); write its JSON to ``out``."""
    import numpy as np
    import scipy.sparse as sp

    from .speed_data import load
    from .speed_fits import run_entries

    case, X, y = load(name)
    entries = run_entries(case, X, y, rounds=rounds, peers=peers,
                          progress=lambda s: print(s, flush=True))
    Path(out).write_text(json.dumps({
        "key": name, "case": case.name, "what": case.what, "n": int(X.shape[0]), "d": int(X.shape[1]),
        "K": int(len(np.unique(y))), "dtype": np.dtype(X.dtype).name,
        "sparse": bool(sp.issparse(X)), "C": case.C, "tol": case.tol, "entries": entries}))


def _child_env():
    """The child's environment: this package importable, OpenBLAS's core overrides unset."""
    import softmax_ext

    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    root = str(Path(softmax_ext.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _busy_seconds():
    """CPU seconds all processes have spent busy since boot (/proc/stat), or None."""
    try:
        fields = open("/proc/stat").readline().split()[1:]
    except OSError:
        return None
    ticks = [int(v) for v in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)   # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_seconds():
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _others_load(busy0, child0, wall):
    """Cores kept busy by other processes during a case: all busy time minus our child's."""
    busy1 = _busy_seconds()
    if busy0 is None or busy1 is None or wall <= 0:
        return None
    return round(max(0.0, (busy1 - busy0) - (_children_seconds() - child0)) / wall, 2)


def run_case(name, rounds, peers, scratch, progress):
    """One case in a child process; its record with the load before and after.

    The 1-minute load average counts our own fits too (two threads keep it
    near 2); the load of *other* processes during the case is measured
    apart, from /proc/stat minus the child's CPU time.
    """
    import time

    out = Path(scratch) / f"case-{name}.json"
    before, busy0, child0, start = _load(), _busy_seconds(), _children_seconds(), time.time()
    cmd = [sys.executable, "-m", "softmax_ext.bench.speed_matrix", "--worker", name,
           "--rounds", str(rounds), "--json", str(out)] + ([] if peers else ["--no-peers"])
    proc = subprocess.Popen(cmd, env=_child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        progress(line.rstrip())
    stderr = proc.stderr.read()
    proc.wait()
    others = _others_load(busy0, child0, time.time() - start)
    after = _load()
    if proc.returncode != 0 or not out.exists():
        tail = stderr.strip().splitlines()[-3:]
        return {"key": name, "case": name, "error": " / ".join(tail) or f"exit {proc.returncode}",
                "load_before": before, "load_after": after, "others_load": others}
    record = json.loads(out.read_text())
    out.unlink()
    record.update(load_before=before, load_after=after, others_load=others)
    return summarize(record)


def _fastest(entries):
    return min(entries, key=lambda e: e["median"]) if entries else None


def summarize(record):
    """Add gaps, flags, the bests and the ratios to one case's record (returned)."""
    entries = [e for e in record["entries"] if "skipped" not in e]
    best = min(e["objective"] for e in entries)
    for e in entries:
        e["gap"] = (e["objective"] - best) / max(abs(best), 1e-300)
        e["flags"] = ([f"gap {e['gap']:.0e}"] if e["gap"] > GAP_MAX else []) + (
            ["noisy"] if e["max"] > SPREAD_MAX * e["min"] else [])
    matched = [e for e in entries if e["gap"] <= BEST_GAP_MAX]
    ours = _fastest([e for e in matched if e["library"] == "softmax-ext"
                     and e["entry"] != "auto"])
    auto = next((e for e in entries if e["entry"] == "auto"), None)
    sk_best = _fastest([e for e in matched if e["library"] == "scikit-learn"
                        and not e.get("default")])
    sk_default = next((e for e in entries if e.get("default")), None)
    others = record.get("others_load")
    record["summary"] = {
        "ours_best": ours and ours["entry"], "sklearn_best": sk_best and sk_best["entry"],
        "auto_ran": auto and auto.get("ran"),
        "auto_over_best": auto and ours and auto["median"] / ours["median"],
        "best_over_ours": sk_best and ours and sk_best["median"] / ours["median"],
        "default_over_ours": sk_default and ours and sk_default["median"] / ours["median"],
        "noisy_load": bool(others is not None and others > OTHERS_LOAD_MAX),
    }
    return record


def run(names=None, *, rounds=3, peers=True, out="bench/results", progress=print):
    """Run the matrix; write ``matrix-<time>.json`` and ``.md`` into ``out``; return the paths."""
    from .machine import machine_info
    from .speed_data import CASES

    names = list(CASES) if not names else list(names)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        raise ValueError(f"unknown cases {unknown}; choose from {list(CASES)}.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    started = datetime.datetime.now(datetime.timezone.utc)
    cases = []
    for name in names:
        progress(f"case {name} (load {_load()})")
        cases.append(run_case(name, rounds, peers, out, progress))
    machine["seconds_total"] = round(
        (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(), 1)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    paths = {"json": out / f"matrix-{stamp}.json", "md": out / f"matrix-{stamp}.md"}
    paths["json"].write_text(json.dumps({"machine": machine, "rounds": rounds, "cases": cases},
                                        indent=1))
    paths["md"].write_text(markdown(cases, machine, rounds))
    return paths


def markdown(cases, machine, rounds):
    """The summary table, the notes and one detail table per case (a str)."""
    from .speed_tables import detail_table, header, summary_table

    parts = [header(machine, rounds), summary_table(cases)]
    parts += [detail_table(c) for c in cases if "error" not in c]
    return "\n\n".join(parts) + "\n"


def _parser():
    from .speed_data import CASES

    p = argparse.ArgumentParser(prog="bench/matrix.py", description=__doc__.split("\n")[0])
    p.add_argument("--cases", default=None,
                   help="comma-separated case keys (default all): " + ", ".join(CASES))
    p.add_argument("--rounds", type=int, default=3, help="fits per entry (default 3)")
    p.add_argument("--out", default="bench/results", help="output folder")
    p.add_argument("--no-peers", action="store_false", dest="peers")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    p.add_argument("--json", default=None, help=argparse.SUPPRESS)
    return p


def main(argv=None):
    """Command line of ``bench/matrix.py``; 0 on success."""
    args = _parser().parse_args(argv)
    if args.worker:
        worker(args.worker, args.rounds, args.json, args.peers)
        return 0
    names = [s.strip() for s in args.cases.split(",")] if args.cases else None
    paths = run(names, rounds=args.rounds, peers=args.peers, out=args.out,
                progress=lambda s: print(s, flush=True))
    print(paths["md"].read_text())
    print("wrote", paths["md"], "and", paths["json"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
