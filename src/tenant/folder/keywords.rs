//! Keyword replacement as the Auth0 Deploy CLI does it: on raw file text,
//! before parsing, `@@KEY@@` by the JSON text of the value and `##KEY##` by
//! the value converted to a string the JavaScript way.

use std::path::Path;

use serde_json::{Map, Value};

use crate::Error;

/// The config key of a Deploy CLI `config.json` that holds the mappings.
const MAPPINGS_KEY: &str = "AUTH0_KEYWORD_REPLACE_MAPPINGS";

/// Keyword mappings (`KEY` → value), in insertion order: the Deploy CLI
/// replaces keys one after the other in that order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keywords {
    map: Map<String, Value>,
}

impl Keywords {
    /// No mappings: files are read as they are (placeholders stay literal).
    pub fn empty() -> Keywords {
        Keywords::default()
    }

    /// A JSON file: either a flat object of mappings, or a Deploy CLI
    /// `config.json` whose `AUTH0_KEYWORD_REPLACE_MAPPINGS` holds them (as an
    /// object, or as JSON text, the way the environment variable gives it).
    pub fn from_file(path: &Path) -> Result<Keywords, Error> {
        let text = crate::input::read_text(path, crate::input::InputKind::Secrets)?;
        let value: Value = serde_json::from_str(&text).map_err(|source| Error::Json {
            path: path.to_path_buf(),
            cause: source,
        })?;
        let Value::Object(mut object) = value else {
            return Err(Error::invalid(format!(
                "{}: keyword mappings must be a JSON object of KEY: value, or a Deploy CLI config.json with {MAPPINGS_KEY}",
                path.display()
            )));
        };
        let map = match object.remove(MAPPINGS_KEY) {
            None => object,
            Some(Value::Object(map)) => map,
            Some(Value::String(text)) => match serde_json::from_str(&text) {
                Ok(Value::Object(map)) => map,
                _ => {
                    return Err(Error::invalid(format!(
                        "{}: {MAPPINGS_KEY} is a string but not the JSON text of an object",
                        path.display()
                    )));
                }
            },
            Some(Value::Null) => Map::new(),
            Some(_) => {
                return Err(Error::invalid(format!(
                    "{}: {MAPPINGS_KEY} must be an object of KEY: value",
                    path.display()
                )));
            }
        };
        Ok(Keywords { map })
    }

    /// Adds or replaces one mapping (a replaced key keeps its place).
    pub fn insert(&mut self, key: &str, value: Value) {
        self.map.insert(key.to_string(), value);
    }

    /// The value of `key`, if mapped.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// Whether `key` is mapped.
    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Replaces the keywords in `input` exactly as the current Deploy CLI
    /// does: for every key in order, `'@@KEY@@'`, `"@@KEY@@"` or bare
    /// `@@KEY@@` (quotes included in the match) becomes `JSON.stringify(value)`;
    /// then for every key, `##KEY##` becomes `String(value)`. Each key is one
    /// pass over the current text, so a later key can match text an earlier
    /// value inserted. Keys are matched literally (the Deploy CLI puts them
    /// unescaped in a RegExp; the two agree for every key made of letters,
    /// digits, `_` and `-`).
    pub fn replace(&self, input: &str) -> String {
        if self.map.is_empty() {
            return input.to_string();
        }
        let mut text = input.to_string();
        for (key, value) in &self.map {
            text = replace_at(&text, key, &js_stringify(value));
        }
        for (key, value) in &self.map {
            let marker = format!("##{key}##");
            if text.contains(&marker) {
                text = text.replace(&marker, &js_string(value));
            }
        }
        text
    }
}

/// One `@@KEY@@` pass: the regex `'@@K@@'|"@@K@@"|@@K@@`, global.
fn replace_at(text: &str, key: &str, with: &str) -> String {
    let marker = format!("@@{key}@@");
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0; // text[..copied] is already in `out`
    let mut from = 0;
    while let Some(found) = text[from..].find(&marker) {
        let at = from + found;
        let end = at + marker.len();
        let quoted = at > copied
            && matches!(bytes[at - 1], b'"' | b'\'')
            && bytes.get(end) == Some(&bytes[at - 1]);
        let (start, stop) = if quoted { (at - 1, end + 1) } else { (at, end) };
        out.push_str(&text[copied..start]);
        out.push_str(with);
        copied = stop;
        from = stop;
    }
    out.push_str(&text[copied..]);
    out
}

/// `JSON.stringify(value)` (no spaces, numbers the JavaScript way).
pub(crate) fn js_stringify(value: &Value) -> String {
    match value {
        Value::Number(n) => js_number(n),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(js_stringify).collect();
            format!("[{}]", inner.join(","))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), js_stringify(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        other => other.to_string(),
    }
}

/// `String(value)`: strings as they are, arrays joined with `,` (null items
/// empty), objects `[object Object]`.
pub(crate) fn js_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => js_number(n),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                if v.is_null() {
                    String::new()
                } else {
                    js_string(v)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".to_string(),
    }
}

/// A number as JavaScript prints it (`1.0` is `1`).
pub(crate) fn js_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    match n.as_f64() {
        Some(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
        Some(f) => f.to_string(),
        None => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kw(pairs: Value) -> Keywords {
        let Value::Object(map) = pairs else { panic!() };
        Keywords { map }
    }

    #[test]
    fn at_markers_are_json_and_consume_matching_quotes() {
        let k = kw(json!({"ENV": "dev", "TTL": 120, "LIST": ["a", "b"], "F": 1.0}));
        assert_eq!(
            k.replace(
                r#"{"e": "@@ENV@@", "t": "@@TTL@@", "l": @@LIST@@, 'x': '@@ENV@@', "f": @@F@@}"#
            ),
            r#"{"e": "dev", "t": 120, "l": ["a","b"], 'x': "dev", "f": 1}"#
        );
        // Mismatched quotes are left in place; only the bare marker goes.
        assert_eq!(k.replace(r#"'@@ENV@@""#), r#"'"dev"""#);
        assert_eq!(k.replace("x = @@ENV@@;"), r#"x = "dev";"#);
    }

    #[test]
    fn hash_markers_are_js_strings_and_run_after_at_markers() {
        let k = kw(json!({"A": "##B##", "B": ["x", null, 2], "O": {"k": 1}, "T": true}));
        assert_eq!(
            k.replace("##A## ##B## ##O## ##T##"),
            "x,,2 x,,2 [object Object] true"
        );
        // `$&` in values is literal.
        let k = kw(json!({"D": "$&$'"}));
        assert_eq!(k.replace("##D##"), "$&$'");
    }

    #[test]
    fn unknown_keys_and_empty_mappings_leave_text_alone() {
        assert_eq!(Keywords::empty().replace("@@X@@ ##Y##"), "@@X@@ ##Y##");
        let k = kw(json!({"A": "a"}));
        assert_eq!(k.replace("@@X@@ ##Y## ##A##"), "@@X@@ ##Y## a");
    }
}
