#!/usr/bin/python3
"""tshark as the oracle for `rxray requests --json`, per transaction.

  /usr/bin/python3 tests/lib/http_oracle.py CAPTURE.pcap RXRAY_REQUESTS.json

Runs tshark on the capture with TCP and HTTP reassembly off (rxray decodes
each segment on its own too), takes every HTTP response that has
http.request_in, in frame order, and joins it with its request (method,
URI, version, User-Agent) and its own status code and http.time. rxray
emits one JSON object per transaction in the order it sees the responses,
so the two lists are compared index by index:

  http.request.method        = the request's http.request.method
  url.path                   = http.request.uri without its query, path
                               parameters and userinfo (httppath.kept_path),
                               at most 128 bytes, then printable ASCII kept and
                               other bytes as %XX, '%' itself kept (rxray's
                               wire text)
  network.protocol.version   = http.request.version without "HTTP/"
  user_agent.original        = http.user_agent without the blanks around
                               it, its first 128 bytes as wire text; absent
                               when the request had none
  http.response.status_code  = http.response.code
  duration_s                 = http.time, within 2 microseconds

and the counts must be equal. tshark is read in one fast pass of fields;
the frames whose URI or User-Agent tshark does not show as the very bytes
(anything but printable ASCII, or a backslash) or that hold a field twice
are read again with every message apart and the raw bytes (-T ek -x), so
bytes that are not UTF-8 compare exactly. Prints one summary line; on
disagreement, the first differences, and exits 1. Exits 2 when the oracle
itself cannot judge: tshark failed, or a frame holds more than one HTTP
request or response (tshark 4.0 pairs those by frame, not by message, so
its http.request_in is ambiguous there).
"""
import json
import subprocess
import sys

from httppath import kept_path

UA_MAX = 128  # RX_HTTP_UA_MAX
TIME_TOL = 2e-6
SHOW = 5  # differences printed


def wire_text(b):
    """rxray's text for bytes from the wire: printable ASCII ('%' too), else %XX."""
    return "".join(chr(c) if 0x20 <= c < 0x7F else "%%%02X" % c for c in b)


def show(v):
    return "(absent)" if v is None else json.dumps(v)


def one(v):
    """A field tshark gave once (ek makes repeated fields lists)."""
    return v[0] if isinstance(v, list) else v


def ua_value(raw_line):
    """The value of a raw "User-Agent: value\\r\\n" header line: the field
    value without the optional whitespace around it (RFC 9110 5.5)."""
    line = raw_line.rstrip(b"\r\n")
    value = line.split(b":", 1)[1] if b":" in line else b""
    return value.strip(b" \t")


TSHARK = ["tshark", "-n",
          "-o", "tcp.desegment_tcp_streams:FALSE",
          "-o", "http.desegment_headers:FALSE",
          "-o", "http.desegment_body:FALSE"]
FIELDS = ["frame.number", "http.request.method", "http.request.uri", "http.request.version",
          "http.user_agent", "http.response.code", "http.time", "http.request_in"]
AGG = "\x1e"  # between the occurrences of a field in a frame


