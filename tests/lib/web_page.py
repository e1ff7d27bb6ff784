#!/usr/bin/python3
"""The page of `rxray serve` in a real headless Chromium (tests/e2e/test_web.sh
runs it inside the namespace of the agent, while traffic flows):

- at 1280x800 and at a phone's 390x844, several times each, the numbers
  in the page's tables (endpoints, talkers, services, TCP health; not the
  summary cards or the charts) equal those of the /api/stats responses it
  last fetched
  (counts and quantiles from the last, rates from the last two), formatted
  as the page formats them (web/app.js; mirrored below);
- the endpoints table lists the busiest endpoints, with rates > 0 under load;
- the body never overflows horizontally (scrollWidth <= innerWidth);
- the console has no error (a refused script or style under the page's
  Content-Security-Policy, a failed fetch, an exception would be one);
- a screenshot of each size (the viewport, and the whole page as -full)
  goes to OUTDIR;
- with IFACE2, the agent's second interface chosen in the page's selector
  shows its own numbers likewise.

    web_page.py URL OUTDIR [IFACE2]
"""
import json
import os
import sys
import time
from decimal import ROUND_HALF_UP, Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webdriver  # noqa: E402

fails = []


def check(what, got, want):
    if got != want:
        fails.append(f"{what}: page shows {got!r}, /api/stats gives {want!r}")


# ---- web/app.js's formatting ----

def to_fixed(v, d):
    """JavaScript's Number.prototype.toFixed: the exact binary value,
    rounded half up (away from zero for the positive values shown)."""
    q = Decimal(v).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)
    return f"{q:f}"


def fmt_int(n):
    return f"{n:,}"


def num3(v):
    a = abs(v)
    return fmt_int(int(to_fixed(v, 0))) if a >= 100 else to_fixed(v, 1) if a >= 10 else to_fixed(v, 2)


def fmt_rate(v):
    return "—" if v is None else num3(v)


def fmt_dur(s):
    if s is None:
        return "—"
    if s < 1e-3:
        return num3(s * 1e6) + " µs"
    if s < 1:
        return num3(s * 1e3) + " ms"
    return num3(s) + " s"


def fmt_bytes(n):
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    k, d = 0, 1
    while k < len(units) - 1 and n >= d * 1000:
        d *= 1000
        k += 1
    return num3(n / d) + " " + units[k] if k else fmt_int(n) + " B"


def fmt_pct(v):
    return "—" if v is None else num3(v) + " %"


def rate(cur, prev, dt):
    if prev is None or dt is None or cur < prev:
        return None
    return (cur - prev) / dt


def ep_key(e):
    return "%s %s %s" % (e["server.port"], e["http.request.method"], e["http.route"])


# One synchronous script: the responses and every number drawn from them are
# read in the same task, so no refresh can come in between.
READ = r"""
const b = document.body;
const rows = (sel, key) => [...document.querySelectorAll(sel)].map((tr) => {
	const o = { key: tr.getAttribute(key) };
	for (const td of tr.querySelectorAll('[data-field]'))
		o[td.dataset.field] = td.textContent;
	return o;
});
return {
	stats: b.dataset.stats || null, prev: b.dataset.prevStats || null,
	fetches: Number(b.dataset.fetches || 0), iface: b.dataset.interface,
	endpoints: rows('#endpoints tr[data-endpoint]', 'data-endpoint'),
	talkers: rows('#talkers tr[data-key]', 'data-key'),
	services: rows('#services tr[data-key]', 'data-key'),
	tcp: rows('#tcp tr[data-tcp], #tcp-latency tr[data-tcp]', 'data-tcp'),
	lost: [...document.querySelectorAll('#lost [data-lost]')].map((li) => li.dataset.lost),
	alerts: document.querySelectorAll('#alerts tr[data-alert]').length,
	hist: { endpoint: document.getElementById('latency-hist').dataset.endpoint || null,
		counts: document.getElementById('latency-hist').dataset.counts || null },
	status: document.getElementById('status').dataset.state,
	scrollWidth: document.documentElement.scrollWidth, innerWidth: innerWidth, innerHeight: innerHeight,
};
"""


def iface_of(resp, name):
    return next((i for i in resp["interfaces"] if i["interface"] == name), None)


def check_top(what, shown, cur, prev, key, dt):
    before = {key(x): x for x in prev} if prev is not None else None
    want = cur[:10]
    check(f"{what} shown", [r["key"] for r in shown], [key(x) for x in want])
    for r, x in zip(shown, want):
        p = before.get(key(x)) if before is not None else None
        rt = rate(x["packets"], p["packets"], dt) if dt and p else None
        check(f"{what} {key(x)} pkt/s", r["rate"], fmt_rate(rt))
        check(f"{what} {key(x)} packets", r["packets"], fmt_int(x["packets"]))
        check(f"{what} {key(x)} bytes", r["bytes"], fmt_bytes(x["bytes"]))


