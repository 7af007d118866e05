//! Signing keys, signing, the public JWKS, and verification.
//!
//! RS256 and PS256 use the tenant's RSA key: the one configured in the
//! settings (`signing.private_key_pem`), or, when none is configured, the
//! user's development key, generated once and kept in actionbox's cache
//! directory (a key generated for the process when that directory cannot
//! be written). HS256 uses the client secret (ID tokens) or the
//! API's signing secret (access tokens). Key ids are RFC 7638 thumbprints
//! unless the settings name one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::tenant::{Settings, SigningAlg};

/// An RSA key pair ready to sign with.
#[derive(Clone)]
pub struct RsaKey {
    encoding: EncodingKey,
    /// The public half, as a JWK with `kid`, `use` and `alg`.
    pub jwk: Jwk,
    pub kid: String,
    /// Where the key comes from.
    pub origin: KeyOrigin,
}

/// Where an RSA signing key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// The settings' `signing.private_key_pem`.
    Configured,
    /// No key is configured: actionbox's per-user development key, kept in
    /// this file so every run (and `serve` across restarts) signs with the
    /// same key.
    Development(PathBuf),
    /// No key is configured and the development key could not be kept: a
    /// key generated for this process only.
    Generated,
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaKey")
            .field("kid", &self.kid)
            .field("origin", &self.origin)
            .finish()
    }
}

impl RsaKey {
    pub fn from_pem(pem: &[u8], kid: Option<&str>, alg: SigningAlg) -> Result<RsaKey, String> {
        let encoding = EncodingKey::from_rsa_pem(pem)
            .map_err(|e| format!("not an RSA private key in PEM form ({e})"))?;
        RsaKey::from_encoding(encoding, kid, alg, KeyOrigin::Configured)
    }

    fn from_encoding(
        encoding: EncodingKey,
        kid: Option<&str>,
        alg: SigningAlg,
        origin: KeyOrigin,
    ) -> Result<RsaKey, String> {
        let mut jwk =
            Jwk::from_encoding_key(&encoding, algorithm(alg)).map_err(|e| e.to_string())?;
        let kid = match kid {
            Some(kid) => kid.to_string(),
            None => thumbprint(&jwk).ok_or("cannot compute the key's thumbprint")?,
        };
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(match alg {
            SigningAlg::PS256 => KeyAlgorithm::PS256,
            _ => KeyAlgorithm::RS256,
        });
        Ok(RsaKey {
            encoding,
            jwk,
            kid,
            origin,
        })
    }

    /// A fresh 2048-bit key; its JWK names `alg`.
    pub fn generate(alg: SigningAlg) -> Result<RsaKey, String> {
        let der = generate_der()?;
        RsaKey::from_encoding(
            EncodingKey::from_rsa_der(&der),
            None,
            alg,
            KeyOrigin::Generated,
        )
    }

    pub fn jwks(&self) -> Value {
        serde_json::to_value(JwkSet {
            keys: vec![self.jwk.clone()],
        })
        .unwrap_or_else(|_| json!({ "keys": [] }))
    }
}

/// A new key as PKCS#1 DER. aws-lc-rs generates it (several times faster
/// than the pure-Rust `rsa` crate, which matters: a one-off `actionbox run`
/// without a configured key spends most of its time here); its PKCS#8
/// wrapping is taken off with the `pkcs8` crate.
fn generate_der() -> Result<Vec<u8>, String> {
    use aws_lc_rs::encoding::AsDer;
    use rsa::pkcs8::der::Decode;
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .map_err(|e| format!("cannot generate an RSA key: {e}"))?;
    let pkcs8 = pair
        .as_der()
        .map_err(|e| format!("cannot encode the RSA key: {e}"))?;
    let info = rsa::pkcs8::PrivateKeyInfo::from_der(pkcs8.as_ref())
        .map_err(|e| format!("cannot read the RSA key: {e}"))?;
    Ok(info.private_key.to_vec())
}

/// A new RSA private key in PKCS#1 PEM form (for `actionbox jwks --new-key`).
pub fn generate_pem() -> Result<String, String> {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
        .map_err(|e| format!("cannot generate an RSA key: {e}"))?;
    key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|e| format!("cannot encode the RSA key: {e}"))
}

