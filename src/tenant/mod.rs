//! The tenant around the scripts: its settings (domain, clients, APIs,
//! claim regime, keys, configuration and secrets), a Deploy CLI export
//! folder, and the flows that folder defines.

mod flow;
mod folder;
mod settings;

pub use flow::{EMULATED_PACKAGES, MissingSecret, Provided, TenantFlow, merge_roles};
pub use folder::{
    ActionDef, FolderFormat, Keywords, ModuleDef, OTHER_TRIGGERS, Placeholder, RuleDef, SecretDef,
    TenantFolder, is_runnable_trigger, is_valid_rule_name, known_triggers, sanitize_file_name,
};
pub use settings::{
    ApiSettings, ClientSettings, ConnectionSettings, CustomClaimsMode, JwtConfiguration,
    RefreshTokenSettings, RolePermission, RoleSettings, SecretValues, Settings, SigningAlg,
    SigningSettings, TokenProfile, parse_time, read_secrets, secrets_from_json,
};
