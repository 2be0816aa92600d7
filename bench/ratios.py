"""Print speed ratios from the newest pytest-benchmark JSON in a folder.

Within every benchmark group (one kernel, shape and dtype), each baseline's
median is divided by the median of ours: "scipy.special / ours t=2 = 4.1x"
means our kernel with 2 threads took 4.1 times less time than scipy in the
same run.  Then one line per target of the issue, PASS or FAIL:

- softmax at least 3x faster than scipy.special.softmax with 2 threads, on
  every shape and dtype;
- float32 faster than float64 (ours, 2 threads, each kernel and shape);
- the fused cross-entropy at least 3x faster than the NumPy oracle (2
  threads, every shape and dtype);
- validating CSR X at most 5% of one loss+gradient on it (2 threads).

Usage: python bench/ratios.py [bench/results | file.json]
Exit status 0 even when a target fails: the machine is shared and timings
are noisy; the table is for people.
"""

import json
import sys
from collections import defaultdict
from pathlib import Path

TARGET_SPEEDUP = 3.0
TARGET_THREADS = 2
MAX_VALIDATION = 0.05


def newest_json(where):
    where = Path(where)
    if where.is_file():
        return where
    files = sorted(where.glob("**/*.json"), key=lambda p: p.stat().st_mtime)
    return files[-1] if files else None


def load(path):
    """{group: {"ours": {threads: median}, "scipy.special": m, ...}} and
    {group: (kernel, n, K, dtype)}."""
    data = json.loads(Path(path).read_text())
    medians = defaultdict(lambda: {"ours": {}})
    keys = {}
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        group = bench["group"]
        if group.startswith("fit "):
            continue            # the fit groups have their own table (fit_table)
        role = info.get("role", bench["name"])
        median = bench["stats"]["median"]
        if role == "ours":
            medians[group]["ours"][int(info.get("threads", 0))] = median
        else:
            medians[group][role] = median
        if "kernel" in info:
            keys[group] = (info["kernel"], int(info["n"]), int(info["K"]), info["dtype"])
    return medians, keys, data.get("datetime", "")


def ratio_table(medians):
    rows = []
    for group in sorted(medians):
        entry = medians[group]
        ours = entry["ours"]
        for base in sorted(k for k in entry if k != "ours"):
            t_b = entry[base]
            cells = [f"{t_b / ours[t]:6.1f}x" if t in ours else "     -" for t in sorted(ours)]
            rows.append((group, base, t_b, cells))
    threads = sorted({t for e in medians.values() for t in e["ours"]})
    head = f"{'group':38s} {'baseline':14s} {'median':>9s}  " + "  ".join(
        f"ours t={t}" for t in threads)
    lines = [head, "-" * len(head)]
    for group, base, t_b, cells in rows:
        lines.append(f"{group:38s} {base:14s} {t_b * 1e3:7.1f}ms  " + "    ".join(cells))
    lines.append("")
    lines.append(f"{'ours (medians)':38s} " + "  ".join(f"t={t}" for t in threads))
    for group in sorted(medians):
        ours = medians[group]["ours"]
        lines.append(f"{group:38s} " + "  ".join(
            f"{ours[t] * 1e3:7.1f}ms" for t in sorted(ours)))
    return lines


