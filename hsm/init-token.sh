#!/usr/bin/env bash
# Creates a SoftHSM2 token for zhengku in its own folder (development and tests).
#
#   hsm/init-token.sh DIR LABEL SO_PIN USER_PIN
#
# Writes DIR/softhsm2.conf (from hsm/softhsm2.conf.template), creates DIR/tokens, initialises
# a token labelled LABEL in the first free slot, and prints the one line to use it:
#
#   export SOFTHSM2_CONF=DIR/softhsm2.conf
#
# so `eval "$(hsm/init-token.sh ...)"` sets it up for the current shell. softhsm2-util's own
# messages go to stderr. Running it again with another LABEL adds a token to the same folder.
# The PINs are visible to other local users in the process list while softhsm2-util runs:
# fine for development tokens, not for production (see hsm/README.md).
set -euo pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 DIR LABEL SO_PIN USER_PIN" >&2
    exit 2
fi
dir=$1 label=$2 so_pin=$3 user_pin=$4

if ! command -v softhsm2-util >/dev/null 2>&1; then
    echo "$0: softhsm2-util not found; install SoftHSM2 (Debian/Ubuntu: apt-get install softhsm2)" >&2
    exit 1
fi

template="$(cd "$(dirname "$0")" && pwd)/softhsm2.conf.template"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# Token files hold the (PIN-encrypted) keys: only the owner may read them.
mkdir -p -m 0700 "$dir/tokens"

conf="$dir/softhsm2.conf"
content=$(<"$template")
printf '%s\n' "${content//@TOKEN_DIR@/$dir/tokens}" >"$conf"

SOFTHSM2_CONF="$conf" softhsm2-util --init-token --free --label "$label" \
    --so-pin "$so_pin" --pin "$user_pin" >&2

printf 'export SOFTHSM2_CONF=%q\n' "$conf"
