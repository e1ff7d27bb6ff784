#!/usr/bin/env bash
# The man pages (docs/man/*.scd) and --help say the same: rxray(8) lists
# exactly the commands of `rxray --help`, each command has its page
# rxray-COMMAND(8) (and no page names a command that does not exist), and
# every option a command's --help lists is in its page's OPTIONS section and
# the other way round. Every page builds with scdoc and renders with no
# groff warning. Offline.
#   tests/pcap/test_man_help.sh BUILD
set -u
BUILD=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.." || exit 2
RX=$BUILD/rxray
if ! command -v scdoc >/dev/null; then
	echo "scdoc is missing (Debian scdoc)"
	exit 77
fi
# shellcheck source=completions/rxray.bash
. completions/rxray.bash # _rxray_commands, _rxray_options: the completion's reading of --help
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

# section SCD NAME: the lines of section "# NAME" of an scdoc page
section() { awk -v s="# $2" '/^# / { on = ($0 == s); next } on' "$1"; }
# man_options SCD: the options an OPTIONS section defines, one a line
# (its entries are the lines that start with *-...*)
man_options() {
	section "$1" OPTIONS | grep -E '^\*-' | grep -oE '\*--?[A-Za-z][A-Za-z-]*\*' | tr -d '*' | sort -u
}
# compare WHAT HELP-LIST MAN-LIST
compare() {
	local x
	for x in $(comm -23 <(echo "$2") <(echo "$3")); do fail "$1: --help lists $x, the man page does not"; done
	for x in $(comm -13 <(echo "$2") <(echo "$3")); do fail "$1: the man page lists $x, --help does not"; done
}

cmds=$(_rxray_commands "$RX" | sort)
[ "$(echo "$cmds" | wc -w)" -ge 6 ] || fail "rxray --help lists only: $cmds"
# rxray(8): its COMMANDS entries (*name* alone on a line) are the commands
man_cmds=$(section docs/man/rxray.8.scd COMMANDS | sed -n 's/^\*\([a-z-]*\)\*$/\1/p' | sort)
compare "rxray(8) COMMANDS" "$cmds" "$man_cmds"
# its options: each is accepted (exit 0)
for o in $(man_options docs/man/rxray.8.scd); do
	"$RX" "$o" >/dev/null 2>&1 || fail "rxray(8) lists $o, which rxray does not take (exit $?)"
done
# one page per command, and no page for a command that is not
pages=$(find docs/man -name 'rxray-*.8.scd' -printf '%f\n' | sed 's/^rxray-//; s/\.8\.scd$//' | sort)
compare "the pages docs/man/rxray-COMMAND.8.scd" "$cmds" "$pages"
n=0
for c in $cmds; do
	page=docs/man/rxray-$c.8.scd
	[ -f "$page" ] || continue
	help=$(_rxray_options "$RX" "$c" | awk '{ print $1 }' | sort -u)
	[ -n "$help" ] || fail "rxray $c --help: no option found"
	compare "rxray-$c(8)" "$help" "$(man_options "$page")"
	n=$((n + $(echo "$help" | wc -l)))
	grep -q "^rxray-$c(8)" "$page" || fail "$page: its first line is not rxray-$c(8)"
	section "$page" 'SEE ALSO' | grep -q '\*rxray\*(8)' || fail "$page: SEE ALSO does not name rxray(8)"
done
# every page builds and renders cleanly
for page in docs/man/*.scd; do
	out=$TMP/$(basename "$page" .scd)
	if ! scdoc <"$page" >"$out" 2>"$TMP/err"; then
		fail "scdoc $page: $(cat "$TMP/err")"
		continue
	fi
	if command -v groff >/dev/null; then
		warn=$(groff -man -Tutf8 -ww -z "$out" 2>&1)
		[ -z "$warn" ] || fail "groff warns on $page: $warn"
	fi
done
echo "$(echo "$cmds" | wc -w) commands, $n options against $(find docs/man -name '*.scd' | wc -l) man pages: $fails failed"
[ $fails -eq 0 ]