/// RFC 7638 JWK thumbprint of an RSA key.
fn thumbprint(jwk: &Jwk) -> Option<String> {
    let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
        return None;
    };
    let canonical = format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, rsa.e, rsa.n);
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())))
}

fn algorithm(alg: SigningAlg) -> Algorithm {
    match alg {
        SigningAlg::RS256 => Algorithm::RS256,
        SigningAlg::HS256 => Algorithm::HS256,
        SigningAlg::PS256 => Algorithm::PS256,
    }
}

/// The key used when none is configured, loaded once per process (one
/// per algorithm, so the JWK names the algorithm the tokens use): the
/// development key, else a key generated for this process.
fn process_key(alg: SigningAlg) -> Result<Arc<RsaKey>, String> {
    static RS256: OnceLock<Result<Arc<RsaKey>, String>> = OnceLock::new();
    static PS256: OnceLock<Result<Arc<RsaKey>, String>> = OnceLock::new();
    let (cell, alg) = match alg {
        SigningAlg::PS256 => (&PS256, SigningAlg::PS256),
        SigningAlg::RS256 | SigningAlg::HS256 => (&RS256, SigningAlg::RS256),
    };
    cell.get_or_init(|| {
        match development_key_file() {
            Some(path) => development_key(&path, alg),
            None => Err("no cache directory".to_string()),
        }
        .or_else(|_| RsaKey::generate(alg))
        .map(Arc::new)
    })
    .clone()
}

/// Where the development key is kept: `dev-signing-key.pem` in actionbox's
/// cache directory (`ACTIONBOX_CACHE_DIR`, else the user's cache directory).
pub fn development_key_file() -> Option<PathBuf> {
    std::env::var_os("ACTIONBOX_CACHE_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|dir| dir.join("actionbox")))
        .map(|dir| dir.join("dev-signing-key.pem"))
}

/// The development key from `path`, created there first if it does not
/// exist. Generating a 2048-bit key takes tens of milliseconds: a one-off
/// `actionbox run` without a configured key would spend most of its time
/// on it. The file is written whole (a temporary file renamed into place,
/// readable by the user only), so concurrent first runs never see half a
/// key; the one that loses the race reads the winner's.
fn development_key(path: &Path, alg: SigningAlg) -> Result<RsaKey, String> {
    let origin = KeyOrigin::Development(path.to_path_buf());
    let read = || crate::input::read_bytes(path, crate::input::InputKind::Key);
    if let Ok(pem) = read() {
        return RsaKey::from_pem(&pem, None, alg).map(|key| RsaKey { origin, ..key });
    }
    use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
    let der = generate_der()?;
    let pem = rsa::RsaPrivateKey::from_pkcs1_der(&der)
        .and_then(|key| key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF))
        .map_err(|e| format!("cannot encode the RSA key: {e}"))?;
    let dir = path.parent().ok_or("the key file has no directory")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut file, pem.as_bytes()).map_err(|e| e.to_string())?;
    let pem = match file.persist_noclobber(path) {
        Ok(_) => pem.as_bytes().to_vec(),
        Err(_) => read().map_err(|e| e.to_string())?,
    };
    RsaKey::from_pem(&pem, None, alg).map(|key| RsaKey { origin, ..key })
}

/// A configured key, parsed once per process (and again when its file
/// changes): every run of a flow would otherwise parse it again.
fn configured_key(path: &Path, kid: Option<&str>, alg: SigningAlg) -> Result<Arc<RsaKey>, Error> {
    type Parsed = HashMap<(PathBuf, Option<String>, SigningAlg), (Vec<u8>, Arc<RsaKey>)>;
    static PARSED: OnceLock<Mutex<Parsed>> = OnceLock::new();
    let pem = crate::input::read_bytes(path, crate::input::InputKind::Key)?;
    let parsed = PARSED.get_or_init(Default::default);
    let id = (path.to_path_buf(), kid.map(str::to_string), alg);
    if let Ok(parsed) = parsed.lock()
        && let Some((from, key)) = parsed.get(&id)
        && *from == pem
    {
        return Ok(key.clone());
    }
    let key = Arc::new(
        RsaKey::from_pem(&pem, kid, alg)
            .map_err(|e| Error::invalid(format!("{}: {e}", path.display())))?,
    );
    if let Ok(mut parsed) = parsed.lock() {
        parsed.insert(id, (pem, key.clone()));
    }
    Ok(key)
}

