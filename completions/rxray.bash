# bash completion for rxray(8)                        -*- shell-script -*-
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Commands, each command's options, interface names after -i, files after
# -r, -w, --config and --control. Everything is read from the rxray being
# completed (`rxray --help`, `rxray COMMAND --help`) when it is completed,
# so nothing here is a second list that could drift from the program.
# tests/pcap/test_completion.sh runs it; tests/pcap/test_man_help.sh uses
# _rxray_options to hold the man pages to the same --help.

# _rxray_commands RXRAY: the commands `RXRAY --help` lists under "Commands:"
_rxray_commands()
{
	"$1" --help 2>/dev/null | awk '
		/^Commands:/ { on = 1; next }
		on && /^  [a-z]/ { print $1; seen = 1; next }
		on && seen && /^$/ { exit }'
}

# _rxray_options RXRAY COMMAND: one line per option of `RXRAY COMMAND --help`,
# "OPTION ARG", ARG the placeholder of its argument (IFACE, FILE, N and the like) or
# empty. An option line starts with "  -x" or "      --long" (the
# description's continuation lines are indented further); its argument is
# the upper-case word after the option names ("--listen ADDR:PORT").
_rxray_options()
{
	"$1" "$2" --help 2>/dev/null | awk '
		/^  -[A-Za-z]/ || /^      --[a-z]/ {
			n = 0
			for (i = 1; i <= NF && $i ~ /^-/; i++) {
				o = $i
				sub(/,$/, "", o)
				opt[++n] = o
			}
			arg = (i <= NF && $i ~ /^[A-Z][A-Za-z0-9.:_]*$/) ? $i : ""
			for (j = 1; j <= n; j++)
				print opt[j], arg
		}'
}

_rxray()
{
	local cur prev words cword
	_init_completion || return

	local rx=${words[0]} cmd='' i spec arg
	# the command: the first word after rxray that is not an option
	for ((i = 1; i < cword; i++)); do
		if [[ ${words[i]} != -* ]]; then
			cmd=${words[i]}
			break
		fi
	done
	if [[ -z $cmd ]]; then
		# shellcheck disable=SC2207 # words without spaces, one each
		COMPREPLY=($(compgen -W "$(_rxray_commands "$rx") --help --version" -- "$cur"))
		return
	fi

	spec=$(_rxray_options "$rx" "$cmd")
	if [[ $prev == -* ]]; then
		arg=$(awk -v o="$prev" '$1 == o { print $2; exit }' <<<"$spec")
		case $arg in
		IFACE)
			# shellcheck disable=SC2207
			COMPREPLY=($(compgen -W "$(command ls /sys/class/net 2>/dev/null)" -- "$cur"))
			return
			;;
		FILE | PATH | *.pcap)
			_filedir
			return
			;;
		?*)
			return # a value (N, ADDR:PORT, PATTERN...): nothing to offer
			;;
		esac
	fi
	if [[ $cur == -* ]]; then
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -W "$(awk '{ print $1 }' <<<"$spec")" -- "$cur"))
	elif [[ $cmd == guard && $prev == guard ]]; then
		# shellcheck disable=SC2207 # guard's subcommands (rxray-guard(8))
		COMPREPLY=($(compgen -W "list block unblock allow limit cap syn-guard del dry-run off on explain" -- "$cur"))
	elif [[ $cmd == guard && $prev == dry-run ]]; then
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -W "on off" -- "$cur"))
	fi
	# anything else is the FILTER, a pcap-filter expression: free text
} &&
	complete -F _rxray rxray
