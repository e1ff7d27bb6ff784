#!/usr/bin/python3
"""The documented contract stays true (issue 15): every key that rxray's JSON
outputs print is listed in docs/json.md, and every metric family of
src/metrics.c in docs/metrics.md (and no other).

    /usr/bin/python3 tests/pcap/test_docs_keys.py BUILD

Offline: `watch -r --json` (also with -v and --payload), `requests -r --json`
and `stats -r --json` over every capture of tests/pcap/gen_corpus.py, and
`doctor --json` (with and without -i lo) as this user sees it. A key is
written as its path (docs/json.md, top): object keys joined by dots, `[]`
for the objects of a list. docs/json.md lists a key as the first cell of a
table row, in backticks, under the `## ` heading that names the command;
`*` in a documented name stands for one key that is data (a status code, a
reason). The keys of the outputs live only (`kernel.*`) or not emitted yet
are documented too, but cannot be printed here: the check is one way.
Every loss counter of `stats` (the keys under `lost`, and
tcp.flows_overflow) is explained in docs/glossary.md, in a row of its
table of counters. Every object printed carries `rxray.schema`, the number docs/json.md gives
("today **N**"; `."rxray.schema"` on the flat `requests` lines).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
JSON_MD = os.path.join(ROOT, "docs", "json.md")
GLOSSARY_MD = os.path.join(ROOT, "docs", "glossary.md")
METRICS_MD = os.path.join(ROOT, "docs", "metrics.md")
METRICS_C = os.path.join(ROOT, "src", "metrics.c")
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|")
SCHEMA = re.compile(r"`rxray\.schema` \(an integer, today \*\*(\d+)\*\*\)")

# the heading's words that name each output's section of docs/json.md
SECTIONS = {"watch": "`watch --json`", "requests": "`requests --json`",
            "stats": "`stats --json`", "doctor": "`doctor --json`",
            "explain": "`explain --json`"}


def documented_keys():
    """{output: [regex of each documented name]} from docs/json.md's sections."""
    keys, cur = {k: [] for k in SECTIONS}, None
    with open(JSON_MD, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                cur = next((k for k, h in SECTIONS.items() if h in line), None)
                continue
            m = ROW.match(line)
            if cur and m:
                pat = re.escape(m.group(1)).replace(r"\*", r"[^.\[\]]+")
                keys[cur].append(re.compile(pat + r"\Z"))
    return keys


def flatten(v, path, out, where):
    """Every key path of V into OUT (path -> where it was first seen)."""
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(x, f"{path}.{k}" if path else k, out, where)
        return
    if path:
        out.setdefault(path, where)
    if isinstance(v, list):
        for x in v:
            if isinstance(x, dict):
                flatten(x, path + "[]", out, where)


def documented_schema():
    """The schema number docs/json.md states, or None."""
    with open(JSON_MD, encoding="utf-8") as f:
        m = SCHEMA.search(f.read())
    return int(m.group(1)) if m else None


def check_schema(obj, argv):
    """obj carries rxray.schema, the documented number (nested, or one flat key)."""
    want = documented_schema()
    got = obj.get("rxray.schema", obj.get("rxray", {}).get("schema"))
    if want is None or got != want or isinstance(got, bool):
        rxtest.fails.append(f"rxray {' '.join(argv)}: rxray.schema is {got!r}, "
                            f"docs/json.md says {want!r}")


def keys_of(argv, where, out, lines=True):
    """Runs rxray ARGV and adds the keys of its JSON output to OUT."""
    p = subprocess.run([rxtest.RXRAY, *argv], capture_output=True, text=True, timeout=300)
    # (requests prints nothing for a capture without transactions; doctor exits 1 when a
    # command is unavailable here)
    if p.returncode not in (0, 1) or (not lines and not p.stdout.strip()):
        rxtest.fails.append(f"rxray {' '.join(argv)}: exit {p.returncode}, {p.stderr.strip()!r}")
        return
    docs = p.stdout.splitlines() if lines else [p.stdout]
    for d in docs:
        if not d.strip():
            continue
        try:
            obj = json.loads(d)
            flatten(obj, "", out, where)
            check_schema(obj, argv)
        except ValueError as e:
            rxtest.fails.append(f"rxray {' '.join(argv)}: not JSON ({e}): {d[:80]!r}")
            return


def check_json(corpus):
    printed = {k: {} for k in SECTIONS}
    files = sorted(f for f in os.listdir(corpus) if f.endswith((".pcap", ".pcapng")))
    for f in files:
        path = os.path.join(corpus, f)
        for opts in ([], ["-v"], ["--payload"]):
            # (-v before --json: the last of the two picks the view)
            keys_of(["watch", "-r", path, *opts, "--json"], " ".join(["watch", *opts, f]),
                    printed["watch"])
        keys_of(["requests", "-r", path, "--json"], f"requests {f}", printed["requests"])
        keys_of(["stats", "-r", path, "--json", "--top", "1000"], f"stats {f}",
                printed["stats"], lines=False)
        # explain: a SYN, a data segment, a UDP datagram and the first packet of each file
        for sel in (["--frame", "1"], ["tcp[13] & 2 != 0"], ["tcp[13] & 8 != 0"], ["udp"]):
            keys_of(["explain", "-r", path, "--json", *sel], f"explain {' '.join(sel)} {f}",
                    printed["explain"])
    # the packet's own keys are watch's (checked above): explain's section lists explain.*
    printed["explain"] = {k: w for k, w in printed["explain"].items() if k.startswith("explain.")}
    keys_of(["doctor", "--json"], "doctor", printed["doctor"], lines=False)
    keys_of(["doctor", "-i", "lo", "--json"], "doctor -i lo", printed["doctor"], lines=False)

    doc = documented_keys()
    n = 0
    for out, keys in printed.items():
        if not doc[out]:
            rxtest.fails.append(f"docs/json.md: no section {SECTIONS[out]} with key rows")
        if not keys:
            rxtest.fails.append(f"{out} --json printed no key over the corpus")
        for k, where in sorted(keys.items()):
            n += 1
            if not any(p.match(k) for p in doc[out]):
                rxtest.fails.append(f"{out} --json prints `{k}` ({where}), "
                                    f"not in docs/json.md's {SECTIONS[out]} section")
    check_glossary(printed["stats"])
    return n


def check_glossary(stats_keys):
    """Each loss counter stats prints is a row of docs/glossary.md."""
    with open(GLOSSARY_MD, encoding="utf-8") as f:
        rows = {m.group(1) for m in map(ROW.match, f) if m}
    counters = sorted(k.split(".", 1)[1] for k in stats_keys
                      if k.startswith("lost.") or k == "tcp.flows_overflow")
    if len(counters) < 10:
        rxtest.fails.append(f"stats --json printed only {len(counters)} loss counters: {counters}")
    for c in counters:
        if c not in rows:
            rxtest.fails.append(f"stats prints the loss counter `{c}`, which docs/glossary.md's "
                                f"table does not explain")


def check_metrics():
    """src/metrics.c's families (name, type) = the rows (name, type) of docs/metrics.md's
    "## Families" table."""
    with open(METRICS_C, encoding="utf-8") as f:
        src = f.read()
    code = dict(re.findall(r'\{\s*"([a-z_]+)",\s*"(counter|gauge|histogram)"', src))
    code.update(re.findall(r"# TYPE ([a-z_]+) (counter|gauge|histogram)", src))
    documented, families = {}, False
    with open(METRICS_MD, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                families = line.strip() == "## Families"
                continue
            m = ROW.match(line)
            if families and m:
                cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
                documented[m.group(1)] = cells[1] if len(cells) > 1 else ""
    if len(code) < 10:
        rxtest.fails.append(f"src/metrics.c: found only {len(code)} families: the table changed shape?")
    for name, typ in sorted(code.items()):
        if name not in documented:
            rxtest.fails.append(f"metric {name} ({typ}, src/metrics.c) is not in docs/metrics.md")
        elif documented[name] != typ:
            rxtest.fails.append(f"metric {name}: docs/metrics.md says {documented[name]!r}, "
                                f"src/metrics.c {typ!r}")
    for name in sorted(set(documented) - set(code)):
        rxtest.fails.append(f"docs/metrics.md lists {name}, which src/metrics.c does not export")
    return len(code)


def main():
    rxtest.need_scapy()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus")
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "pcap", "gen_corpus.py"),
                        corpus], check=True, stdout=subprocess.DEVNULL)
        n = check_json(corpus)
    m = check_metrics()
    rxtest.finish(f"{n} printed keys against docs/json.md, {m} metric families against "
                  f"docs/metrics.md: {len(rxtest.fails)} failed")


if __name__ == "__main__":
    main()
