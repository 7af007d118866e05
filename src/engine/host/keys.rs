//! Node's asymmetric keys and signatures for the `crypto` shim
//! (`KeyObject`, `createSign`/`createVerify`, `sign`/`verify`,
//! `generateKeyPair`, `webcrypto.subtle`), and its key derivation functions
//! (`pbkdf2`, `scrypt`, `hkdf`).
//!
//! Keys cross the boundary in one canonical form: PKCS#8 DER for private
//! keys, SubjectPublicKeyInfo DER for public keys. Every input format Node
//! reads (PEM, DER, JWK; PKCS#1, PKCS#8, SEC1, SPKI, X.509 certificates) is
//! turned into that form on import, and every export starts from it, so the
//! JavaScript side never parses key material. RSA, EC P-256/P-384 and Ed25519
//! are RustCrypto's (`rsa`, `p256`, `p384`, `ed25519-dalek`); RSA key
//! generation at the usual sizes is aws-lc-rs's, which is much faster.

use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use rquickjs::{Array, Ctx, Object, Value};
use rsa::pkcs1::{
    DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey, EncodeRsaPublicKey,
};
use rsa::pkcs8::der::{Decode, Encode};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde_json::{Map, Value as Json, json};

use super::binding::{
    MAX_HOST_BUFFER_BYTES, add, arg_bytes, arg_number, arg_string, bytes_value, error, string_value,
};
use super::state::Shared;
use crate::engine::guards::Guards;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_ED25519: &str = "1.3.101.112";

/// The largest RSA modulus accepted (the `rsa` crate's own bound for public
/// keys): larger keys make every private operation slow and are not used by
/// the libraries scripts call.
const MAX_RSA_BITS: usize = 4096;
/// PBKDF2 runs inside one host call, which the deadline cannot interrupt.
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// Every key this module handles.
enum Key {
    RsaPrivate(Box<RsaPrivateKey>),
    RsaPublic(RsaPublicKey),
    P256Private(p256::SecretKey),
    P256Public(p256::PublicKey),
    P384Private(p384::SecretKey),
    P384Public(p384::PublicKey),
    Ed25519Private(Box<ed25519_dalek::SigningKey>),
    Ed25519Public(ed25519_dalek::VerifyingKey),
}

type KeyResult<T> = Result<T, String>;

fn unsupported_key() -> String {
    "Unsupported key: actionbox reads RSA, EC (P-256, P-384) and Ed25519 keys as PEM, DER or JWK \
     (PKCS#1, PKCS#8, SEC1, SPKI, X.509 certificates)"
        .into()
}

fn rsa_private(key: RsaPrivateKey) -> KeyResult<Key> {
    if key.n().bits() > MAX_RSA_BITS {
        return Err(format!(
            "RSA keys over {MAX_RSA_BITS} bits are not supported by actionbox"
        ));
    }
    Ok(Key::RsaPrivate(Box::new(key)))
}

impl Key {
    fn is_private(&self) -> bool {
        matches!(
            self,
            Key::RsaPrivate(_) | Key::P256Private(_) | Key::P384Private(_) | Key::Ed25519Private(_)
        )
    }

    /// The public half (a public key is its own).
    fn public(&self) -> Key {
        match self {
            Key::RsaPrivate(k) => Key::RsaPublic(k.to_public_key()),
            Key::RsaPublic(k) => Key::RsaPublic(k.clone()),
            Key::P256Private(k) => Key::P256Public(k.public_key()),
            Key::P256Public(k) => Key::P256Public(*k),
            Key::P384Private(k) => Key::P384Public(k.public_key()),
            Key::P384Public(k) => Key::P384Public(*k),
            Key::Ed25519Private(k) => Key::Ed25519Public(k.verifying_key()),
            Key::Ed25519Public(k) => Key::Ed25519Public(*k),
        }
    }

    /// Node's `asymmetricKeyType`.
    fn type_name(&self) -> &'static str {
        match self {
            Key::RsaPrivate(_) | Key::RsaPublic(_) => "rsa",
            Key::P256Private(_) | Key::P256Public(_) | Key::P384Private(_) | Key::P384Public(_) => {
                "ec"
            }
            Key::Ed25519Private(_) | Key::Ed25519Public(_) => "ed25519",
        }
    }

    /// Node's `asymmetricKeyDetails` (the exponent as a decimal string: the
    /// JavaScript side makes it a BigInt, as Node does).
    fn details(&self) -> Json {
        match self.public() {
            Key::RsaPublic(k) => json!({
                "modulusLength": k.n().bits(),
                "publicExponent": k.e().to_string(),
            }),
            Key::P256Public(_) => json!({ "namedCurve": "prime256v1" }),
            Key::P384Public(_) => json!({ "namedCurve": "secp384r1" }),
            _ => json!({}),
        }
    }

    /// The canonical form: PKCS#8 for private keys, SPKI for public ones.
    fn canonical_der(&self) -> KeyResult<Vec<u8>> {
        fn private(
            der: Result<rsa::pkcs8::SecretDocument, rsa::pkcs8::Error>,
        ) -> KeyResult<Vec<u8>> {
            der.map(|d| d.as_bytes().to_vec())
                .map_err(|e| format!("cannot encode the key: {e}"))
        }
        fn public(
            der: Result<rsa::pkcs8::Document, rsa::pkcs8::spki::Error>,
        ) -> KeyResult<Vec<u8>> {
            der.map(|d| d.as_bytes().to_vec())
                .map_err(|e| format!("cannot encode the key: {e}"))
        }
        match self {
            Key::RsaPrivate(k) => private(k.to_pkcs8_der()),
            Key::P256Private(k) => private(k.to_pkcs8_der()),
            Key::P384Private(k) => private(k.to_pkcs8_der()),
            Key::Ed25519Private(k) => private(k.to_pkcs8_der()),
            Key::RsaPublic(k) => public(k.to_public_key_der()),
            Key::P256Public(k) => public(k.to_public_key_der()),
            Key::P384Public(k) => public(k.to_public_key_der()),
            Key::Ed25519Public(k) => public(k.to_public_key_der()),
        }
    }
}

