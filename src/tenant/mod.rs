//! The tenant around the scripts: its settings (domain, clients, APIs,
//! claim regime, keys, configuration and secrets).

mod settings;

pub use settings::{
    ApiSettings, ClientSettings, CustomClaimsMode, Settings, SigningAlg, SigningSettings,
    TokenProfile, parse_time,
};
