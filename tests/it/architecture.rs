//! The layers of the code hold: the words people read ([`duban::wording`]) and the refusals
//! they put into words sit below everything that speaks; the follow-up and the bulletin below
//! the conversation; and the conversation core knows no chat platform. A `use` that breaks a
//! layer fails here, before it grows into a circle.

use std::path::{Path, PathBuf};

/// Each part of `src/` and what it must not name.
const RULES: &[(&str, &[&str])] = &[
    (
        "wording",
        &[
            "crate::conversation",
            "crate::bot",
            "crate::followup",
            "crate::bulletin",
            "teloxide",
        ],
    ),
    (
        "refusal.rs",
        &[
            "crate::conversation",
            "crate::bot",
            "crate::followup",
            "crate::bulletin",
            "teloxide",
        ],
    ),
    (
        "bulletin",
        &["crate::conversation", "crate::bot", "crate::followup"],
    ),
    ("followup", &["crate::conversation", "crate::bot"]),
    ("conversation", &["crate::bot", "teloxide"]),
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_owned());
    }
}

#[test]
fn no_layer_names_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (part, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(part), &mut files);
        assert!(!files.is_empty(), "src/{part} has no Rust files");
        for file in files {
            let code = std::fs::read_to_string(&file).unwrap();
            for (n, line) in code.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for name in forbidden.iter().filter(|name| line.contains(*name)) {
                    broken.push(format!("{}:{}: {name}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(broken.is_empty(), "layers broken:\n{}", broken.join("\n"));
}
