#!/usr/bin/env python3
"""Turns a Google Benchmark JSON of olsf_bench into a markdown report and PNG plots.

Benchmark names follow `<family>/<type>/<implementation>[/<size>...]` (bench/bench_*.cpp).
Rows are (family, type, size); columns are implementations; `vs peer` is the fastest
olsformer backend's speed-up over the peer (Eigen, or the first implementation whose name
starts with "eigen"). Medians are used when the JSON holds repetitions' aggregates.

Times are CPU times: every benchmark is single-threaded, so on an idle machine CPU time
equals wall time, and on a shared one (2 cores, several builds) it still measures the
kernel rather than the scheduler.

Families whose benchmarks carry `flops` (a rate) and `bytes` counters (attention decode,
the Hopfield step) get `% roofline`: the roofline bound max(flops / FMA peak, bytes / read
bandwidth at that working-set size) over the fastest olsformer backend's time, with the
peak (roofline/fma_peak_f32) and the bandwidths (roofline/read/<bytes>,
hopfield_roofline/read/<bytes>: the exact size, else the next larger one) measured by the
same binary in the same run (issues #4 and #6).

usage: report.py <bench.json> <out.md> [<png-dir>]   (PNGs need python3-matplotlib)
"""
import collections
import json
import os
import sys

PEER_PREFIXES = ("eigen",)
NOT_OURS = ("eigen", "loop", "lapacke", "plain")


def load(path):
    with open(path) as f:
        data = json.load(f)
    times, counters = {}, {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        parts = name.split("/")
        if len(parts) < 3:  # roofline/fma_peak_f32: an input, not a table row
            counters[(parts[0], parts[-1], "", "")] = b
            continue
        family, typ, impl, size = parts[0], parts[1], parts[2], "/".join(parts[3:])
        # Normalise to nanoseconds whatever unit a family reports in.
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        times[(family, typ, size, impl)] = b["cpu_time"] * scale
        counters[(family, typ, size, impl)] = b
    return data.get("context", {}), times, counters


def roofline_inputs(counters):
    """FMA peak (flop/s) and {working-set bytes: read bandwidth (byte/s)} of the run."""
    peak, bandwidth = None, {}
    for (family, typ, size, impl), b in counters.items():
        if family == "roofline" and typ == "fma_peak_f32":
            peak = b.get("flops")
        elif family in ("roofline", "hopfield_roofline") and typ == "read" and "bandwidth" in b:
            bandwidth[int(impl)] = b["bandwidth"]  # <family>/read/<bytes>: the size parses as impl
    return peak, bandwidth


def roofline_ns(b, peak, bandwidth):
    """The roofline bound of one benchmark (ns), or None without its counters or inputs."""
    if not peak or not bandwidth or "flops" not in b or "bytes" not in b:
        return None
    flops = b["flops"] * b["cpu_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
    sizes = sorted(s for s in bandwidth if s >= b["bytes"]) or [max(bandwidth)]
    return 1e9 * max(flops / peak, b["bytes"] / bandwidth[sizes[0]])


def is_peer(impl):
    return impl.lower().startswith(PEER_PREFIXES)


def is_ours(impl):
    return not impl.lower().startswith(NOT_OURS)


def fmt_ns(t):
    if t >= 1e6:
        return f"{t / 1e6:.2f} ms"
    if t >= 1e3:
        return f"{t / 1e3:.2f} µs"
    return f"{t:.0f} ns"


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    context, times, counters = load(sys.argv[1])
    peak, bandwidth = roofline_inputs(counters)
    png_dir = sys.argv[3] if len(sys.argv) > 3 else None
    groups = collections.OrderedDict()
    for (family, typ, size, impl), t in times.items():
        groups.setdefault((family, typ), collections.OrderedDict()).setdefault(size, {})[impl] = t

    lines = ["# olsformer benchmarks", "",
             f"Host: {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs at "
             f"{context.get('mhz_per_cpu', '?')} MHz; Google Benchmark library build: {context.get('library_build_type', '?')}; "
             f"date {context.get('date', '?')}. Median CPU time per call; `vs peer` = peer time / fastest "
             "olsformer backend (> 1: olsformer faster); `% roofline` = roofline bound / fastest "
             "olsformer backend's time (bench/report.py).", ""]
    plots = []
    for (family, typ), sizes in groups.items():
        impls = []
        for per_impl in sizes.values():
            for impl in per_impl:
                if impl not in impls:
                    impls.append(impl)
        peer = next((i for i in impls if is_peer(i)), None)
        bounds = {}
        for size, per_impl in sizes.items():
            ours = [(t, i) for i, t in per_impl.items() if is_ours(i)]
            if ours:
                bound = roofline_ns(counters[(family, typ, size, min(ours)[1])], peak, bandwidth)
                if bound:
                    bounds[size] = bound / min(ours)[0]
        extra = " % roofline |" if bounds else ""
        lines += [f"## {family} ({typ})", "", "| size | " + " | ".join(impls) + " | vs peer |" + extra,
                  "|" + "---|" * (len(impls) + 2 + (1 if bounds else 0))]
        for size, per_impl in sizes.items():
            ours = [t for i, t in per_impl.items() if is_ours(i)]
            ratio = f"{per_impl[peer] / min(ours):.2f}x" if peer in per_impl and ours else "-"
            cells = [fmt_ns(per_impl[i]) if i in per_impl else "-" for i in impls]
            roof = (f" {100 * bounds[size]:.0f} % |" if size in bounds else " - |") if bounds else ""
            lines.append(f"| {size or '-'} | " + " | ".join(cells) + f" | {ratio} |" + roof)
        lines.append("")
        plots.append((family, typ, impls, sizes))

    with open(sys.argv[2], "w") as f:
        f.write("\n".join(lines) + "\n")

    if png_dir:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("report.py: matplotlib not found (apt-get install python3-matplotlib): no PNGs", file=sys.stderr)
            return 0
        os.makedirs(png_dir, exist_ok=True)
        for family, typ, impls, sizes in plots:
            labels = [s or "-" for s in sizes]
            fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(labels) + 3), 4))
            width = 0.8 / max(1, len(impls))
            for k, impl in enumerate(impls):
                xs = [i + k * width for i in range(len(labels))]
                ys = [sizes[s].get(impl, float("nan")) for s in sizes]
                ax.bar(xs, ys, width, label=impl)
            ax.set_yscale("log")
            ax.set_ylabel("ns per call (median CPU time)")
            ax.set_xticks([i + 0.4 - width / 2 for i in range(len(labels))])
            ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=7)
            ax.set_title(f"{family} ({typ})")
            ax.legend(fontsize=7)
            fig.tight_layout()
            fig.savefig(os.path.join(png_dir, f"{family}-{typ}.png"), dpi=90)
            plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
