#!/usr/bin/env bash
# A new user's first ten minutes, scripted (issue 15): a fresh `git clone`
# of this repository (its HEAD commit: uncommitted changes are not in a
# clone), `make` in it as user nobody (its own build directory, from
# nothing: no ccache, no objects of another build), then, as nobody, every
# command the README runs on samples/sample.pcap, taken from README.md
# itself (tests/lib/readme_examples.py): each must exit 0 and print the
# lines the README shows. The README's links must lead to files of the
# clone. Root is needed to switch to nobody, nothing else.
#   tests/e2e/test_newuser.sh BUILD      (BUILD: unused, the clone builds its own)
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxnu
rx_need git runuser make jq
ROOT=$(cd "${0%/*}/../.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
NOBODY=nobody
NOGROUP=$(id -gn "$NOBODY") || { echo "no user $NOBODY"; exit 77; }

head=$(git -c safe.directory='*' -C "$ROOT" rev-parse --short HEAD) || fail "$ROOT is not a git repository"
git -c safe.directory='*' clone -q --no-local "$ROOT" "$tmp/rxray" || fail "git clone $ROOT"
echo "cloned $ROOT at $head"
git -C "$tmp/rxray" status --porcelain | grep -q . && fail "the fresh clone is not clean"
[ -e "$tmp/rxray/build" ] && fail "the clone already has a build directory"
chown -R "$NOBODY:$NOGROUP" "$tmp/rxray"

# make, as the README's first step says, by a user who owns nothing else
start=$(date +%s%N)
runuser -u "$NOBODY" -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/nonexistent make -C "$tmp/rxray" >"$tmp/make.log" 2>&1 ||
	{ tail -n 20 "$tmp/make.log"; fail "make as $NOBODY in a fresh clone"; }
ms=$((($(date +%s%N) - start) / 1000000))
[ -x "$tmp/rxray/build/rxray" ] || fail "make did not build build/rxray"
echo "make as $NOBODY in the fresh clone: $((ms / 1000)).$((ms % 1000 / 100)) s ($(grep -c '^  CC ' "$tmp/make.log") C files compiled)"

# the README's commands on the sample, as nobody, from the clone's own README
"$PY" "$tmp/rxray/tests/lib/readme_examples.py" "$tmp/rxray/README.md" "$tmp/rxray" --user "$NOBODY" ||
	fail "the README's sample-capture commands, as $NOBODY"

# watch --help says plainly that --payload masks Authorization and Cookie
runuser -u "$NOBODY" -- "$tmp/rxray/build/rxray" watch --help >"$tmp/help" 2>&1 || fail "watch --help"
sed -n '/--payload/,/^  -[a-z-]/p' "$tmp/help" | tr '\n' ' ' >"$tmp/payload"
grep -q 'masks.*Authorization, Cookie' "$tmp/payload" || fail "watch --help on --payload: $(cat "$tmp/payload")"
echo "watch --help: --payload masks Authorization and Cookie"

# the checker can fail: one line of the README changed, the same commands
sed 's/^8 transactions shown; /9 transactions shown; /' "$tmp/rxray/README.md" >"$tmp/README.wrong"
cmp -s "$tmp/README.wrong" "$tmp/rxray/README.md" && fail "self-check: the README has no '8 transactions shown' line"
"$PY" "$tmp/rxray/tests/lib/readme_examples.py" "$tmp/README.wrong" "$tmp/rxray" --user "$NOBODY" >"$tmp/wrong.log" 2>&1 &&
	fail "self-check: a README line the output does not have was not noticed"
echo "self-check: a changed README line fails ($(grep -c '^FAIL' "$tmp/wrong.log") failure)"

# the README points only inside the repository
links=0
while read -r link; do
	links=$((links + 1))
	case $link in
	http://* | https://* | /* | ../*) fail "README.md links outside the repository: $link" ;;
	esac
	[ -e "$tmp/rxray/${link%%#*}" ] || fail "README.md links $link, which the clone does not have"
done < <(grep -o '](\([^)]*\))' "$tmp/rxray/README.md" | sed 's/^](//; s/)$//')
echo "README.md: $links links, each to a file of the clone"
echo "PASS: a fresh clone at $head builds as $NOBODY in $((ms / 1000)) s and the README's sample commands print what it says"
