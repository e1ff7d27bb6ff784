"""TLS hellos built byte by byte for the tests (RFC 8446 section 4.1.2 and
4.1.3, RFC 5246 section 7.4.1): the record, handshake header, and the
extensions JA3 and JA4 read. Nothing here is taken from rxray's decoder."""
import struct

GREASE = [0x0A0A + 0x1010 * i for i in range(16)]  # RFC 8701


def ext(t, body):
    return struct.pack(">HH", t, len(body)) + body


def sni(name):
    entry = struct.pack(">BH", 0, len(name)) + name
    return ext(0, struct.pack(">H", len(entry)) + entry)


def alpn(protos):
    lst = b"".join(struct.pack(">B", len(p)) + p for p in protos)
    return ext(16, struct.pack(">H", len(lst)) + lst)


def u16_list(t, vals, one_byte_len=False):
    body = b"".join(struct.pack(">H", v) for v in vals)
    return ext(t, (struct.pack(">B", len(body)) if one_byte_len else struct.pack(">H", len(body))) + body)


def groups(vals):
    return u16_list(10, vals)


def sigalgs(vals):
    return u16_list(13, vals)


def versions(vals):
    return u16_list(43, vals, one_byte_len=True)


def ecpf(vals):
    return ext(11, struct.pack(">B", len(vals)) + bytes(vals))


def record(hs_type, body, rec_version=0x0301):
    hs = struct.pack(">B", hs_type) + struct.pack(">I", len(body))[1:] + body
    return struct.pack(">BHH", 22, rec_version, len(hs)) + hs


def client_hello(ciphers, exts, version=0x0303, rec_version=0x0301, sid=b""):
    """exts None: no extensions block at all (as before TLS 1.2)."""
    cs = b"".join(struct.pack(">H", c) for c in ciphers)
    e = b"".join(exts or [])
    body = (struct.pack(">H", version) + bytes(range(32)) + struct.pack(">B", len(sid)) + sid +
            struct.pack(">H", len(cs)) + cs + b"\x01\x00" +
            (struct.pack(">H", len(e)) + e if exts is not None else b""))
    return record(1, body, rec_version)


def server_hello(cipher, exts, version=0x0303, rec_version=0x0303, sid=b""):
    e = b"".join(exts)
    body = (struct.pack(">H", version) + bytes(range(32, 64)) + struct.pack(">B", len(sid)) + sid +
            struct.pack(">HB", cipher, 0) + (struct.pack(">H", len(e)) + e if exts else b""))
    return record(2, body, rec_version)


KEY_SHARES = struct.pack(">HH", GREASE[7], 1) + b"\x00" + struct.pack(">HH", 0x001D, 32) + bytes(32)


def chrome_like(name=b"www.example.com"):
    """A GREASEd ClientHello shaped as a browser's."""
    return client_hello(
        [GREASE[2], 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013,
         0xC014, 0x009C, 0x009D, 0x002F, 0x0035],
        [ext(GREASE[5], b""), sni(name), ext(23, b""), ext(0xFF01, b"\x00"),
         groups([GREASE[7], 0x001D, 0x0017, 0x0018]), ecpf([0]), ext(35, b""),
         alpn([b"h2", b"http/1.1"]), ext(5, b"\x01\x00\x00\x00\x00"),
         sigalgs([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]),
         ext(18, b""), ext(51, struct.pack(">H", len(KEY_SHARES)) + KEY_SHARES),
         ext(45, b"\x01\x01"), versions([GREASE[9], 0x0304, 0x0303]), ext(27, b"\x02\x00\x02"),
         ext(GREASE[12], b"\x00")],
        sid=bytes(range(100, 132)))


def bad_input():
    """Hellos that are cut, lie or overflow, as (description, TCP payload),
    and the counts rxray must give them: {"partial": n, "malformed": n, "cut": n}."""
    out, whole = [], chrome_like(b"every.length.example")
    for n in range(1, len(whole)):
        out.append((f"ClientHello cut at {n} of {len(whole)} bytes", whole[:n]))
    partial = len(out)
    # a hello longer than the 2 KiB rxray looks at, in one segment
    out.append(("ClientHello of 3 KiB (padding)", client_hello([0x1301], [sni(b"big.example"), ext(21, bytes(3000))])))
    partial += 1
    cut = 0
    for desc, h in (("300 cipher suites", client_hello(list(range(1, 301)), [sni(b"many.example")])),
                    ("100 extensions", client_hello([0x1301], [ext(0x2000 + i, b"") for i in range(100)])),
                    ("40 signature algorithms", client_hello([0x1301], [sigalgs(list(range(0x0400, 0x0428)))]))):
        out.append((f"ClientHello with {desc}", h))
        cut += 1
    for desc, name in (("high bytes", bytes(range(0x80, 0xA0))), ("NUL, quote, backslash", b'a\x00b"c\\d'),
                       ("UTF-8", "bücher.example".encode())):
        out.append((f"ClientHello SNI with {desc}", client_hello([0x1301], [sni(name)])))
    good = client_hello([0x1301, 0x1302], [sni(b"m.example"), alpn([b"h2"])])
    # offsets in good: record 5 + handshake 4 + version 2 + random 32 = 43: session id length
    lies = []
    b = bytearray(good)
    b[43] = 33  # session id longer than 32
    lies.append(("session id of 33 bytes", bytes(b)))
    b = bytearray(good)
    b[45] = 3  # cipher_suites length odd (44: high byte)
    lies.append(("odd cipher_suites length", bytes(b)))
    b = bytearray(good)
    ext_len_at = 44 + 2 + 4 + 2  # ciphers, compression (1 + 1)
    b[ext_len_at:ext_len_at + 2] = (0xFF00).to_bytes(2, "big")  # the list runs past the hello
    lies.append(("extensions length past the hello", bytes(b)))
    b = bytearray(good)
    b[ext_len_at + 2 + 2:ext_len_at + 2 + 4] = (0x0F00).to_bytes(2, "big")  # SNI extension past the list
    lies.append(("an extension past its list", bytes(b)))
    b = bytearray(good)
    b[ext_len_at + 2 + 4 + 3:ext_len_at + 2 + 4 + 5] = (0x00FF).to_bytes(2, "big")  # the name past its extension
    lies.append(("a server name past its extension", bytes(b)))
    out += [(f"ClientHello with {d}", p) for d, p in lies]
    return out, {"partial": partial, "malformed": len(lies), "cut": cut}
