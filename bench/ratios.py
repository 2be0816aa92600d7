"""Print speed ratios from the newest pytest-benchmark JSON in a folder.

For every benchmark group, each entry's median is divided into the medians of
the other entries of the same group: "scipy.special / ours threads=2 = 4.1x"
means our kernel took 4.1 times less time than scipy in the same run.

Usage: python bench/ratios.py bench/results
"""

import json
import sys
from collections import defaultdict
from pathlib import Path


def label(bench):
    info = bench.get("extra_info", {})
    role = info.get("role", bench["name"])
    if "threads" in info:
        role += f" threads={info['threads']}"
    return role


def main(folder):
    files = sorted(Path(folder).glob("**/*.json"), key=lambda p: p.stat().st_mtime)
    if not files:
        print(f"no benchmark results under {folder}")
        return 1
    data = json.loads(files[-1].read_text())
    groups = defaultdict(dict)
    for bench in data["benchmarks"]:
        groups[bench["group"]][label(bench)] = bench["stats"]["median"]
    print(f"speed ratios from {files[-1]} (medians; >1 means 'ours' is faster)")
    for name in sorted(groups):
        entries = groups[name]
        ours = {k: v for k, v in entries.items() if k.startswith("ours")}
        bases = {k: v for k, v in entries.items() if not k.startswith("ours")}
        parts = []
        for o, t_o in sorted(ours.items()):
            for b, t_b in sorted(bases.items()):
                parts.append(f"{b} / {o} = {t_b / t_o:.1f}x")
        print(f"- {name}: " + "; ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "bench/results"))