def check_sample(s, size):
    """The page's numbers against the responses it holds; the endpoints' rows."""
    last, prev = json.loads(s["stats"]), json.loads(s["prev"])
    cur, pv = iface_of(last, s["iface"]), iface_of(prev, s["iface"])
    dt = cur["duration_s"] - pv["duration_s"] if pv else None
    if dt is not None and (dt <= 0 or cur["packets"] < pv["packets"]):
        dt = None
    eps = sorted(cur["endpoints"], key=ep_key)
    eps.sort(key=lambda e: -e["count"])
    want = eps[:100]
    check(f"{size}: endpoint rows", [r["key"] for r in s["endpoints"]], [ep_key(e) for e in want])
    before = {ep_key(e): e for e in pv["endpoints"]} if pv else {}
    positive = 0
    for r, e in zip(s["endpoints"], want):
        k, d = ep_key(e), e["duration_s"]
        p = before.get(k)
        rt = rate(e["count"], p["count"] if p else 0, dt) if dt else None
        positive += bool(rt)
        check(f"{size}: {k} req/s", r["rate"], fmt_rate(rt))
        check(f"{size}: {k} requests", r["count"], fmt_int(e["count"]))
        check(f"{size}: {k} errors", r["errors"], fmt_int(e["errors"]))
        check(f"{size}: {k} err %", r["error_pct"],
              fmt_pct(100 * e["errors"] / e["count"] if e["count"] else None))
        for q in ("p50", "p90", "p99", "max"):
            check(f"{size}: {k} {q}", r[q], fmt_dur(d[q]))
    check_top(f"{size}: talkers", s["talkers"], cur["talkers"], pv["talkers"] if pv else None,
              lambda x: x["address"], dt)
    check_top(f"{size}: services", s["services"], cur["services"], pv["services"] if pv else None,
              lambda x: "%s/%s" % (x["port"], x["proto"]), dt)
    t, pt = cur["tcp"], pv["tcp"] if pv else None
    for r in s["tcp"]:
        k = r["key"]
        if k.endswith("_s"):
            for q in ("p50", "p90", "p99"):
                check(f"{size}: tcp {k} {q}", r[q], fmt_dur(t[k].get(q)))
            check(f"{size}: tcp {k} count", r["count"], fmt_int(t[k]["count"]))
        else:
            check(f"{size}: tcp {k}", r["count"], fmt_int(t[k]))
            check(f"{size}: tcp {k}/s", r["rate"], fmt_rate(rate(t[k], pt[k], dt) if dt else None))
    # the latency histogram: the selected endpoint's buckets, as the response has them
    sel = next((e for e in cur["endpoints"] if ep_key(e) == s["hist"]["endpoint"]), None)
    check(f"{size}: histogram of a listed endpoint", sel is not None and s["hist"]["endpoint"] in
          [r["key"] for r in s["endpoints"]], True)
    if sel is not None:
        check(f"{size}: histogram buckets", json.loads(s["hist"]["counts"] or "null"),
              sel["duration_s"]["bucket_counts"])
    check(f"{size}: losses listed", s["lost"], [k for k, v in cur["lost"].items() if v])
    check(f"{size}: alerts listed", s["alerts"], len(cur["alerts"]))
    return cur, positive


def sample_until(b, after, size):
    """The page's state once it has fetched past AFTER fetches."""
    b.wait("return Number(document.body.dataset.fetches || 0) > arguments[0]", 10, after)
    return b.execute(READ)


def one_size(b, w, h, mobile, out, stats_seen, iface=None):
    size = f"{w}x{h}" + (f" {iface}" if iface else "")
    b.viewport(w, h, mobile)
    if iface:
        b.execute("const s = document.getElementById('iface'); s.value = arguments[0];"
                  "s.dispatchEvent(new Event('change'));", iface)
    s = b.execute(READ)
    packets = []
    for _ in range(3):
        s = sample_until(b, s["fetches"], size)
        check(f"{size}: viewport", (s["innerWidth"], s["innerHeight"]), (w, h))
        check(f"{size}: status", s["status"], "ok")
        if iface:
            check(f"{size}: interface shown", s["iface"], iface)
        if not s["prev"]:
            continue
        cur, positive = check_sample(s, size)
        packets.append(cur["packets"])
        if not s["endpoints"] or not positive:
            fails.append(f"{size}: no endpoint with a rate under load: {s['endpoints']}")
        if s["scrollWidth"] > s["innerWidth"]:
            fails.append(f"{size}: the page overflows: scrollWidth {s['scrollWidth']} > {s['innerWidth']}")
        stats_seen.append(s["stats"])
    if len(set(packets)) < 2:
        fails.append(f"{size}: the numbers did not move under load: packets {packets}")
    shot = "web-%dx%d%s.png" % (w, h, "-" + iface if iface else "")
    b.screenshot(os.path.join(out, shot))
    b.full_screenshot(os.path.join(out, shot.replace(".png", "-full.png")))
    print(f"{size}: {len(packets)} refreshes checked, packets {packets}, "
          f"{len(s['endpoints'])} endpoints, scrollWidth {s['scrollWidth']}, screenshot {shot}")


def main():
    url, out = sys.argv[1], sys.argv[2]
    second = sys.argv[3] if len(sys.argv) > 3 else None
    os.makedirs(out, exist_ok=True)
    t0 = time.monotonic()
    seen = []
    try:
        b = webdriver.Chrome()
    except FileNotFoundError as e:
        print(f"{e} not installed")
        return 77
    with b:
        b.get(url)
        b.wait("return Number(document.body.dataset.fetches || 0) >= 2", 15)
        one_size(b, 1280, 800, False, out, seen)
        one_size(b, 390, 844, True, out, seen)
        if second:
            one_size(b, 1280, 800, False, out, seen, second)
        log = b.browser_log()
        title = b.execute("return document.title")
    check("title", title, "rxray")
    for e in log:
        print(f"console {e.get('level')}: {e.get('message')}")
        if e.get("level") in ("SEVERE", "WARNING"):
            fails.append(f"console {e['level']}: {e.get('message')}")
    for f in fails[:30]:
        print("FAIL", f)
    print(f"page checked against {len(seen)} /api/stats responses in {time.monotonic() - t0:.1f} s, "
          f"{len(log)} console entries")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