fn from_pkcs8(der: &[u8]) -> KeyResult<Key> {
    let info = rsa::pkcs8::PrivateKeyInfo::try_from(der).map_err(|_| unsupported_key())?;
    let oid = info.algorithm.oid.to_string();
    let bad = |e: &dyn std::fmt::Display| format!("Invalid private key: {e}");
    match oid.as_str() {
        OID_RSA => rsa_private(RsaPrivateKey::from_pkcs8_der(der).map_err(|e| bad(&e))?),
        OID_EC => match info.algorithm.parameters_oid().map(|o| o.to_string()) {
            Ok(curve) if curve == OID_P256 => p256::SecretKey::from_pkcs8_der(der)
                .map(Key::P256Private)
                .map_err(|e| bad(&e)),
            Ok(curve) if curve == OID_P384 => p384::SecretKey::from_pkcs8_der(der)
                .map(Key::P384Private)
                .map_err(|e| bad(&e)),
            _ => Err(unsupported_curve()),
        },
        OID_ED25519 => ed25519_dalek::SigningKey::from_pkcs8_der(der)
            .map(|k| Key::Ed25519Private(Box::new(k)))
            .map_err(|e| bad(&e)),
        OID_RSA_PSS => Err(rsa_pss_keys()),
        _ => Err(unsupported_key()),
    }
}

fn from_spki(der: &[u8]) -> KeyResult<Key> {
    let info =
        rsa::pkcs8::spki::SubjectPublicKeyInfoRef::try_from(der).map_err(|_| unsupported_key())?;
    let oid = info.algorithm.oid.to_string();
    let bad = |e: &dyn std::fmt::Display| format!("Invalid public key: {e}");
    match oid.as_str() {
        OID_RSA => RsaPublicKey::from_public_key_der(der)
            .map(Key::RsaPublic)
            .map_err(|e| bad(&e)),
        OID_EC => match info.algorithm.parameters_oid().map(|o| o.to_string()) {
            Ok(curve) if curve == OID_P256 => p256::PublicKey::from_public_key_der(der)
                .map(Key::P256Public)
                .map_err(|e| bad(&e)),
            Ok(curve) if curve == OID_P384 => p384::PublicKey::from_public_key_der(der)
                .map(Key::P384Public)
                .map_err(|e| bad(&e)),
            _ => Err(unsupported_curve()),
        },
        OID_ED25519 => ed25519_dalek::VerifyingKey::from_public_key_der(der)
            .map(Key::Ed25519Public)
            .map_err(|e| bad(&e)),
        OID_RSA_PSS => Err(rsa_pss_keys()),
        _ => Err(unsupported_key()),
    }
}

fn unsupported_curve() -> String {
    "Unsupported EC curve: actionbox supports P-256 (prime256v1) and P-384 (secp384r1)".into()
}

fn rsa_pss_keys() -> String {
    "RSA-PSS keys (id-RSASSA-PSS) are not supported by actionbox; use an rsaEncryption key \
     with the PSS padding option"
        .into()
}

/// An SEC1 `EC PRIVATE KEY`: the curve is inside, so try each.
fn from_sec1(der: &[u8]) -> KeyResult<Key> {
    if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
        return Ok(Key::P256Private(k));
    }
    if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
        return Ok(Key::P384Private(k));
    }
    Err(format!("Invalid EC private key: {}", unsupported_curve()))
}

fn from_certificate(der: &[u8]) -> KeyResult<Key> {
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|e| format!("Invalid X.509 certificate: {e}"))?;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| format!("Invalid X.509 certificate: {e}"))?;
    from_spki(&spki)
}

/// The DER structure `der_type` names (Node's `type` option).
fn from_der(der: &[u8], der_type: &str, want_private: bool) -> KeyResult<Key> {
    let bad = |e: &dyn std::fmt::Display| format!("Invalid key: {e}");
    match (der_type, want_private) {
        ("pkcs8", _) => from_pkcs8(der),
        ("sec1", _) => from_sec1(der),
        ("pkcs1", true) => rsa_private(RsaPrivateKey::from_pkcs1_der(der).map_err(|e| bad(&e))?),
        ("pkcs1", false) => RsaPrivateKey::from_pkcs1_der(der)
            .map_err(|e| bad(&e))
            .and_then(rsa_private)
            .or_else(|_| {
                RsaPublicKey::from_pkcs1_der(der)
                    .map(Key::RsaPublic)
                    .map_err(|e| bad(&e))
            }),
        ("spki", false) => from_spki(der),
        ("spki", true) => Err("A private key cannot be read from an SPKI structure".into()),
        (other, _) => Err(format!(
            "The property 'options.type' is invalid. Received '{other}' (pkcs1, pkcs8, sec1, spki)"
        )),
    }
}

