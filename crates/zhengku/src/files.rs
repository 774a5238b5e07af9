//! File handling for the CLI: bounded reads, streaming hashes, and writes that never leave
//! a half-written or world-readable key behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Largest key, certificate or signature file read whole (they are a few hundred bytes;
/// the bound stops a mistaken path to a huge file from filling memory).
const SMALL_FILE_LIMIT: u64 = 1 << 20;

/// Reads a small file (key, signature) whole, through the one bounded reader.
pub fn read_small(path: &Path) -> Result<Vec<u8>> {
    zhengku_trust::read_bounded(path, SMALL_FILE_LIMIT).map_err(|e| match e {
        zhengku_trust::ReadError::TooLarge { path, max } => {
            anyhow::anyhow!("{path} is larger than {max} bytes; not a key or signature file")
        }
        e => e.into(),
    })
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
    let mut f = AtomicFile::create(path, mode, force)?;
    f.write_all(data)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.commit()
}

/// A file written atomically, for output too large to build in memory first (an audit log
/// export): written to a temporary file in the same folder, renamed over `path` by
/// [`commit`](Self::commit). Dropped without `commit` (an error part way), the temporary
/// file is removed and `path` is untouched.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
}

impl AtomicFile {
    /// Creates the temporary file, with unix permissions `mode`. Refuses to replace an
    /// existing `path` unless `force`.
    pub fn create(path: &Path, mode: u32, force: bool) -> Result<Self> {
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
        #[cfg(not(unix))]
        let _ = mode;
        let file = opts
            .open(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(AtomicFile {
            path: path.to_owned(),
            tmp,
            file: Some(file),
        })
    }

    /// Flushes the data to disk and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        let Some(file) = self.file.take() else {
            bail!("{} was already committed", self.path.display());
        };
        let result = file
            .sync_all()
            .with_context(|| format!("cannot write {}", self.path.display()))
            .and_then(|()| {
                fs::rename(&self.tmp, &self.path)
                    .with_context(|| format!("cannot write {}", self.path.display()))
            });
        if result.is_err() {
            let _ = fs::remove_file(&self.tmp);
        }
        result
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("file already committed"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}
