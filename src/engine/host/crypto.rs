//! `crypto` for the Node shims: hashes and HMACs (RustCrypto), AES-CBC
//! and AES-GCM, random bytes and UUIDs.

use std::rc::Rc;

use rquickjs::{Array, Ctx, Exception, Object, Value};

use super::binding::{
    MAX_HOST_BUFFER_BYTES, add, arg_bytes, arg_string, bytes_value, error, string_value,
};
use super::state::Shared;
use crate::engine::guards::Guards;

pub(super) fn digest(alg: &str, data: &[u8]) -> Option<Vec<u8>> {
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

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    _state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
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
        if size as usize > MAX_HOST_BUFFER_BYTES {
            return Err(Exception::throw_range(
                ctx,
                &format!(
                    "randomBytes is capped at {} MiB per call in actionbox",
                    MAX_HOST_BUFFER_BYTES >> 20
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
    Ok(())
}
