#!/usr/bin/python3
"""rxray's decoded fields against tshark, packet by packet.

    /usr/bin/python3 tests/pcap/test_tshark.py [BUILD_DIR]     (default: build)
    /usr/bin/python3 tests/pcap/test_tshark.py --dump-tshark FILE.pcap

Generates the corpus (gen_corpus.py) into a temporary directory, then for
each capture runs `BUILD/rxray watch -r FILE --json` and tshark (PDML, with
IP reassembly and TCP desegmentation off), turns tshark's tree into the
shape rxray prints, and compares every field of the FIELD_MAP table below:

  * every field rxray emits must equal tshark's value for that packet;
  * every mapped field tshark reports in a layer rxray emitted must be
    present in rxray's output, and every layer tshark decodes must be
    present in rxray's output;

unless one entry of EXCEPTIONS (below) says why not, for that case only.

tshark's PDML (not -T fields) is used because the comparison needs the
tree: which protocol element a field sits in (an ICMP error's quoted IP/UDP
headers are nested under icmp and must not count as the packet's own), which
option item an ip.opt.len belongs to (EOL/NOP have none), and the order of
IPv6 extension headers of different kinds. One tshark run per file.

Exit status: 0 all agree, 1 any mismatch (or too few comparisons, or a
packet count that differs), 77 skip (tshark or scapy missing). Run from the
repository root after `make`; tshark 4.0 field names are assumed.

Environment: RXRAY_SHOW=N prints the first N mismatching packets (default
20); RXRAY_SHOW_EXCUSED=N prints N examples of each exception applied.
"""

import collections
import concurrent.futures
import importlib.util
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from httppath import kept_path  # noqa: E402
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))


def same(conv, *names):
    """FIELD_MAP rows for fields named alike by rxray and tshark, without a note."""
    return [(n, n, conv, "") for n in names]


