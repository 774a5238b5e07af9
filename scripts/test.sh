#!/usr/bin/env bash
# Runs every zhengku test: unit, doc, end-to-end and interop tests, and each benchmark once
# (criterion's test mode, so benches cannot rot). Installs the system tools the tests call
# when they are missing, so a fresh machine needs nothing but a Rust toolchain.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh -- NAME    # extra arguments go to the test binaries
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests call, and what the benches link (OpenSSL's headers), installed when missing.
bash scripts/install-test-tools.sh

cargo test --workspace --locked --all-targets "$@"
cargo test --workspace --locked --doc