/// The first PEM block that holds a key (an `EC PARAMETERS` block before a
/// key is skipped, as OpenSSL does). Base64 lines of any length are
/// accepted, as OpenSSL accepts them.
fn from_pem(text: &str) -> KeyResult<Key> {
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(body_end) = body_start.find(&end_marker) else {
            return Err(format!("Invalid PEM: no \"{end_marker}\" line"));
        };
        let body: String = body_start[..body_end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        rest = &body_start[body_end + end_marker.len()..];
        let der = || {
            STANDARD
                .decode(&body)
                .map_err(|e| format!("Invalid PEM ({label}): {e}"))
        };
        return match label {
            "PRIVATE KEY" => from_pkcs8(&der()?),
            "RSA PRIVATE KEY" => {
                if body_start[..body_end].contains("Proc-Type:") {
                    return Err(encrypted_keys());
                }
                rsa_private(
                    RsaPrivateKey::from_pkcs1_der(&der()?)
                        .map_err(|e| format!("Invalid RSA private key: {e}"))?,
                )
            }
            "EC PRIVATE KEY" => {
                if body_start[..body_end].contains("Proc-Type:") {
                    return Err(encrypted_keys());
                }
                from_sec1(&der()?)
            }
            "PUBLIC KEY" => from_spki(&der()?),
            "RSA PUBLIC KEY" => RsaPublicKey::from_pkcs1_der(&der()?)
                .map(Key::RsaPublic)
                .map_err(|e| format!("Invalid RSA public key: {e}")),
            "CERTIFICATE" | "X509 CERTIFICATE" => from_certificate(&der()?),
            "ENCRYPTED PRIVATE KEY" => Err(encrypted_keys()),
            _ => continue,
        };
    }
    Err(unsupported_key())
}

fn encrypted_keys() -> String {
    "Encrypted private keys (a passphrase) are not supported by actionbox".into()
}

fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn jwk_field(jwk: &Map<String, Json>, name: &str) -> KeyResult<Option<Vec<u8>>> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Json::String(s)) => URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .map(Some)
            .map_err(|_| format!("Invalid JWK: \"{name}\" is not base64url")),
        Some(_) => Err(format!("Invalid JWK: \"{name}\" must be a string")),
    }
}

fn jwk_required(jwk: &Map<String, Json>, name: &str, kty: &str) -> KeyResult<Vec<u8>> {
    jwk_field(jwk, name)?.ok_or_else(|| format!("Invalid JWK {kty} key: \"{name}\" is missing"))
}

fn from_jwk(text: &str, want_private: bool) -> KeyResult<Key> {
    let jwk: Map<String, Json> =
        serde_json::from_str(text).map_err(|_| "Invalid JWK: not a JSON object".to_string())?;
    let kty = jwk.get("kty").and_then(Json::as_str).unwrap_or("");
    let has_d = jwk.contains_key("d");
    if want_private && !has_d {
        return Err(format!("Invalid JWK {kty} key: a private key needs \"d\""));
    }
    let key = match kty {
        "RSA" => {
            let n = BigUint::from_bytes_be(&jwk_required(&jwk, "n", kty)?);
            let e = BigUint::from_bytes_be(&jwk_required(&jwk, "e", kty)?);
            if has_d {
                let d = BigUint::from_bytes_be(&jwk_required(&jwk, "d", kty)?);
                let primes = match (jwk_field(&jwk, "p")?, jwk_field(&jwk, "q")?) {
                    (Some(p), Some(q)) => {
                        vec![BigUint::from_bytes_be(&p), BigUint::from_bytes_be(&q)]
                    }
                    _ => Vec::new(),
                };
                rsa_private(
                    RsaPrivateKey::from_components(n, e, d, primes)
                        .map_err(|e| format!("Invalid JWK RSA key: {e}"))?,
                )?
            } else {
                Key::RsaPublic(
                    RsaPublicKey::new(n, e).map_err(|e| format!("Invalid JWK RSA key: {e}"))?,
                )
            }
        }
        "EC" => {
            // The curve crates read the JWK fields themselves; others
            // (kid, use, alg) are left alone.
            let mut fields = Map::new();
            for name in ["kty", "crv", "x", "y", "d"] {
                if let Some(v) = jwk.get(name) {
                    fields.insert(name.into(), v.clone());
                }
            }
            let fields = Json::Object(fields).to_string();
            let bad = |e: &dyn std::fmt::Display| format!("Invalid JWK EC key: {e}");
            match (jwk.get("crv").and_then(Json::as_str), has_d) {
                (Some("P-256"), true) => {
                    Key::P256Private(p256::SecretKey::from_jwk_str(&fields).map_err(|e| bad(&e))?)
                }
                (Some("P-256"), false) => {
                    Key::P256Public(p256::PublicKey::from_jwk_str(&fields).map_err(|e| bad(&e))?)
                }
                (Some("P-384"), true) => {
                    Key::P384Private(p384::SecretKey::from_jwk_str(&fields).map_err(|e| bad(&e))?)
                }
                (Some("P-384"), false) => {
                    Key::P384Public(p384::PublicKey::from_jwk_str(&fields).map_err(|e| bad(&e))?)
                }
                _ => return Err(unsupported_curve()),
            }
        }
        "OKP" => {
            if jwk.get("crv").and_then(Json::as_str) != Some("Ed25519") {
                return Err("Unsupported JWK OKP curve: actionbox supports Ed25519".into());
            }
            let fixed = |bytes: Vec<u8>, name: &str| -> KeyResult<[u8; 32]> {
                bytes
                    .try_into()
                    .map_err(|_| format!("Invalid JWK OKP key: \"{name}\" is not 32 bytes"))
            };
            let x = fixed(jwk_required(&jwk, "x", kty)?, "x")?;
            let public = ed25519_dalek::VerifyingKey::from_bytes(&x)
                .map_err(|e| format!("Invalid JWK OKP key: {e}"))?;
            if has_d {
                let d = fixed(jwk_required(&jwk, "d", kty)?, "d")?;
                let key = ed25519_dalek::SigningKey::from_bytes(&d);
                if key.verifying_key() != public {
                    return Err("Invalid JWK OKP key: \"x\" is not the public key of \"d\"".into());
                }
                Key::Ed25519Private(Box::new(key))
            } else {
                Key::Ed25519Public(public)
            }
        }
        "oct" => return Err("A JWK of kty \"oct\" is a secret key: use createSecretKey".into()),
        other => return Err(format!("Unsupported JWK key type \"{other}\"")),
    };
    Ok(key)
}

