#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what pagesim needs to build, test and plot on Debian 12, when it is missing.
# As root it runs apt-get; otherwise it prints the command to run and fails.
set -euo pipefail

# Installed without Recommends (they bring systemd, dbus and X11 libraries along); what a
# Recommends gave that we do use is named: libc6-dev (gcc's), fonts-liberation (gnuplot's
# pngcairo needs a font).
pkgs=(meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev libcjson-dev gnuplot-nox
	fonts-liberation python3 parallel libdeflate-dev zlib1g-dev libssl-dev libtracecmd-dev libtraceevent-dev libtracefs-dev trace-cmd)
# clang is only needed for the fuzzer build and the sanitizer runtime of .ci/run; its
# libFuzzer and sanitizer runtimes are in libclang-rt-14-dev (only Recommended by clang-14).
# clang-format (14 on Debian 12) is .ci/run's formatting check against .clang-format.
[ "${PAGESIM_WITH_CLANG:-0}" = 1 ] && pkgs+=(clang libclang-rt-14-dev clang-format)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "pagesim: missing packages: ${missing[*]}" >&2
	echo "run: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
echo "pagesim: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
