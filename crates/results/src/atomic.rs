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

/// A folder built beside its target and put in place whole: the one way this workspace writes
/// a folder (the dossier, a merged run). Dropped without [`StagedDir::commit`], it is removed.
pub struct StagedDir {
    dir: Option<tempfile::TempDir>,
    out: PathBuf,
    parent: PathBuf,
}

impl StagedDir {
    /// A new empty folder in `out`'s parent folder (created if needed), named `prefix...`.
    pub fn beside(out: &Path, prefix: &str) -> Result<StagedDir> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(&parent)
            .with_context(|| format!("creating a folder in {}", parent.display()))?;
        Ok(StagedDir { dir: Some(dir), out: out.to_path_buf(), parent })
    }

    /// Where to build.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(self.parent.as_path(), tempfile::TempDir::path)
    }

    /// Writes `bytes` to `relative` inside the staged folder (its folders made), synced.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        let target = self.path().join(relative);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        fs::write(&target, bytes).with_context(|| format!("writing {}", target.display()))?;
        fs::File::open(&target).and_then(|f| f.sync_all()).with_context(|| format!("writing {}", target.display()))
    }

    /// Puts the folder at its target: what was there (the caller has checked it may go) is
    /// moved aside, the new folder renamed into place, the old one removed, the parent synced.
    pub fn commit(mut self) -> Result<()> {
        let Some(dir) = self.dir.take() else { bail!("{}: already put in place", self.out.display()) };
        let staged = dir.keep();
        let out = &self.out;
        if fs::symlink_metadata(out).is_ok() {
            let old = tempfile::Builder::new().prefix(".old-").tempdir_in(&self.parent)?.keep();
            fs::rename(out, old.join("d")).with_context(|| format!("moving the old {} aside", out.display()))?;
            fs::rename(&staged, out).with_context(|| format!("putting {} in place", out.display()))?;
            fs::remove_dir_all(&old)
                .with_context(|| format!("removing the old {} at {}", out.display(), old.display()))?;
        } else {
            fs::rename(&staged, out).with_context(|| format!("putting {} in place", out.display()))?;
        }
        sync_dir(&self.parent)
    }
}

/// Flushes a folder's entries to disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir).and_then(|f| f.sync_all()).with_context(|| format!("syncing {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staged_folder_replaces_its_target_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sub/out");
        // Dropped without commit: gone, nothing at the target.
        let s = StagedDir::beside(&out, ".t-").unwrap();
        let staged = s.path().to_path_buf();
        fs::write(staged.join("a"), "1").unwrap();
        drop(s);
        assert!(!staged.exists() && !out.exists());
        // Committed: at the target; an old folder there is replaced, nothing else is left.
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("old"), "0").unwrap();
        let s = StagedDir::beside(&out, ".t-").unwrap();
        fs::write(s.path().join("new"), "2").unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read_to_string(out.join("new")).unwrap(), "2");
        assert!(!out.join("old").exists());
        let left: Vec<_> = fs::read_dir(dir.path().join("sub")).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("out")]);
    }
}
