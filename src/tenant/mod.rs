//! The tenant around the scripts: its settings (domain, clients, APIs,
//! claim regime, keys, configuration and secrets).

mod settings;

pub use settings::{
    ApiSettings, ClientSettings, CustomClaimsMode, Settings, SigningAlg, SigningSettings,
    TokenProfile, parse_time,
};

mod folder;

pub use folder::{
    ActionDef, FolderFormat, KNOWN_TRIGGERS, Keywords, ModuleDef, Placeholder, RuleDef, SecretDef,
    TenantFolder, is_runnable_trigger, is_valid_rule_name, sanitize_file_name,
};