# ---------------------------------------------------------------------------
# SPEC name  <->  tshark field. One row per rxray JSON path (the keys joined
# with dots: tcp.flags.syn is the key "flags.syn" beside the number "flags"
# in the tcp object, see NUMBER_PARENTS). `[]` marks a list element. Conversions: int (tshark decimal or 0x hex), bool (1/0,
# True/False), str, mac (lower case), time (exact decimal), present (an
# FT_PROTOCOL/FT_NONE item: present -> 1), list (all occurrences), and
# derived (computed from other tshark fields, rule in the note).
# tshark's layer is the protocol element in the PDML tree; "ieee8021ad" is
# how tshark 4.0 names an 802.1ad (0x88a8) S-tag.
# ---------------------------------------------------------------------------
FIELD_MAP = [
    # rxray path                      tshark field                               conv      note
    ("frame.time_epoch",              "frame.time_epoch",                        "time",   "9 decimals"),
    ("frame.number",                  "frame.number",                            "int",    "index in the file, from 1"),
    *same("int", "frame.len", "frame.cap_len"),
    # link headers of captures that are not Ethernet (tests/pcap/test_linktypes.py)
    *same("int", "sll.pkttype", "sll.hatype", "sll.halen", "sll.ifindex"),
    ("sll.src.eth",                   "sll.src.eth",                             "mac",    "halen 6"),
    ("sll.src.ipv4",                  "sll.src.ipv4",                            "str",    "GRE (hatype 778), halen 4"),
    ("sll.src.other",                 "sll.src.other",                           "bytes",  "other lengths: aabb..."),
    ("sll.etype",                     "sll.etype",                               "int",    "protocol >= 0x0600"),
    ("sll.ltype",                     "sll.ltype",                               "int",    "protocol < 0x0600 (Linux's own)"),
    ("sll.gretype",                   "sll.gretype",                             "int",    "protocol under GRE"),
    ("null.family",                   "null.family",                             "int",
     "LINKTYPE_NULL and LINKTYPE_LOOP alike: tshark dissects both as null"),
    *same("mac", "eth.src", "eth.dst"),
    ("eth.type",                      "eth.type",                                "int",    "type right after the MACs"),
    ("vlan[].id",                     "vlan.id | ieee8021ad.id",                 "int",    ""),
    ("vlan[].pcp",                    "vlan.priority | ieee8021ad.priority",     "int",    ""),
    ("vlan[].dei",                    "vlan.dei | ieee8021ad.dei",               "bool",   "vlan.cfi in old tshark"),
    ("vlan[].tpid",                   "eth.type, then vlan.etype | ieee8021ah.etype", "derived",
     "the type field that introduced this tag: eth.type for the first, the previous tag's etype after"),
    ("ip.version",                    "ip.version",                              "int",    ""),
    ("ip.hdr_len",                    "ip.hdr_len",                              "int",    "bytes"),
    *same("int", "ip.dsfield", "ip.len", "ip.id"),
    *same("bool", "ip.flags.df", "ip.flags.mf"),
    ("ip.frag_offset",                "ip.frag_offset",                          "int",    "8-byte units"),
    *same("int", "ip.ttl", "ip.proto", "ip.checksum"),
    ("ip.src",                        "ip.src",                                  "str",    ""),
    ("ip.dst",                        "ip.dst",                                  "str",    "see EXCEPTIONS: source routes"),
    ("ip.options[].type",             "ip.opt.type",                             "int",    "one entry per option item in tshark's tree"),
    ("ip.options[].len",              "ip.opt.len",                              "int",
     "EOL/NOP have no length byte (RFC 791): tshark shows no ip.opt.len, expected 1"),
    *same("str", "ipv6.src", "ipv6.dst"),
    *same("int", "ipv6.nxt", "ipv6.hlim", "ipv6.flow", "ipv6.plen", "ipv6.tclass"),
    ("ipv6.ext[].type",               "ipv6.hopopts | ipv6.routing | ipv6.fraghdr | ipv6.dstopts | ah",
     "derived", "protocol number of each extension header element: 0, 43, 44, 60, 51"),
    ("ipv6.ext[].len",                "ipv6.{hopopts,routing,dstopts}.len_oct | ah.length | ipv6.fraghdr.ident",
     "derived", "bytes: len_oct; (ah.length + 2) * 4; 8 for a complete fragment header"),
    ("ipv6.fraghdr.offset",           "ipv6.fraghdr.offset",                     "derived",
     "not a SPEC name, named as tshark names it: the first Fragment header, 8-byte units"),
    ("ipv6.fraghdr.more",             "ipv6.fraghdr.more",                       "derived", "as above, 1/0"),
    ("ipv6.fraghdr.ident",            "ipv6.fraghdr.ident",                      "derived", "as above"),
    *same("int", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw"),
    ("tcp.flags",                     "tcp.flags",                               "int",    "all 12 bits, as tshark"),
    *same("bool", "tcp.flags.fin", "tcp.flags.syn", "tcp.flags.reset", "tcp.flags.push",
          "tcp.flags.ack", "tcp.flags.urg", "tcp.flags.ece", "tcp.flags.cwr"),
    ("tcp.flags.str",                 "tcp.flags.str",                           "str",
     "12 characters, bit 11 first: the letter of a set bit, U+00B7 for a clear one"),
    ("tcp.window_size_value",         "tcp.window_size_value",                   "int",    ""),
    ("tcp.hdr_len",                   "tcp.hdr_len",                             "int",    "bytes"),
    *same("int", "tcp.checksum", "tcp.urgent_pointer"),
    *same("int", "tcp.options.mss_val", "tcp.options.wscale.shift"),
    ("tcp.options.sack_perm",         "tcp.options.sack_perm",                   "present", ""),
    *same("int", "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr"),
    ("tcp.options.sack[][]",          "tcp.options.sack_le, tcp.options.sack_re", "derived",
     "pairs [le, re] in order (relative sequence numbers off)"),
    *same("int", "udp.srcport", "udp.dstport", "udp.length", "udp.checksum"),
    ("icmp.type",                     "icmp.type",                               "int",    "top-level ICMP only"),
    *same("int", "icmp.code", "icmpv6.type", "icmpv6.code"),
    ("payload.len",                   "tcp.len | udp.length",                    "derived",
     "tcp.len for TCP; udp.length - 8 for UDP (absent when udp.length < 8)"),
    *same("str", "http.request.method", "http.request.uri", "http.request.version", "http.host"),
    ("http.response.code",            "http.response.code",                      "int",    ""),
    ("tls.record.version",            "tls.record.version",                      "int",    "the hello's record"),
    ("tls.handshake.type",            "tls.handshake.type",                      "int",    "1 or 2: hellos only"),
    ("tls.handshake.version",         "tls.handshake.version",                   "int",    ""),
    ("tls.handshake.ciphersuite",     "tls.handshake.ciphersuite",               "derived",
     "ClientHello: every occurrence, in order; ServerHello: the one"),
    ("tls.handshake.extension.type",  "tls.handshake.extension.type",            "derived", "every occurrence"),
    ("tls.handshake.extensions.supported_version", "tls.handshake.extensions.supported_version", "derived",
     "ClientHello: every occurrence; ServerHello: the one"),
    ("tls.handshake.sig_hash_alg",    "tls.handshake.sig_hash_alg",              "derived", "every occurrence"),
    ("tls.handshake.extensions_supported_group", "tls.handshake.extensions_supported_group", "derived",
     "every occurrence"),
    ("tls.handshake.extensions_ec_point_format", "tls.handshake.extensions_ec_point_format", "derived",
     "every occurrence"),
    ("tls.handshake.ja3_full",        "tls.handshake.ja3_full",                  "str",    ""),
    ("tls.handshake.extensions_server_name", "tls.handshake.extensions_server_name", "str", ""),
    ("tls.handshake.extensions_alpn_str", "tls.handshake.extensions_alpn_str",   "list",
     "all occurrences; rxray may print a list or the comma-joined string tshark -T fields prints"),
]

# rxray keys with no tshark counterpart: never compared, by design.
RXRAY_ONLY = ("rxray.", "kernel.", "p0f.")  # p0f.*: the SYN fingerprint, tshark has none

# tshark fields that are a number and a parent at once: rxray prints the
# number under the last key and the children as dotted keys beside it
# ("tcp":{"flags":2,"flags.syn":1,...}), so the joined path is the name.
# So too the parents that are no tshark name ("sll":{"src.eth":...}).
NUMBER_PARENTS = ("tcp.flags", "sll.src")

# ---------------------------------------------------------------------------
# Where rxray and tshark legitimately differ. Each entry: a name, the reason,
# and a predicate over one mismatch that must hold for the entry to excuse
# it. Predicates are narrow on purpose (they check rxray's stop reason and
# tshark's own markers); unused entries are reported.
# ---------------------------------------------------------------------------

# Truncation reason -> the rxray layer at which decoding stopped.
TRUNC_LAYER = {
    "truncated_eth": "eth", "truncated_vlan": "vlan", "truncated_ipv4": "ip", "truncated_ipv6": "ipv6",
    "truncated_ipv6_ext": "ipv6.ext", "truncated_tcp": "tcp", "truncated_udp": "udp",
    "truncated_icmp": "icmp", "truncated_link": "sll",
}
LAYER_ORDER = ["sll", "null", "eth", "vlan", "ip", "ipv6", "ipv6.ext", "tcp", "udp", "icmp", "icmpv6", "payload", "http", "tls"]
L4_AND_UP = ("tcp", "udp", "icmp", "icmpv6", "payload", "http", "tls")


def layer_rank(layer):
    if layer in ("icmpv6",):
        layer = "icmp"
    return LAYER_ORDER.index(layer) if layer in LAYER_ORDER else 99


def _exc_truncated_partial(m, ctx):
    # tshark shows the fields it could read from a header cut short by the end
    # of the captured bytes; rxray emits a layer only when the whole header
    # (and IPv4/TCP options area) is captured, so the cut layer is absent.
    r = ctx.reason
    if r not in TRUNC_LAYER or m.kind != "layer_missing":
        return False
    stop = TRUNC_LAYER[r]
    if stop == "icmp" and m.layer == "icmpv6":
        stop = "icmpv6"
    # The stopping layer and anything tshark decoded past it (from what it
    # could read), but never a layer before the stop.
    if layer_rank(m.layer) < layer_rank(stop):
        return False
    return ctx.cut_in_header


def _exc_vlan_too_deep(m, ctx):
    # rxray decodes at most 2 VLAN tags and stops (vlan_too_deep) without
    # looking further; tshark decodes every tag and everything inside.
    if ctx.reason != "vlan_too_deep" or m.kind != "layer_missing":
        return False
    if m.layer == "vlan":
        return m.index is not None and m.index >= 2 and len(ctx.rx.get("vlan", [])) == 2
    return m.layer in ("ip", "ipv6", "ipv6.ext") + L4_AND_UP


def _exc_ipv6_ext_too_deep(m, ctx):
    # rxray follows at most 8 IPv6 extension headers (ipv6_ext_too_deep) and
    # then decodes no L4; tshark follows any number.
    if ctx.reason != "ipv6_ext_too_deep" or m.kind != "layer_missing":
        return False
    if m.layer == "ipv6.ext":
        return m.index is not None and m.index >= 8 and len(ctx.rx.get("ipv6", {}).get("ext", [])) == 8
    return m.layer in L4_AND_UP


def _exc_source_route(m, ctx):
    # With a loose/strict source route option, tshark prints the route's
    # final hop as ip.dst and the header's destination as ip.cur_rt; rxray
    # prints the header field. Compare rxray's ip.dst with ip.cur_rt.
    return (m.path == "ip.dst" and m.kind == "value" and ctx.ts.get("ip.cur_rt") is not None
            and m.rx == ctx.ts["ip.cur_rt"])


def _exc_icmp_payload(m, ctx):
    # rxray also reports payload.len after an ICMP/ICMPv6 header; tshark has
    # no ICMP payload length field, so there is nothing to compare it with.
    return (m.kind == "layer_extra" and m.layer == "payload" and ctx.rx.get("rxray", {}).get("proto") in
            ("icmp", "icmpv6") and not {"tcp", "udp"} & set(ctx.tp.view))


def _exc_app_layers_not_decoded(m, ctx):
    # rxray decodes a TLS record only when it starts a segment with a
    # ClientHello or ServerHello: any other TLS record (application data,
    # alerts, a hello's continuation) is excused as a whole missing layer,
    # so a partial or wrong tls object of a hello would fail.
    return (m.kind == "layer_missing" and m.layer == "tls"
            and ctx.tp.view.get("tls", {}).get("handshake", {}).get("type") not in (1, 2))


def _exc_uri_query_dropped(m, ctx):
    # The datapath keeps only the path of a request URI: a query string, a
    # path parameter (";jsessionid=") or userinfo ("http://u:p@h/") may
    # carry secrets and never leaves the kernel. rxray's URI is tshark's
    # with exactly those removed (tests/lib/httppath.py); nothing else may
    # differ.
    return (m.path == "http.request.uri" and m.kind == "value" and isinstance(m.ts, str)
            and isinstance(m.rx, str)
            and kept_path(m.ts.encode("latin-1", "replace")).decode("latin-1") == m.rx)


def _exc_response_repeats_uri(m, ctx):
    # Wireshark 4.2 and later (tshark 4.4 on Debian 13) repeat the matched
    # request's URI in a response, as a generated field of size 0; rxray's
    # record of a response holds the response's own fields only.
    return (m.kind == "missing" and m.path == "http.request.uri"
            and "code" in ctx.tp.view.get("http", {}).get("response", {}))


def _exc_no_ja4(m, ctx):
    # tshark 4.0 has no JA4 field (added in Wireshark 4.2): nothing to compare.
    return m.path.startswith("tls.handshake.ja4") and m.kind == "extra"


def _exc_tls_name_bytes(m, ctx):
    # rxray shows a byte of a server name or ALPN protocol outside printable
    # ASCII as '.'; tshark as UTF-8 or an escape (\\x1). Every other
    # character must be the same, in order.
    if m.kind != "value" or not isinstance(m.rx, str) or not isinstance(m.ts, str) or "." not in m.rx:
        return False
    if not (m.path == "tls.handshake.extensions_server_name"
            or m.path.startswith("tls.handshake.extensions_alpn_str")):
        return False
    pat = "".join(".{1,4}" if ch == "." else re.escape(ch) for ch in m.rx)
    return re.fullmatch(pat, m.ts, re.S) is not None


TLS_KEPT = {"tls.handshake.ciphersuite": 64, "tls.handshake.extension.type": 32}


def _exc_tls_lists_cut(m, ctx):
    # Past the entries rxray keeps (64 cipher suites, 32 extensions), it
    # says so (rxray.tls_status "lists_cut") and prints no JA3.
    if ctx.rx.get("rxray", {}).get("tls_status") != "lists_cut" or m.kind != "missing":
        return False
    if m.path == "tls.handshake.ja3_full":
        return True
    base, _, idx = m.path.partition("[")
    return base in TLS_KEPT and idx.rstrip("]").isdigit() and int(idx.rstrip("]")) >= TLS_KEPT[base]


def _exc_tls_partial(m, ctx):
    # A hello that runs past its segment: rxray decodes what the segment
    # holds (rxray.tls_status "partial"); tshark, desegmentation off, no
    # TLS layer at all.
    return (m.kind == "layer_extra" and m.layer == "tls"
            and ctx.rx.get("rxray", {}).get("tls_status") == "partial")


def _exc_tls_reassembled(m, ctx):
    # A ClientHello over two segments: rxray decodes it whole on the segment
    # that completes it (rxray.tls_reassembled); tshark, desegmentation off,
    # no TLS layer there. tests/pcap/test_tls_split.py compares these with
    # tshark's desegmented decode.
    return (m.kind == "layer_extra" and m.layer == "tls"
            and ctx.rx.get("rxray", {}).get("tls_reassembled") is True)


def _exc_bogus_length_field(m, ctx):
    # tshark stops reading a header at a length field it finds impossible
    # (IPv4 total length < header length, TCP data offset < 5, UDP length
    # < 8) and omits the fields after it, and derives tcp.len from the bogus
    # offset; rxray's fixed header is fully captured, so it reports all of
    # it, and no payload length (the header is malformed).
    e = ctx.tp.experts
    if m.kind == "extra" and m.layer == "ip":
        return ctx.reason == "malformed_ipv4" and "ip.bogus_ip_length" in e
    if m.kind == "extra" and m.layer == "tcp":
        return ctx.reason == "malformed_tcp" and "tcp.bogus_header_length" in e
    if m.kind == "extra" and m.layer == "udp":
        return ctx.reason == "malformed_udp" and "udp.length.bad" in e
    if m.kind == "layer_missing" and m.layer == "payload":
        return ctx.reason == "malformed_tcp" and "tcp.bogus_header_length" in e
    return False


def _exc_bogus_ip_header(m, ctx):
    # An IPv4 header with version != 4 or IHL < 5 has no defined layout:
    # rxray shows no ip layer (malformed_ipv4); tshark shows the version and
    # header-length nibbles it read before giving up.
    return (m.kind == "layer_missing" and m.layer == "ip" and ctx.reason == "malformed_ipv4"
            and bool({"ip.bogus_header_length", "ip.bogus_ip_version"} & ctx.tp.experts))


def _exc_malformed_options(m, ctx):
    # A malformed option list (bad option length) stops rxray's decoding with
    # malformed_ipv4_options / malformed_tcp_options: rxray rejects the bad
    # option and decodes nothing after the header. tshark flags the option,
    # still shows what it could read of it, and carries on with the next layer.
    e = ctx.tp.experts
    if ctx.reason == "malformed_ipv4_options" and "ip.opt.len.invalid" in e:
        return m.kind == "layer_missing" and m.layer in L4_AND_UP
    if ctx.reason == "malformed_tcp_options" and {"tcp.option.len.invalid", "tcp.suboption_malformed"} & e:
        if m.kind == "layer_missing":
            return m.layer in ("payload", "http", "tls")
        return m.kind == "missing" and m.path.startswith("tcp.options.")
    return False


EXCEPTIONS = [
    ("truncated-partial-header", "tshark shows the readable part of a header cut by the capture; "
     "rxray omits a layer whose header is not wholly captured", _exc_truncated_partial),
    ("vlan-too-deep", "rxray stops after 2 VLAN tags (vlan_too_deep); tshark decodes the rest",
     _exc_vlan_too_deep),
    ("ipv6-ext-too-deep", "rxray stops after 8 IPv6 extension headers (ipv6_ext_too_deep); "
     "tshark decodes the rest", _exc_ipv6_ext_too_deep),
    ("source-route-dst", "tshark's ip.dst is the source route's final hop; the header field is "
     "ip.cur_rt", _exc_source_route),
    ("no-ja4-in-tshark-4.0", "tshark 4.0 has no tls.handshake.ja4", _exc_no_ja4),
    ("tls-name-bytes", "rxray shows a byte of a TLS name outside printable ASCII as '.'",
     _exc_tls_name_bytes),
    ("tls-lists-cut", "rxray keeps 64 cipher suites and 32 extensions of a hello, and says so",
     _exc_tls_lists_cut),
    ("tls-partial", "a hello that runs past its segment: rxray decodes its first part, tshark "
     "(no desegmentation) nothing", _exc_tls_partial),
    ("tls-reassembled", "a ClientHello over two segments: rxray decodes it whole on the second, tshark "
     "(no desegmentation) nothing", _exc_tls_reassembled),
    ("response-repeats-uri", "tshark 4.2+ repeats the request's URI in its response (generated); "
     "rxray's response record has no request fields", _exc_response_repeats_uri),
    ("app-layers-not-decoded", "rxray decodes only the TLS hellos that start a segment: the whole tls "
     "layer is absent", _exc_app_layers_not_decoded),
    ("uri-query-dropped", "rxray keeps only the path of a request URI (query strings may hold "
     "secrets); tshark's is the same path plus ?query", _exc_uri_query_dropped),
    ("icmp-payload-len", "rxray's payload.len after an ICMP header has no tshark field",
     _exc_icmp_payload),
    ("bogus-length-field", "tshark stops reading a header at an impossible length field; rxray "
     "reports the whole captured fixed header", _exc_bogus_length_field),
    ("bogus-ipv4-header", "IPv4 version != 4 or IHL < 5: rxray shows no ip layer, tshark shows the "
     "first byte's nibbles", _exc_bogus_ip_header),
    ("malformed-options", "rxray rejects a malformed IPv4/TCP option and stops; tshark shows the "
     "readable part and decodes on", _exc_malformed_options),
]

MIN_FIELDS_COMPARED = 20000   # the corpus yields far more; fewer means something stopped comparing

TSHARK_OPTS = [
    "-n",
    "-o", "ip.defragment:FALSE",
    "-o", "ipv6.defragment:FALSE",
    "-o", "tcp.desegment_tcp_streams:FALSE",
    "-o", "tcp.analyze_sequence_numbers:FALSE",
    "-o", "tcp.relative_sequence_numbers:FALSE",
    "-o", "http.desegment_headers:FALSE",
    "-o", "http.desegment_body:FALSE",
    "-o", "tls.desegment_ssl_records:FALSE",
    # Show IP lengths as written: no "total length 0 means TSO" substitution.
    "-o", "ip.tso_support:FALSE",
    "-o", "ipv6.tso_support:FALSE",
]

EXT_TYPES = {"ipv6.hopopts": 0, "ipv6.routing": 43, "ipv6.fraghdr": 44, "ipv6.dstopts": 60, "ah": 51}


# ---------------------------------------------------------------- conversions

def conv_int(s):
    return int(s, 0) if s[:2].lower() == "0x" else int(s)


def conv_bool(s):
    low = s.lower()
    if low in ("1", "true", "set"):
        return 1
    if low in ("0", "false", "not set"):
        return 0
    raise ValueError(f"not a boolean: {s!r}")


# "bytes": PDML shows a byte string as aa:bb:..., tshark -T fields (what rxray matches) as aabb...
CONV = {"int": conv_int, "bool": conv_bool, "str": str, "mac": str.lower, "time": Decimal,
        "bytes": lambda s: s.replace(":", "").lower()}


# ---------------------------------------------------------------- tshark side

def proto_fields(el, out=None):
    """name -> [show, ...] for the fields of one protocol element, in order,
    not descending into nested protocol elements."""
    if out is None:
        out = collections.defaultdict(list)
    for ch in el:
        if ch.tag == "field":
            name = ch.get("name")
            if name:
                out[name].append(ch.get("show"))
            proto_fields(ch, out)
    return out


def iter_fields(el):
    for ch in el:
        if ch.tag == "field":
            yield ch
            yield from iter_fields(ch)


def nested_protos(el):
    for ch in el:
        if ch.tag == "proto":
            yield ch
            yield from nested_protos(ch)
        elif ch.tag == "field":
            yield from nested_protos(ch)


def map_rows(prefix):
    return [r for r in FIELD_MAP if r[0].startswith(prefix) and r[2] in CONV]


def scalar_layer(layer_name, fields):
    """Fill one layer from the simple rows of FIELD_MAP (first occurrence)."""
    out = {}
    for path, tsf, conv, _note in map_rows(layer_name + "."):
        if "[]" in path:
            continue
        vals = fields.get(tsf)
        if not vals or vals[0] is None:
            continue
        put_path(out, path.split(".", 1)[1], CONV[conv](vals[0]), layer_name)
    return out


def put_path(obj, rel, value, layer_name):
    """Store value at the dotted path rel of obj as rxray nests it: objects,
    but under a NUMBER_PARENTS name the rest of the path is one dotted key."""
    keys = rel.split(".")
    cur, done = obj, layer_name
    for i, k in enumerate(keys[:-1]):
        done = f"{done}.{k}"
        if done in NUMBER_PARENTS:
            cur[".".join(keys[i:])] = value
            return
        cur = cur.setdefault(k, {})
    cur[keys[-1]] = value


class TsharkPacket:
    """tshark's view of one packet in rxray's JSON shape, plus markers."""

    def __init__(self, pkt_el):
        self.view = {}
        self.extra = {}       # tshark-only facts used by EXCEPTIONS (flat)
        self.protos = []      # top-level protocol names in order
        self.malformed = False
        self.experts = set()
        top = [p for p in pkt_el if p.tag == "proto"]
        self.protos = [p.get("name") for p in top]
        for el in pkt_el.iter("field"):
            if el.get("name") == "_ws.expert":
                for e in el:
                    if e.get("name") and not e.get("name").startswith("_ws."):
                        self.experts.add(e.get("name"))
        every = {p.get("name") for p in pkt_el.iter("proto")}
        self.malformed = "_ws.malformed" in every      # tshark hit the end of the data
        self.short = "_ws.short" in every              # ... of the captured data (snaplen)
        self.unreassembled = "_ws.unreassembled" in every  # ... of an IP fragment
        first = {}
        for p in top:
            first.setdefault(p.get("name"), p)
        v = self.view
        fr = proto_fields(first["frame"])
        v["frame"] = {"time_epoch": Decimal(fr["frame.time_epoch"][0]), "number": int(fr["frame.number"][0]),
                      "len": int(fr["frame.len"][0]), "cap_len": int(fr["frame.cap_len"][0])}
        self.cap_len = v["frame"]["cap_len"]
        self.wire_len = v["frame"]["len"]
        for name in ("sll", "null"):
            if name in first:
                v[name] = scalar_layer(name, proto_fields(first[name]))
        l2 = first.get("eth", first.get("sll"))
        if l2 is not None:
            if "eth" in first:
                v["eth"] = scalar_layer("eth", proto_fields(l2))
            # VLAN tags: the run of tag protocols right after eth (or sll).
            tags = []
            tpid = v[l2.get("name")].get("type" if "eth" in first else "etype")
            idx = top.index(l2) + 1
            while idx < len(top) and top[idx].get("name") in ("vlan", "ieee8021ad"):
                tf = proto_fields(top[idx])
                pre = top[idx].get("name")
                tag = {}
                for key, fname in (("id", "id"), ("pcp", "priority"), ("dei", "dei")):
                    vals = tf.get(f"{pre}.{fname}") or (tf.get("vlan.cfi") if key == "dei" else None)
                    if vals:
                        tag[key] = conv_bool(vals[0]) if key == "dei" else conv_int(vals[0])
                if tpid is not None:
                    tag["tpid"] = tpid
                nxt = tf.get("vlan.etype") or tf.get("ieee8021ah.etype")
                tpid = conv_int(nxt[0]) if nxt else None
                tags.append(tag)
                idx += 1
            if tags:
                v["vlan"] = tags
        if "ip" in first:
            el = first["ip"]
            f = proto_fields(el)
            ip = scalar_layer("ip", f)
            # The header's own destination, when tshark moved ip.dst to the route.
            if f.get("ip.cur_rt"):
                self.extra["ip.cur_rt"] = f["ip.cur_rt"][0]
            opts = []
            for fe in iter_fields(el):
                kids = {c.get("name"): c.get("show") for c in fe if c.tag == "field"}
                if "ip.opt.type" in kids:
                    t = conv_int(kids["ip.opt.type"])
                    o = {"type": t}
                    if "ip.opt.len" in kids:
                        o["len"] = conv_int(kids["ip.opt.len"])
                    elif t in (0, 1):
                        o["len"] = 1
                    opts.append(o)
            if opts:
                ip["options"] = opts
            v["ip"] = ip
        if "ipv6" in first:
            el = first["ipv6"]
            f = proto_fields(el)
            ip6 = scalar_layer("ipv6", f)
            ext = []
            idx = top.index(el) + 1
            ext_els = [p for p in nested_protos(el) if p.get("name") in EXT_TYPES]
            while idx < len(top) and top[idx].get("name") in EXT_TYPES:
                ext_els.append(top[idx])
                ext_els.extend(p for p in nested_protos(top[idx]) if p.get("name") in EXT_TYPES)
                idx += 1
            for p in ext_els:
                name = p.get("name")
                pf = proto_fields(p)
                e = {"type": EXT_TYPES[name]}
                if name == "ah":
                    if pf.get("ah.length"):
                        e["len"] = (conv_int(pf["ah.length"][0]) + 2) * 4
                elif name == "ipv6.fraghdr":
                    if pf.get("ipv6.fraghdr.ident"):
                        e["len"] = 8
                else:
                    lo = pf.get(name + ".len_oct")
                    if lo:
                        e["len"] = conv_int(lo[0])
                ext.append(e)
            if ext:
                ip6["ext"] = ext
            frag = [p for p in ext_els if p.get("name") == "ipv6.fraghdr"]
            if frag:
                pf = proto_fields(frag[0])
                fr6 = {}
                for key, fname, conv in (("offset", "ipv6.fraghdr.offset", conv_int),
                                         ("more", "ipv6.fraghdr.more", conv_bool),
                                         ("ident", "ipv6.fraghdr.ident", conv_int)):
                    if pf.get(fname):
                        fr6[key] = conv(pf[fname][0])
                if fr6:
                    ip6["fraghdr"] = fr6
            v["ipv6"] = ip6
        if "tcp" in first:
            f = proto_fields(first["tcp"])
            t = scalar_layer("tcp", f)
            opts = t.setdefault("options", {})
            if f.get("tcp.options.sack_perm") is not None and "tcp.options.sack_perm" in f:
                opts["sack_perm"] = 1
            le, re_ = f.get("tcp.options.sack_le", []), f.get("tcp.options.sack_re", [])
            if le:
                opts["sack"] = [[conv_int(a), conv_int(b)] for a, b in zip(le, re_)] + \
                    [[conv_int(a)] for a in le[len(re_):]]
            if not opts:
                del t["options"]
            v["tcp"] = t
            if f.get("tcp.len"):
                v["payload"] = {"len": conv_int(f["tcp.len"][0])}
        if "udp" in first:
            f = proto_fields(first["udp"])
            v["udp"] = scalar_layer("udp", f)
            ul = v["udp"].get("length")
            if ul is not None and ul >= 8 and "tcp" not in first:
                v["payload"] = {"len": ul - 8}
        for name in ("icmp", "icmpv6", "http", "tls"):
            if name in first:
                f = proto_fields(first[name])
                lay = scalar_layer(name, f)
                if name == "tls":
                    alpn = f.get("tls.handshake.extensions_alpn_str")
                    if alpn:
                        lay.setdefault("handshake", {})["extensions_alpn_str"] = list(alpn)
                    tls_lists(lay, f)
                if lay or name in ("icmp", "icmpv6"):
                    v[name] = lay


def tls_lists(lay, f):
    """The hello's lists as rxray prints them: numbers in order; a
    ServerHello's cipher suite and selected version are one number."""
    hs = lay.setdefault("handshake", {})
    sh = hs.get("type") == 2
    for key in ("ciphersuite", "extension.type", "extensions.supported_version", "sig_hash_alg",
                "extensions_supported_group", "extensions_ec_point_format"):
        vals = [conv_int(v) for v in f.get("tls.handshake." + key, [])]
        if not vals:
            continue
        hs[key] = vals[0] if sh and key in ("ciphersuite", "extensions.supported_version") else vals
    if not hs:
        del lay["handshake"]


def tshark_packets(path):
    out = subprocess.run(["tshark", "-r", path, "-T", "pdml"] + TSHARK_OPTS,
                         capture_output=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"tshark failed on {path}: {out.stderr.decode(errors='replace')}")
    root = ET.fromstring(out.stdout)
    return [TsharkPacket(p) for p in root.iter("packet")]


# ---------------------------------------------------------------- comparison

def flatten(obj, prefix="", out=None):
    """{"a": {"b": [1, {"c": 2}]}} -> {"a.b[0]": 1, "a.b[1].c": 2}"""
    if out is None:
        out = {}
    if isinstance(obj, dict):
        for k, val in obj.items():
            flatten(val, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(obj, list):
        for i, val in enumerate(obj):
            flatten(val, f"{prefix}[{i}]", out)
    else:
        out[prefix] = obj
    return out


def path_layer(path):
    """Layer and list index of a flat path: ('vlan', 1) for vlan[1].id."""
    head = path.split(".")[0]
    if head.startswith("vlan["):
        return "vlan", int(head[5:head.index("]")])
    if path.startswith("ipv6.ext["):
        return "ipv6.ext", int(path[9:path.index("]")])
    if head == "frame":
        return "frame", None
    return head, None


def generic(path):
    """vlan[1].id -> vlan[].id, the FIELD_MAP key."""
    out, depth = [], 0
    for ch in path:
        if ch == "[":
            depth += 1
            out.append("[")
        elif ch == "]":
            depth -= 1
            out.append("]")
        elif depth == 0:
            out.append(ch)
    return "".join(out)


MAPPED = {r[0] for r in FIELD_MAP}


class Mismatch:
    def __init__(self, kind, path, ts=None, rx=None):
        self.kind = kind          # value | missing | extra | layer_missing | layer_extra
        self.path = path
        self.layer, self.index = path_layer(path)
        self.ts, self.rx = ts, rx

    def __str__(self):
        if self.kind == "value":
            return f"{self.path}: rxray {self.rx!r} != tshark {self.ts!r}"
        if self.kind == "missing":
            return f"{self.path}: tshark {self.ts!r}, rxray has no such field"
        if self.kind == "extra":
            return f"{self.path}: rxray {self.rx!r}, tshark reports no such field"
        if self.kind == "layer_missing":
            return f"{self.path}: tshark decodes this layer, rxray does not"
        return f"{self.path}: rxray emits this layer, tshark does not"


class Ctx:
    def __init__(self, rx, tp, desc):
        self.rx = rx
        self.tp = tp
        self.desc = desc
        self.reason = rx.get("rxray", {}).get("reason")
        self.ts = tp.extra
        # Did the capture end inside a header tshark started? tshark marks
        # that with _ws.short (captured < reported) or _ws.malformed.
        self.cut_in_header = tp.short or tp.malformed or tp.unreassembled


def layer_keys(flat):
    """The layers (and list items) present in a flat view."""
    keys = set()
    for p in flat:
        lay, idx = path_layer(p)
        keys.add((lay, idx))
        if lay == "ipv6.ext":
            keys.add(("ipv6", None))
    return keys


def normalise_rx(rx):
    """Accept the -T fields spelling of list fields (comma-joined string)."""
    alpn = rx.get("tls", {}).get("handshake", {}).get("extensions_alpn_str")
    if isinstance(alpn, str):
        rx["tls"]["handshake"]["extensions_alpn_str"] = alpn.split(",")
    return rx


def compare_packet(rx, tp, desc, unmapped):
    """Return (fields compared, [mismatches], [excused (name, mismatch)])."""
    rx = normalise_rx(rx)
    rflat = {p: v for p, v in flatten(rx).items() if not p.startswith(RXRAY_ONLY)}
    tflat = flatten(tp.view)
    for p in rflat:
        g = generic(p)
        if g not in MAPPED and not any(g.startswith(m + "[") for m in MAPPED):
            unmapped[g] += 1
    rlayers, tlayers = layer_keys(rflat), layer_keys(tflat)
    raw = []
    for lay in sorted(tlayers - rlayers, key=lambda k: (layer_rank(k[0]), k[1] or 0)):
        raw.append(Mismatch("layer_missing", lay[0] if lay[1] is None else
                            (f"vlan[{lay[1]}]" if lay[0] == "vlan" else f"ipv6.ext[{lay[1]}]")))
    for lay in sorted(rlayers - tlayers, key=lambda k: (layer_rank(k[0]), k[1] or 0)):
        raw.append(Mismatch("layer_extra", lay[0] if lay[1] is None else
                            (f"vlan[{lay[1]}]" if lay[0] == "vlan" else f"ipv6.ext[{lay[1]}]")))
    both = rlayers & tlayers
    n = 0
    for p in sorted(set(rflat) | set(tflat)):
        if path_layer(p) not in both:
            continue
        g = generic(p)
        if g not in MAPPED and not any(g.startswith(m + "[") for m in MAPPED):
            continue
        n += 1
        if p not in rflat:
            raw.append(Mismatch("missing", p, ts=tflat[p]))
        elif p not in tflat:
            raw.append(Mismatch("extra", p, rx=rflat[p]))
        else:
            r, t = rflat[p], tflat[p]
            if isinstance(t, Decimal):
                try:
                    r = Decimal(str(r))
                except Exception:
                    pass
            if r != t or type(r) is bool:
                raw.append(Mismatch("value", p, ts=t, rx=rflat[p]))
    ctx = Ctx(rx, tp, desc)
    bad, excused = [], []
    for m in raw:
        for name, _why, pred in EXCEPTIONS:
            if pred(m, ctx):
                excused.append((name, m))
                break
        else:
            bad.append(m)
    return n, bad, excused


def run_rxray(rxray, path):
    out = subprocess.run([rxray, "watch", "-r", path, "--json"], capture_output=True, timeout=120)
    recs, errors = [], []
    if out.returncode != 0:
        errors.append(f"rxray exited {out.returncode}: {out.stderr.decode(errors='replace').strip()[:500]}")
    for i, line in enumerate(out.stdout.decode("utf-8", errors="replace").splitlines()):
        if not line.strip():
            continue
        try:
            recs.append(json.loads(line, parse_float=Decimal))
        except json.JSONDecodeError as e:
            errors.append(f"line {i + 1} is not JSON ({e}): {line[:200]}")
            recs.append({})
    return recs, errors


# ---------------------------------------------------------------- main

def skip(msg):
    print(f"SKIP: {msg}")
    sys.exit(77)


def preflight():
    if shutil.which("tshark") is None:
        skip("tshark not installed")
    if importlib.util.find_spec("scapy") is None:
        skip(f"scapy not importable by {sys.executable} (Debian: python3-scapy, run with /usr/bin/python3)")


def gen(outdir):
    subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), outdir], check=True)
    with open(os.path.join(outdir, "manifest.json")) as f:
        return json.load(f)


