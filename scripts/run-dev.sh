#!/usr/bin/env bash
# Runs the service as README's first command: development mode, SQLite in ./data, the
# development keys. Licence PDFs need a CJK font, so fonts-noto-cjk is installed first when
# no Noto CJK font is on the machine (the service refuses to start without a font).
#
#   bash scripts/run-dev.sh                  # http://127.0.0.1:8080
#   bash scripts/run-dev.sh --listen 0.0.0.0:8080 --public-base-url http://HOST:8080
set -euo pipefail
cd "$(dirname "$0")/.."
if ! compgen -G "/usr/share/fonts/opentype/noto/Noto*CJK*" >/dev/null && [ -z "${ZHENGKU_FONT:-}" ]; then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    echo "scripts/run-dev.sh: installing fonts-noto-cjk (licence PDFs embed it)" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends fonts-noto-cjk
fi
exec cargo run --release -p zhengku -- serve --dev "$@"
