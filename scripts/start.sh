#!/usr/bin/env bash
# Installs what is missing, builds, and starts Guichet on SQLite with the demo department.
# Prints the address and the demo logins. Data goes to ./data (GUICHET_DATA_DIR to change).
#
# A development build: it compiles in about half the time of a release, and the test command
# reuses its dependencies. An operator deploys `scripts/build-site.sh --release` (README,
# « Deploying »).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

scripts/build-site.sh

step "starting"
exec "$CARGO_TARGET_DIR/debug/guichet" serve --demo --site-root "$ROOT/target/site" "$@"
