//! The byte-level work behind the Node shims (`js-runtime/node/`), done by
//! well-kept Rust crates: base64 and hex, UTF-8 decoding, hashes and HMACs
//! (RustCrypto), AES-CBC/GCM, random bytes and UUIDs, deflate/inflate
//! (flate2), and JWTs (jsonwebtoken). The shims give them Node's API.

use std::io::{Read, Write};
use std::rc::Rc;

use base64::Engine as _;
use rquickjs::{Array, Ctx, Exception, Object, TypedArray, Value};

use super::guards::Guards;
use super::host::{add, arg_string};

/// Bytes copied out of a `Uint8Array` (or `Buffer`) argument.
fn arg_bytes(ctx: &Ctx<'_>, args: &[Value<'_>], index: usize) -> rquickjs::Result<Vec<u8>> {
    let array = args
        .get(index)
        .and_then(|v| TypedArray::<u8>::from_value(v.clone()).ok())
        .ok_or_else(|| Exception::throw_type(ctx, "actionbox host: expected a Uint8Array"))?;
    // SAFETY: the bytes are copied before any JavaScript runs again.
    let bytes = unsafe { array.as_bytes() }.map(<[u8]>::to_vec);
    bytes.ok_or_else(|| Exception::throw_type(ctx, "the buffer is detached"))
}

fn bytes_value<'js>(ctx: &Ctx<'js>, bytes: Vec<u8>) -> rquickjs::Result<Value<'js>> {
    TypedArray::<u8>::new(ctx.clone(), bytes).map(|a| a.into_value())
}

fn string_value<'js>(ctx: &Ctx<'js>, text: &str) -> rquickjs::Result<Value<'js>> {
    rquickjs::String::from_str(ctx.clone(), text).map(|s| s.into_value())
}

fn error(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    Exception::throw_message(ctx, message)
}

fn digest(alg: &str, data: &[u8]) -> Option<Vec<u8>> {
    use sha2::Digest;
    Some(match alg {
        "md5" => md5::Md5::digest(data).to_vec(),
        "sha1" => sha1::Sha1::digest(data).to_vec(),
        "sha224" => sha2::Sha224::digest(data).to_vec(),
        "sha256" => sha2::Sha256::digest(data).to_vec(),
        "sha384" => sha2::Sha384::digest(data).to_vec(),
        "sha512" => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    })
}

fn mac(alg: &str, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    use hmac::{Hmac, Mac};
    macro_rules! run {
        ($hash:ty) => {{
            let mut m = Hmac::<$hash>::new_from_slice(key).ok()?;
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }};
    }
    Some(match alg {
        "md5" => run!(md5::Md5),
        "sha1" => run!(sha1::Sha1),
        "sha224" => run!(sha2::Sha224),
        "sha256" => run!(sha2::Sha256),
        "sha384" => run!(sha2::Sha384),
        "sha512" => run!(sha2::Sha512),
        _ => return None,
    })
}

