# shellcheck shell=bash
# rx_copy_source DEST: the source tree as it is, into DEST (emptied first):
# in a git checkout its tracked and untracked files (not ignored ones, so not
# the build directory); otherwise everything but .git and $BUILD under $SRC.
# Shared by scripts/check_deb.sh and scripts/check_trixie.sh; run from the
# tree's root.
rx_copy_source() {
	local dest=$1
	rm -rf --one-file-system "$dest"
	mkdir -p "$dest"
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done |
			tar --null -T - -cf - | tar -C "$dest" -xf -
	else
		tar --exclude=./.git --exclude="./${BUILD#"$SRC"/}" -cf - . | tar -C "$dest" -xf -
	fi
}