/// The keys one run signs with.
#[derive(Clone, Debug)]
pub struct Keys {
    rsa: Option<Arc<RsaKey>>,
    alg: SigningAlg,
}

impl Keys {
    /// The configured key, if any. A configured key that cannot be read is
    /// an input error; a missing one is generated when first needed.
    pub fn from_settings(settings: &Settings) -> Result<Keys, Error> {
        let signing = &settings.signing;
        let rsa = match &signing.private_key_pem {
            None => None,
            Some(path) => {
                let path = match &settings.base_dir {
                    Some(base) if path.is_relative() => base.join(path),
                    _ => path.clone(),
                };
                Some(configured_key(&path, signing.kid.as_deref(), signing.alg)?)
            }
        };
        Ok(Keys {
            rsa,
            alg: signing.alg,
        })
    }

    /// The RSA key, generating the process key if none is configured.
    pub fn rsa(&mut self) -> Result<Arc<RsaKey>, Error> {
        if let Some(key) = &self.rsa {
            return Ok(key.clone());
        }
        let key = process_key(self.alg).map_err(Error::Internal)?;
        self.rsa = Some(key.clone());
        Ok(key)
    }

    /// The RSA key if one is loaded already (for the JWKS of a run).
    pub fn loaded_rsa(&self) -> Option<&RsaKey> {
        self.rsa.as_deref()
    }

    pub fn tenant_alg(&self) -> SigningAlg {
        self.alg
    }

    /// Signs `payload` with `alg`; `secret` is the HS256 secret.
    pub fn sign(
        &mut self,
        alg: SigningAlg,
        typ: &str,
        payload: &Value,
        secret: Option<&str>,
    ) -> Result<(Value, String), Error> {
        let mut header = Header::new(algorithm(alg));
        header.typ = Some(typ.to_string());
        let jwt = match alg {
            SigningAlg::HS256 => {
                let secret = secret.ok_or_else(|| Error::invalid("HS256 needs a secret"))?;
                jsonwebtoken::encode(
                    &header,
                    payload,
                    &EncodingKey::from_secret(secret.as_bytes()),
                )
            }
            SigningAlg::RS256 | SigningAlg::PS256 => {
                let key = self.rsa()?;
                header.kid = Some(key.kid.clone());
                jsonwebtoken::encode(&header, payload, &key.encoding)
            }
        }
        .map_err(|e| Error::Internal(format!("cannot sign the token: {e}")))?;
        let header = serde_json::to_value(&header).unwrap_or(Value::Null);
        Ok((header, jwt))
    }
}

/// A token decoded and checked.
#[derive(Debug, Clone)]
pub struct Verified {
    pub header: Value,
    pub payload: Value,
    /// `None` when the signature is good; otherwise why not.
    pub problem: Option<String>,
}

/// Checks a token's signature against a JWKS (RS256/PS256) or a secret
/// (HS256). Expiry is reported by the caller, not checked here.
pub fn verify(
    token: &str,
    jwks: Option<&JwkSet>,
    secret: Option<&str>,
) -> Result<Verified, String> {
    let parts = token.split('.').count();
    if parts != 3 {
        return Err(format!(
            "not a JWT: a JWT is three base64url parts joined by dots (header.payload.signature); this has {parts}"
        ));
    }
    let header_value = decode_part(token, 0)?;
    let payload = decode_part(token, 1)?;
    let header = jsonwebtoken::decode_header(token)
        .map_err(|e| format!("the header: {}", plain_jwt_error(&e)))?;
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let key = match header.alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            let secret = secret.ok_or("the token is HS-signed: pass --secret")?;
            DecodingKey::from_secret(secret.as_bytes())
        }
        _ => {
            let jwks = jwks.ok_or("the token is signed with a key pair: pass --jwks")?;
            let jwk = match &header.kid {
                Some(kid) => jwks
                    .find(kid)
                    .ok_or_else(|| format!("no key with kid '{kid}' in the JWKS"))?,
                None => jwks.keys.first().ok_or("the JWKS has no keys")?,
            };
            DecodingKey::from_jwk(jwk)
                .map_err(|e| format!("the JWKS key cannot be used: {}", plain_jwt_error(&e)))?
        }
    };
    let problem = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .err()
        .map(|e| plain_jwt_error(&e));
    Ok(Verified {
        header: header_value,
        payload,
        problem,
    })
}

