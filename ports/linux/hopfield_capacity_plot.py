#!/usr/bin/env python3
"""Plot the CSV of olsf_hopfield_capacity: success rate vs N / d, one panel per d.

usage: hopfield_capacity_plot.py hopfield_capacity.csv hopfield_capacity.png
Needs matplotlib (Debian: python3-matplotlib).
"""
import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt

LABELS = {
    "hebbian": "classical (Hebbian)",
    "linear": "linear attention, 1 step",
    "dense3": "dense, F(z) = z^3",
    "dense_exp": "dense, F(z) = e^z",
    "modern": "modern (softmax), beta = 1",
}


def main(src, dst):
    curves = defaultdict(lambda: defaultdict(list))  # d -> model -> [(load, rate)]
    with open(src, newline="") as f:
        for row in csv.DictReader(f):
            curves[int(row["d"])][row["model"]].append((float(row["load"]), float(row["rate"])))
    dims = sorted(curves)
    fig, axes = plt.subplots(1, len(dims), figsize=(6 * len(dims), 4.2), sharey=True, squeeze=False)
    for ax, d in zip(axes[0], dims):
        for model, label in LABELS.items():
            pts = sorted(curves[d].get(model, []))
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3, label=label)
        ax.axvline(0.138, color="grey", ls=":", lw=1)
        ax.text(0.14, 0.03, "0.138 d", color="grey", fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("stored patterns N / d")
        ax.set_title(f"d = {d}, 10% of the query's bits flipped")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("exact recall rate")
    axes[0][-1].legend(loc="center right", fontsize=8)
    fig.tight_layout()
    fig.savefig(dst, dpi=120)
    print(f"wrote {dst}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
