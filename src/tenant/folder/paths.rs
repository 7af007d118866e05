//! File names the Deploy CLI writes, and resolving the paths an export's
//! files point to without ever leaving the tenant folder.

use std::path::{Component, Path, PathBuf};

use crate::Error;

/// The Deploy CLI's file-name sanitiser (npm `sanitize-filename` with
/// `replacement: '-'`, then once more with an empty replacement): what
/// `a0deploy export` names `rules/<S(name)>.json`, `actions/<S(name)>/code.js`.
pub fn sanitize_file_name(name: &str) -> String {
    let once = sanitize_pass(name, "-");
    sanitize_pass(&once, "")
}

fn sanitize_pass(input: &str, replacement: &str) -> String {
    let mut s = String::with_capacity(input.len());
    for c in input.chars() {
        let code = c as u32;
        if matches!(c, '/' | '?' | '<' | '>' | '\\' | ':' | '*' | '|' | '"')
            || code <= 0x1f
            || (0x80..=0x9f).contains(&code)
        {
            s.push_str(replacement);
        } else {
            s.push(c);
        }
    }
    if !s.is_empty() && s.chars().all(|c| c == '.') {
        s = replacement.to_string();
    }
    let stem = s.split('.').next().unwrap_or("").to_ascii_lowercase();
    let reserved = matches!(stem.as_str(), "con" | "prn" | "aux" | "nul")
        || (stem.len() == 4
            && (stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        s = replacement.to_string();
    }
    let kept = s.trim_end_matches(['.', ' ']).len();
    if kept < s.len() {
        s.truncate(kept);
        s.push_str(replacement);
    }
    if s.len() > 255 {
        let mut cut = 255;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

/// The tenant folder: every file read must lie inside it.
#[derive(Debug, Clone)]
pub(crate) struct Jail {
    /// The folder as the caller named it (for messages and reported paths).
    pub shown: PathBuf,
    /// The same folder, canonical (for containment checks).
    pub canon: PathBuf,
}

/// Where a path an export file names ends up.
pub(crate) enum Resolved {
    /// An existing regular file inside the folder: (path shown, canonical path).
    File(PathBuf, PathBuf),
    /// Inside the folder, but no such file.
    Missing(PathBuf),
}

impl Jail {
    pub fn new(root: &Path) -> Result<Jail, Error> {
        let canon = root.canonicalize().map_err(|source| Error::Io {
            path: root.to_path_buf(),
            cause: source,
        })?;
        let shown = if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root.to_path_buf()
        };
        Ok(Jail { shown, canon })
    }

    /// How to show a canonical path inside the folder.
    pub fn show(&self, canon: &Path) -> PathBuf {
        match canon.strip_prefix(&self.canon) {
            Ok(rel) => self.shown.join(rel),
            Err(_) => canon.to_path_buf(),
        }
    }

    /// Resolves `stated` (as written in `origin`, under the field `field`)
    /// against `base` (a canonical folder inside the jail). Backslashes count
    /// as `/`, a leading drive letter is dropped. A path that lands outside the
    /// folder, lexically or through a symlink, is refused.
    pub fn resolve(
        &self,
        base: &Path,
        stated: &str,
        origin: &str,
        field: &str,
    ) -> Result<Resolved, Error> {
        let joined = lexical_join(base, stated);
        let outside = |at: &Path| {
            Error::invalid(format!(
                "{origin}: `{field}` \"{stated}\" resolves to {}, outside the tenant folder {}; refusing to read it",
                at.display(),
                self.canon.display()
            ))
        };
        if !joined.starts_with(&self.canon) {
            return Err(outside(&joined));
        }
        match joined.canonicalize() {
            Ok(real) => {
                if !real.starts_with(&self.canon) {
                    return Err(outside(&real));
                }
                if !real.is_file() {
                    return Ok(Resolved::Missing(self.show(&joined)));
                }
                Ok(Resolved::File(self.show(&joined), real))
            }
            Err(_) => Ok(Resolved::Missing(self.show(&joined))),
        }
    }

    /// Whether `stated` would land outside the folder (lexically).
    pub fn escapes(&self, base: &Path, stated: &str) -> bool {
        !lexical_join(base, stated).starts_with(&self.canon)
    }
}

/// The path's `/`-separated parts after normalising (backslashes, repeated
/// separators, drive letter, `.`).
pub(crate) fn normalized_parts(stated: &str) -> Vec<String> {
    let unified = stated.replace('\\', "/");
    let without_drive = strip_drive(&unified);
    without_drive
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .map(str::to_string)
        .collect()
}

fn strip_drive(path: &str) -> &str {
    let b = path.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        &path[2..]
    } else {
        path
    }
}

/// `base` joined with `stated`, `.` and `..` folded without touching the disk.
fn lexical_join(base: &Path, stated: &str) -> PathBuf {
    let unified = stated.replace('\\', "/");
    let rel = strip_drive(&unified);
    let mut out = if rel.starts_with('/') {
        PathBuf::from("/")
    } else {
        base.to_path_buf()
    };
    for part in Path::new(rel).components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_like_the_deploy_cli() {
        assert_eq!(sanitize_file_name("some/Rule"), "some-Rule");
        assert_eq!(sanitize_file_name("My Rule"), "My Rule");
        assert_eq!(sanitize_file_name("a:b*c?"), "a-b-c-");
        assert_eq!(sanitize_file_name(".."), "-");
        assert_eq!(sanitize_file_name("CON.txt"), "-");
        assert_eq!(sanitize_file_name("com1"), "-");
        assert_eq!(sanitize_file_name("trailing. "), "trailing-");
        assert_eq!(sanitize_file_name("x\u{1}y"), "x-y");
    }

    #[test]
    fn normalizes_stated_paths() {
        assert_eq!(
            normalized_parts(r"C:\\local\\actions\\a\\code.js"),
            ["local", "actions", "a", "code.js"]
        );
        assert_eq!(
            normalized_parts("./actions//a/./code.js"),
            ["actions", "a", "code.js"]
        );
        assert_eq!(
            lexical_join(Path::new("/t/rules"), "../x/../y.js"),
            PathBuf::from("/t/y.js")
        );
    }
}
