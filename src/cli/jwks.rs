//! `actionbox jwks`: the public keys that verify the tenant's tokens.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;

use actionbox::Settings;
use actionbox::token::sign::{Keys, RsaKey, generate_pem};

#[derive(Args, Debug)]
pub struct JwksArgs {
    /// Tenant settings whose signing key to show (`signing.private_key_pem`)
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,

    /// Create a new RSA private key in FILE (PEM) and print its JWKS; point
    /// `signing.private_key_pem` at it to sign every run with it
    #[arg(long, value_name = "FILE", conflicts_with = "settings")]
    pub new_key: Option<PathBuf>,
}

pub fn execute(args: JwksArgs) -> Result<i32> {
    let jwks = match (&args.new_key, &args.settings) {
        (Some(path), _) => {
            let pem = generate_pem().map_err(anyhow::Error::msg)?;
            write_private_key(path, &pem)?;
            let key = RsaKey::from_pem(pem.as_bytes(), None, Default::default())
                .map_err(anyhow::Error::msg)?;
            eprintln!(
                "wrote a new RSA key to {} (kid {})",
                path.display(),
                key.kid
            );
            key.jwks()
        }
        (None, Some(settings)) => {
            let settings = Settings::from_file(settings)?;
            let keys = Keys::from_settings(&settings)?;
            match keys.loaded_rsa() {
                Some(key) => key.jwks(),
                None => bail!(
                    "the settings configure no signing key (signing.private_key_pem); without one, runs sign with your \
                     development key ({}) and print its JWKS in their output (\"jwks\"). Create a key with \
                     `actionbox jwks --new-key FILE`",
                    actionbox::token::sign::development_key_file().map_or_else(
                        || "in the cache directory".to_string(),
                        |p| p.display().to_string()
                    )
                ),
            }
        }
        (None, None) => {
            bail!("pass --settings FILE (a configured key) or --new-key FILE (create one)")
        }
    };
    super::render::emit(&format!("{}\n", serde_json::to_string_pretty(&jwks)?))?;
    Ok(0)
}

/// Writes a private key where nothing is yet: readable by the user only
/// (0600 from the first byte: a temporary file in the same folder, created
/// with that mode), never through a symbolic link, never over an existing
/// file, and whole or not at all (the temporary file is linked into place
/// only when written).
fn write_private_key(path: &Path, pem: &str) -> Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_symlink() {
            bail!(
                "{}: is a symbolic link; actionbox writes a private key only to a new file, never through a link",
                path.display()
            );
        }
        bail!(
            "{}: already exists; actionbox does not overwrite keys",
            path.display()
        );
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".actionbox-key-")
        .permissions(private_mode())
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "{}: cannot create a file in {}",
                path.display(),
                dir.display()
            )
        })?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    file.persist_noclobber(path).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot create it ({}); actionbox does not overwrite keys",
            path.display(),
            e.error
        )
    })?;
    Ok(())
}

fn private_mode() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::Permissions::from_mode(0o600)
}