/// Reads a key as Node's `createPrivateKey` / `createPublicKey` do: a public
/// key asked of private material is its public half.
fn import(want_private: bool, format: &str, data: &[u8], der_type: &str) -> KeyResult<Key> {
    let key = match format {
        "pem" => from_pem(&String::from_utf8_lossy(data))?,
        "der" => from_der(data, der_type, want_private)?,
        "jwk" => from_jwk(&String::from_utf8_lossy(data), want_private)?,
        other => return Err(format!("Unsupported key format '{other}' (pem, der, jwk)")),
    };
    match (want_private, key.is_private()) {
        (true, false) => Err("A private key was expected, but this is a public key".into()),
        (false, true) => Ok(key.public()),
        _ => Ok(key),
    }
}

enum Exported {
    Text(String),
    Bytes(Vec<u8>),
}

fn pem(label: &str, der: &[u8]) -> KeyResult<Exported> {
    rsa::pkcs8::der::pem::encode_string(label, rsa::pkcs8::LineEnding::LF, der)
        .map(Exported::Text)
        .map_err(|e| format!("cannot encode the key: {e}"))
}

fn export(key: &Key, format: &str, der_type: &str) -> KeyResult<Exported> {
    if format == "jwk" {
        return jwk(key).map(|j| Exported::Text(j.to_string()));
    }
    let failed = |e: &dyn std::fmt::Display| format!("cannot encode the key: {e}");
    let (label, der): (&str, Vec<u8>) = match (der_type, key) {
        ("pkcs8", k) if k.is_private() => ("PRIVATE KEY", k.canonical_der()?),
        ("spki", k) if !k.is_private() => ("PUBLIC KEY", k.canonical_der()?),
        ("pkcs1", Key::RsaPrivate(k)) => (
            "RSA PRIVATE KEY",
            k.to_pkcs1_der()
                .map_err(|e| failed(&e))?
                .as_bytes()
                .to_vec(),
        ),
        ("pkcs1", Key::RsaPublic(k)) => (
            "RSA PUBLIC KEY",
            k.to_pkcs1_der()
                .map_err(|e| failed(&e))?
                .as_bytes()
                .to_vec(),
        ),
        ("sec1", Key::P256Private(k)) => (
            "EC PRIVATE KEY",
            sec1_with_curve(
                &k.to_bytes(),
                k.public_key().to_encoded_point(false).as_bytes(),
                OID_P256,
            )?,
        ),
        ("sec1", Key::P384Private(k)) => (
            "EC PRIVATE KEY",
            sec1_with_curve(
                &k.to_bytes(),
                k.public_key().to_encoded_point(false).as_bytes(),
                OID_P384,
            )?,
        ),
        (other, k) => {
            return Err(format!(
                "The selected key encoding {other} is not supported for this {} {} key",
                k.type_name(),
                if k.is_private() { "private" } else { "public" }
            ));
        }
    };
    match format {
        "pem" => pem(label, &der),
        "der" => Ok(Exported::Bytes(der)),
        other => Err(format!("Unsupported key format '{other}' (pem, der, jwk)")),
    }
}

/// SEC1 `ECPrivateKey` naming its curve, as OpenSSL (and so Node) writes it;
/// the curve crates leave the curve out.
fn sec1_with_curve(private: &[u8], public: &[u8], curve: &str) -> KeyResult<Vec<u8>> {
    let oid = sec1::der::asn1::ObjectIdentifier::new(curve).map_err(|e| e.to_string())?;
    sec1::EcPrivateKey {
        private_key: private,
        parameters: Some(sec1::EcParameters::NamedCurve(oid)),
        public_key: Some(public),
    }
    .to_der()
    .map_err(|e| format!("cannot encode the key: {e}"))
}

/// A JWK with Node's member order.
fn jwk(key: &Key) -> KeyResult<Json> {
    let ec = |public: String, private: Option<String>| -> KeyResult<Json> {
        let public: Json = serde_json::from_str(&public).map_err(|e| e.to_string())?;
        let mut out = Map::new();
        out.insert("kty".into(), json!("EC"));
        for name in ["x", "y", "crv"] {
            out.insert(name.into(), public[name].clone());
        }
        if let Some(private) = private {
            let private: Json = serde_json::from_str(&private).map_err(|e| e.to_string())?;
            out.insert("d".into(), private["d"].clone());
        }
        Ok(Json::Object(out))
    };
    match key {
        Key::RsaPrivate(k) => {
            let part = |n: Option<&BigUint>| n.map(|n| b64url(&n.to_bytes_be()));
            let primes = k.primes();
            Ok(json!({
                "kty": "RSA",
                "n": b64url(&k.n().to_bytes_be()),
                "e": b64url(&k.e().to_bytes_be()),
                "d": b64url(&k.d().to_bytes_be()),
                "p": part(primes.first()),
                "q": part(primes.get(1)),
                "dp": part(k.dp()),
                "dq": part(k.dq()),
                "qi": part(k.crt_coefficient().as_ref()),
            }))
        }
        Key::RsaPublic(k) => Ok(json!({
            "kty": "RSA",
            "n": b64url(&k.n().to_bytes_be()),
            "e": b64url(&k.e().to_bytes_be()),
        })),
        Key::P256Private(k) => ec(
            k.public_key().to_jwk_string(),
            Some(k.to_jwk_string().to_string()),
        ),
        Key::P256Public(k) => ec(k.to_jwk_string(), None),
        Key::P384Private(k) => ec(
            k.public_key().to_jwk_string(),
            Some(k.to_jwk_string().to_string()),
        ),
        Key::P384Public(k) => ec(k.to_jwk_string(), None),
        Key::Ed25519Private(k) => Ok(json!({
            "crv": "Ed25519",
            "d": b64url(k.as_bytes()),
            "x": b64url(k.verifying_key().as_bytes()),
            "kty": "OKP",
        })),
        Key::Ed25519Public(k) => Ok(json!({
            "crv": "Ed25519",
            "x": b64url(k.as_bytes()),
            "kty": "OKP",
        })),
    }
}

