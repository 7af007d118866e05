//! The flow's clock: the real one, or an instant the settings fix (`now`,
//! `--now`), so that a run's tokens and event times can be reproduced.
//! Every reader of "now" in a flow (the token builder, the Rules'
//! Management API token, `Date` in the scripts) asks this one value.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// A fixed instant, in milliseconds since the epoch.
    Fixed(f64),
}

impl Clock {
    /// Milliseconds since the epoch.
    pub fn now_ms(self) -> f64 {
        match self {
            Clock::Fixed(ms) => ms,
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_millis() as f64),
        }
    }

    /// Whole seconds since the epoch (a token's `iat`).
    pub fn now_secs(self) -> u64 {
        match self {
            Clock::Fixed(ms) => (ms / 1000.0) as u64,
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }

    /// The fixed instant, when the clock is fixed.
    pub fn fixed_ms(self) -> Option<f64> {
        match self {
            Clock::Fixed(ms) => Some(ms),
            Clock::System => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_reads_its_instant_in_both_units() {
        let clock = Clock::Fixed(1_700_000_000_999.0);
        assert_eq!(clock.now_ms(), 1_700_000_000_999.0);
        assert_eq!(clock.now_secs(), 1_700_000_000);
        assert_eq!(clock.fixed_ms(), Some(1_700_000_000_999.0));
        assert_eq!(Clock::System.fixed_ms(), None);
        assert!(Clock::System.now_secs() > 1_700_000_000);
    }
}
