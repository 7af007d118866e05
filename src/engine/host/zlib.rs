//! `zlib` for the Node shims (flate2): deflate, gzip and their inverses,
//! with the inflated size capped.

use std::io::{Read, Write};
use std::rc::Rc;

use rquickjs::{Ctx, Object};

use super::binding::{MAX_HOST_BUFFER_BYTES, add, arg_bytes, arg_string, bytes_value, error};
use super::state::Shared;
use crate::engine::guards::Guards;

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
    let limit = MAX_HOST_BUFFER_BYTES as u64 + 1;
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
        Ok(_) if out.len() > MAX_HOST_BUFFER_BYTES => Err(format!(
            "Cannot create a Buffer larger than {} MiB: actionbox caps decompressed output",
            MAX_HOST_BUFFER_BYTES >> 20
        )),
        Ok(_) => Ok(out),
        Err(e) => Err(e.to_string()),
    }
}

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    _state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    add(ctx, host, guards, "zlib", |ctx, args| {
        let op = arg_string(ctx, args, 0)?;
        let data = arg_bytes(ctx, args, 1)?;
        match zlib(&op, &data) {
            Ok(out) => bytes_value(ctx, out),
            Err(message) => Err(error(ctx, &message)),
        }
    })?;
    Ok(())
}
