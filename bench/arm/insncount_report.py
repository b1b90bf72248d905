#!/usr/bin/env python3
"""Executed instructions per call of the ARM cases (issue #10), per backend, under QEMU.

Builds the counting plugin (insncount.c) with the host C compiler, runs each case on each
backend in the 1-call and the 11-call program, and writes a markdown table:
per call = (count(11) - count(1)) / 10 (setup, checks and process start cancel out; counts
are exact and identical run to run). Adds .text per case from the size_case programs.
"""
import argparse
import os
import re
import subprocess
import sys

# The anchors and goals (instructions per call), by target.
ANCHORS = {
    "mps2-an386": {  # Cortex-M4F: CMSIS-DSP -Ofast / plain scalar Jacobi
        "jacobi8": (36564, 18000), "ols": (32432, 32000), "decode": (18355, 15000), "hopfield": (9567, 8000)},
    "mps3-an547": {  # Cortex-M55 Helium
        "jacobi8": (33728, 9000), "ols": (8004, 8000), "decode": (5350, 4500), "hopfield": (3119, 2600)},
    "aarch64": {  # Eigen -O3 on -cpu cortex-a72
        "jacobi8": (17115, 5700), "jacobi16": (78620, 39000), "ols": (7619, 7600), "decode": (3803, 3800),
        "hopfield": (1979, 2000)},
}

COUNT_RE = re.compile(r"insncount: (\d+) instructions")


def build_plugin(source, work_dir):
    lib = os.path.join(work_dir, "libinsncount.so")
    if not os.path.exists(lib) or os.path.getmtime(lib) < os.path.getmtime(source):
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", lib, source], check=True)
    return lib


def count(run, bare_metal, plugin, program, case, backend):
    if bare_metal:
        cmd = run + ["-semihosting-config", f"enable=on,target=native,arg={os.path.basename(program)},arg={case},arg={backend}",
                     "-plugin", plugin, "-d", "plugin", "-kernel", program]
    else:
        cmd = run + ["-plugin", plugin, "-d", "plugin", program, case, backend]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    out = p.stdout + p.stderr
    m = COUNT_RE.search(out)
    if p.returncode != 0 or m is None:
        return None, out.strip().splitlines()[-1] if out.strip() else f"exit {p.returncode}"
    return int(m.group(1)), None


def text_size(size_tool, path):
    out = subprocess.run([size_tool, "-A", path], capture_output=True, text=True, check=True).stdout
    total = 0
    for line in out.splitlines():
        parts = line.split()
        # Code and read-only data: what a case puts into flash.
        if len(parts) >= 2 and (parts[0].startswith(".text") or parts[0].startswith(".rodata")):
            total += int(parts[1])
    return total


def section_sizes(size_tool, path):
    out = subprocess.run([size_tool, "-A", path], capture_output=True, text=True, check=True).stdout
    sizes = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def footprint(run, size_tool, elf):
    """Issue #7's firmware budget: OlsTransformer<float, 8, 1, 32> + ModernHopfield<float, 32, 32>."""
    p = subprocess.run(run + ["-semihosting-config", "enable=on,target=native", "-kernel", elf],
                       capture_output=True, text=True, timeout=120)
    values = dict(re.findall(r"^(stack|objects) (\d+)$", p.stdout + p.stderr, re.M))
    s = section_sizes(size_tool, elf)
    flash = sum(v for k, v in s.items() if k in (".text", ".rodata", ".ARM.exidx", ".init_array", ".data"))
    ram = s.get(".data", 0) + s.get(".bss", 0)
    objects = int(values.get("objects", 0))
    stack = int(values.get("stack", -1))
    ok = "footprint workload ok" in p.stdout + p.stderr
    return ["", "## Footprint firmware (ports/mps2/footprint.cpp)", "",
            "OlsTransformer<float, 8, 1, 32> + ModernHopfield<float, 32, 32>: fit 64 samples, "
            "refit, predict, attend, store 32 patterns, retrieve one (result checked: "
            + ("ok" if ok else "WRONG") + "). Built as a firmware with just these objects would be: the "
            "scalar backend at -O2 with OLSF_JACOBI_MAX_N=8, OLSF_ATTENTION_MAX_DIM=32, OLSF_ATTENTION_BLOCK=32, "
            "OLSF_OLS_ACCURATE_SOLVER=0 (ports/mps2/CMakeLists.txt); olsf_footprint_default is the same "
            "program on the build's -O3 library with default capacities.", "",
            "| measure | value | budget (issue #7, Cortex-M4F) |", "|---|---|---|",
            f"| flash (.text + .rodata + .data + tables) | {flash:,} B | ≤ 24,576 B |",
            f"| static RAM (.data + .bss) | {ram:,} B = objects {objects:,} B + {ram - objects:,} B | objects + ≤ 2,048 B |",
            f"| stack (watermark below main) | {stack:,} B | ≤ 1,024 B |"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--footprint", default="")
    for a in ("target", "bare-metal", "run", "plugin-source", "work-dir", "count1", "count11", "size-dir",
              "size-tool", "cases", "backends", "out"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    bare_metal = args.bare_metal.upper() in ("ON", "TRUE", "1", "YES")
    run = [w for w in args.run.split(";") if w]
    cases = args.cases.split(";")
    backends = args.backends.split(";")
    plugin = build_plugin(args.plugin_source, args.work_dir)
    anchors = ANCHORS.get(args.target, {})

    exe = "" if not bare_metal else ".elf"
    base = text_size(args.size_tool, os.path.join(args.size_dir, "olsf_size_none" + exe))
    rows = []
    failures = 0
    for case in cases:
        per_backend = {}
        for b in backends:
            c1, err1 = count(run, bare_metal, plugin, args.count1, case, b)
            c11, err11 = count(run, bare_metal, plugin, args.count11, case, b)
            if c1 is None or c11 is None:
                per_backend[b] = "n/a"
                if "UNKNOWN" not in str(err1) + str(err11):
                    failures += 1
                    print(f"{case} {b}: {err1 or err11}", file=sys.stderr)
                continue
            per_backend[b] = (c11 - c1) // 10
        size = text_size(args.size_tool, os.path.join(args.size_dir, f"olsf_size_{case}" + exe)) - base
        rows.append((case, per_backend, anchors.get(case), size))

    lines = [f"# Executed instructions per call on {args.target}", "",
             "Counted exactly under QEMU with bench/arm/insncount.c: (count of 11 calls - count of 1 call) / 10.",
             "Reproduce: see bench/arm/README.md. `flash` = .text + .rodata the case adds to an empty program "
             "(default backend, case inputs included).", ""]
    head = "| case | " + " | ".join(backends) + " | anchor | goal | best / goal | flash (bytes) |"
    lines += [head, "|" + "---|" * (len(backends) + 5)]
    for case, per_backend, anchor, size in rows:
        ours = [v for k, v in per_backend.items() if k != "eigen" and isinstance(v, int)]
        best = min(ours) if ours else None
        a, g = anchor if anchor else ("-", "-")
        ratio = f"{best / g:.2f}" if best is not None and anchor else "-"
        cells = [f"{per_backend[b]:,}" if isinstance(per_backend[b], int) else per_backend[b] for b in backends]
        fa = f"{a:,}" if isinstance(a, int) else a
        fg = f"{g:,}" if isinstance(g, int) else g
        lines.append(f"| {case} | " + " | ".join(cells) + f" | {fa} | {fg} | {ratio} | {size:,} |")
    if args.footprint:
        lines += footprint(run, args.size_tool, args.footprint)
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