fn generate(key_type: &str, modulus_bits: usize, exponent: u64, curve: &str) -> KeyResult<Key> {
    use rand::rngs::OsRng;
    match key_type {
        "rsa" => {
            if !(512..=MAX_RSA_BITS).contains(&modulus_bits) {
                return Err(format!(
                    "modulusLength {modulus_bits} is not supported by actionbox (512 to {MAX_RSA_BITS} bits)"
                ));
            }
            if exponent < 3 || exponent.is_multiple_of(2) {
                return Err(format!("Invalid publicExponent {exponent}"));
            }
            let size = match modulus_bits {
                2048 => Some(aws_lc_rs::rsa::KeySize::Rsa2048),
                3072 => Some(aws_lc_rs::rsa::KeySize::Rsa3072),
                4096 => Some(aws_lc_rs::rsa::KeySize::Rsa4096),
                _ => None,
            };
            if let (Some(size), 65537) = (size, exponent) {
                use aws_lc_rs::encoding::AsDer;
                let pair = aws_lc_rs::rsa::KeyPair::generate(size)
                    .map_err(|_| "RSA key generation failed".to_string())?;
                let der = pair
                    .as_der()
                    .map_err(|_| "RSA key generation failed".to_string())?;
                return from_pkcs8(der.as_ref());
            }
            RsaPrivateKey::new_with_exp(&mut OsRng, modulus_bits, &BigUint::from(exponent))
                .map_err(|e| format!("RSA key generation failed: {e}"))
                .and_then(rsa_private)
        }
        "ec" => match curve {
            "P-256" | "prime256v1" | "secp256r1" => {
                Ok(Key::P256Private(p256::SecretKey::random(&mut OsRng)))
            }
            "P-384" | "secp384r1" => Ok(Key::P384Private(p384::SecretKey::random(&mut OsRng))),
            other => Err(format!(
                "Invalid EC curve name '{other}': actionbox supports P-256 (prime256v1) and P-384 (secp384r1)"
            )),
        },
        "ed25519" => Ok(Key::Ed25519Private(Box::new(
            ed25519_dalek::SigningKey::generate(&mut OsRng),
        ))),
        other => Err(format!(
            "The argument 'type' must be a supported key type. Received '{other}' (actionbox supports rsa, ec, ed25519)"
        )),
    }
}

/// Node's `padding` and `saltLength` options.
const RSA_PKCS1_PSS_PADDING: i64 = 6;
const RSA_PSS_SALTLEN_DIGEST: i64 = -1;
const RSA_PSS_SALTLEN_MAX: i64 = -2;

struct SignOptions<'a> {
    /// `None` for Ed25519 (which hashes itself) or the key type's default.
    hash: Option<&'a str>,
    pss: bool,
    salt_length: i64,
    /// `der` or `ieee-p1363`, for ECDSA.
    p1363: bool,
}

fn hashed(hash: &str, data: &[u8]) -> KeyResult<Vec<u8>> {
    super::crypto::digest(hash, data).ok_or_else(|| "Invalid digest".to_string())
}

macro_rules! with_rsa_hash {
    ($hash:expr, $d:ident => $body:expr) => {
        match $hash {
            "md5" => {
                type $d = md5::Md5;
                $body
            }
            "sha1" => {
                type $d = sha1::Sha1;
                $body
            }
            "sha224" => {
                type $d = sha2::Sha224;
                $body
            }
            "sha256" => {
                type $d = sha2::Sha256;
                $body
            }
            "sha384" => {
                type $d = sha2::Sha384;
                $body
            }
            "sha512" => {
                type $d = sha2::Sha512;
                $body
            }
            other => Err(format!("Invalid digest: {other}")),
        }
    };
}

fn pss_salt_for_signing(key_bits: usize, hash_len: usize, salt_length: i64) -> KeyResult<usize> {
    let em_len = (key_bits - 1).div_ceil(8);
    let max = em_len
        .checked_sub(hash_len + 2)
        .ok_or("the RSA key is too small for this digest")?;
    match salt_length {
        RSA_PSS_SALTLEN_DIGEST => Ok(hash_len),
        RSA_PSS_SALTLEN_MAX => Ok(max),
        n if n >= 0 && (n as usize) <= max => Ok(n as usize),
        n => Err(format!("Invalid PSS salt length {n}")),
    }
}

fn sign(key: &Key, data: &[u8], options: &SignOptions) -> KeyResult<Vec<u8>> {
    use ecdsa::signature::hazmat::PrehashSigner;
    let hash = options.hash.unwrap_or("sha256");
    match key {
        Key::RsaPrivate(k) => {
            let digest = hashed(hash, data)?;
            let failed = |e: rsa::Error| format!("RSA signing failed: {e}");
            if options.pss {
                let salt = pss_salt_for_signing(k.n().bits(), digest.len(), options.salt_length)?;
                with_rsa_hash!(hash, D => k
                    .sign_with_rng(&mut rand::rngs::OsRng, rsa::Pss::new_with_salt::<D>(salt), &digest)
                    .map_err(failed))
            } else {
                with_rsa_hash!(hash, D => k
                    .sign(rsa::Pkcs1v15Sign::new::<D>(), &digest)
                    .map_err(failed))
            }
        }
        Key::P256Private(k) => {
            let digest = hashed(hash, data)?;
            let signature: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from(k)
                .sign_prehash(&digest)
                .map_err(|e| format!("ECDSA signing failed: {e}"))?;
            Ok(if options.p1363 {
                signature.to_bytes().to_vec()
            } else {
                signature.to_der().as_bytes().to_vec()
            })
        }
        Key::P384Private(k) => {
            let digest = hashed(hash, data)?;
            let signature: p384::ecdsa::Signature = p384::ecdsa::SigningKey::from(k)
                .sign_prehash(&digest)
                .map_err(|e| format!("ECDSA signing failed: {e}"))?;
            Ok(if options.p1363 {
                signature.to_bytes().to_vec()
            } else {
                signature.to_der().as_bytes().to_vec()
            })
        }
        Key::Ed25519Private(k) => {
            if options.hash.is_some() {
                return Err(
                    "Ed25519 signs the message itself: the algorithm must be null or undefined"
                        .into(),
                );
            }
            use ed25519_dalek::Signer;
            Ok(k.sign(data).to_bytes().to_vec())
        }
        _ => Err("A private key is needed to sign".into()),
    }
}

