//! The files a user hands the command line, written to disk and read by the
//! very functions the binary calls: an event fixture for every trigger,
//! settings, a mock file, `--secrets`, `--users`, keyword mappings, and a
//! tenant export (a Rule, a rules config, an Action, an Action Module and
//! the trigger bindings, in the directory format and as tenant.yaml).
//! Oracle: no panic, and every refusal names the file it is about.
#![no_main]

use std::path::Path;

use actionbox::input::{self, InputKind};
use actionbox::tenant::{Keywords, TenantFolder, read_secrets};
use actionbox::{Settings, Trigger};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Files {
    event: String,
    settings: String,
    mocks: String,
    secrets: String,
    users: String,
    keywords: String,
    rule: String,
    rules_config: String,
    action: String,
    module: String,
    triggers: String,
    yaml: String,
}

/// A refusal must say which file it is about.
fn names_file<T>(result: Result<T, actionbox::Error>, names: &[&str]) {
    if let Err(error) = result {
        let message = error.to_string();
        assert!(
            names.iter().any(|name| message.contains(name)),
            "an error that names none of {names:?}: {message}"
        );
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    if let Some(parent) = Path::new(name).parent() {
        std::fs::create_dir_all(dir.join(parent)).expect("folder");
    }
    std::fs::write(dir.join(name), text).expect("write");
}

fuzz_target!(|files: Files| {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "event.json", &files.event);
    for trigger in Trigger::ALL {
        names_file(actionbox::event::read_event(&root.join("event.json"), trigger), &["event.json"]);
    }
    write(root, "settings.json", &files.settings);
    names_file(Settings::from_file(root.join("settings.json")), &["settings.json"]);
    write(root, "mocks.json", &files.mocks);
    names_file(
        actionbox::net::NetPolicy::read_mocks(&root.join("mocks.json")),
        &["mocks.json"],
    );
    write(root, "secrets.json", &files.secrets);
    names_file(read_secrets(&root.join("secrets.json")), &["secrets.json"]);
    write(root, "users.json", &files.users);
    names_file(actionbox::event::read_users(&root.join("users.json")), &["users.json"]);
    names_file(
        actionbox::serve::tenant::read_users(&root.join("users.json"), "Username-Password-Authentication"),
        &["users.json"],
    );
    let _ = input::read_json(&root.join("users.json"), InputKind::Users);

    // A tenant export in the directory format, its code files in place.
    let tenant = root.join("tenant");
    write(&tenant, "keywords.json", &files.keywords);
    write(&tenant, "rules/r.json", &files.rule);
    write(&tenant, "rules/r.js", "function (user, context, callback) { callback(null, user, context); }");
    write(&tenant, "rules-configs/c.json", &files.rules_config);
    write(&tenant, "actions/a.json", &files.action);
    write(&tenant, "actions/a/code.js", "exports.onExecutePostLogin = async () => {};");
    write(&tenant, "action-modules/m.json", &files.module);
    write(&tenant, "action-modules/m/code.js", "module.exports = {};");
    write(&tenant, "triggers/triggers.json", &files.triggers);
    let keywords = match Keywords::from_file(&tenant.join("keywords.json")) {
        Ok(keywords) => keywords,
        Err(error) => {
            names_file::<()>(Err(error), &["keywords.json"]);
            Keywords::empty()
        }
    };
    let tenant_name = tenant.display().to_string();
    names_file(TenantFolder::load(&tenant, &keywords), &[&tenant_name, "tenant"]);

    // The same export as tenant.yaml.
    let yaml = root.join("yaml");
    write(&yaml, "tenant.yaml", &files.yaml);
    write(&yaml, "rules/r.js", "function (user, context, callback) { callback(null, user, context); }");
    let yaml_name = yaml.display().to_string();
    names_file(TenantFolder::load(&yaml, &keywords), &[&yaml_name, "tenant.yaml"]);
});
