//! Secrets (`event.secrets`, settings `secrets`, Rule `configuration`,
//! client secrets) never leave actionbox: every string of an outcome is
//! scrubbed before anyone sees it.
//!
//! A value a script transforms first (base64, hashing, slicing) cannot be
//! recognised; that limit is documented. Values shorter than four
//! characters are only redacted where a whole string equals them, since
//! replacing every occurrence of "a" or "42" would destroy the output.

use serde_json::Value;

pub const MASK: &str = "[redacted]";
const MIN_SUBSTRING_LEN: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Redactor {
        let mut secrets: Vec<String> = values.into_iter().filter(|s| !s.is_empty()).collect();
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Whether `text` holds a secret.
    pub fn finds(&self, text: &str) -> bool {
        self.secrets
            .iter()
            .any(|s| text == s || (s.len() >= MIN_SUBSTRING_LEN && text.contains(s.as_str())))
    }

    pub fn string(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out == *secret {
                return MASK.to_string();
            }
            if secret.len() >= MIN_SUBSTRING_LEN && out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    /// Scrubs every string (object keys included) of a JSON value.
    pub fn value(&self, value: &mut Value) {
        if self.secrets.is_empty() {
            return;
        }
        match value {
            Value::String(s) if self.finds(s) => {
                *s = self.string(s);
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => {
                let needs_key_change = map.keys().any(|k| self.finds(k));
                if needs_key_change {
                    let old = std::mem::take(map);
                    for (k, mut v) in old {
                        self.value(&mut v);
                        map.insert(self.string(&k), v);
                    }
                } else {
                    map.values_mut().for_each(|v| self.value(v));
                }
            }
            _ => {}
        }
    }

    /// Whether a JSON value holds a secret anywhere.
    pub fn finds_in(&self, value: &Value) -> bool {
        match value {
            Value::String(s) => self.finds(s),
            Value::Array(items) => items.iter().any(|v| self.finds_in(v)),
            Value::Object(map) => map.iter().any(|(k, v)| self.finds(k) || self.finds_in(v)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scrubs_values_keys_and_substrings() {
        let r = Redactor::new(["sk_live_123".to_string(), "ab".to_string()]);
        let mut v = json!({
            "a": "token sk_live_123 here",
            "sk_live_123": 1,
            "list": ["ab", "abc", "sk_live_123"],
        });
        r.value(&mut v);
        assert_eq!(
            v,
            json!({
                "a": "token [redacted] here",
                "[redacted]": 1,
                "list": ["[redacted]", "abc", "[redacted]"],
            })
        );
    }
}