def targets(medians, keys):
    """(description, ratio, ok) for each issue target; ratio and ok are
    None when the run did not measure both sides (e.g. run with -k)."""
    by_key = {v: medians[g] for g, v in keys.items()}
    shapes = sorted({(n, K) for (_, n, K, _) in keys.values()}, reverse=True)
    dtypes = sorted({d for (*_, d) in keys.values()})
    t = TARGET_THREADS
    out = []

    def ours(kernel, n, K, dtype):
        return by_key.get((kernel, n, K, dtype), {}).get("ours", {}).get(t)

    def speedup(kernel, n, K, dtype, base):
        entry = by_key.get((kernel, n, K, dtype), {})
        o = entry.get("ours", {}).get(t)
        return entry[base] / o if o and base in entry else None

    for n, K in shapes:
        for dtype in dtypes:
            r = speedup("softmax", n, K, dtype, "scipy.special")
            out.append((f"softmax >= {TARGET_SPEEDUP:g}x scipy.special.softmax, "
                        f"n={n} K={K} {dtype} t={t}", r, r >= TARGET_SPEEDUP if r else None))
    for n, K in shapes:
        for kernel in sorted({k for (k, *_) in keys.values()}):
            f32, f64 = ours(kernel, n, K, "float32"), ours(kernel, n, K, "float64")
            r = f64 / f32 if f32 and f64 else None
            out.append((f"float32 faster than float64: {kernel} n={n} K={K} t={t} "
                        f"(float64 / float32 time)", r, r > 1.0 if r else None))
    for n, K in shapes:
        for dtype in dtypes:
            r = speedup("cross_entropy", n, K, dtype, "numpy oracle")
            out.append((f"cross_entropy >= {TARGET_SPEEDUP:g}x NumPy oracle, "
                        f"n={n} K={K} {dtype} t={t}", r, r >= TARGET_SPEEDUP if r else None))
    for group in sorted(g for g in medians if "validation" in medians[g] and "csr" in g):
        o, v = medians[group]["ours"].get(t), medians[group]["validation"]
        r = v / o if o else None
        out.append((f"validation <= {MAX_VALIDATION:.0%} of one {group} t={t} "
                    "(validation / loss+gradient time)", r, r <= MAX_VALIDATION if r else None))
    return out


def fit_groups(path):
    """{group: {role: (median, min, max, objective)}} of the fit groups (roles
    'ours <solver>', 'sklearn <solver>', 'sklearn default')."""
    data = json.loads(Path(path).read_text())
    out = defaultdict(dict)
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        role = info.get("role", "")
        if bench["group"].startswith("fit ") and role.startswith(("ours ", "sklearn ")):
            st = bench["stats"]
            out[bench["group"]][role] = (st["median"], st["min"], st["max"],
                                         info.get("objective"))
    return out


def fit_table(groups, gap_max=1e-6, spread_max=1.3):
    """Per fit group: our best, scikit-learn's best (any solver at the best objective)
    and its default, their ratios; 'noisy' when a best's max/min > spread_max."""
    lines = [f"{'fit group':60s} {'ours best':>22s} {'sklearn best':>26s} {'default':>9s} "
             f"{'best/ours':>9s} {'default/ours':>12s}"]
    for group in sorted(groups):
        roles = groups[group]
        best_f = min(v[3] for v in roles.values() if v[3] is not None)

        def fastest(prefix):
            ok = [(v[0], r) for r, v in roles.items() if r.startswith(prefix)
                  and r != "sklearn default" and v[3] is not None
                  and v[3] - best_f <= gap_max * abs(best_f)]
            return min(ok) if ok else (None, None)
        (t_o, r_o), (t_s, r_s) = fastest("ours "), fastest("sklearn ")
        t_d = roles.get("sklearn default", (None,))[0]
        noisy = any(roles[r][2] > spread_max * roles[r][1] for r in (r_o, r_s) if r)
        lines.append(
            f"{group[:60]:60s} {(r_o or '-')[5:]:>12s} {t_o or 0:8.3f}s "
            f"{(r_s or '-')[8:]:>16s} {t_s or 0:8.3f}s {t_d or 0:8.3f}s "
            f"{(t_s / t_o if t_s and t_o else 0):8.2f}x {(t_d / t_o if t_d and t_o else 0):11.2f}x"
            + ("  noisy" if noisy else ""))
    return lines


def main(where):
    path = newest_json(where)
    if path is None:
        print(f"no benchmark results under {where}")
        return 1
    medians, keys, when = load(path)
    print(f"speed ratios from {path} ({when}); baseline median / ours median, "
          f">1 means ours is faster")
    print()
    for line in ratio_table(medians):
        print(line)
    fits = fit_groups(path)
    if fits:
        print()
        print("fits (bench/test_bench_fit.py; medians; bests among entries within 1e-6 of the "
              "group's best objective; default = LogisticRegression() unlimited):")
        for line in fit_table(fits):
            print(line)
    print()
    print("targets (issue):")
    results = targets(medians, keys)
    for text, r, ok in results:
        status = "----" if ok is None else "PASS" if ok else "FAIL"
        value = "not measured in this run" if r is None else f"{r:.2f}x"
        print(f"  {status}  {text}: {value}")
    measured = [ok for *_, ok in results if ok is not None]
    print(f"targets met: {sum(measured)} of {len(measured)} measured "
          f"({len(results) - len(measured)} not measured)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "bench/results"))
