//! Turning what a script threw into a [`ScriptError`] the outcome can carry.

use rquickjs::{Ctx, Value};

use super::guards::Tripped;
use crate::record::{ErrorKind, ScriptError};

impl ScriptError {
    /// The exception pending in `ctx` (after an `Error::Exception`).
    pub(crate) fn from_caught(ctx: &Ctx<'_>, script: &str) -> ScriptError {
        let value = ctx.catch();
        ScriptError::from_thrown(&value, script)
    }

    /// A value the script threw or rejected with. Like Auth0's runner, a
    /// non-Error becomes its string form and a falsy one "Unknown error".
    pub(crate) fn from_thrown(value: &Value<'_>, script: &str) -> ScriptError {
        let mut error = ScriptError::new(ErrorKind::Exception, script, String::new());
        if let Some(obj) = value.as_object() {
            let text = |key: &str| super::isolate::string_prop(obj, key);
            error.name = text("name");
            error.message = text("message").unwrap_or_default();
            error.stack = text("stack").filter(|s| !s.trim().is_empty());
            if error.name.is_none() && error.message.is_empty() {
                error.message = super::isolate::describe_plain(value);
            }
        } else if let Some(s) = value.as_string() {
            error.message = s.to_string().unwrap_or_default();
        } else if value.is_null() || value.is_undefined() || value.as_bool() == Some(false) {
            error.message = "Unknown error".into();
        } else if let Some(n) = value.as_number() {
            error.message = if n == 0.0 {
                "Unknown error".into()
            } else {
                format_number(n)
            };
        } else {
            error.message = super::isolate::describe_plain(value);
        }
        if error.message.is_empty() && error.name.is_none() {
            error.message = "Unknown error".into();
        }
        error
    }

    pub(crate) fn from_tripped(
        tripped: &Tripped,
        script: &str,
        limits: &super::Limits,
    ) -> ScriptError {
        match tripped {
            Tripped::Timeout => ScriptError::new(
                ErrorKind::Timeout,
                script,
                format!(
                    "Request to Webtask exceeded allowed execution time (the flow's deadline of {} passed)",
                    humantime::format_duration(limits.timeout)
                ),
            ),
            Tripped::Memory => ScriptError::new(
                ErrorKind::MemoryLimit,
                script,
                format!(
                    "the script ran out of memory: it tried to use more than the {} MiB limit (--memory)",
                    limits.memory_bytes >> 20
                ),
            ),
            Tripped::Host(message) => {
                let kind = if message.starts_with("internal error") {
                    ErrorKind::Internal
                } else {
                    ErrorKind::LimitExceeded
                };
                ScriptError::new(kind, script, message.clone())
            }
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}
