#!/usr/bin/env bash
# Installs what is missing, builds, and starts Guichet on SQLite with the demo department.
# Prints the address and the demo logins. Data goes to ./data (GUICHET_DATA_DIR to change).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

step "building (release; the first build takes 10 to 15 minutes on two cores)"
cargo leptos build --release

step "starting"
exec "$CARGO_TARGET_DIR/release/guichet" serve --demo --site-root "$ROOT/target/site" "$@"
