//! `guichet-bindgen PAGES_WASM OUT_DIR`: writes the islands' JavaScript loader
//! (`guichet.js`) and their WebAssembly (`guichet_bg.wasm`) out of the pages' compiled
//! `cdylib`, as `wasm-bindgen --target web --no-typescript --out-name guichet` does, with
//! wasm-bindgen's own library at the version the pages are compiled against.
//!
//! A member of the workspace rather than the installed CLI: its dependencies are mostly the
//! server's, compiled once in the same build, where `cargo install wasm-bindgen-cli` compiled
//! a hundred crates of its own on a newcomer's first start (docs/BENCHMARKS.md, « First start »).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_bindgen_cli_support::Bindgen;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(input), Some(out_dir), None) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage : guichet-bindgen <WebAssembly des pages> <dossier de sortie>");
        return ExitCode::from(2);
    };
    match bindgen(&input, &out_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("guichet-bindgen : {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn bindgen(input: &Path, out_dir: &Path) -> Result<()> {
    Bindgen::new()
        .input_path(input)
        .web(true)?
        .out_name("guichet")
        .typescript(false)
        // The CLI's defaults where the library's differ: the same loader, byte for byte.
        .omit_default_module_path(false)
        .generate(out_dir)
        .with_context(|| format!("wasm-bindgen sur {}", input.display()))
}
