"""What rxray keeps of a request target as url.path (datapath/http.h's URI
walk, written again from its rules for the tests): the query ('?' on) is
dropped; so is every path parameter (';' to the next '/'); a target that
does not start with '/' or '*' (absolute-form "http://u:p@host/p", CONNECT's
"u:p@host:443") loses its userinfo (what comes before an '@' in the
authority). At most PATH_MAX bytes are kept."""

PATH_MAX = 128  # RX_HTTP_URI_MAX


def kept_path(uri, limit=PATH_MAX):
    out = bytearray()
    st = "path" if uri[:1] in (b"/", b"*") else "scheme"
    n, i = 0, 0
    while i < len(uri):
        c = uri[i:i + 1]
        if c == b"?":
            break
        if st == "param":
            if c != b"/":
                i += 1
                continue
            st = "path"
        elif st in ("scheme", "auth"):
            if c == b"@":
                del out[n:]
                i += 1
                continue
            if c == b"/":
                if st == "scheme" and uri[i - 1:i] == b":" and uri[i + 1:i + 2] == b"/":
                    out += b"//"
                    i += 2
                    n, st = len(out), "auth"
                    continue
                st = "path"
        elif c == b";":
            st = "param"
            i += 1
            continue
        out += c
        i += 1
    return bytes(out[:limit] if limit else out)


if __name__ == "__main__":
    for u, want in ((b"/a;jsessionid=X/b;v=1?q=2", b"/a/b"),
                    (b"http://u:p@h.example/x;s=1/y", b"http://h.example/x/y"),
                    (b"u:p@h:443", b"h:443"), (b"*", b"*"), (b"/u/bob@x/9", b"/u/bob@x/9"),
                    (b"https://h:8443/p?t=1", b"https://h:8443/p"), (b"/:/;/@/9", b"/://@/9")):
        assert kept_path(u) == want, (u, kept_path(u), want)
    print("ok")
