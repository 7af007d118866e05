//! `record`: every `api.*` call (and every Rule output) becomes a command
//! in the execution's ordered log, if the running trigger allows the call
//! and the call and byte limits are not reached.

use std::rc::Rc;

use rquickjs::{Ctx, Exception, Object, Value};

use super::binding::{add, arg_string};
use super::state::Shared;
use crate::engine::guards::Guards;
use crate::record::{Call, Command};

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    let st = state.clone();
    let gd = guards.clone();
    add(ctx, host, guards, "record", move |ctx, args| {
        let call = arg_string(ctx, args, 0)?;
        let json = arg_string(ctx, args, 1)?;
        let parsed: Vec<serde_json::Value> =
            parse_args(&json).map_err(|e| Exception::throw_type(ctx, &e))?;
        let origin = match args.get(2) {
            Some(v) if v.is_string() => Some(arg_string(ctx, args, 2)?),
            _ => None,
        };
        let mut state = st.borrow_mut();
        let call = Call::named(&call);
        let allowed = match call {
            // Every trigger and the Rules may call the emulated SDK; code
            // that may record nothing at all (no script running) may not.
            Call::Sdk(_) => !state.allowed_calls.is_empty(),
            Call::Other(_) => false,
            ref known => state.allowed_calls.contains(known),
        };
        if !allowed {
            drop(state);
            return Err(Exception::throw_type(
                ctx,
                &format!("actionbox host: '{call}' is not available here"),
            ));
        }
        state.command_bytes += json.len();
        let limits = &state.env.limits;
        if state.commands.len() >= limits.commands || state.command_bytes > limits.command_bytes {
            let message = format!(
                "the script made more api calls than the limit allows ({} calls, {} MiB of arguments)",
                limits.commands,
                limits.command_bytes >> 20
            );
            drop(state);
            gd.trip_host(message);
            return Err(Exception::throw_range(ctx, "api call limit exceeded"));
        }
        let script = state.script.clone();
        let mut command = Command::new(script, call, parsed);
        command.origin = origin;
        state.commands.push(command);
        Ok(Value::new_undefined(ctx.clone()))
    })?;
    Ok(())
}

/// Parses the JSON a script's arguments were serialised to. JavaScript
/// strings may hold lone surrogates, which `JSON.stringify` escapes and
/// strict JSON parsers refuse: they become U+FFFD, as in a UTF-8 encoder.
pub(crate) fn parse_args(json: &str) -> Result<Vec<serde_json::Value>, String> {
    let describe = |e: serde_json::Error| {
        if e.to_string().contains("recursion limit") {
            "the value is nested more than 128 levels deep, which actionbox does not record"
                .to_string()
        } else {
            format!("the arguments cannot be recorded: {e}")
        }
    };
    match serde_json::from_str(json) {
        Ok(args) => Ok(args),
        Err(_) if json.contains("\\ud") => {
            serde_json::from_str(&replace_lone_surrogates(json)).map_err(describe)
        }
        Err(e) => Err(describe(e)),
    }
}

fn replace_lone_surrogates(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let mut i = 0;
    let unit = |at: usize| -> Option<u16> {
        if bytes.get(at) == Some(&b'\\') && bytes.get(at + 1) == Some(&b'u') {
            u16::from_str_radix(json.get(at + 2..at + 6)?, 16).ok()
        } else {
            None
        }
    };
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if let Some(code) = unit(i) {
                let high = (0xd800..0xdc00).contains(&code);
                let low = (0xdc00..0xe000).contains(&code);
                if high && unit(i + 6).is_some_and(|next| (0xdc00..0xe000).contains(&next)) {
                    out.push_str(&json[i..i + 12]);
                    i += 12;
                    continue;
                }
                if high || low {
                    out.push_str("\\ufffd");
                    i += 6;
                    continue;
                }
            }
            // Any other escape: copy the backslash and the escaped character.
            out.push_str(&json[i..i + 2]);
            i += 2;
            continue;
        }
        let ch = json[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let parsed = parse_args(r#"["\ud800x","\ud83d\ude00","\\ud800"]"#).expect("parses");
        assert_eq!(
            parsed,
            vec![
                serde_json::json!("\u{fffd}x"),
                serde_json::json!("😀"),
                serde_json::json!("\\ud800")
            ]
        );
    }
}
