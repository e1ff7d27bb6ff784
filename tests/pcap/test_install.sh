#!/usr/bin/env bash
# make install / uninstall into a DESTDIR: exactly the expected files (the
# binary, which embeds its BPF object, the man pages, the bash completion,
# the systemd unit naming the installed binary, the default config), the
# installed binary runs, an existing config is never replaced, uninstall
# removes everything but a config the user changed. Offline.
#   tests/pcap/test_install.sh BUILD
set -u
BUILD=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.." || exit 2
if ! command -v scdoc >/dev/null; then
	echo "scdoc is missing (Debian scdoc)"
	exit 77
fi
D=$(mktemp -d)
trap 'rm -rf "$D" "$D.log"' EXIT
fails=0
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}
mk() { make --no-print-directory -s BUILD="$BUILD" DESTDIR="$D" "$@" >"$D.log" 2>&1 || fail "make $*: $(tail -n 3 "$D.log")"; }
files() { (cd "$D" && find . \( -type f -o -type l \) | sort); }

mk install
pages=$(for p in docs/man/*.8.scd; do echo "./usr/local/share/man/man8/$(basename "$p" .scd)"; done)
want=$(printf '%s\n' ./etc/rxray/rxray.conf ./usr/local/bin/rxray \
	./usr/local/lib/systemd/system/rxray.service \
	./usr/local/share/bash-completion/completions/rxray "$pages" | sort)
[ "$(files)" = "$want" ] || fail "installed files: $(diff <(echo "$want") <(files) | grep '^[<>]' | tr '\n' ' ')"
[ "$(stat -c %a "$D/usr/local/bin/rxray")" = 755 ] || fail "binary mode"
v=$("$D/usr/local/bin/rxray" --version) || fail "installed rxray --version"
[[ $v == "rxray "* ]] || fail "--version says: $v"
"$D/usr/local/bin/rxray" --help | grep -q '^Commands:' || fail "installed rxray --help"
"$D/usr/local/bin/rxray" watch --help | grep -q -- '--read' || fail "installed rxray watch --help"
grep -qx "ExecStart=/usr/local/bin/rxray serve --config /etc/rxray/rxray.conf" \
	"$D/usr/local/lib/systemd/system/rxray.service" || fail "the unit's ExecStart"
grep -q '@[A-Z]*@' "$D/usr/local/lib/systemd/system/rxray.service" && fail "the unit keeps a @VARIABLE@"
out=$(MANWIDTH=80 man -l "$D/usr/local/share/man/man8/rxray-watch.8" 2>&1) || fail "man -l rxray-watch.8"
[[ $out == *"rxray-watch - every packet"* ]] || fail "rxray-watch.8 renders: ${out:0:200}"
cmp -s contrib/rxray.conf "$D/etc/rxray/rxray.conf" || fail "the default config"

# an existing config stays, then uninstall leaves only it
echo "interface = eth9" >>"$D/etc/rxray/rxray.conf"
mk install
grep -q eth9 "$D/etc/rxray/rxray.conf" || fail "install replaced an existing config"
mk uninstall
[ "$(files)" = ./etc/rxray/rxray.conf ] || fail "left after uninstall (config changed): $(files | tr '\n' ' ')"
rm "$D/etc/rxray/rxray.conf"
mk install
mk uninstall
[ -z "$(files)" ] || fail "left after uninstall: $(files | tr '\n' ' ')"

# a distribution's layout: PREFIX=/usr, the unit where systemd looks
mk install PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system
for f in usr/bin/rxray lib/systemd/system/rxray.service usr/share/man/man8/rxray.8 \
	usr/share/bash-completion/completions/rxray; do
	[ -f "$D/$f" ] || fail "PREFIX=/usr: no /$f"
done
grep -qx "ExecStart=/usr/bin/rxray serve --config /etc/rxray/rxray.conf" "$D/lib/systemd/system/rxray.service" ||
	fail "PREFIX=/usr: the unit's ExecStart"
echo "make install: $(echo "$want" | wc -l) files, --version '$v'; uninstall clean: $fails failed"
[ $fails -eq 0 ]
