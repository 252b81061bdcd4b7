//! The direction of imports between the parts, read from the source: a module may use user
//! relations and the services (national data, citizens, the platform), user relations may use
//! the services, and the services no module. A part that needs another's data the other way
//! reads it through the declarations (`modules::Part::files`, `Part::access`), never by name.

use std::path::{Path, PathBuf};

/// Lowest first: each may name only the parts before it (and itself).
const LAYERS: [&str; 5] = [
    "national",
    "user_relations",
    "aid_requests",
    "insertion",
    "disability",
];

/// Platform files that no module may reach into the other way: they know no module.
const PLATFORM: [&str; 8] = [
    "jobs.rs",
    "listing.rs",
    "mail.rs",
    "audit.rs",
    "documents.rs",
    "foundation.rs",
    "citizens",
    "staff",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).unwrap() {
        files.extend(rust_files(&entry.unwrap().path()));
    }
    files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
    files
}

/// The lines of `file` outside comments that name `part` as a path of this crate.
fn naming(file: &Path, part: &str) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut grouped = false;
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        // `use crate::{a, b::c};` over several lines names its parts without `crate::`.
        if code.trim_start().starts_with("use crate::{") {
            grouped = true;
        }
        let names = code.contains(&format!("crate::{part}"))
            || (grouped
                && code
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|word| word == part));
        if names {
            found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
        }
        if grouped && code.contains(';') {
            grouped = false;
        }
    }
    found
}

fn offending(lower: &[&str], higher: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for part in lower {
        for file in rust_files(&src().join(part)) {
            for above in higher {
                found.extend(naming(&file, above));
            }
        }
    }
    found
}

#[test]
fn parts_import_downwards_only() {
    let mut found = offending(&PLATFORM, &LAYERS);
    for (i, layer) in LAYERS.iter().enumerate() {
        found.extend(offending(&[layer], &LAYERS[i + 1..]));
    }
    assert!(
        found.is_empty(),
        "these lines import a part above their own (read it through `modules::Part` instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_layer_check_sees_an_upward_import() {
    let probe = std::env::temp_dir().join(format!("guichet-layers-{}.rs", std::process::id()));
    std::fs::write(
        &probe,
        "// crate::aid_requests in a comment is fine\nuse crate::{\n    aid_requests::catalogue,\n};\n",
    )
    .unwrap();
    let found = naming(&probe, "aid_requests");
    std::fs::remove_file(&probe).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("aid_requests::catalogue,"));
}