/// AES in CBC (PKCS#7 padding) or GCM mode. Returns the output and, for
/// GCM encryption, the tag.
fn aes(
    encrypt: bool,
    alg: &str,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
    aad: &[u8],
    tag: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), String> {
    use cipher::block_padding::Pkcs7;
    use cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
    let bad_key = || format!("Invalid key length for {alg}");
    let bad_iv = || "Invalid initialization vector".to_string();
    macro_rules! cbc {
        ($aes:ty) => {{
            if encrypt {
                let c = cbc::Encryptor::<$aes>::new_from_slices(key, iv).map_err(|_| {
                    if key.len() * 8 != key_bits(alg) {
                        bad_key()
                    } else {
                        bad_iv()
                    }
                })?;
                Ok((c.encrypt_padded_vec_mut::<Pkcs7>(data), Vec::new()))
            } else {
                let c = cbc::Decryptor::<$aes>::new_from_slices(key, iv).map_err(|_| {
                    if key.len() * 8 != key_bits(alg) {
                        bad_key()
                    } else {
                        bad_iv()
                    }
                })?;
                c.decrypt_padded_vec_mut::<Pkcs7>(data)
                    .map(|d| (d, Vec::new()))
                    .map_err(|_| "bad decrypt".to_string())
            }
        }};
    }
    macro_rules! gcm {
        ($aes:ty) => {{
            use aes_gcm::aead::{Aead, KeyInit, Payload};
            let c = aes_gcm::AesGcm::<$aes, aes_gcm::aead::consts::U12>::new_from_slice(key)
                .map_err(|_| bad_key())?;
            if iv.len() != 12 {
                return Err("actionbox supports 12-byte GCM initialization vectors only".into());
            }
            let nonce: &aes_gcm::Nonce<aes_gcm::aead::consts::U12> = iv.into();
            if encrypt {
                let mut out = c
                    .encrypt(nonce, Payload { msg: data, aad })
                    .map_err(|_| "encryption failed".to_string())?;
                let tag = out.split_off(out.len() - 16);
                Ok((out, tag))
            } else {
                let mut sealed = data.to_vec();
                sealed.extend_from_slice(tag);
                c.decrypt(nonce, Payload { msg: &sealed, aad })
                    .map(|d| (d, Vec::new()))
                    .map_err(|_| "Unsupported state or unable to authenticate data".to_string())
            }
        }};
    }
    match alg {
        "aes-128-cbc" => cbc!(aes::Aes128),
        "aes-192-cbc" => cbc!(aes::Aes192),
        "aes-256-cbc" => cbc!(aes::Aes256),
        "aes-128-gcm" => gcm!(aes::Aes128),
        "aes-192-gcm" => gcm!(aes::Aes192),
        "aes-256-gcm" => gcm!(aes::Aes256),
        _ => Err(format!(
            "Invalid cipher type: {alg} is not supported by actionbox (AES-CBC and AES-GCM are)"
        )),
    }
}

fn key_bits(alg: &str) -> usize {
    if alg.contains("128") {
        128
    } else if alg.contains("192") {
        192
    } else {
        256
    }
}

fn zlib(op: &str, data: &[u8]) -> Result<Vec<u8>, String> {
    use flate2::Compression;
    let level = Compression::default();
    let compressed = match op {
        "deflateRaw" => {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), level);
            Some(e.write_all(data).and_then(|()| e.finish()))
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level);
            Some(e.write_all(data).and_then(|()| e.finish()))
        }
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
            Some(e.write_all(data).and_then(|()| e.finish()))
        }
        _ => None,
    };
    if let Some(result) = compressed {
        return result.map_err(|e| e.to_string());
    }
    // Inflating happens outside the isolate's memory accounting, so a
    // small hostile input must not expand without bound.
    let limit = MAX_INFLATED_BYTES as u64 + 1;
    let mut out = Vec::new();
    let read = match op {
        "inflateRaw" => flate2::read::DeflateDecoder::new(data)
            .take(limit)
            .read_to_end(&mut out),
        "inflate" => flate2::read::ZlibDecoder::new(data)
            .take(limit)
            .read_to_end(&mut out),
        "gunzip" => flate2::read::GzDecoder::new(data)
            .take(limit)
            .read_to_end(&mut out),
        "unzip" if data.starts_with(&[0x1f, 0x8b]) => flate2::read::GzDecoder::new(data)
            .take(limit)
            .read_to_end(&mut out),
        "unzip" => flate2::read::ZlibDecoder::new(data)
            .take(limit)
            .read_to_end(&mut out),
        _ => return Err(format!("unknown zlib operation {op}")),
    };
    match read {
        Ok(_) if out.len() > MAX_INFLATED_BYTES => Err(format!(
            "Cannot create a Buffer larger than {} MiB: actionbox caps decompressed output",
            MAX_INFLATED_BYTES >> 20
        )),
        Ok(_) => Ok(out),
        Err(e) => Err(e.to_string()),
    }
}

/// The most a single zlib call may produce, and the most random bytes one
/// call may ask for: both are allocated by the host before the isolate's
/// memory limit sees them.
const MAX_INFLATED_BYTES: usize = 64 << 20;

fn jwt_algorithm(name: &str) -> Option<jsonwebtoken::Algorithm> {
    name.parse().ok()
}

