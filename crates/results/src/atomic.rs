//! Writing results so that nothing is lost and the operating system's files are respected.
//!
//! A regular file (or a new one) is written whole or not at all: a temporary file in the same
//! folder, flushed to disk, renamed over the target, and the folder synced. The temporary file
//! is created with mode 0666 masked by the umask, as any new file; a file that is replaced keeps
//! its mode. A symbolic link is followed: the file it points to is replaced, the link stays. A
//! target that is not a regular file (a device such as /dev/null or /dev/stdout, a FIFO) cannot
//! be replaced by renaming: the bytes are written into it.

use anyhow::{bail, Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Most symbolic links followed before giving up (as the kernel's ELOOP).
const MAX_LINKS: usize = 40;

/// Writes to standard output (`None`), or to a file as described in the module docs. A reader
/// of standard output that stops early (`| head`) is not an error; any other write error is.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("writing to standard output"),
            }
        }
        Some(path) => write_file(path, bytes),
    }
}

/// The file a path finally names, following symbolic links (a link to a file that does not
/// exist yet names that file).
fn resolve(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&p).with_context(|| format!("reading the link {}", p.display()))?;
                // A relative target is relative to the link's folder; joining an absolute one
                // gives that absolute path.
                p = p.parent().map_or_else(|| target.clone(), |dir| dir.join(&target));
            }
            _ => return Ok(p),
        }
    }
    bail!("{}: more than {MAX_LINKS} symbolic links in a row", path.display())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = resolve(path)?;
    let existing = match fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => bail!("{} is a folder; give the name of a file to write", path.display()),
        Ok(meta) if !meta.is_file() => {
            // A device or FIFO: it cannot be replaced, so write into it.
            let mut f = fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .with_context(|| format!("opening {} for writing", path.display()))?;
            f.write_all(bytes).and_then(|()| f.flush()).with_context(|| format!("writing {}", path.display()))?;
            return Ok(());
        }
        Ok(meta) => Some(meta.permissions()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading the metadata of {}", path.display())),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // 0666 masked by the umask, as for any new file.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp =
        builder.tempfile_in(&dir).with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    if let Some(permissions) = existing {
        // A replaced file keeps its mode (set explicitly: the umask does not apply).
        fs::set_permissions(tmp.path(), permissions)
            .with_context(|| format!("setting the mode of {}", path.display()))?;
    }
    tmp.write_all(bytes).with_context(|| format!("writing {}", path.display()))?;
    tmp.as_file().sync_all().with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(&target).with_context(|| format!("renaming the result to {}", path.display()))?;
    // The rename itself reaches the disk with the folder.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
