#!/usr/bin/python3
"""The code's shape, as issue 11 set it (docs/architecture.md, "Shape rules"):

1. No two modules of src/ and native/ call or include each other in a loop.
   A module is its .c and .h together. Call edges come from the built
   objects (nm: object A uses a symbol that object B defines); include
   edges from #include "x.h".
2. No C function is longer than 120 lines (from the line that starts its
   signature to its closing brace), anywhere in the tree.

  test_shape.py BUILD
"""
import os
import re
import subprocess
import sys

MAX_LINES = 120
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODULE_DIRS = ("src", "native")
failures = []


def module_edges(build):
    defs, uses = {}, {}
    for d in MODULE_DIRS:
        p = os.path.join(build, d)
        if not os.path.isdir(p):
            sys.exit(f"no objects in {p}: build first (make)")
        for f in sorted(os.listdir(p)):
            if not f.endswith(".o"):
                continue
            m = d + "/" + f[:-2]
            out = subprocess.run(["nm", os.path.join(p, f)], capture_output=True, text=True,
                                 check=True).stdout
            uses[m] = set()
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in "TDBR":
                    defs[parts[2]] = m
                elif len(parts) == 2 and parts[0] == "U":
                    uses[m].add(parts[1])
    edges = {m: {defs[s] for s in u if s in defs and defs[s] != m} for m, u in uses.items()}
    for d in MODULE_DIRS:
        for f in os.listdir(os.path.join(ROOT, d)):
            if not f.endswith((".c", ".h")):
                continue
            m = d + "/" + f[:-2]
            with open(os.path.join(ROOT, d, f), encoding="utf-8") as fh:
                text = fh.read()
            for h in re.findall(r'#include "([^"]+)\.h"', text):
                t = os.path.normpath(os.path.join(d, h))
                if t != m and any(os.path.exists(os.path.join(ROOT, t + e)) for e in (".c", ".h")):
                    edges.setdefault(m, set()).add(t)
    return edges


def loops(g):
    """Strongly connected components of more than one module (Tarjan)."""
    nodes = sorted(set(g) | {v for s in g.values() for v in s})
    idx, low, stack, on, out = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(v):
        idx[v] = low[v] = len(idx)
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in idx:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in nodes:
        if v not in idx:
            visit(v)
    return out


def long_functions(path):
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = fh.read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "{" and i > 0:
            s = i - 1  # walk back to the line that starts the signature
            while s > 0 and lines[s - 1] and not lines[s - 1].startswith(("}", "/", " *", "#")) \
                    and not lines[s - 1].endswith(";"):
                s -= 1
            j = i + 1
            while j < len(lines) and lines[j] != "}":
                j += 1
            n = j - s + 1
            if n > MAX_LINES:
                m = re.search(r"(\w+)\s*\(", " ".join(lines[s:i]))
                yield s + 1, m.group(1) if m else "?", n
            i = j
        i += 1


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    for comp in loops(module_edges(build)):
        failures.append("modules in a loop: " + " -> ".join(comp))
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "*.c", "*.h"], capture_output=True,
                           text=True).stdout.split()
    if not files:  # not a git checkout: walk the tree
        files = [os.path.relpath(os.path.join(d, f), ROOT) for d, _, fs in os.walk(ROOT)
                 for f in fs if f.endswith((".c", ".h")) and "/build" not in d]
    n = 0
    for f in files:
        n += 1
        for line, name, length in long_functions(os.path.join(ROOT, f)):
            failures.append(f"{f}:{line}: {name} is {length} lines (at most {MAX_LINES})")
    for f in failures:
        print("FAIL:", f)
    print(f"{n} C files, modules of {', '.join(MODULE_DIRS)}: {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
