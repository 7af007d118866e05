//! Masking secret values in what actionbox prints, and finding secrets in
//! tokens.
//!
//! Logs, script errors, command arguments, request records and the user are
//! scrubbed of every value of `event.secrets`, the settings' `secrets`,
//! client secrets, API signing secrets and Rules `configuration`. Tokens are
//! never altered: Auth0 would issue them as they are, so a secret found in a
//! token is reported instead (see docs/behaviour.md, "Secrets").
//!
//! A value a script transforms first (base64, hashing, slicing) cannot be
//! recognised; that limit is documented. Values shorter than
//! [`MIN_SUBSTRING_LEN`] characters are masked only where they stand alone
//! (a whole string, or a whole word of a text), since cutting every `acme:`
//! or `dev` out of longer text would mangle unrelated output.

use serde_json::Value;

pub const MASK: &str = "[redacted]";

/// Values at least this long are masked wherever they occur inside a text.
pub const MIN_SUBSTRING_LEN: usize = 8;

/// Where a masked value comes from; names it in warnings, never its value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretSource {
    /// A value of `event.secrets` or of the settings' `secrets` (then
    /// `action` names the Action it belongs to).
    ActionSecret { action: Option<String>, key: String },
    /// A client's `client_secret`.
    ClientSecret { client: String },
    /// An API's HS256 `signing_secret`.
    ApiSigningSecret { api: String },
    /// A Rules `configuration` value: masked in logs, but not a secret for
    /// tokens or for what the application receives. Rules configuration
    /// routinely holds namespaces, URLs and flags that belong in tokens.
    Configuration { key: String },
}

impl SecretSource {
    pub fn is_configuration(&self) -> bool {
        matches!(self, SecretSource::Configuration { .. })
    }

    /// How a message names it, e.g. `the Action secret CRM_API_KEY of enrich-from-crm`.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::ActionSecret {
                action: Some(action),
                key,
            } => format!("the Action secret {key} of {action}"),
            SecretSource::ActionSecret { action: None, key } => {
                format!("the Action secret {key}")
            }
            SecretSource::ClientSecret { client } => format!("the client secret of {client}"),
            SecretSource::ApiSigningSecret { api } => {
                format!("the signing secret of the API {api}")
            }
            SecretSource::Configuration { key } => format!("the Rules configuration value {key}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Masked {
    value: String,
    source: SecretSource,
}

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a value that contains another is masked whole.
    values: Vec<Masked>,
}

