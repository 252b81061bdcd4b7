#!/usr/bin/env bash
# The whole test suite: formatting, lints (server and WebAssembly), unit and integration tests
# on SQLite and PostgreSQL, and the browser tests (JavaScript off and hydrated, with axe).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

# The test runner; a fresh machine lacks it.
if ! cargo nextest --version >/dev/null 2>&1; then
  step "installing cargo-nextest (about 4 minutes, once)"
  cargo install cargo-nextest --locked
fi

if ! command -v chromium >/dev/null 2>&1; then
  step "installing Chromium from Debian (browser tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

export GUICHET_TEST_PG="${GUICHET_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  step "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

step "formatting"
cargo fmt --all --check

# Clippy lints the workspace's crates as they compile, warnings denied, instead of in a
# `cargo clippy` pass of its own: that pass checked every dependency once more only to lint
# our crates, 6 to 8 minutes of a cold run on 2 cores (docs/BENCHMARKS.md, « First start »).
# `cargo clippy` does the same, with `cargo check` underneath. Set after the tools are
# installed: a `cargo install` under it would lint the installed crate.
if ! clippy_driver="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)"; then
  step "adding Clippy"
  rustup component add clippy
  clippy_driver="$(rustup which clippy-driver)"
fi
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

# Every target, linted, and the site, its WebAssembly linted as it compiles too. The server the
# browser tests run is this build's `guichet`: the tests' dependencies turn on features of
# shared crates (simdutf8's `std`, sha1's…), so a build of the binary alone would compile the
# server a second time.
scripts/build-site.sh --all-targets

step "unit and integration tests (SQLite and PostgreSQL)"
# Most tests wait on a store, a socket or a mail listener more than they compute: twice as
# many threads as cores keeps the cores busy (on 2 cores, with SQLite's C optimised too: 514 s
# against 877 s before; docs/BENCHMARKS.md, « First start »).
cargo nextest run --workspace --no-fail-fast --test-threads "$(( $(nproc) * 2 ))"

# nextest runs no doc tests; these show what must not compile (a module's file functions
# opened without its desk, or with another module's).
step "doc tests"
cargo test --doc --workspace

step "browser tests (JavaScript off and hydrated, side by side)"
# Each project against a server and a demo department of its own, at the same time: the
# journeys wait on pages more than they compute, and one project after the other took 9 min.
(
  cd e2e
  npm ci --no-audit --no-fund --silent
  # The installed runner itself: two `npx` starting together raced, and one exited before
  # running anything (2026-12-06).
  playwright=./node_modules/.bin/playwright
  export GUICHET_BIN="$CARGO_TARGET_DIR/debug/guichet"
  E2E_PORT=3107 E2E_DATA_DIR="/tmp/guichet-e2e-$$-off" \
    "$playwright" test --project=sans-javascript > /tmp/guichet-e2e-$$-off.log 2>&1 &
  off=$!
  hydrated=0
  E2E_PORT=3108 E2E_DATA_DIR="/tmp/guichet-e2e-$$-on" "$playwright" test --project=hydrate \
    || hydrated=$?
  without=0
  wait "$off" || without=$?
  echo "--- JavaScript off:"
  cat "/tmp/guichet-e2e-$$-off.log"
  [ "$hydrated" -eq 0 ] && [ "$without" -eq 0 ]
)

step "all tests passed"
