//! Integration tests of zhengku-model: one binary, one module per concern.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod identifiers;
mod licence_types;
mod records;

use std::path::PathBuf;

/// The repository's `templates/` folder.
pub fn templates_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../templates")
}

/// The vector files next to the tests.
pub fn vector_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