fn encoding_key(
    alg: jsonwebtoken::Algorithm,
    key: &[u8],
) -> Result<jsonwebtoken::EncodingKey, String> {
    use jsonwebtoken::Algorithm as A;
    match alg {
        A::HS256 | A::HS384 | A::HS512 => Ok(jsonwebtoken::EncodingKey::from_secret(key)),
        A::RS256 | A::RS384 | A::RS512 | A::PS256 | A::PS384 | A::PS512 => {
            jsonwebtoken::EncodingKey::from_rsa_pem(key).map_err(|e| {
                format!(
                    "secretOrPrivateKey must be an RSA private key in PEM form for {alg:?} ({e})"
                )
            })
        }
        A::ES256 | A::ES384 => jsonwebtoken::EncodingKey::from_ec_pem(key)
            .map_err(|e| format!("secretOrPrivateKey must be an EC private key in PEM form ({e})")),
        A::EdDSA => jsonwebtoken::EncodingKey::from_ed_pem(key).map_err(|e| e.to_string()),
        other => Err(format!("{other:?} is not supported")),
    }
}

fn decoding_key(
    alg: jsonwebtoken::Algorithm,
    key: &[u8],
) -> Result<jsonwebtoken::DecodingKey, String> {
    use jsonwebtoken::Algorithm as A;
    match alg {
        A::HS256 | A::HS384 | A::HS512 => Ok(jsonwebtoken::DecodingKey::from_secret(key)),
        A::RS256 | A::RS384 | A::RS512 | A::PS256 | A::PS384 | A::PS512 => {
            jsonwebtoken::DecodingKey::from_rsa_pem(key)
                .map_err(|e| format!("invalid RSA public key: {e}"))
        }
        A::ES256 | A::ES384 => jsonwebtoken::DecodingKey::from_ec_pem(key)
            .map_err(|e| format!("invalid EC public key: {e}")),
        A::EdDSA => jsonwebtoken::DecodingKey::from_ed_pem(key).map_err(|e| e.to_string()),
        other => Err(format!("{other:?} is not supported")),
    }
}

pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    add(ctx, host, guards, "utf8Decode", |ctx, args| {
        let bytes = arg_bytes(ctx, args, 0)?;
        string_value(ctx, &String::from_utf8_lossy(&bytes))
    })?;
    add(ctx, host, guards, "base64Encode", |ctx, args| {
        let bytes = arg_bytes(ctx, args, 0)?;
        let url = args.get(1).and_then(Value::as_bool).unwrap_or(false);
        let text = if url {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        } else {
            base64::engine::general_purpose::STANDARD.encode(bytes)
        };
        string_value(ctx, &text)
    })?;
    add(ctx, host, guards, "base64Decode", |ctx, args| {
        // Node is lenient: both alphabets, whitespace and junk ignored,
        // padding optional, decoding stops at the first '='.
        let text = arg_string(ctx, args, 0)?;
        let clean: String = text
            .split('=')
            .next()
            .unwrap_or("")
            .chars()
            .filter_map(|c| match c {
                '-' => Some('+'),
                '_' => Some('/'),
                c if c.is_ascii_alphanumeric() || c == '+' || c == '/' => Some(c),
                _ => None,
            })
            .collect();
        let usable = clean.len() - if clean.len() % 4 == 1 { 1 } else { 0 };
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
                .with_decode_allow_trailing_bits(true),
        );
        let bytes = engine.decode(&clean[..usable]).unwrap_or_default();
        bytes_value(ctx, bytes)
    })?;
    add(ctx, host, guards, "hexEncode", |ctx, args| {
        let bytes = arg_bytes(ctx, args, 0)?;
        string_value(ctx, &hex::encode(bytes))
    })?;
    add(ctx, host, guards, "hash", |ctx, args| {
        let alg = arg_string(ctx, args, 0)?
            .to_ascii_lowercase()
            .replace('-', "");
        let data = arg_bytes(ctx, args, 1)?;
        match digest(&alg, &data) {
            Some(out) => bytes_value(ctx, out),
            None => Err(error(ctx, "Digest method not supported")),
        }
    })?;
    add(ctx, host, guards, "hmac", |ctx, args| {
        let alg = arg_string(ctx, args, 0)?
            .to_ascii_lowercase()
            .replace('-', "");
        let key = arg_bytes(ctx, args, 1)?;
        let data = arg_bytes(ctx, args, 2)?;
        match mac(&alg, &key, &data) {
            Some(out) => bytes_value(ctx, out),
            None => Err(error(ctx, &format!("Invalid digest: {alg}"))),
        }
    })?;
    add(ctx, host, guards, "randomBytes", |ctx, args| {
        use rand::RngCore;
        let size = args.first().and_then(Value::as_number).unwrap_or(0.0);
        if !(0.0..=2147483647.0).contains(&size) {
            return Err(Exception::throw_range(
                ctx,
                &format!(
                    "The value of \"size\" is out of range. It must be >= 0 && <= 2147483647. Received {size}"
                ),
            ));
        }
        if size as usize > MAX_INFLATED_BYTES {
            return Err(Exception::throw_range(
                ctx,
                &format!(
                    "randomBytes is capped at {} MiB per call in actionbox",
                    MAX_INFLATED_BYTES >> 20
                ),
            ));
        }
        let mut bytes = vec![0u8; size as usize];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        bytes_value(ctx, bytes)
    })?;
    add(ctx, host, guards, "uuid", |ctx, _| {
        string_value(ctx, &uuid::Uuid::new_v4().to_string())
    })?;
    add(ctx, host, guards, "cipher", |ctx, args| {
        let encrypt = arg_string(ctx, args, 0)? == "encrypt";
        let alg = arg_string(ctx, args, 1)?.to_ascii_lowercase();
        let key = arg_bytes(ctx, args, 2)?;
        let iv = arg_bytes(ctx, args, 3)?;
        let data = arg_bytes(ctx, args, 4)?;
        let aad = arg_bytes(ctx, args, 5)?;
        let tag = arg_bytes(ctx, args, 6)?;
        match aes(encrypt, &alg, &key, &iv, &data, &aad, &tag) {
            Ok((out, tag)) => {
                let pair = Array::new(ctx.clone())?;
                pair.set(0, bytes_value(ctx, out)?)?;
                pair.set(1, bytes_value(ctx, tag)?)?;
                Ok(pair.into_value())
            }
            Err(message) => Err(error(ctx, &message)),
        }
    })?;
    add(ctx, host, guards, "zlib", |ctx, args| {
        let op = arg_string(ctx, args, 0)?;
        let data = arg_bytes(ctx, args, 1)?;
        match zlib(&op, &data) {
            Ok(out) => bytes_value(ctx, out),
            Err(message) => Err(error(ctx, &message)),
        }
    })?;
    // jwsSign(alg, signingInput, key) -> the base64url signature. The JS
    // side builds header and payload exactly as the jsonwebtoken package
    // does, so tokens match Node's byte for byte.
    add(ctx, host, guards, "jwsSign", |ctx, args| {
        let alg_name = arg_string(ctx, args, 0)?;
        let input = arg_string(ctx, args, 1)?;
        let key = arg_bytes(ctx, args, 2)?;
        let Some(alg) = jwt_algorithm(&alg_name) else {
            return Err(error(
                ctx,
                &format!("\"{alg_name}\" is not a valid algorithm."),
            ));
        };
        let key = encoding_key(alg, &key).map_err(|e| error(ctx, &e))?;
        let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, alg)
            .map_err(|e| error(ctx, &e.to_string()))?;
        string_value(ctx, &signature)
    })?;
    // jwsVerify(alg, signingInput, signature, key) -> "" when the signature
    // is good, else what was wrong.
    add(ctx, host, guards, "jwsVerify", |ctx, args| {
        let alg_name = arg_string(ctx, args, 0)?;
        let input = arg_string(ctx, args, 1)?;
        let signature = arg_string(ctx, args, 2)?;
        let key = arg_bytes(ctx, args, 3)?;
        let Some(alg) = jwt_algorithm(&alg_name) else {
            return string_value(ctx, "invalid algorithm");
        };
        let key = match decoding_key(alg, &key) {
            Ok(key) => key,
            Err(e) => return string_value(ctx, &e),
        };
        let problem = match jsonwebtoken::crypto::verify(&signature, input.as_bytes(), &key, alg) {
            Ok(true) => "",
            Ok(false) | Err(_) => "invalid signature",
        };
        string_value(ctx, problem)
    })?;
    Ok(())
}
