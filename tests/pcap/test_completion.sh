#!/usr/bin/env bash
# The bash completion (completions/rxray.bash) in a real bash with Debian's
# bash-completion: commands, options per command (read from --help), the
# interfaces after -i, files after -r/-w/--config, and nothing after an
# option whose value is free (--listen). Offline.
#   tests/pcap/test_completion.sh BUILD
set -u
BUILD=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.." || exit 2
BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ]; then
	echo "bash-completion is missing (Debian bash-completion)"
	exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/bin" "$TMP/caps"
ln -s "$BUILD/rxray" "$TMP/bin/rxray"
touch "$TMP/caps/a.pcap" "$TMP/caps/b.pcapng"

# complete LINE: the candidates bash offers at the end of LINE, sorted, one a line
complete_line() {
	PATH="$TMP/bin:$PATH" LINE="$1" bash --norc --noprofile -c '
		source "$0" && source completions/rxray.bash || exit 3
		COMP_LINE=$LINE COMP_POINT=${#LINE}
		read -ra COMP_WORDS <<<"$LINE"
		[[ $LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_rxray rxray "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' "$BC"
}

fails=0 n=0
# expect LINE WANTED...: the candidates are exactly WANTED (sorted here)
expect() {
	local line=$1 got want
	shift
	n=$((n + 1))
	got=$(complete_line "$line")
	want=$(printf '%s\n' "$@" | sort)
	[ $# -eq 0 ] && want=''
	if [ "$got" != "$want" ]; then
		echo "FAIL '$line': got [$(echo "$got" | tr '\n' ' ')] want [$(echo "$want" | tr '\n' ' ')]"
		fails=$((fails + 1))
	fi
}

cmds=$("$BUILD/rxray" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
# shellcheck disable=SC2086 # one word each
expect "rxray " $cmds --help --version
expect "rxray wa" watch
expect "rxray --v" --version
expect "rxray watch --j" --json
expect "rxray watch --w" --write
expect "rxray watch -n" -n -nn
expect "rxray stats -r x.pcap --t" --top
expect "rxray doctor -" -i --interface --json -h --help
expect "rxray serve --co" --config --control
# shellcheck disable=SC2046 # the interfaces of this namespace, one word each
expect "rxray serve -i " $(ls /sys/class/net)
# shellcheck disable=SC2046
expect "rxray top --interface l" $(cd /sys/class/net && echo l*)
expect "rxray watch -r $TMP/caps/" "$TMP/caps/a.pcap" "$TMP/caps/b.pcapng"
expect "rxray watch -i lo -w $TMP/caps/a" "$TMP/caps/a.pcap"
expect "rxray serve --config $TMP/caps/b" "$TMP/caps/b.pcapng"
expect "rxray serve --listen "
expect "rxray watch -r x.pcap tcp port "
# every option of every command's --help is offered after "-"
for c in $cmds; do
	opts=$("$BUILD/rxray" "$c" --help | grep -oE '^(  -[A-Za-z]+(, -[A-Za-z-]+)?|      --[a-z-]+)' |
		tr ',' ' ')
	# shellcheck disable=SC2086
	expect "rxray $c -" $opts
done
echo "$n completions checked, $fails failed"
[ $fails -eq 0 ]