def dump_tshark(path):
    for i, tp in enumerate(tshark_packets(path)):
        v = dict(tp.view)
        v["frame"] = dict(v["frame"], time_epoch=str(v["frame"]["time_epoch"]))
        print(i + 1, json.dumps(v, sort_keys=True), "| protos:", ",".join(tp.protos),
              "| malformed" if tp.malformed else "", "| short" if tp.short else "", " ".join(sorted(tp.experts)))


def main(argv):
    preflight()
    if len(argv) >= 3 and argv[1] == "--dump-tshark":
        dump_tshark(argv[2])
        return 0
    build = argv[1] if len(argv) > 1 else "build"
    rxray = os.path.join(build, "rxray")
    if not os.access(rxray, os.X_OK):
        print(f"FAIL: {rxray} not found or not executable (build first: make)", file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="rxray-tshark-")
    try:
        manifest = gen(tmp)
        files = sorted(manifest)
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as ex:
            tsf = {f: ex.submit(tshark_packets, os.path.join(tmp, f)) for f in files}
            rxf = {f: ex.submit(run_rxray, rxray, os.path.join(tmp, f)) for f in files}
            results = {f: (tsf[f].result(), rxf[f].result()) for f in files}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    total_fields, total_bad, failures = 0, 0, []
    shown = 0
    exc_used = collections.Counter()
    show_excused = int(os.environ.get("RXRAY_SHOW_EXCUSED", "0"))   # examples per exception
    unmapped = collections.Counter()
    print(f"{'file':<20} {'packets':>8} {'rxray':>6} {'fields':>8} {'mismatch':>8} {'excused':>8}")
    for f in files:
        tps, (rxs, errors) = results[f]
        descs = manifest[f]
        nfields = nbad = nexc = 0
        file_fail = []
        if len(tps) != len(descs):
            file_fail.append(f"tshark read {len(tps)} packets, the generator wrote {len(descs)}")
        if len(rxs) != len(tps):
            file_fail.append(f"rxray printed {len(rxs)} records, tshark read {len(tps)} packets")
        file_fail.extend(errors)
        for i, (tp, rx) in enumerate(zip(tps, rxs)):
            desc = descs[i] if i < len(descs) else "?"
            n, bad, excused = compare_packet(rx, tp, desc, unmapped)
            nfields += n
            nexc += len(excused)
            for name, m in excused:
                exc_used[name] += 1
                if exc_used[name] <= show_excused:
                    print(f"excused by {name}: {f} #{i + 1} ({desc}): {m}")
            if bad:
                nbad += len(bad)
                if shown < int(os.environ.get("RXRAY_SHOW", "20")):
                    shown += 1
                    reason = rx.get("rxray", {}).get("reason")
                    print(f"\nMISMATCH {f} #{i + 1} ({desc}) rxray.reason={reason}")
                    for m in bad[:12]:
                        print(f"    {m}")
                    if len(bad) > 12:
                        print(f"    ... {len(bad) - 12} more")
        if nbad and shown:
            print()
        print(f"{f:<20} {len(tps):>8} {len(rxs):>6} {nfields:>8} {nbad:>8} {nexc:>8}")
        for msg in file_fail:
            print(f"    FAIL {f}: {msg}")
        total_fields += nfields
        total_bad += nbad
        if nbad or file_fail:
            failures.append(f)
    print(f"\ntotal: {total_fields} fields compared, {total_bad} mismatches")
    print("exceptions applied:")
    for name, why, _p in EXCEPTIONS:
        print(f"    {exc_used[name]:>6}  {name}: {why}")
    if unmapped:
        print("rxray fields with no tshark mapping (not compared):")
        for g, c in sorted(unmapped.items()):
            print(f"    {c:>6}  {g}")
    if total_fields < MIN_FIELDS_COMPARED:
        print(f"FAIL: only {total_fields} fields compared (expected at least {MIN_FIELDS_COMPARED})")
        return 1
    if failures:
        print("FAIL: " + ", ".join(failures))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