def run(args):
    """tshark's output lines; exits 2 if tshark fails."""
    p = subprocess.Popen(TSHARK + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for line in p.stdout:
        yield line
    err = p.stderr.read().decode(errors="replace")
    if p.wait() != 0:
        print("tshark oracle: tshark failed (exit %d): %s" % (p.returncode, err.strip()[-500:]))
        sys.exit(2)


def plain(v):
    """Text tshark shows as the very bytes: printable ASCII, no backslash
    (tshark escapes some bytes with one, and shows invalid UTF-8 as U+FFFD)."""
    return all(" " <= ch <= "~" and ch != "\\" for ch in v)


def frames_fields(pcap, msgs, resps, suspect):
    """Pass 1, fast: one line of fields per frame. A frame whose text is not
    plain, or that has a field more than once, is left to pass 2."""
    args = ["-r", pcap, "-Y", "http.request or http.response", "-T", "fields",
            "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=" + AGG]
    for f in FIELDS:
        args += ["-e", f]
    for line in run(args):
        cols = line.decode("utf-8", errors="replace").rstrip("\n").split("\t")
        if len(cols) != len(FIELDS):
            print("tshark oracle: unexpected tshark line: %r" % line[:200])
            sys.exit(2)
        frame = int(cols[0])
        v = [c.split(AGG) if c else [] for c in cols[1:]]
        method, uri, version, ua, code, time, req_in = v
        if (any(len(x) > 1 for x in v) or len(method) != len(uri)
                or not all(plain(t) for t in method + uri + version + ua)):
            suspect.append(frame)
            continue
        if method:
            msgs[frame] = {
                "method": method[0],
                "uri": uri[0].encode(),
                "version": version[0] if version else "",
                "ua": ua[0].encode().strip(b" \t") if ua else None,
            }
        if code and req_in:
            resps.append((frame, int(req_in[0]), int(code[0]), float(time[0])))


def frames_raw(pcap, frames, msgs, resps, problems):
    """Pass 2, for the frames pass 1 left: every message of the frame apart
    (ek), the URI and User-Agent from their raw bytes (-x)."""
    want = set(frames)
    sel = "http.request or http.response"
    if len(frames) <= 2000:  # else all of them, slower (about 4 times pass 1)
        sel = "(%s) and frame.number in {%s}" % (sel, ",".join(str(f) for f in frames))
    for line in run(["-r", pcap, "-Y", sel, "-T", "ek", "-x", "-J", "frame http"]):
        o = json.loads(line)
        layers = o.get("layers")
        if layers is None:  # the {"index": ...} line before each packet
            continue
        frame = int(one(layers["frame"]["frame_frame_number"]))
        if frame not in want:
            continue
        http = layers.get("http", [])
        if isinstance(http, dict):
            http = [http]
        reqs = [m for m in http if "http_http_request_method" in m]
        rsps = [m for m in http if "http_http_response_code" in m]
        if len(reqs) > 1 or len(rsps) > 1:
            problems.append("frame %d holds %d HTTP requests and %d responses"
                            % (frame, len(reqs), len(rsps)))
            continue
        if reqs:
            m = reqs[0]
            ua = None
            if "http_http_user_agent_raw" in m:
                ua = ua_value(bytes.fromhex(one(m["http_http_user_agent_raw"])))
            msgs[frame] = {
                "method": one(m["http_http_request_method"]),
                "uri": bytes.fromhex(one(m["http_http_request_uri_raw"])),
                "version": one(m.get("http_http_request_version", "")),
                "ua": ua,
            }
        if rsps and "http_http_request_in" in rsps[0]:
            m = rsps[0]
            resps.append((frame, int(one(m["http_http_request_in"])),
                          int(one(m["http_http_response_code"])), float(one(m["http_http_time"]))))


def tshark_transactions(pcap):
    msgs = {}  # request frame -> its request
    resps = []  # (frame, request_in, code, time) of responses with http.request_in
    suspect = []
    problems = []
    frames_fields(pcap, msgs, resps, suspect)
    if suspect:
        frames_raw(pcap, suspect, msgs, resps, problems)
    out = []
    for frame, req_in, code, time in sorted(resps):
        req = msgs.get(req_in)
        if req is None:
            problems.append("frame %d: response to frame %d, which holds no single request"
                            % (frame, req_in))
            continue
        out.append(dict(req, frame=frame, req_frame=req_in, status=code, time=time))
    return out, problems, len(suspect)


def expected(t):
    """What rxray should print for tshark's transaction t."""
    e = {
        "http.request.method": t["method"],
        "url.path": wire_text(kept_path(t["uri"])),
        "network.protocol.version": t["version"][5:] if t["version"].startswith("HTTP/") else t["version"],
        "user_agent.original": None if t["ua"] is None else wire_text(t["ua"][:UA_MAX]),
        "http.response.status_code": t["status"],
    }
    return e


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    pcap, rx_json = sys.argv[1], sys.argv[2]
    ts, problems, n_raw = tshark_transactions(pcap)
    if problems:
        print("tshark oracle: cannot judge this capture: %d frame(s) tshark cannot pair, e.g. %s"
              % (len(problems), "; ".join(problems[:3])))
        return 2
    rx = []
    with open(rx_json, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rx.append(json.loads(line))
                except ValueError as e:
                    print("tshark oracle: %s line %d is not JSON: %s" % (rx_json, n, e))
                    return 1
    diffs = []
    if len(ts) != len(rx):
        diffs.append("count: tshark %d transactions, rxray %d" % (len(ts), len(rx)))
    for i, (t, r) in enumerate(zip(ts, rx)):
        e = expected(t)
        where = "#%d (request frame %d, response frame %d)" % (i + 1, t["req_frame"], t["frame"])
        for k, want in e.items():
            got = r.get(k)
            if got != want:
                diffs.append("%s %s: tshark %s, rxray %s" % (where, k, show(want), show(got)))
        got = r.get("duration_s")
        if not isinstance(got, (int, float)) or abs(got - t["time"]) > TIME_TOL:
            diffs.append("%s duration_s: tshark http.time %.9f, rxray %s"
                         % (where, t["time"], show(got)))
    if diffs:
        print("tshark oracle: %d transactions from tshark, %d from rxray; %d difference(s):"
              % (len(ts), len(rx), len(diffs)))
        for d in diffs[:SHOW]:
            print("  " + d)
        if len(diffs) > SHOW:
            print("  ... and %d more" % (len(diffs) - SHOW))
        return 1
    n_ua = sum(1 for t in ts if t["ua"] is not None)
    print("tshark oracle: %d transactions (%d with a User-Agent, %d frames read raw), "
          "method/path/version/UA/status/time agree" % (len(ts), n_ua, n_raw))
    return 0


if __name__ == "__main__":
    sys.exit(main())
