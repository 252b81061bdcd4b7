#!/usr/bin/env bash
# Builds Guichet: the server binary and the site it serves (target/site: the islands'
# WebAssembly, its JavaScript loader and the stylesheet, under content-hashed names and
# precompressed), with plain cargo, the wasm-bindgen CLI and, for a release, wasm-opt.
#
#   scripts/build-site.sh            development build (target/debug/guichet)
#   scripts/build-site.sh --release  what an operator deploys (target/release/guichet, the
#                                    WebAssembly optimised for size)
#   scripts/build-site.sh --site-only  the site alone: the test command builds the server with
#                                    every other target (scripts/test.sh)
#
# cargo-leptos did this before; installing it cost a newcomer 11 of the first start's 24
# minutes (docs/BENCHMARKS.md, « First start »).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

release=false
server=true
for arg in "$@"; do
  case "$arg" in
    --release) release=true ;;
    --site-only) server=false ;;
    *) echo "usage: scripts/build-site.sh [--release] [--site-only]" >&2; exit 2 ;;
  esac
done

site="$ROOT/target/site"
# The WebAssembly has its own target directory: its dependencies are built with other features
# for another target, and sharing one directory would make each build undo the other's cache.
front_target="$CARGO_TARGET_DIR/front"
if $release; then
  server_profile=(--release); wasm_profile=wasm-release
else
  server_profile=(); wasm_profile=debug
fi

step "building the WebAssembly islands ($wasm_profile)"
wasm_args=(-p guichet-app --lib --target wasm32-unknown-unknown --no-default-features
  --features hydrate --target-dir "$front_target")
if $release; then wasm_args+=(--profile wasm-release); fi
cargo build "${wasm_args[@]}"

if $server; then
  step "building the server ($($release && echo release || echo debug))"
  # With the whole workspace selected, `guichet-app`'s `default` features are on, as in the
  # tests' build.
  cargo build --workspace --bin guichet "${server_profile[@]}"
fi

step "assembling the site in $site"
mkdir -p "$ROOT/target"
staging="$(mktemp -d "$ROOT/target/site-XXXXXX")"
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/pkg"
wasm-bindgen --target web --no-typescript --out-name guichet --out-dir "$staging/pkg" \
  "$front_target/wasm32-unknown-unknown/$wasm_profile/guichet_app.wasm"
mv "$staging/pkg/guichet_bg.wasm" "$staging/pkg/guichet.wasm"
if $release; then
  wasm-opt -Oz --enable-bulk-memory "$staging/pkg/guichet.wasm" -o "$staging/pkg/guichet.wasm"
fi
cp style/main.css "$staging/pkg/guichet.css"
node scripts/site-assets.mjs "$staging"
# Swapped in whole: no half-written site is ever served.
rm -rf "$site.old"
if [ -d "$site" ]; then mv "$site" "$site.old"; fi
mv "$staging" "$site"
rm -rf "$site.old"
trap - EXIT
