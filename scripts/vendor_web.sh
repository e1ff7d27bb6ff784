#!/usr/bin/env bash
# Refresh the web page's vendored chart library (web/vendor/uplot) from the
# npm registry, pinned by version and by the registry's sha512 integrity:
# `npm pack` fetches the tarball, its hash must be the one below, and the
# files the page uses are copied with the package's licence. Not part of the
# build: the files are committed, and the build embeds them in rxray
# (src/web_assets.S). Run it only to move to another version (then update
# UPLOT_VERSION, UPLOT_INTEGRITY and web/vendor/README.md together).
set -euo pipefail

UPLOT_VERSION=1.6.32
UPLOT_INTEGRITY=sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw==

cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "vendor_web: needs npm (Debian: npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "uplot@$UPLOT_VERSION" >/dev/null)
tgz=$work/uplot-$UPLOT_VERSION.tgz
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$UPLOT_INTEGRITY" ]; then
	echo "vendor_web: uplot@$UPLOT_VERSION: integrity $got, expected $UPLOT_INTEGRITY" >&2
	exit 1
fi
tar -xzf "$tgz" -C "$work"
mkdir -p web/vendor/uplot
cp "$work/package/dist/uPlot.iife.min.js" "$work/package/dist/uPlot.min.css" \
	"$work/package/LICENSE" web/vendor/uplot/
(cd web/vendor/uplot && sha256sum uPlot.iife.min.js uPlot.min.css LICENSE)
echo "vendor_web: uplot $UPLOT_VERSION in web/vendor/uplot"
