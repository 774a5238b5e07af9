//! File handling for the CLI: bounded reads, streaming hashes, and writes that never leave
//! a half-written or world-readable key behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Largest key, certificate or signature file read whole (they are a few hundred bytes;
/// the bound stops a mistaken path to a huge file from filling memory).
const SMALL_FILE_LIMIT: u64 = 1 << 20;

/// Reads a small file (key, signature) whole.
pub fn read_small(path: &Path) -> Result<Vec<u8>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut buf = Vec::new();
    file.take(SMALL_FILE_LIMIT + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if buf.len() as u64 > SMALL_FILE_LIMIT {
        bail!(
            "{} is larger than {} bytes; not a key or signature file",
            path.display(),
            SMALL_FILE_LIMIT
        );
    }
    Ok(buf)
}

/// Reads a small text file (PEM).
pub fn read_text(path: &Path) -> Result<String> {
    String::from_utf8(read_small(path)?)
        .with_context(|| format!("{} is not text (expected PEM)", path.display()))
}

/// Streams a file (or standard input for `-`) into `sink`.
pub fn stream_into(path: &Path, sink: &mut impl Write) -> Result<()> {
    if path == Path::new("-") {
        io::copy(&mut io::stdin().lock(), sink).context("cannot read standard input")?;
    } else {
        let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        io::copy(&mut f, sink).with_context(|| format!("cannot read {}", path.display()))?;
    }
    Ok(())
}

/// Writes `data` to `path` atomically (temporary file in the same folder, then rename), with
/// unix permissions `mode`. Refuses to replace an existing file unless `force`.
pub fn write_new(path: &Path, data: &[u8], mode: u32, force: bool) -> Result<()> {
    if !force && path.exists() {
        bail!(
            "{} already exists (use --force to replace it)",
            path.display()
        );
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The mode applies at creation, so a private key is never readable by others,
        // not even for an instant.
        opts.mode(mode);
    }
    let result = (|| -> Result<()> {
        let mut f = opts
            .open(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
