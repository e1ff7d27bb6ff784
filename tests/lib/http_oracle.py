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
  url.path                   = http.request.uri up to the first '?', at most
                               128 bytes, then printable ASCII kept and other
                               bytes and '%' as %XX (rxray's wire text)
  network.protocol.version   = http.request.version without "HTTP/"
  user_agent.original        = http.user_agent (its first 128 bytes, wire
                               text), and absent when the request had none
  http.response.status_code  = http.response.code
  duration_s                 = http.time, within 2 microseconds

and the counts must be equal. The URI and User-Agent are taken from the
raw bytes tshark reports (-x), not its display strings, so bytes that are
not UTF-8 compare exactly. Prints one summary line; on disagreement, the
first differences, and exits 1. Exits 2 when the oracle itself cannot
judge: tshark failed, or a frame holds more than one HTTP request or
response (tshark 4.0 pairs those by frame, not by message, so its
http.request_in is ambiguous there).
"""
import json
import subprocess
import sys

PATH_MAX = 128  # RX_HTTP_URI_MAX
UA_MAX = 128  # RX_HTTP_UA_MAX
TIME_TOL = 2e-6
SHOW = 5  # differences printed


def wire_text(b):
    """rxray's text for bytes from the wire: printable ASCII, else %XX."""
    return "".join(chr(c) if 0x20 <= c < 0x7F and c != 0x25 else "%%%02X" % c for c in b)


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


def tshark_transactions(pcap):
    cmd = [
        "tshark", "-n", "-r", pcap,
        "-o", "tcp.desegment_tcp_streams:FALSE",
        "-o", "http.desegment_headers:FALSE",
        "-o", "http.desegment_body:FALSE",
        "-Y", "http.request or http.response",
        "-T", "ek", "-x", "-J", "frame http",
    ]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    requests = {}  # frame number -> request fields
    out = []  # responses with http.request_in, in frame order
    problems = []
    for line in p.stdout:
        o = json.loads(line)
        layers = o.get("layers")
        if layers is None:  # the {"index": ...} line before each packet
            continue
        frame = int(one(layers["frame"]["frame_frame_number"]))
        msgs = layers.get("http", [])
        if isinstance(msgs, dict):
            msgs = [msgs]
        reqs = [m for m in msgs if "http_http_request_method" in m]
        resps = [m for m in msgs if "http_http_response_code" in m]
        if len(reqs) > 1 or len(resps) > 1:
            problems.append("frame %d holds %d HTTP requests and %d responses"
                            % (frame, len(reqs), len(resps)))
            continue
        if reqs:
            m = reqs[0]
            ua = None
            if "http_http_user_agent_raw" in m:
                ua = ua_value(bytes.fromhex(one(m["http_http_user_agent_raw"])))
            requests[frame] = {
                "method": one(m["http_http_request_method"]),
                "uri": bytes.fromhex(one(m["http_http_request_uri_raw"])),
                "version": one(m["http_http_request_version"]),
                "ua": ua,
            }
        if resps and "http_http_request_in" in resps[0]:
            m = resps[0]
            req_in = int(one(m["http_http_request_in"]))
            req = requests.get(req_in)
            if req is None:
                problems.append("frame %d: response to frame %d, which holds no single request"
                                % (frame, req_in))
                continue
            out.append(dict(req, frame=frame, req_frame=req_in,
                            status=int(one(m["http_http_response_code"])),
                            time=float(one(m["http_http_time"]))))
    err = p.stderr.read().decode(errors="replace")
    if p.wait() != 0:
        print("tshark oracle: tshark failed (exit %d): %s" % (p.returncode, err.strip()[-500:]))
        sys.exit(2)
    return out, problems


def expected(t):
    """What rxray should print for tshark's transaction t."""
    e = {
        "http.request.method": t["method"],
        "url.path": wire_text(t["uri"].split(b"?", 1)[0][:PATH_MAX]),
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
    ts, problems = tshark_transactions(pcap)
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
    print("tshark oracle: %d transactions (%d with a User-Agent), method/path/version/UA/status/time agree"
          % (len(ts), n_ua))
    return 0


if __name__ == "__main__":
    sys.exit(main())
