//! The content-addressed package store: each tarball, once verified against
//! the registry's `integrity`, is unpacked into `store/<digest>/`, shared by
//! every run and process. One process downloads a package while the others
//! wait on a file lock; a package appears by an atomic rename, so nobody
//! ever sees half of one. Tarballs are untrusted: only plain files and
//! folders with plain relative names unpack, within size and count limits.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use base64::Engine as _;
use sha2::Digest as _;

/// Refusals of a tarball: generous for real packages (the largest common
/// ones hold a few thousand files and some tens of MB), fatal for bombs.
pub const MAX_TARBALL_BYTES: u64 = 256 << 20;
pub const MAX_FILE_BYTES: u64 = 128 << 20;
pub const MAX_UNPACKED_BYTES: u64 = 1 << 30;
pub const MAX_FILES: usize = 100_000;

/// What a tarball must hash to, from the registry's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    /// `integrity: sha512-<base64>` (every package published since 2017).
    Sha512(Vec<u8>),
    /// Only `shasum` (hex SHA-1): older packages the registry never rehashed.
    Sha1(Vec<u8>),
}

impl Integrity {
    /// From a packument's `dist`: the sha512 of `integrity` when there is
    /// one, else `shasum`.
    pub fn from_dist(integrity: Option<&str>, shasum: Option<&str>) -> Option<Integrity> {
        let sha512 = integrity.and_then(|text| {
            text.split_whitespace().find_map(|part| {
                let encoded = part.strip_prefix("sha512-")?;
                let encoded = encoded.split('?').next().unwrap_or(encoded);
                base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .ok()
                    .filter(|d| d.len() == 64)
            })
        });
        sha512.map(Integrity::Sha512).or_else(|| {
            shasum
                .and_then(|hex_text| hex::decode(hex_text.trim()).ok())
                .filter(|d| d.len() == 20)
                .map(Integrity::Sha1)
        })
    }

    /// The store's name for the content.
    pub fn key(&self) -> String {
        match self {
            Integrity::Sha512(digest) => format!("sha512-{}", hex::encode(digest)),
            Integrity::Sha1(digest) => format!("sha1-{}", hex::encode(digest)),
        }
    }

    fn check(&self, bytes: &[u8]) -> Result<(), String> {
        let (expected, actual, alg) = match self {
            Integrity::Sha512(expected) => {
                (expected, sha2::Sha512::digest(bytes).to_vec(), "sha512")
            }
            Integrity::Sha1(expected) => (expected, sha1::Sha1::digest(bytes).to_vec(), "sha1"),
        };
        if &actual == expected {
            Ok(())
        } else {
            let b64 = base64::engine::general_purpose::STANDARD;
            Err(format!(
                "integrity check failed: the registry says {alg}-{}, the tarball downloaded is {alg}-{}; it was not installed",
                b64.encode(expected),
                b64.encode(&actual)
            ))
        }
    }
}

/// Why a package could not be put in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Offline, and the store does not hold it.
    Missing,
    Failed(String),
}

pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The store under `cache/npm/`.
    pub fn new(npm_root: &Path) -> Store {
        Store {
            root: npm_root.to_path_buf(),
        }
    }

    fn dir_of(&self, integrity: &Integrity) -> PathBuf {
        self.root.join("store").join(integrity.key())
    }

    /// The unpacked package, if the store holds it.
    pub fn get(&self, integrity: &Integrity) -> Option<PathBuf> {
        let dir = self.dir_of(integrity);
        dir.is_dir().then_some(dir)
    }

    /// The unpacked package, downloading it with `download` when the store
    /// does not hold it (`None`: offline). Returns the folder and whether
    /// this call downloaded it.
    pub fn ensure(
        &self,
        integrity: &Integrity,
        download: Option<&dyn Fn() -> Result<Vec<u8>, String>>,
    ) -> Result<(PathBuf, bool), StoreError> {
        if let Some(dir) = self.get(integrity) {
            return Ok((dir, false));
        }
        let Some(download) = download else {
            return Err(StoreError::Missing);
        };
        let failed = |what: &str, e: std::io::Error| {
            StoreError::Failed(format!(
                "cannot {what} in the package cache {}: {e}",
                self.root.display()
            ))
        };
        let locks = self.root.join("locks");
        fs::create_dir_all(&locks).map_err(|e| failed("create the locks folder", e))?;
        let lock = File::create(locks.join(format!("{}.lock", integrity.key())))
            .map_err(|e| failed("create a lock file", e))?;
        // One process downloads; the others wait here, then find it done.
        lock.lock().map_err(|e| failed("lock", e))?;
        if let Some(dir) = self.get(integrity) {
            return Ok((dir, false));
        }
        let bytes = download().map_err(StoreError::Failed)?;
        integrity.check(&bytes).map_err(StoreError::Failed)?;
        let staging_root = self.root.join("tmp");
        fs::create_dir_all(&staging_root).map_err(|e| failed("create the staging folder", e))?;
        let staging = tempfile::Builder::new()
            .prefix(&integrity.key()[..20])
            .tempdir_in(&staging_root)
            .map_err(|e| failed("create a staging folder", e))?;
        unpack(&bytes, staging.path()).map_err(StoreError::Failed)?;
        let dir = self.dir_of(integrity);
        fs::create_dir_all(self.root.join("store")).map_err(|e| failed("create the store", e))?;
        let staged = staging.keep();
        if let Err(e) = fs::rename(&staged, &dir) {
            let _ = fs::remove_dir_all(&staged);
            if !dir.is_dir() {
                return Err(failed("move the unpacked package", e));
            }
        }
        Ok((dir, true))
    }
}

