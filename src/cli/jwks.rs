//! `actionbox jwks`: the public keys that verify the tenant's tokens.

use std::path::PathBuf;

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
            if path.exists() {
                bail!(
                    "{}: already exists; actionbox does not overwrite keys",
                    path.display()
                );
            }
            let pem = generate_pem().map_err(anyhow::Error::msg)?;
            std::fs::write(path, &pem)
                .with_context(|| format!("{}: cannot write", path.display()))?;
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