fn verify(key: &Key, data: &[u8], signature: &[u8], options: &SignOptions) -> KeyResult<bool> {
    use ecdsa::signature::hazmat::PrehashVerifier;
    let hash = options.hash.unwrap_or("sha256");
    let key = key.public();
    Ok(match &key {
        Key::RsaPublic(k) => {
            let digest = hashed(hash, data)?;
            if options.pss {
                let em_len = (k.n().bits() - 1).div_ceil(8);
                let max = em_len.saturating_sub(digest.len() + 2);
                // RSA_PSS_SALTLEN_AUTO (Node's default when verifying):
                // any salt length; the `rsa` crate checks one given length,
                // so the usual ones go first.
                let candidates: Vec<usize> = match options.salt_length {
                    RSA_PSS_SALTLEN_DIGEST => vec![digest.len()],
                    RSA_PSS_SALTLEN_MAX => {
                        let mut all = vec![digest.len(), max];
                        all.extend((0..=max).filter(|n| *n != digest.len() && *n != max));
                        all
                    }
                    n if n >= 0 => vec![n as usize],
                    n => return Err(format!("Invalid PSS salt length {n}")),
                };
                with_rsa_hash!(hash, D => Ok::<bool, String>(candidates.into_iter().any(|salt| {
                    k.verify(rsa::Pss::new_with_salt::<D>(salt), &digest, signature).is_ok()
                })))?
            } else {
                with_rsa_hash!(hash, D => Ok::<bool, String>(
                    k.verify(rsa::Pkcs1v15Sign::new::<D>(), &digest, signature).is_ok()))?
            }
        }
        Key::P256Public(k) => {
            let digest = hashed(hash, data)?;
            let parsed = if options.p1363 {
                p256::ecdsa::Signature::from_slice(signature)
            } else {
                p256::ecdsa::Signature::from_der(signature)
            };
            parsed.is_ok_and(|s| {
                p256::ecdsa::VerifyingKey::from(k)
                    .verify_prehash(&digest, &s)
                    .is_ok()
            })
        }
        Key::P384Public(k) => {
            let digest = hashed(hash, data)?;
            let parsed = if options.p1363 {
                p384::ecdsa::Signature::from_slice(signature)
            } else {
                p384::ecdsa::Signature::from_der(signature)
            };
            parsed.is_ok_and(|s| {
                p384::ecdsa::VerifyingKey::from(k)
                    .verify_prehash(&digest, &s)
                    .is_ok()
            })
        }
        Key::Ed25519Public(k) => {
            if options.hash.is_some() {
                return Err(
                    "Ed25519 verifies the message itself: the algorithm must be null or undefined"
                        .into(),
                );
            }
            use ed25519_dalek::Verifier;
            ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify(data, &s).is_ok())
        }
        _ => false,
    })
}

fn pbkdf2(
    digest: &str,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> KeyResult<Vec<u8>> {
    let mut out = vec![0u8; len];
    macro_rules! run {
        ($d:ty) => {
            pbkdf2::pbkdf2_hmac::<$d>(password, salt, iterations, &mut out)
        };
    }
    match digest {
        "md5" => run!(md5::Md5),
        "sha1" => run!(sha1::Sha1),
        "sha224" => run!(sha2::Sha224),
        "sha256" => run!(sha2::Sha256),
        "sha384" => run!(sha2::Sha384),
        "sha512" => run!(sha2::Sha512),
        other => return Err(format!("Invalid digest: {other}")),
    }
    Ok(out)
}

fn hkdf(digest: &str, ikm: &[u8], salt: &[u8], info: &[u8], len: usize) -> KeyResult<Vec<u8>> {
    let mut out = vec![0u8; len];
    let too_long = |_| "Invalid key length".to_string();
    macro_rules! run {
        ($d:ty) => {
            hkdf::Hkdf::<$d>::new(Some(salt), ikm)
                .expand(info, &mut out)
                .map_err(too_long)?
        };
    }
    match digest {
        "md5" => run!(md5::Md5),
        "sha1" => run!(sha1::Sha1),
        "sha224" => run!(sha2::Sha224),
        "sha256" => run!(sha2::Sha256),
        "sha384" => run!(sha2::Sha384),
        "sha512" => run!(sha2::Sha512),
        other => return Err(format!("Invalid digest: {other}")),
    }
    Ok(out)
}

/// scrypt with Node's parameter checks; `maxmem` bounds 128·N·r as in Node,
/// and never above the host's per-call buffer limit.
fn scrypt(
    password: &[u8],
    salt: &[u8],
    len: usize,
    cost: u64,
    block_size: u32,
    parallelization: u32,
    maxmem: u64,
) -> KeyResult<Vec<u8>> {
    if cost < 2 || !cost.is_power_of_two() {
        return Err("Invalid scrypt params: N must be a power of 2 greater than 1".into());
    }
    let memory = 128u64
        .saturating_mul(cost)
        .saturating_mul(u64::from(block_size));
    if memory > maxmem.min(MAX_HOST_BUFFER_BYTES as u64) {
        return Err(format!(
            "Invalid scrypt params: memory limit exceeded ({} bytes needed; maxmem and actionbox allow {})",
            memory,
            maxmem.min(MAX_HOST_BUFFER_BYTES as u64)
        ));
    }
    let params = scrypt::Params::new(
        cost.trailing_zeros() as u8,
        block_size,
        parallelization,
        len.max(10),
    )
    .map_err(|e| format!("Invalid scrypt params: {e}"))?;
    let mut out = vec![0u8; len];
    scrypt::scrypt(password, salt, &params, &mut out)
        .map_err(|e| format!("Invalid scrypt params: {e}"))?;
    Ok(out)
}

/// A host function's array result.
fn array<'js>(ctx: &Ctx<'js>, items: Vec<Value<'js>>) -> rquickjs::Result<Value<'js>> {
    let out = Array::new(ctx.clone())?;
    for (i, item) in items.into_iter().enumerate() {
        out.set(i, item)?;
    }
    Ok(out.into_value())
}

/// `[kind, asymmetricKeyType, canonical DER, details JSON]`.
fn describe<'js>(ctx: &Ctx<'js>, key: &Key) -> rquickjs::Result<Value<'js>> {
    let der = key.canonical_der().map_err(|e| error(ctx, &e))?;
    array(
        ctx,
        vec![
            string_value(
                ctx,
                if key.is_private() {
                    "private"
                } else {
                    "public"
                },
            )?,
            string_value(ctx, key.type_name())?,
            bytes_value(ctx, der)?,
            string_value(ctx, &key.details().to_string())?,
        ],
    )
}

