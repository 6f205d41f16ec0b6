#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Configures (once) and builds pagesim into BUILD_DIR (default build/). Extra arguments go to
# `meson setup` on first configuration, to `meson configure` after it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
"$top/scripts/deps.sh"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$top" "$@" >&2
elif [ $# -gt 0 ]; then
	# an existing build directory takes the options too (`meson configure` rebuilds only
	# when one changes), so a caller's -D options never silently stay at older values
	meson configure "$build" "$@" >&2
fi
# Quiet when there is nothing to build (./pagesim runs this before every command).
if ! ninja -C "$build" -n 2>/dev/null | grep -q '^ninja: no work to do'; then
	ninja -C "$build" >&2
fi