/// jsonwebtoken's errors (`InvalidToken`, `Base64 error: Invalid symbol 46,
/// offset 56.`) in words a reader of the token understands.
fn plain_jwt_error(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::InvalidSignature => {
            "the signature does not match: the token was changed, or signed with another key or secret"
                .to_string()
        }
        ErrorKind::InvalidToken => {
            "malformed: not three base64url parts joined by dots".to_string()
        }
        ErrorKind::Base64(e) => format!("the signature is not base64url ({})", plain_base64_error(e)),
        ErrorKind::Json(e) => format!("not JSON ({e})"),
        ErrorKind::Utf8(_) => "not UTF-8 text".to_string(),
        ErrorKind::InvalidAlgorithm => {
            "the key is for another algorithm than the token's `alg`".to_string()
        }
        ErrorKind::InvalidAlgorithmName | ErrorKind::UnsupportedAlgorithm => {
            "its `alg` is not one actionbox verifies (HS256, RS256, PS256 and their 384/512 forms)"
                .to_string()
        }
        ErrorKind::MissingAlgorithm => "the JWKS key names no algorithm".to_string(),
        ErrorKind::InvalidRsaKey(why) => format!("not a usable RSA key ({why})"),
        ErrorKind::InvalidKeyFormat | ErrorKind::InvalidEcdsaKey | ErrorKind::InvalidEddsaKey => {
            "the key is not in a format that verifies this token".to_string()
        }
        _ => error.to_string(),
    }
}

/// base64's `Invalid symbol 46, offset 56.` as the character and its place.
fn plain_base64_error(error: &base64::DecodeError) -> String {
    match error {
        base64::DecodeError::InvalidByte(offset, byte) => format!(
            "character {} is {:?}, which base64url does not use",
            offset + 1,
            char::from(*byte)
        ),
        base64::DecodeError::InvalidLength(_) => "its length is not that of base64url".to_string(),
        base64::DecodeError::InvalidLastSymbol(offset, _) => {
            format!("its last character (at {}) is impossible", offset + 1)
        }
        base64::DecodeError::InvalidPadding => "wrong padding".to_string(),
    }
}

/// Decodes one base64url JSON part of a compact JWT without checking it.
pub fn decode_part(token: &str, index: usize) -> Result<Value, String> {
    let part = token
        .split('.')
        .nth(index)
        .ok_or("not a compact JWT (three dot-separated parts)")?;
    let name = match index {
        0 => "the header (part 1)",
        1 => "the payload (part 2)",
        _ => "part 3",
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| format!("{name} is not base64url: {}", plain_base64_error(&e)))?;
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{name} is not JSON: {e}"))?;
    if !value.is_object() {
        return Err(format!(
            "{name} is not a JSON object but {}",
            crate::input::json_type(&value)
        ));
    }
    Ok(value)
}

/// The secret an HS256 API signs its access tokens with: its configured
/// `signing_secret`, else one generated for it, as Auth0 generates a
/// signing secret when an HS256 API is created. A generated secret is kept
/// for the process, so every token of one `serve` (or one `run`) for that
/// API verifies with the same secret. The flag says it was generated.
pub fn api_signing_secret(api: &crate::tenant::ApiSettings) -> (String, bool) {
    if let Some(secret) = &api.signing_secret {
        return (secret.clone(), false);
    }
    static GENERATED: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let mut generated = GENERATED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let secret = generated
        .entry(api.identifier.clone())
        .or_insert_with(|| {
            use rand::RngCore as _;
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            URL_SAFE_NO_PAD.encode(bytes)
        })
        .clone();
    (secret, true)
}