/// A secret found in a token: which claim holds it, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInToken {
    pub claim: String,
    pub source: SecretSource,
}

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = (SecretSource, String)>) -> Redactor {
        let mut values: Vec<Masked> = values
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .flat_map(|(source, value)| {
                // A value sent in a form body or a query string arrives
                // percent-encoded (`+1500...` as `%2B1500...`): mask that
                // spelling too.
                let encoded: String =
                    url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
                let encoded = (encoded != value).then(|| Masked {
                    value: encoded,
                    source: source.clone(),
                });
                std::iter::once(Masked { value, source }).chain(encoded)
            })
            .collect();
        values.sort_by(|a, b| {
            b.value
                .len()
                .cmp(&a.value.len())
                .then_with(|| a.value.cmp(&b.value))
                .then_with(|| a.source.cmp(&b.source))
        });
        values.dedup();
        Redactor { values }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The same redactor without Rules `configuration` values, for what
    /// the application receives (denial reasons, redirect URLs), where
    /// Auth0 leaves configuration values as they are.
    pub fn secrets_only(&self) -> Redactor {
        Redactor {
            values: self
                .values
                .iter()
                .filter(|m| !m.source.is_configuration())
                .cloned()
                .collect(),
        }
    }

    fn distinct_values(&self) -> impl Iterator<Item = &str> {
        let mut previous: Option<&str> = None;
        self.values.iter().filter_map(move |m| {
            let value = m.value.as_str();
            if previous == Some(value) {
                None
            } else {
                previous = Some(value);
                Some(value)
            }
        })
    }

    /// Whether `text` holds a masked value.
    pub fn finds(&self, text: &str) -> bool {
        self.distinct_values().any(|value| holds(text, value))
    }

    pub fn string(&self, text: &str) -> String {
        let mut out = text.to_string();
        for value in self.distinct_values() {
            if out == value {
                return MASK.to_string();
            }
            if value.chars().count() >= MIN_SUBSTRING_LEN {
                if out.contains(value) {
                    out = out.replace(value, MASK);
                }
            } else if value.contains(char::is_whitespace) {
                // Words cannot hold it: console.log joins its arguments
                // with spaces, so look for it bounded by spaces instead.
                out = mask_bounded(&out, value);
            } else if words(&out).any(|word| stands_alone(word, value)) {
                out = mask_words(&out, value);
            }
        }
        out
    }

    /// Scrubs every string (object keys included) of a JSON value.
    pub fn value(&self, value: &mut Value) {
        if self.values.is_empty() {
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

    /// Whether anything serialised as `json` (by serde_json) may hold a
    /// masked value: `false` means [`Redactor::finds_in`] would find nothing
    /// in its value, so the value need not be built. A value JSON writes
    /// escaped (quotes, backslashes, control characters) cannot be looked
    /// for in the text: its presence answers `true`.
    pub fn may_find_in_json(&self, json: &str) -> bool {
        self.distinct_values().any(|value| {
            value.contains(|c: char| c == '"' || c == '\\' || c < ' ') || json.contains(value)
        })
    }

    /// Whether a JSON value holds a masked value anywhere.
    pub fn finds_in(&self, value: &Value) -> bool {
        match value {
            Value::String(s) => self.finds(s),
            Value::Array(items) => items.iter().any(|v| self.finds_in(v)),
            Value::Object(map) => map.iter().any(|(k, v)| self.finds(k) || self.finds_in(v)),
            _ => false,
        }
    }

    /// The secrets (not configuration values) a token payload carries, by
    /// top-level claim, in claim order.
    pub fn secrets_in_token(&self, payload: &Value) -> Vec<SecretInToken> {
        let Some(claims) = payload.as_object() else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for (claim, value) in claims {
            for masked in self.values.iter().filter(|m| !m.source.is_configuration()) {
                if holds(claim, &masked.value) || value_holds(value, &masked.value) {
                    found.push(SecretInToken {
                        claim: claim.clone(),
                        source: masked.source.clone(),
                    });
                }
            }
        }
        found
    }
}

fn holds(text: &str, value: &str) -> bool {
    text == value
        || if value.chars().count() >= MIN_SUBSTRING_LEN {
            text.contains(value)
        } else if value.contains(char::is_whitespace) {
            bounded_matches(text, value).next().is_some()
        } else {
            words(text).any(|word| stands_alone(word, value))
        }
}

/// Where a short value with whitespace in it stands alone in `text`: its
/// occurrences with nothing, whitespace or a quote on either side (and a
/// comma or semicolon after), as a logged argument is.
fn bounded_matches<'t>(text: &'t str, value: &'t str) -> impl Iterator<Item = usize> + 't {
    let edge = |c: Option<char>, after: bool| {
        c.is_none_or(|c| {
            c.is_whitespace() || QUOTES.contains(&c) || (after && (c == ',' || c == ';'))
        })
    };
    text.match_indices(value)
        .map(|(at, _)| at)
        .filter(move |&at| {
            edge(text[..at].chars().next_back(), false)
                && edge(text[at + value.len()..].chars().next(), true)
        })
}

fn mask_bounded(text: &str, value: &str) -> String {
    let starts: Vec<usize> = bounded_matches(text, value).collect();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for at in starts {
        if at < from {
            continue;
        }
        out.push_str(&text[from..at]);
        out.push_str(MASK);
        from = at + value.len();
    }
    out.push_str(&text[from..]);
    out
}

fn value_holds(json: &Value, value: &str) -> bool {
    match json {
        Value::String(s) => holds(s, value),
        Value::Array(items) => items.iter().any(|v| value_holds(v, value)),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| holds(k, value) || value_holds(v, value)),
        _ => false,
    }
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(char::is_whitespace).filter(|w| !w.is_empty())
}

const QUOTES: [char; 3] = ['\'', '"', '`'];

/// `word` is `value` itself, or `value` quoted the way console formatting
/// quotes strings (`'abc'`, `"abc",`): console.log joins its arguments with
/// spaces, so a short secret logged as an argument stands alone.
fn stands_alone(word: &str, value: &str) -> bool {
    let unpunctuated = word.strip_suffix([',', ';']).unwrap_or(word);
    [word, unpunctuated].into_iter().any(|w| {
        w == value
            || QUOTES
                .iter()
                .any(|&q| w.strip_prefix(q).and_then(|w| w.strip_suffix(q)) == Some(value))
    })
}

fn mask_words(text: &str, value: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word_start = None;
    let flush = |out: &mut String, word: &str| {
        if stands_alone(word, value) {
            out.push_str(&word.replacen(value, MASK, 1));
        } else {
            out.push_str(word);
        }
    };
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(start) = word_start.take() {
                flush(&mut out, &text[start..i]);
            }
            out.push(c);
        } else if word_start.is_none() {
            word_start = Some(i);
        }
    }
    if let Some(start) = word_start {
        flush(&mut out, &text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret(key: &str, value: &str) -> (SecretSource, String) {
        (
            SecretSource::ActionSecret {
                action: None,
                key: key.into(),
            },
            value.into(),
        )
    }

    #[test]
    fn scrubs_values_keys_and_long_substrings() {
        let r = Redactor::new([secret("K", "sk_live_123"), secret("S", "ab")]);
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

    #[test]
    fn short_values_with_spaces_are_masked_when_logged_beside_other_arguments() {
        let r = Redactor::new([secret("PIN", "12 34")]);
        assert_eq!(r.string("key 12 34"), "key [redacted]");
        assert_eq!(
            r.string("{ pin: '12 34', n: 1 }"),
            "{ pin: '[redacted]', n: 1 }"
        );
        assert_eq!(r.string("12 345"), "12 345");
        assert!(r.finds("pin 12 34"));
        assert!(!r.finds("a12 34"));
    }

    #[test]
    fn percent_encoded_values_are_masked_too() {
        let r = Redactor::new([secret("FROM", "+15005550006")]);
        assert_eq!(
            r.string("To=%2B6421&From=%2B15005550006&Body=hi"),
            "To=%2B6421&From=[redacted]&Body=hi"
        );
        assert_eq!(r.string("from +15005550006"), "from [redacted]");
    }

    #[test]
    fn short_values_are_masked_only_where_they_stand_alone() {
        let r = Redactor::new([secret("PREFIX", "acme:")]);
        assert_eq!(r.string("acme:customer"), "acme:customer");
        assert_eq!(r.string("acme:"), MASK);
        // console.log('prefix', secret) and console.log({ prefix: secret })
        assert_eq!(r.string("prefix acme:"), "prefix [redacted]");
        assert_eq!(
            r.string("{ prefix: 'acme:', n: 1 }"),
            "{ prefix: '[redacted]', n: 1 }"
        );
        assert!(!r.finds("acme:customer"));
    }

    #[test]
    fn finds_secrets_in_tokens_by_claim_but_not_configuration() {
        let r = Redactor::new([
            secret("CRM_API_KEY", "sk_live_123456"),
            (
                SecretSource::Configuration {
                    key: "NAMESPACE".into(),
                },
                "https://app.acme.example/".into(),
            ),
        ]);
        let payload = json!({
            "https://app.acme.example/k": "Bearer sk_live_123456",
            "https://app.acme.example/n": "plain",
        });
        assert_eq!(
            r.secrets_in_token(&payload),
            vec![SecretInToken {
                claim: "https://app.acme.example/k".into(),
                source: SecretSource::ActionSecret {
                    action: None,
                    key: "CRM_API_KEY".into()
                },
            }]
        );
        assert_eq!(
            r.secrets_only().string("https://app.acme.example/x"),
            "https://app.acme.example/x"
        );
        assert_eq!(r.string("https://app.acme.example/x"), "[redacted]x");
    }

    /// The JSON-text check never answers "nothing" where the walk over the
    /// value finds something: a secret in a value, in a key, short and
    /// standing alone, percent-encoded, or one JSON writes escaped.
    #[test]
    fn the_json_text_check_never_misses_what_the_value_walk_finds() {
        let r = Redactor::new([
            secret("API_KEY", "sk_live_0123456789"),
            secret("PIN", "4711"),
            secret("PHRASE", "two words"),
            secret("PLUS", "+15005550006"),
            secret("QUOTED", "say \"hi\" now"),
            secret("TABBED", "tab\there-and-more"),
        ]);
        let cases = [
            json!({"logs": ["key sk_live_0123456789 used"]}),
            json!({"sk_live_0123456789": 1}),
            json!({"logs": ["pin: 4711"]}),
            json!({"logs": ["it is two words long"]}),
            json!({"redirect": "https://x.example/?to=%2B15005550006"}),
            json!({"logs": ["say \"hi\" now"]}),
            json!({"logs": ["tab\there-and-more"]}),
            json!({"logs": ["nothing here", {"nested": ["at all", 4712]}]}),
            json!({"logs": ["47110 is not the pin"]}),
        ];
        for value in cases {
            let text = serde_json::to_string(&value).unwrap();
            if r.finds_in(&value) {
                assert!(r.may_find_in_json(&text), "missed in {text}");
            }
        }
        let clean = Redactor::new([
            secret("API_KEY", "sk_live_0123456789"),
            secret("PIN", "4711"),
        ]);
        assert!(!clean.may_find_in_json(r#"{"logs":["nothing here",4712]}"#));
        assert!(clean.may_find_in_json(r#"{"logs":["pin 4711"]}"#));
        // Escaped in JSON text, so never ruled out by it.
        let quoted = Redactor::new([secret("QUOTED", "say \"hi\" now")]);
        assert!(quoted.may_find_in_json(r#"{"logs":[]}"#));
    }
}
