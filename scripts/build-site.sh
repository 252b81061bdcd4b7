#!/usr/bin/env bash
# Builds Guichet: the server binary and the site it serves (target/site: the islands'
# WebAssembly, its JavaScript loader and the stylesheet, under content-hashed names and
# precompressed), with plain cargo, wasm-bindgen's library (`guichet-bindgen`, a member of the
# workspace) and, for a release, wasm-opt.
#
#   scripts/build-site.sh            development build (target/debug/guichet)
#   scripts/build-site.sh --release  what an operator deploys (target/release/guichet, the
#                                    WebAssembly optimised for size)
#   scripts/build-site.sh --all-targets  the server with every other target (tests, benches),
#                                    as the test command builds it (scripts/test.sh)
#
# cargo-leptos did this before; installing it cost a newcomer 11 of the first start's 24
# minutes, and installing `wasm-bindgen-cli` 1 to 3 more (docs/BENCHMARKS.md, « First start »).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

release=false
server_targets=(--bin guichet --bin guichet-bindgen)
for arg in "$@"; do
  case "$arg" in
    --release) release=true ;;
    --all-targets) server_targets=(--all-targets) ;;
    *) echo "usage: scripts/build-site.sh [--release] [--all-targets]" >&2; exit 2 ;;
  esac
done

site="$ROOT/target/site"
# The WebAssembly has its own target directory: its dependencies are built with other features
# for another target, and sharing one directory would make each build undo the other's cache.
front_target="$CARGO_TARGET_DIR/front"
if $release; then
  server_profile=(--release); server_dir=release; wasm_profile=wasm-release
else
  server_profile=(); server_dir=debug; wasm_profile=debug
fi

wasm_args=(-p guichet-app --lib --target wasm32-unknown-unknown --no-default-features
  --features hydrate --target-dir "$front_target")
if $release; then wasm_args+=(--profile wasm-release); install_wasm_opt; fi
# The islands' WebAssembly (argument: how many jobs cargo runs).
build_islands() {
  step "building the WebAssembly islands ($wasm_profile)"
  cargo rustc "${wasm_args[@]}" --crate-type cdylib --jobs "$1"
}

# The server and the islands are two cargo builds started together, each with every core: the
# islands' ~190 CPU-seconds then share the cores with the server's dependencies, which keep
# both busy anyway, instead of waiting for the server's last crates (the pages, then the server
# itself), which compile one after the other on mostly one core and are the build's critical
# path (docs/BENCHMARKS.md, « First start »).
step "building the server ($($release && echo release || echo debug); ${server_targets[*]}) and the islands side by side"
islands_log="$(mktemp)"
(build_islands "$(nproc)") > "$islands_log" 2>&1 &
islands_pid=$!
# On a failure, the islands' build stops too (the subshell and its cargo).
trap 'pkill -P "$islands_pid" 2>/dev/null; rm -f "$islands_log"' EXIT
# With the whole workspace selected, `guichet-app`'s `default` features are on, as in the
# tests' build.
cargo build --workspace "${server_targets[@]}" "${server_profile[@]}"
islands_status=0
wait "$islands_pid" || islands_status=$?
cat "$islands_log"
rm -f "$islands_log"
trap - EXIT
[ "$islands_status" -eq 0 ]

step "assembling the site in $site"
mkdir -p "$ROOT/target"
staging="$(mktemp -d "$ROOT/target/site-XXXXXX")"
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/pkg"
"$CARGO_TARGET_DIR/$server_dir/guichet-bindgen" \
  "$front_target/wasm32-unknown-unknown/$wasm_profile/guichet_app.wasm" "$staging/pkg"
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
