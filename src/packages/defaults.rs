//! The Rules environment's default versions (`rules-modules.txt`).

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("rules-modules.txt");

fn table() -> &'static HashMap<&'static str, &'static str> {
    static PARSED: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    PARSED.get_or_init(|| {
        TABLE
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| {
                let mut parts = line.split_whitespace();
                Some((parts.next()?, parts.next()?))
            })
            .collect()
    })
}

/// The version an unversioned `require(name)` in a Rule installs, if the
/// table names one (else the registry's `latest`).
pub fn rules_default_version(name: &str) -> Option<&'static str> {
    table().get(name).copied()
}

/// Every (name, version) of the table, sorted.
pub fn rules_defaults() -> Vec<(&'static str, &'static str)> {
    let mut all: Vec<_> = table().iter().map(|(n, v)| (*n, *v)).collect();
    all.sort_unstable();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_uuid_3_callable_and_lodash_as_rules_pinned_it() {
        assert_eq!(rules_default_version("uuid"), Some("3.4.0"));
        assert_eq!(rules_default_version("lodash"), Some("4.17.19"));
        assert_eq!(rules_default_version("left-pad"), None);
        assert!(rules_defaults().len() > 20);
    }
}
