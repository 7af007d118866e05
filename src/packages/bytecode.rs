//! Compiled bytecode of package files, kept in the package cache so a
//! package required again, by any later process, costs no compile.
//!
//! QuickJS runs bytecode without verifying it, so a bytecode file someone
//! else wrote is code execution. Each entry therefore carries an HMAC-SHA256
//! under a key private to this cache (`bytecode/hmac.key`, created with
//! owner-only permissions); an entry whose tag does not check is ignored
//! and compiled again. Entries are named by a hash of actionbox's version,
//! the file's name and its source, so a changed file or a new build never
//! meets old bytecode.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::engine::bytecode;

/// Bytecode is specific to the QuickJS build inside this actionbox version.
const FORMAT: &str = concat!(
    "actionbox ",
    env!("CARGO_PKG_VERSION"),
    " quickjs-bytecode 1"
);
const TAG_LEN: usize = 32;

pub struct BytecodeCache {
    dir: PathBuf,
    key: [u8; 32],
}

impl BytecodeCache {
    /// The cache under `cache_root/bytecode`, creating its key on first use.
    pub fn open(cache_root: &Path) -> Option<BytecodeCache> {
        let dir = cache_root.join("bytecode");
        fs::create_dir_all(&dir).ok()?;
        let key_file = dir.join("hmac.key");
        let key = match read_key(&key_file) {
            Some(key) => key,
            None => {
                let fresh: [u8; 32] = rand::random();
                let mut temp = tempfile::NamedTempFile::new_in(&dir).ok()?;
                temp.write_all(&fresh).ok()?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o600)).ok()?;
                }
                // Another process may have made one meanwhile: theirs wins.
                match temp.persist_noclobber(&key_file) {
                    Ok(_) => fresh,
                    Err(_) => read_key(&key_file)?,
                }
            }
        };
        Some(BytecodeCache { dir, key })
    }

    fn tag(&self, entry: &str, bytes: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(entry.as_bytes());
        mac.update(&[0]);
        mac.update(bytes);
        mac.finalize().into_bytes().into()
    }

    /// The bytecode of `wrapped` (a module's source in its function
    /// wrapper) named `name`: from this process, from disk when its tag
    /// checks, else compiled now and stored. `None` when it does not
    /// compile (the isolate then reports the syntax error itself).
    pub fn get_or_compile(&self, name: &str, wrapped: &str) -> Option<Arc<[u8]>> {
        if let Some(bytes) = bytecode::cached(name, wrapped) {
            return Some(bytes);
        }
        let entry = {
            let mut hasher = Sha256::new();
            for part in [FORMAT, name, wrapped] {
                hasher.update(part.as_bytes());
                hasher.update([0]);
            }
            hex::encode(hasher.finalize())
        };
        let file = self.dir.join(&entry[..2]).join(&entry);
        if let Ok(stored) = fs::read(&file)
            && stored.len() > TAG_LEN
        {
            let (tag, bytes) = stored.split_at(TAG_LEN);
            // Compared in constant time by the HMAC crate.
            let mut mac =
                <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key");
            mac.update(entry.as_bytes());
            mac.update(&[0]);
            mac.update(bytes);
            if mac.verify_slice(tag).is_ok() {
                let bytes: Arc<[u8]> = Arc::from(bytes);
                bytecode::insert(name, wrapped, bytes.clone());
                return Some(bytes);
            }
            tracing::warn!(file = %file.display(), "a cached bytecode file failed its authentication; compiling again");
        }
        let bytes: Arc<[u8]> = bytecode::compile_fresh(name, wrapped).ok()?.into();
        bytecode::insert(name, wrapped, bytes.clone());
        let tag = self.tag(&entry, &bytes);
        if let Some(parent) = file.parent()
            && fs::create_dir_all(parent).is_ok()
            && let Ok(mut temp) = tempfile::NamedTempFile::new_in(parent)
            && temp.write_all(&tag).is_ok()
            && temp.write_all(&bytes).is_ok()
        {
            let _ = temp.persist(&file);
        }
        Some(bytes)
    }
}

fn read_key(file: &Path) -> Option<[u8; 32]> {
    fs::read(file).ok()?.try_into().ok()
}