/// Unpacks an npm tarball (gzip'd tar whose entries sit under one top
/// folder, usually `package/`) into `into`, refusing anything but plain
/// files and folders with plain relative names, within the limits above.
pub fn unpack(tarball: &[u8], into: &Path) -> Result<(), String> {
    let refuse = |why: String| format!("refused the tarball: {why}; nothing of it was installed");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tarball));
    let entries = archive
        .entries()
        .map_err(|e| refuse(format!("not a tar archive ({e})")))?;
    let mut files = 0usize;
    let mut total = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(|e| refuse(format!("a damaged entry ({e})")))?;
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let raw_path = entry
            .path()
            .map_err(|e| refuse(format!("an entry with an unreadable name ({e})")))?
            .into_owned();
        let shown = raw_path.display().to_string();
        let mut parts = Vec::new();
        for part in raw_path.components() {
            match part {
                Component::Normal(name) => parts.push(name.to_owned()),
                Component::CurDir => {}
                _ => {
                    return Err(refuse(format!(
                        "the entry '{shown}' has an absolute or '..' path, which would write outside the package"
                    )));
                }
            }
        }
        // The top folder (`package/`) is not part of the package's paths.
        let relative: PathBuf = parts.iter().skip(1).collect();
        if !(kind.is_file() || kind.is_dir()) {
            let what = if kind.is_symlink() {
                "a symbolic link"
            } else if kind.is_hard_link() {
                "a hard link"
            } else if kind.is_character_special() || kind.is_block_special() {
                "a device"
            } else if kind.is_fifo() {
                "a named pipe"
            } else {
                "a special entry"
            };
            return Err(refuse(format!(
                "the entry '{shown}' is {what}; packages may hold only files and folders"
            )));
        }
        if relative.as_os_str().is_empty() {
            continue;
        }
        let target = into.join(&relative);
        if kind.is_dir() {
            fs::create_dir_all(&target)
                .map_err(|e| refuse(format!("cannot create '{shown}' ({e})")))?;
            continue;
        }
        files += 1;
        if files > MAX_FILES {
            return Err(refuse(format!("it holds more than {MAX_FILES} files")));
        }
        let size = entry
            .header()
            .size()
            .map_err(|e| refuse(format!("the entry '{shown}' has no size ({e})")))?;
        if size > MAX_FILE_BYTES {
            return Err(refuse(format!(
                "the entry '{shown}' is {size} bytes, over the {MAX_FILE_BYTES}-byte limit for one file"
            )));
        }
        total += size;
        if total > MAX_UNPACKED_BYTES {
            return Err(refuse(format!(
                "it unpacks to more than {MAX_UNPACKED_BYTES} bytes"
            )));
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| refuse(format!("cannot create a folder for '{shown}' ({e})")))?;
        }
        // Only files and folders were ever created here, so no existing
        // name can redirect this write; a repeated entry replaces the first.
        let mut file =
            File::create(&target).map_err(|e| refuse(format!("cannot write '{shown}' ({e})")))?;
        let copied = std::io::copy(&mut (&mut entry).take(size), &mut file)
            .map_err(|e| refuse(format!("cannot unpack '{shown}' ({e})")))?;
        if copied != size {
            return Err(refuse(format!("the entry '{shown}' is truncated")));
        }
        file.flush()
            .map_err(|e| refuse(format!("cannot write '{shown}' ({e})")))?;
    }
    if files == 0 {
        return Err(refuse("it holds no files".into()));
    }
    Ok(())
}