/// A key in its canonical form, as a KeyObject holds it.
fn canonical(kind: &str, der: &[u8]) -> KeyResult<Key> {
    if kind == "private" {
        from_pkcs8(der)
    } else {
        from_spki(der)
    }
}

fn sign_options<'a>(
    hash: &'a str,
    padding: Option<f64>,
    salt: Option<f64>,
    encoding: &str,
) -> SignOptions<'a> {
    SignOptions {
        hash: (!hash.is_empty()).then_some(hash),
        pss: padding.map(|p| p as i64) == Some(RSA_PKCS1_PSS_PADDING),
        salt_length: salt.map(|s| s as i64).unwrap_or(RSA_PSS_SALTLEN_MAX),
        p1363: encoding == "ieee-p1363",
    }
}

fn length(ctx: &Ctx<'_>, value: Option<f64>, name: &str) -> rquickjs::Result<usize> {
    match value {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= MAX_HOST_BUFFER_BYTES as f64 => {
            Ok(n as usize)
        }
        _ => Err(rquickjs::Exception::throw_range(
            ctx,
            &format!(
                "The value of \"{name}\" is out of range. actionbox allows 0 to {} bytes",
                MAX_HOST_BUFFER_BYTES
            ),
        )),
    }
}

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    _state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    add(ctx, host, guards, "keyImport", |ctx, args| {
        let kind = arg_string(ctx, args, 0)?;
        let format = arg_string(ctx, args, 1)?;
        let data = arg_bytes(ctx, args, 2)?;
        let der_type = arg_string(ctx, args, 3)?;
        let key =
            import(kind == "private", &format, &data, &der_type).map_err(|e| error(ctx, &e))?;
        describe(ctx, &key)
    })?;
    add(ctx, host, guards, "keyExport", |ctx, args| {
        let kind = arg_string(ctx, args, 0)?;
        let der = arg_bytes(ctx, args, 1)?;
        let format = arg_string(ctx, args, 2)?;
        let der_type = arg_string(ctx, args, 3)?;
        let key = canonical(&kind, &der).map_err(|e| error(ctx, &e))?;
        match export(&key, &format, &der_type).map_err(|e| error(ctx, &e))? {
            Exported::Text(text) => string_value(ctx, &text),
            Exported::Bytes(bytes) => bytes_value(ctx, bytes),
        }
    })?;
    add(ctx, host, guards, "keyGenerate", |ctx, args| {
        let key_type = arg_string(ctx, args, 0)?;
        let bits = arg_number(args, 1).unwrap_or(0.0);
        let exponent = arg_number(args, 2).unwrap_or(65537.0);
        let curve = arg_string(ctx, args, 3)?;
        let whole_in = |n: f64, max: f64| n.fract() == 0.0 && (0.0..=max).contains(&n);
        if !(whole_in(bits, 65536.0) && whole_in(exponent, 4294967295.0)) {
            return Err(error(ctx, "Invalid modulusLength or publicExponent"));
        }
        let key = generate(&key_type, bits as usize, exponent as u64, &curve)
            .map_err(|e| error(ctx, &e))?;
        let private = describe(ctx, &key)?;
        let public = describe(ctx, &key.public())?;
        array(ctx, vec![private, public])
    })?;
    add(ctx, host, guards, "keySign", |ctx, args| {
        let hash = arg_string(ctx, args, 0)?;
        let kind = arg_string(ctx, args, 1)?;
        let der = arg_bytes(ctx, args, 2)?;
        let data = arg_bytes(ctx, args, 3)?;
        let encoding = arg_string(ctx, args, 6)?;
        let options = sign_options(&hash, arg_number(args, 4), arg_number(args, 5), &encoding);
        let key = canonical(&kind, &der).map_err(|e| error(ctx, &e))?;
        let signature = sign(&key, &data, &options).map_err(|e| error(ctx, &e))?;
        bytes_value(ctx, signature)
    })?;
    add(ctx, host, guards, "keyVerify", |ctx, args| {
        let hash = arg_string(ctx, args, 0)?;
        let kind = arg_string(ctx, args, 1)?;
        let der = arg_bytes(ctx, args, 2)?;
        let data = arg_bytes(ctx, args, 3)?;
        let signature = arg_bytes(ctx, args, 4)?;
        let encoding = arg_string(ctx, args, 7)?;
        let options = sign_options(&hash, arg_number(args, 5), arg_number(args, 6), &encoding);
        let key = canonical(&kind, &der).map_err(|e| error(ctx, &e))?;
        let valid = verify(&key, &data, &signature, &options).map_err(|e| error(ctx, &e))?;
        Ok(Value::new_bool(ctx.clone(), valid))
    })?;
    add(ctx, host, guards, "pbkdf2", |ctx, args| {
        let digest = arg_string(ctx, args, 0)?;
        let password = arg_bytes(ctx, args, 1)?;
        let salt = arg_bytes(ctx, args, 2)?;
        let iterations = match arg_number(args, 3) {
            Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= f64::from(MAX_PBKDF2_ITERATIONS) => {
                n as u32
            }
            _ => {
                return Err(rquickjs::Exception::throw_range(
                    ctx,
                    &format!(
                        "The value of \"iterations\" is out of range. actionbox allows 1 to {MAX_PBKDF2_ITERATIONS}"
                    ),
                ));
            }
        };
        let len = length(ctx, arg_number(args, 4), "keylen")?;
        let out = pbkdf2(&digest, &password, &salt, iterations, len).map_err(|e| error(ctx, &e))?;
        bytes_value(ctx, out)
    })?;
    add(ctx, host, guards, "scrypt", |ctx, args| {
        let password = arg_bytes(ctx, args, 0)?;
        let salt = arg_bytes(ctx, args, 1)?;
        let len = length(ctx, arg_number(args, 2), "keylen")?;
        let number = |i: usize, default: f64| arg_number(args, i).unwrap_or(default);
        let (cost, block, parallel, maxmem) = (
            number(3, 16384.0),
            number(4, 8.0),
            number(5, 1.0),
            number(6, 32.0 * 1024.0 * 1024.0),
        );
        let whole = |n: f64, max: f64| n >= 1.0 && n.fract() == 0.0 && n <= max;
        if !(whole(cost, 2f64.powi(62))
            && whole(block, 1e6)
            && whole(parallel, 1e6)
            && whole(maxmem, 2f64.powi(62)))
        {
            return Err(error(ctx, "Invalid scrypt params"));
        }
        let out = scrypt(
            &password,
            &salt,
            len,
            cost as u64,
            block as u32,
            parallel as u32,
            maxmem as u64,
        )
        .map_err(|e| error(ctx, &e))?;
        bytes_value(ctx, out)
    })?;
    add(ctx, host, guards, "hkdf", |ctx, args| {
        let digest = arg_string(ctx, args, 0)?;
        let ikm = arg_bytes(ctx, args, 1)?;
        let salt = arg_bytes(ctx, args, 2)?;
        let info = arg_bytes(ctx, args, 3)?;
        let len = length(ctx, arg_number(args, 4), "keylen")?;
        let out = hkdf(&digest, &ikm, &salt, &info, len).map_err(|e| error(ctx, &e))?;
        bytes_value(ctx, out)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_PKCS1: &str = include_str!("../../../tests/fixtures/keys/rsa-2048-pkcs1.pem");
    const EC_SEC1: &str = include_str!("../../../tests/fixtures/keys/ec-p256-sec1.pem");

    #[test]
    fn every_input_form_of_one_key_reads_as_the_same_key() {
        let from_pem = import(true, "pem", RSA_PKCS1.as_bytes(), "").expect("pkcs1 pem");
        let pkcs8 = from_pem.canonical_der().expect("der");
        let from_der = import(true, "der", &pkcs8, "pkcs8").expect("pkcs8 der");
        assert_eq!(from_der.canonical_der().expect("der"), pkcs8);
        let jwk_text = jwk(&from_pem).expect("jwk").to_string();
        let from_jwk = import(true, "jwk", jwk_text.as_bytes(), "").expect("jwk");
        assert_eq!(from_jwk.canonical_der().expect("der"), pkcs8);
        // A public key asked of private material is its public half.
        let public = import(false, "pem", RSA_PKCS1.as_bytes(), "").expect("public");
        assert!(!public.is_private());
        assert_eq!(public.details()["modulusLength"], 2048);
    }

    #[test]
    fn signatures_verify_and_a_changed_message_does_not() {
        for pem_text in [RSA_PKCS1, EC_SEC1] {
            let key = import(true, "pem", pem_text.as_bytes(), "").expect("key");
            for (pss, p1363) in [(false, false), (true, true)] {
                let options = SignOptions {
                    hash: Some("sha256"),
                    pss,
                    salt_length: RSA_PSS_SALTLEN_DIGEST,
                    p1363,
                };
                let signature = sign(&key, b"message", &options).expect("signs");
                let auto = SignOptions {
                    salt_length: RSA_PSS_SALTLEN_MAX,
                    ..options
                };
                assert!(verify(&key, b"message", &signature, &auto).expect("verifies"));
                assert!(!verify(&key, b"messagf", &signature, &auto).expect("verifies"));
            }
        }
    }

    #[test]
    fn hostile_inputs_are_errors_not_panics() {
        for input in [
            "".as_bytes(),
            b"-----BEGIN PRIVATE KEY-----",
            b"-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----",
            b"-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----",
            b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----",
        ] {
            assert!(import(false, "pem", input, "").is_err());
        }
        for jwk_text in [
            "[]",
            r#"{"kty":"RSA","n":"AQ","e":"AQAB","d":"AQ"}"#,
            r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#,
            r#"{"kty":"OKP","crv":"Ed25519","x":"AA"}"#,
        ] {
            assert!(
                import(false, "jwk", jwk_text.as_bytes(), "").is_err(),
                "{jwk_text}"
            );
        }
        assert!(generate("rsa", 100_000, 65537, "").is_err());
        assert!(scrypt(b"p", b"s", 16, 1 << 20, 8, 1, 1 << 40).is_err());
    }
}
