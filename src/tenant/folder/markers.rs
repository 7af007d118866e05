//! Keyword placeholders (`@@KEY@@`, `##KEY##`) left in a file's text: found
//! for reporting, and quoted where they stand as a bare value so that the
//! JSON or YAML still parses (the value is then the placeholder text).

use std::collections::HashMap;

/// One placeholder in a text: byte range and key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Marker {
    pub start: usize,
    pub end: usize,
    pub key: String,
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Every `@@KEY@@` and `##KEY##` in `text`, KEY being letters, digits, `_`,
/// `-` and `.`, starting with a letter, digit or `_`.
pub(crate) fn find(text: &str) -> Vec<Marker> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let d = bytes[i];
        if (d == b'@' || d == b'#') && bytes[i + 1] == d {
            let key_start = i + 2;
            let mut j = key_start;
            while j < bytes.len() && is_key_byte(bytes[j]) {
                j += 1;
            }
            let first_ok = key_start < j
                && (bytes[key_start].is_ascii_alphanumeric() || bytes[key_start] == b'_');
            if first_ok && bytes.get(j) == Some(&d) && bytes.get(j + 1) == Some(&d) {
                found.push(Marker {
                    start: i,
                    end: j + 2,
                    key: text[key_start..j].to_string(),
                });
                i = j + 2;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// The 1-based line of byte offset `at`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn quote(out: &mut String, marker_text: &str) {
    out.push('"');
    out.push_str(marker_text);
    out.push('"');
}

/// JSON text with every placeholder that stands outside a string (e.g.
/// `"order": @@ORDER@@`) turned into the string `"@@ORDER@@"`.
pub(crate) fn quote_bare_in_json(text: &str, keep: impl Fn(&str) -> bool) -> String {
    let markers: HashMap<usize, Marker> = find(text)
        .into_iter()
        .filter(|m| !keep(&m.key))
        .map(|m| (m.start, m))
        .collect();
    if markers.is_empty() {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 8);
    let mut copied = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if let Some(m) = markers.get(&i) {
            out.push_str(&text[copied..i]);
            quote(&mut out, &text[m.start..m.end]);
            copied = m.end;
            i = m.end;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// YAML text with every placeholder that starts a plain scalar on its own
/// (`value: ##SECRET##`, `- @@ITEM@@`, `[@@A@@, x]`) double-quoted, so that
/// `##…##` is not read as a comment nor `@@…@@` as a reserved indicator.
/// Placeholders inside quoted scalars, comments, block scalars or in the
/// middle of a plain scalar are left alone.
pub(crate) fn quote_bare_in_yaml(text: &str, keep: impl Fn(&str) -> bool) -> String {
    let markers: HashMap<usize, Marker> = find(text)
        .into_iter()
        .filter(|m| !keep(&m.key))
        .map(|m| (m.start, m))
        .collect();
    if markers.is_empty() {
        return text.to_string();
    }
    #[derive(PartialEq, Clone, Copy)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut state = Quote::None;
    let mut block_indent: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        if let Some(parent) = block_indent {
            if body.trim().is_empty() || indent > parent {
                out.push_str(line);
                continue;
            }
            block_indent = None;
        }
        let bytes = body.as_bytes();
        let mut copied = 0;
        let mut i = 0;
        // The last non-space byte outside quotes, for "does a scalar start here".
        let mut prev_sig: Option<u8> = None;
        let mut comment = false;
        while i < bytes.len() {
            let b = bytes[i];
            match state {
                Quote::Double => {
                    if b == b'\\' {
                        i += 1;
                    } else if b == b'"' {
                        state = Quote::None;
                        prev_sig = Some(b);
                    }
                    i += 1;
                    continue;
                }
                Quote::Single => {
                    if b == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            state = Quote::None;
                            prev_sig = Some(b);
                        }
                    }
                    i += 1;
                    continue;
                }
                Quote::None => {}
            }
            let after_space = i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'[' | b'{' | b',');
            let scalar_start = after_space
                && matches!(
                    prev_sig,
                    None | Some(b':' | b'-' | b'?' | b'[' | b'{' | b',')
                );
            if let Some(m) = markers.get(&(line_start + i)) {
                let (start, end) = (m.start - line_start, m.end - line_start);
                let rest = body[end..].trim_start();
                let alone = rest.is_empty()
                    || rest.starts_with(['#', ',', ']', '}'])
                    || rest.starts_with(": ")
                    || rest == ":";
                if scalar_start && alone {
                    out.push_str(&body[copied..start]);
                    quote(&mut out, &body[start..end]);
                    copied = end;
                }
                prev_sig = Some(bytes[end - 1]);
                i = end;
                continue;
            }
            if b == b'#' && after_space {
                comment = true;
                break;
            }
            if (b == b'"' || b == b'\'') && scalar_start {
                state = if b == b'"' {
                    Quote::Double
                } else {
                    Quote::Single
                };
            } else if b != b' ' && b != b'\t' {
                prev_sig = Some(b);
            }
            i += 1;
        }
        // A block scalar header (`key: |`, `- >-`) makes the deeper lines literal.
        if state == Quote::None {
            let content = if comment {
                body[..i].trim_end()
            } else {
                body.trim_end()
            };
            let last = content.rsplit([' ', '\t']).next().unwrap_or("");
            let before = content[..content.len() - last.len()].trim_end();
            let mut chars = last.chars();
            if matches!(chars.next(), Some('|' | '>'))
                && chars.all(|c| matches!(c, '-' | '+' | '1'..='9'))
                && (before.is_empty() || before.ends_with(':') || before.ends_with('-'))
            {
                block_indent = Some(indent);
            }
        }
        out.push_str(&body[copied..]);
        out.push_str(&line[body.len()..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn finds_markers_with_lines() {
        let text = "a @@ONE@@\n##TWO## x ##no space## @@-x@@ ###THREE##";
        let found = find(text);
        let keys: Vec<_> = found.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["ONE", "TWO", "THREE"]);
        assert_eq!(line_of(text, found[0].start), 1);
        assert_eq!(line_of(text, found[1].start), 2);
    }

    #[test]
    fn json_quotes_only_bare_markers() {
        let text = r###"{"a": @@A@@, "b": "x @@B@@ ##C##", "c": [##D##], "d": "\"@@E@@"}"###;
        assert_eq!(
            quote_bare_in_json(text, none),
            r###"{"a": "@@A@@", "b": "x @@B@@ ##C##", "c": ["##D##"], "d": "\"@@E@@"}"###
        );
        assert_eq!(
            quote_bare_in_json(r#"{"a": @@A@@}"#, |k| k == "A"),
            r#"{"a": @@A@@}"#
        );
    }

    #[test]
    fn yaml_quotes_markers_that_start_a_scalar() {
        let text = "\
a: ##A## # comment ##Z##
b: 'x ##B##'
c: \"@@C@@\"
d:
  - @@D@@
  - [@@E@@, ##F##]
e: text ##G##
f: |
  ##H##
g: @@I@@
";
        let want = "\
a: \"##A##\" # comment ##Z##
b: 'x ##B##'
c: \"@@C@@\"
d:
  - \"@@D@@\"
  - [\"@@E@@\", \"##F##\"]
e: text ##G##
f: |
  ##H##
g: \"@@I@@\"
";
        assert_eq!(quote_bare_in_yaml(text, none), want);
    }
}
