//! Bytes and text for the Node shims (`Buffer`, `TextDecoder`): UTF-8
//! decoding, base64 (Node's lenient decoder) and hex.

use base64::Engine as _;
use std::rc::Rc;

use rquickjs::{Ctx, Object, Value};

use super::binding::{add, arg_bytes, arg_string, bytes_value, string_value};
use super::state::Shared;
use crate::engine::guards::Guards;

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    _state: &Shared,
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
    Ok(())
}
