#!/usr/bin/python3
"""The PromQL that rxray ships parses and names only what rxray exports:
contrib/prometheus/rxray.rules.yml passes `promtool check rules` and its
unit tests (`promtool test rules rxray.rules.test.yml`: each alert fires on
the series it is for, not on a normal one), and every expression of
contrib/grafana/rxray.json (panels and variables), with Grafana's variables
given values, passes `promtool check rules` as a recording rule. Every
metric name in all of them is a family of src/metrics.c (a histogram's
_bucket, _sum, _count) or a recording rule of the rules file, and every
label name one that docs/metrics.md gives (or instance, job, le). Offline.

    /usr/bin/python3 tests/pcap/test_promql.py BUILD
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
RULES = os.path.join(ROOT, "contrib", "prometheus", "rxray.rules.yml")
RULES_TEST = os.path.join(ROOT, "contrib", "prometheus", "rxray.rules.test.yml")
DASHBOARD = os.path.join(ROOT, "contrib", "grafana", "rxray.json")
METRICS_C = os.path.join(ROOT, "src", "metrics.c")
ALERTD_C = os.path.join(ROOT, "src", "alertd.c")  # the alert metrics (rxray_alerts_*)
METRICS_MD = os.path.join(ROOT, "docs", "metrics.md")

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
            "unless", "offset", "bool", "inf", "nan", "atan2"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")


def exported():
    """The metric names rxray serve writes: src/metrics.c's and src/alertd.c's families (as
    tests/pcap/test_docs_keys.py reads them), histograms with their series."""
    src = ""
    for path in (METRICS_C, ALERTD_C):
        with open(path, encoding="utf-8") as f:
            src += f.read()
    fams = dict(re.findall(r'\{\s*"([a-z_]+)",\s*"(counter|gauge|histogram)"', src))
    fams.update(re.findall(r"# TYPE ([a-z_]+) (counter|gauge|histogram)", src))
    names = set()
    for n, t in fams.items():
        names.add(n)
        if t == "histogram":
            names.update(n + s for s in ("_bucket", "_sum", "_count"))
    return names


def documented_labels():
    """Every label docs/metrics.md's Families table names, and Prometheus' own."""
    labels = {"instance", "job", "le"}
    with open(METRICS_MD, encoding="utf-8") as f:
        fam = False
        for line in f:
            if line.startswith("## "):
                fam = line.strip() == "## Families"
            elif fam and line.startswith("| `"):
                cells = line.strip().strip("|").split("|")
                if len(cells) > 3:
                    labels.update(re.findall(r"`([a-z_]+)`", cells[3]))
    return labels


def names_in(expr):
    """(metric names, label names) of a PromQL expression."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    labels = set()
    for _, inside in GROUPING.findall(e):
        labels.update(x.strip() for x in inside.split(",") if x.strip())
    e = GROUPING.sub(" ", e)
    for inside in re.findall(r"\{([^}]*)\}", e):
        labels.update(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", inside))
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)  # ranges
    metrics = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", e):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in KEYWORDS or re.fullmatch(r"\d+[smhdwy]", word):
            continue
        metrics.add(word)
    return metrics, labels


def grafana_exprs(dash):
    """(where, expr) of every panel target and query variable, the variables
    given values as Grafana would."""
    out = []

    def panels(ps):
        for p in ps:
            yield p
            yield from panels(p.get("panels", []))
    for p in panels(dash.get("panels", [])):
        for t in p.get("targets", []):
            out.append((f"panel '{p.get('title')}' {t.get('refId')}", t.get("expr", "")))
        if p.get("type") not in ("row", None) and not p.get("targets"):
            rxtest.fails.append(f"dashboard panel '{p.get('title')}' has no query")
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v["query"]["query"] if isinstance(v.get("query"), dict) else v.get("query", "")
        m = re.fullmatch(r"label_values\((.*),\s*([a-z_]+)\)", q.strip())
        if not m:
            rxtest.fails.append(f"dashboard variable {v.get('name')}: not label_values(SELECTOR, LABEL): {q}")
            continue
        out.append((f"variable {v['name']}", m.group(1)))
        out.append((f"variable {v['name']} label", f'count by ({m.group(2)}) ({m.group(1)})'))
    subst = []
    for where, e in out:
        e = e.replace("$__rate_interval", "1m").replace("$__interval", "1m").replace("$__range", "1h")
        e = re.sub(r"\$\{?[a-zA-Z_]+\}?", ".*", e)
        subst.append((where, e))
    return subst


def promtool(*args, cwd=None):
    p = subprocess.run(["promtool", *args], capture_output=True, text=True, cwd=cwd, timeout=60)
    return p.returncode, (p.stdout + p.stderr).strip()


def main():
    import yaml
    if not shutil.which("promtool"):
        print("promtool is missing (Debian prometheus)")
        sys.exit(77)
    rc, out = promtool("check", "rules", RULES)
    if rc:
        rxtest.fails.append(f"promtool check rules {RULES}: {out}")
    rc, out = promtool("test", "rules", os.path.basename(RULES_TEST), cwd=os.path.dirname(RULES_TEST))
    if rc or "SUCCESS" not in out:
        rxtest.fails.append(f"promtool test rules: {out}")

    with open(RULES, encoding="utf-8") as f:
        rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
    recorded = {r["record"] for r in rules if "record" in r}
    alerts = [r["alert"] for r in rules if "alert" in r]
    with open(RULES_TEST, encoding="utf-8") as f:
        tested = {t["alertname"] for c in yaml.safe_load(f)["tests"]
                  for t in c.get("alert_rule_test", []) if t.get("exp_alerts")}
    for a in alerts:
        if a not in tested:
            rxtest.fails.append(f"alert {a}: no unit test in {os.path.basename(RULES_TEST)} where it fires")
    with open(DASHBOARD, encoding="utf-8") as f:
        dash = json.load(f)
    gexprs = grafana_exprs(dash)

    # the dashboard's expressions through promtool, as recording rules
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "grafana.rules.yml")
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump({"groups": [{"name": "grafana", "rules": [
                {"record": f"grafana:expr_{i}", "expr": e} for i, (_, e) in enumerate(gexprs)]}]}, f)
        rc, out = promtool("check", "rules", path)
        if rc:
            rxtest.fails.append(f"promtool check rules on the dashboard's expressions: {out}")

    known, labels = exported() | recorded, documented_labels()
    # the checker itself sees a name that does not exist
    bad, _ = names_in('sum by (interface) (rate(rxray_nope_total{kind="x"}[5m]))')
    if bad != {"rxray_nope_total"}:
        rxtest.fails.append(f"names_in finds {bad} in a known expression")
    used = set()
    everything = [(f"rule {r.get('alert') or r.get('record')}", r["expr"]) for r in rules] + gexprs
    for where, e in everything:
        ms, ls = names_in(e)
        used |= ms
        if not ms:
            rxtest.fails.append(f"{where}: no metric name found in {e!r}")
        for m in sorted(ms - known):
            rxtest.fails.append(f"{where}: {m} is not a metric rxray exports (src/metrics.c)")
        for lb in sorted(ls - labels):
            rxtest.fails.append(f"{where}: label {lb} is not in docs/metrics.md")
    rxtest.finish(f"{len(rules)} rules ({len(alerts)} alerts, each unit-tested), {len(gexprs)} dashboard "
                  f"expressions parsed; {len(used)} metric names, all exported: "
                  f"{len(rxtest.fails)} failed")


if __name__ == "__main__":
    main()
