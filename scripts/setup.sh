# Installs what building Guichet needs and is missing; sourced by build-site.sh, start.sh and
# test.sh. Tools land in ~/.cargo/bin (kept between runs); nothing is downloaded that is already
# there.
# See ../shared/TOOLCHAIN.md for why these exact versions.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One target directory shared by every checkout and CI run on this machine: builds stay
# incremental. Override by setting CARGO_TARGET_DIR yourself. Build one checkout at a time in
# it: cargo names the workspace's own crates by their path inside the workspace, so two
# checkouts building at once overwrite each other's, and one may then link the other's code
# (seen 2026-12-06: a fresh clone's CI run and an edited checkout).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/guichet/target}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/.tools/node_modules/.bin:$PATH"
# A first build has nothing to reuse: incremental compilation would only write its caches (7 %
# more CPU on our crates, docs/BENCHMARKS.md, « First start »). Decided once for the whole
# script, so that the test command's build, its tests and its doc tests agree: a build with
# another setting compiles our crates again. Later runs are incremental (one full rebuild of our
# crates the first time).
if [ ! -e "$CARGO_TARGET_DIR/debug/guichet" ] && [ -z "${CARGO_INCREMENTAL:-}" ]; then
  export CARGO_INCREMENTAL=0
fi

step() { printf '\n== %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Release builds run wasm-opt; Debian's binaryen breaks hydration, npm's binaryen 132 works.
install_wasm_opt() {
  if [ ! -x "$ROOT/.tools/node_modules/.bin/wasm-opt" ]; then
    step "installing binaryen 132 from npm (wasm-opt)"
    npm install --prefix "$ROOT/.tools" --no-audit --no-fund --silent binaryen@132
  fi
}
