#!/usr/bin/env python3
"""Cross-ISA agreement (issue #8): every result of tests/agreement/agreement_cases.hpp
printed by two or more ISAs must satisfy |a - b| <= k * eps_T * max(scale_a, scale_b)
for every pair (k = 0: equal). Usage: compare.py <dump>... (each a program's output)."""
import itertools
import struct
import sys

EPS = {"f32": 2.0 ** -23, "f64": 2.0 ** -52}


def read(path):
    isa, rows = path, {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts[:1] == ["isa"]:
                isa = " ".join(parts[1:]) + " (" + path + ")"
            elif parts[:1] == ["agree"] and len(parts) == 6:
                _, name, index, value, scale, k = parts
                as_double = lambda h: struct.unpack(">d", bytes.fromhex(h))[0]
                rows[(name, int(index))] = (as_double(value), as_double(scale), int(k))
    return isa, rows


def main(paths):
    dumps = [read(p) for p in paths]
    if len(dumps) < 2:
        print("need the dumps of at least two ISAs")
        return 1
    keys = set(dumps[0][1])
    failures = 0
    for isa, rows in dumps:
        if not rows or set(rows) != keys:
            print(f"{isa}: {len(rows)} results, not the same set as {dumps[0][0]}")
            failures += 1
    worst = {}
    for (isa_a, a), (isa_b, b) in itertools.combinations(dumps, 2):
        for key in sorted(keys & set(a) & set(b)):
            (va, sa, ka), (vb, sb, kb) = a[key], b[key]
            k = max(ka, kb)
            bound = k * EPS[key[0].split(".")[0]] * max(sa, sb)
            diff = abs(va - vb)
            ok = diff <= bound if k > 0 else va == vb
            if not (diff == diff):  # NaN never agrees
                ok = False
            ratio = diff / bound if bound > 0 else (0.0 if va == vb else float("inf"))
            name = key[0]
            worst[name] = max(worst.get(name, 0.0), ratio)
            if not ok:
                failures += 1
                print(f"DISAGREE {name}[{key[1]}]: {isa_a} {va!r} vs {isa_b} {vb!r}, |diff| {diff:.3g} > bound {bound:.3g}")
    print("ISAs: " + "; ".join(isa for isa, _ in dumps))
    print(f"{'result':28} worst |a-b| / bound over all pairs")
    for name in sorted(worst):
        print(f"{name:28} {worst[name]:.3g}")
    print(f"{len(keys)} results x {len(dumps)} ISAs: " + ("all agree" if failures == 0 else f"{failures} failures"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
