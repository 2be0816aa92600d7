"""The markdown of the speed matrix: its header, summary table and per-case details."""

__all__ = ["header", "summary_table", "detail_table", "seconds"]


def seconds(s):
    """A time in seconds with three significant digits (``0.0231``, ``2.84``, ``40.1``)."""
    return f"{s:.3g}"


def _spread(e):
    mark = " (gap)" if e.get("gap", 0.0) > 1e-8 else ""
    return f"{seconds(e['median'])} ({seconds(e['min'])}-{seconds(e['max'])}){mark}"


def _entry(case, library, name):
    return next((e for e in case["entries"] if e["library"] == library and e["entry"] == name
                 and "skipped" not in e), None)


def header(machine, rounds):
    """Machine, threads, versions and the command, in a few lines."""
    v = machine["versions"]
    blas = "; ".join(f"{lib['internal_api']} {lib['version']} ({lib['num_threads']} threads)"
                     for lib in machine["threadpools"] if lib.get("user_api") == "blas")
    return "\n".join([
        f"Speed matrix, {machine['date_utc']}: {machine['cpu']}, {machine['usable_cpus']} usable "
        f"CPUs, our default threads {machine['default_threads']}; BLAS {blas}.",
        f"softmax-ext {v['softmax-ext']}, scikit-learn {v['scikit-learn']}, numpy {v['numpy']}, "
        f"scipy {v['scipy']}.  Command: `{machine['command']}`; {machine['seconds_total']:.0f} s.",
        f"Seconds, median (min-max) of {rounds} fits (1 when a fit takes over 20 s), each case "
        "in its own process; every objective evaluated by the same float64 code; "
        "scikit-learn best = fastest of lbfgs (scipy BLAS at 1 thread), newton-cg and "
        "newton-cholesky at the best objective, default = `LogisticRegression()`.",
    ])


def _ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def _row(case):
    if "error" in case:
        return f"| {case['case']} | failed: {case['error']} |" + " |" * 9
    s = case["summary"]
    ours = _entry(case, "softmax-ext", s["ours_best"])
    auto = _entry(case, "softmax-ext", "auto")
    best = _entry(case, "scikit-learn", s["sklearn_best"])
    default = next((e for e in case["entries"] if e.get("default")), None)
    peers = ", ".join(f"{e['entry']} {seconds(e['median'])}"
                      + (" (gap)" if e["gap"] > 1e-8 else "")
                      for e in case["entries"] if e["library"] == "peer" and "skipped" not in e)
    flags = sorted({f.split(" ")[0] for e in case["entries"] for f in e.get("flags", [])})
    if s["noisy_load"]:
        flags.append("load")
    if s["auto_over_best"] is not None and s["auto_over_best"] > 1.10:
        flags.append("auto > 1.1x")
    others = case.get("others_load")
    load = (f"{case['load_before'][0]:.1f} -> {case['load_after'][0]:.1f}"
            + ("" if others is None else f" (others {others:.1f})"))
    cells = [case["case"],
             f"{s['ours_best']} {_spread(ours)}" if ours else "-",
             f"{s['auto_ran']} {_spread(auto)}" if auto else "-",
             _ratio(s["auto_over_best"]),
             f"{s['sklearn_best']} {_spread(best)}" if best else "-",
             _spread(default) if default else "-",
             f"**{_ratio(s['best_over_ours'])}**", _ratio(s["default_over_ours"]),
             peers or "-", load, ", ".join(flags) or "-"]
    return "| " + " | ".join(cells) + " |"


def summary_table(cases):
    """One row per case: ours best, auto, scikit-learn best and default, ratios, flags."""
    head = ("| case | ours best | auto (ran) | auto / ours best | scikit-learn best "
            "| scikit-learn default | sklearn best / ours | sklearn default / ours | peers "
            "| load 1 min before -> after | flags |")
    lines = [head, "|" + "---|" * 11] + [_row(c) for c in cases]
    lines.append("")
    lines.append("Ratios: scikit-learn's median over our best solver's (>1: ours faster); "
                 "the bests are the fastest entries within 1e-6 (relative) of the case's best "
                 "objective.  Flags: gap = an objective more than 1e-8 above the case's best "
                 "(the entry's objective and gap are in the case's details); "
                 "noisy = max/min over rounds > 1.3; load = other processes kept > 0.5 cores busy "
                 "during the case (the 1-minute load average includes our own fits); "
                 "auto > 1.1x = auto more than 10% behind our best.")
    return "\n".join(lines)


def detail_table(case):
    """Every entry of one case: times, iterations, objective gap, flags or why skipped."""
    s = case
    kind = "CSR" if s["sparse"] else "dense"
    lines = [f"### {s['case']}",
             f"{s['n']:,} x {s['d']:,}, K={s['K']}, {kind} {s['dtype']}, C={s['C']:g}, "
             f"tol={s['tol']:g}; data: {s['what']}.", "",
             "| library | entry | median s | min | max | iterations | objective | gap to best "
             "| flags |", "|" + "---|" * 9]
    for e in s["entries"]:
        name = e["entry"] + (f" (ran {e['ran']})" if e.get("ran") else "") + (
            f", {e['setting']}" if e.get("setting") else "")
        if "skipped" in e:
            lines.append(f"| {e['library']} | {name} | skipped: {e['skipped']} |" + " |" * 6)
            continue
        lines.append(f"| {e['library']} | {name} | {seconds(e['median'])} | {seconds(e['min'])} "
                     f"| {seconds(e['max'])} | {e['n_iter']} | {e['objective']:.12g} "
                     f"| {e['gap']:.1e} | {', '.join(e['flags']) or '-'} |")
    return "\n".join(lines)
