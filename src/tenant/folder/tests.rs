use super::*;
use serde_json::json;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tenants")
        .join(rel)
}

fn keywords() -> Keywords {
    Keywords::from_file(&fixture("directory/keywords.json")).unwrap()
}

fn load_err(rel: &str) -> String {
    load_err_with(rel, &keywords())
}

fn load_err_with(rel: &str, keywords: &Keywords) -> String {
    match TenantFolder::load(&fixture(rel), keywords) {
        Ok(_) => panic!("{rel} loaded"),
        Err(e) => e.to_string(),
    }
}

/// What both formats must agree on.
fn check_example_tenant(t: &TenantFolder) {
    let names: Vec<_> = t
        .rules
        .iter()
        .map(|r| (r.name.as_str(), r.order, r.enabled))
        .collect();
    assert_eq!(
        names,
        [
            ("deny-domain", Some(1), true),
            ("Add Roles", Some(2), true),
            ("legacy", None, false)
        ]
    );
    let enabled: Vec<_> = t.enabled_rules().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(enabled, ["deny-domain", "Add Roles"]);
    assert!(t.rules.iter().all(|r| r.stage == "login_success"));
    assert!(t.rules[1].file.ends_with("rules/Add Roles.js"));
    // Both keyword kinds, in code files too.
    assert!(
        t.rules[0].source.contains(r#"const env = "dev";"#),
        "{}",
        t.rules[0].source
    );
    assert!(
        t.rules[1]
            .source
            .contains("'https://acme-dev.us.auth0.com/roles'")
    );

    assert_eq!(
        t.rules_configs,
        BTreeMap::from([
            (
                "API_URL".to_string(),
                "https://acme-dev.us.auth0.com/api".to_string()
            ),
            ("BLOCKED_DOMAIN".to_string(), "spam.example".to_string()),
        ])
    );

    let greet = &t.actions["greet"];
    assert!(greet.file.ends_with("actions/greet/code.js"));
    assert!(greet.source.contains("require('actions:helpers')"));
    assert_eq!(greet.runtime.as_deref(), Some("node22"));
    assert_eq!(
        greet.dependencies,
        [("lodash.get".to_string(), "4.4.2".to_string())]
    );
    let secrets: Vec<_> = greet
        .secrets
        .iter()
        .map(|s| (s.name.as_str(), s.value.as_deref()))
        .collect();
    assert_eq!(
        secrets,
        [
            ("API_KEY", Some("k-123")),
            ("SHOWN_NOT", None),
            ("EXPORTED", None),
            ("LATER", None)
        ]
    );
    assert_eq!(
        greet.supported_triggers,
        [("post-login".to_string(), Some("v3".to_string()))]
    );
    assert_eq!(greet.deployed, Some(true));
    assert_eq!(
        greet.modules,
        [("helpers".to_string(), Some("2".to_string()))]
    );
    assert!(
        t.actions["audit"]
            .source
            .contains(r#"console.log('login in "dev" for'"#)
    );
    // The unresolved bare placeholder became its own text.
    assert_eq!(t.actions["audit"].runtime.as_deref(), Some("@@RUNTIME@@"));

    let helpers = &t.action_modules["helpers"];
    assert!(helpers.source.contains("exports.greet"));
    assert_eq!(
        helpers.secrets,
        [SecretDef {
            name: "SALT".into(),
            value: None
        }]
    );
    assert!(helpers.dependencies.is_empty());

    assert_eq!(t.triggers["post-login"], ["audit", "greet"]);
    assert!(t.triggers["credentials-exchange"].is_empty());
    let bound: Vec<_> = t
        .bound_actions("post-login")
        .unwrap()
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(bound, ["audit", "greet"]);
    assert!(t.bound_actions("credentials-exchange").unwrap().is_empty());
    assert!(t.bound_actions("send-phone-message").unwrap().is_empty());
    // custom-email-provider loads, but is reported as not runnable.
    assert_eq!(t.triggers["custom-email-provider"], ["mailer"]);
    assert!(!is_runnable_trigger("custom-email-provider"));
    assert!(is_runnable_trigger("credentials-exchange"));
    assert!(
        t.warnings
            .iter()
            .any(|w| w.contains("`custom-email-provider`") && w.contains("does not run")),
        "{:?}",
        t.warnings
    );
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
}

#[test]
fn directory_export_loads() {
    let t = TenantFolder::load(&fixture("directory"), &keywords()).unwrap();
    assert_eq!(t.format, FolderFormat::Directory);
    check_example_tenant(&t);
    assert!(
        t.triggers_file
            .as_ref()
            .unwrap()
            .ends_with("triggers/triggers.json")
    );
    let unresolved: Vec<_> = t
        .unresolved
        .iter()
        .map(|p| {
            (
                p.file.strip_prefix(&t.root).unwrap().to_str().unwrap(),
                p.line,
                p.key.as_str(),
            )
        })
        .collect();
    assert_eq!(
        unresolved,
        [
            ("actions/audit.json", 4, "RUNTIME"),
            ("actions/greet.json", 26, "NOT_MAPPED")
        ]
    );
}

#[test]
fn yaml_export_loads_the_same() {
    for path in ["yaml", "yaml/tenant.yaml"] {
        let t = TenantFolder::load(&fixture(path), &keywords()).unwrap();
        assert_eq!(t.format, FolderFormat::Yaml);
        check_example_tenant(&t);
        let unresolved: Vec<_> = t
            .unresolved
            .iter()
            .map(|p| (p.line, p.key.as_str()))
            .collect();
        assert_eq!(unresolved, [(39, "NOT_MAPPED"), (48, "RUNTIME")]);
        assert!(
            t.unresolved
                .iter()
                .all(|p| p.file.ends_with("yaml/tenant.yaml"))
        );
    }
}

#[test]
fn without_keywords_a_placeholder_where_a_number_belongs_is_named() {
    let e = load_err_with("directory", &Keywords::empty());
    assert!(
        e.contains("rules/Add Roles.json") && e.contains("unresolved placeholder @@GREET_ORDER@@"),
        "{e}"
    );
    let mut k = Keywords::empty();
    k.insert("GREET_ORDER", json!(2));
    let t = TenantFolder::load(&fixture("directory"), &k).unwrap();
    assert!(
        t.rules[0]
            .source
            .contains(r#"const env = "@@ENVIRONMENT@@";"#)
    );
    assert_eq!(t.rules_configs["API_URL"], "https://##TENANT_DOMAIN##/api");
    assert_eq!(t.actions["greet"].secrets[0].value, None);
    let keys: Vec<_> = t.unresolved.iter().map(|p| p.key.as_str()).collect();
    // Rules, rules configs, then Actions (each metadata file before its code).
    assert_eq!(
        keys,
        [
            "TENANT_DOMAIN",
            "ENVIRONMENT",
            "TENANT_DOMAIN",
            "RUNTIME",
            "ENVIRONMENT",
            "API_KEY",
            "NOT_MAPPED"
        ]
    );
}

#[test]
fn keywords_from_a_flat_file_or_a_config() {
    let dir = tempfile::tempdir().unwrap();
    let flat = dir.path().join("flat.json");
    std::fs::write(&flat, r#"{"B": 1, "A": "x"}"#).unwrap();
    let k = Keywords::from_file(&flat).unwrap();
    assert_eq!(k.get("B"), Some(&json!(1)));
    assert_eq!(k.replace("@@A@@ ##B##"), r#""x" 1"#);
    let config = dir.path().join("config.json");
    std::fs::write(
        &config,
        r#"{"AUTH0_DOMAIN": "d", "AUTH0_KEYWORD_REPLACE_MAPPINGS": "{\"E\": \"dev\"}"}"#,
    )
    .unwrap();
    let k = Keywords::from_file(&config).unwrap();
    assert_eq!(k.len(), 1);
    assert_eq!(k.get("E"), Some(&json!("dev")));
    let mut k = Keywords::empty();
    k.insert("X", json!([1, 2]));
    assert_eq!(k.replace("[@@X@@] ##X##"), "[[1,2]] 1,2");
}

#[test]
fn missing_code_file_is_an_error_naming_the_file() {
    let e = load_err("broken/missing-code");
    assert!(
        e.contains("actions/a.json")
            && e.contains("./actions/a/code.js")
            && e.contains("does not exist"),
        "{e}"
    );
}

#[test]
fn bad_json_is_an_error_with_line_and_column() {
    let e = load_err("broken/bad-json");
    assert!(
        e.contains("rules/r.json") && e.contains("line 5 column 1"),
        "{e}"
    );
}

#[test]
fn bad_yaml_is_an_error_naming_the_file() {
    let e = load_err("broken/bad-yaml");
    assert!(
        e.contains("bad-yaml/tenant.yaml") && e.contains("invalid YAML"),
        "{e}"
    );
}

#[test]
fn unknown_trigger_id_is_an_error_naming_the_file() {
    let e = load_err("broken/unknown-trigger");
    assert!(
        e.contains("triggers/triggers.json") && e.contains("unknown trigger id `post-logon`"),
        "{e}"
    );
}

#[test]
fn a_path_leaving_the_tenant_folder_is_refused() {
    let e = load_err("broken/escape");
    assert!(
        e.contains("rules/r.json")
            && e.contains("../../escape-target.js")
            && e.contains("outside the tenant folder"),
        "{e}"
    );
}

#[test]
fn a_yaml_path_leaving_the_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("tenant");
    std::fs::create_dir(&inner).unwrap();
    std::fs::write(
        dir.path().join("evil.js"),
        "exports.onExecutePostLogin = async () => {};",
    )
    .unwrap();
    std::fs::write(
        inner.join("tenant.yaml"),
        "actions:\n  - name: a\n    code: ../evil.js\n    supported_triggers: [{id: post-login, version: v3}]\n",
    )
    .unwrap();
    let e = TenantFolder::load(&inner, &Keywords::empty())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tenant.yaml: actions[0] (a)") && e.contains("outside the tenant folder"),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_leaving_the_tenant_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tenant");
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::write(
        dir.path().join("secret.js"),
        "function r(u, c, cb) { cb(null, u, c); }",
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.js"), root.join("rules/r.js")).unwrap();
    std::fs::write(
        root.join("rules/r.json"),
        r#"{"name": "r", "script": "./r.js"}"#,
    )
    .unwrap();
    let e = TenantFolder::load(&root, &Keywords::empty())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("rules/r.json") && e.contains("outside the tenant folder"),
        "{e}"
    );
}

#[test]
fn a_rule_name_auth0_rejects_is_an_error_quoting_the_rule() {
    let e = load_err("broken/bad-rule-name");
    assert!(
        e.contains("rules/r.json") && e.contains("\"add_roles!\"") && e.contains(RULE_NAME_PATTERN),
        "{e}"
    );
    assert!(is_valid_rule_name("My Rule-2") && is_valid_rule_name("a"));
    assert!(
        !is_valid_rule_name("-a")
            && !is_valid_rule_name("a ")
            && !is_valid_rule_name("")
            && !is_valid_rule_name("é")
    );
}

#[test]
fn duplicate_rule_order_is_an_error() {
    let e = load_err("broken/duplicate-order");
    assert!(
        e.contains("rules/a.json") && e.contains("rules/b.json") && e.contains("order 3"),
        "{e}"
    );
}

#[test]
fn a_name_or_config_key_given_twice_is_an_error_naming_both_places() {
    let load_yaml = |yaml: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.js"), "exports.x = 1;").unwrap();
        std::fs::write(dir.path().join("tenant.yaml"), yaml).unwrap();
        TenantFolder::load(dir.path(), &Keywords::empty())
            .unwrap_err()
            .to_string()
    };
    let e = load_yaml("rulesConfigs:\n  - key: K\n    value: one\n  - key: K\n    value: two\n");
    assert!(
        e.contains("rulesConfigs[1]")
            && e.contains("rulesConfigs[0]")
            && e.ends_with("the rules config key \"K\" is defined twice"),
        "{e}"
    );
    let e = load_yaml("actions:\n  - name: a\n    code: ./a.js\n  - name: a\n    code: ./a.js\n");
    assert!(
        e.contains("actions[1] (a) and ") && e.ends_with("two Actions are named \"a\""),
        "{e}"
    );
    let e =
        load_yaml("actionModules:\n  - name: m\n    code: ./a.js\n  - name: m\n    code: ./a.js\n");
    assert!(
        e.contains("actionModules[1] (m) and ")
            && e.ends_with("two Action Modules are named \"m\""),
        "{e}"
    );
}

#[test]
fn a_binding_to_a_missing_action_loads_but_cannot_be_run() {
    let t = TenantFolder::load(&fixture("broken/missing-action"), &Keywords::empty()).unwrap();
    assert!(
        t.warnings.iter().any(|w| w.contains("`ghost`")),
        "{:?}",
        t.warnings
    );
    let e = t.bound_actions("post-login").unwrap_err().to_string();
    assert!(
        e.contains("triggers/triggers.json") && e.contains("`ghost`"),
        "{e}"
    );
}

#[test]
fn old_exports_code_paths_are_found_under_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("actions/My Action")).unwrap();
    std::fs::write(
        root.join("actions/My Action/code.js"),
        "exports.onExecutePostLogin = async () => {};",
    )
    .unwrap();
    // Written by an old CLI with `-o ../exports/tenant`, or from Windows.
    for code in [
        "../exports/tenant/actions/My Action/code.js",
        r"local\\tenant\\actions\\My Action\\code.js",
    ] {
        let meta = json!({"name": "My Action", "code": code, "supported_triggers": [{"id": "post-login"}]});
        std::fs::write(root.join("actions/My Action.json"), meta.to_string()).unwrap();
        let t = TenantFolder::load(root, &Keywords::empty()).unwrap();
        assert!(
            t.actions["My Action"]
                .file
                .ends_with("actions/My Action/code.js"),
            "{code}"
        );
        assert_eq!(
            t.actions["My Action"].supported_triggers,
            [("post-login".into(), None)]
        );
    }
    // A directory Rule without `script` uses rules/<name>.js.
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::write(
        root.join("rules/some-Rule.js"),
        "function r(u, c, cb) { cb(null, u, c); }",
    )
    .unwrap();
    std::fs::write(
        root.join("rules/x.json"),
        r#"{"name": "some-Rule", "order": 0}"#,
    )
    .unwrap();
    let t = TenantFolder::load(root, &Keywords::empty()).unwrap();
    assert!(t.rules[0].file.ends_with("rules/some-Rule.js") && t.rules[0].enabled);
}

#[test]
fn the_example_tenant_loads_complete() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("actions/tenant-example");
    let keywords = Keywords::from_file(&root.join("keywords.json")).unwrap();
    let t = TenantFolder::load(&root, &keywords).unwrap();
    assert!(t.unresolved.is_empty(), "{:?}", t.unresolved);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let rules: Vec<_> = t.enabled_rules().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(rules, ["Add roles to tokens", "Deny blocked email domain"]);
    assert_eq!(t.rules.len(), 3);
    assert_eq!(t.rules_configs["BLOCKED_DOMAIN"], "spam.example");
    assert_eq!(t.rules_configs.len(), 3);
    assert_eq!(
        t.rules_configs["CLAIM_NAMESPACE"],
        "https://app.acme.example/"
    );
    let post_login: Vec<_> = t
        .bound_actions("post-login")
        .unwrap()
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(post_login, ["add-login-source", "partner-session-token"]);
    let m2m = t.bound_actions("credentials-exchange").unwrap();
    assert_eq!(m2m[0].name, "deny-disabled-clients");
    let partner = &t.actions["partner-session-token"];
    assert_eq!(
        partner.secrets,
        [SecretDef {
            name: "PARTNER_SIGNING_KEY".into(),
            value: None
        }]
    );
    assert!(
        partner
            .source
            .contains("issuer: 'https://acme-dev.us.auth0.com/'")
    );
    assert!(
        t.action_modules["claims-helper"]
            .source
            .contains(r#"exports.environment = "dev";"#)
    );
    let settings = crate::tenant::Settings::from_file(root.join("actionbox.json")).unwrap();
    assert!(settings.secrets["partner-session-token"].contains_key("PARTNER_SIGNING_KEY"));
}

#[test]
fn roles_load_from_roles_files_and_from_tenant_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tenant");
    std::fs::create_dir_all(root.join("roles")).unwrap();
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::write(
        root.join("roles/Editor.json"),
        r#"{"name": "editor", "description": "Edits", "id": "rol_x",
           "permissions": [{"permission_name": "write:reports", "resource_server_identifier": "https://api"}]}"#,
    )
    .unwrap();
    let folder = TenantFolder::load(&root, &Keywords::empty()).unwrap();
    assert_eq!(folder.roles.len(), 1);
    assert_eq!(folder.roles[0].name, "editor");
    assert_eq!(folder.roles[0].description, "Edits");
    assert_eq!(
        folder.roles[0].permissions[0].permission_name,
        "write:reports"
    );

    let yaml = dir.path().join("yaml");
    std::fs::create_dir_all(&yaml).unwrap();
    std::fs::write(
        yaml.join("tenant.yaml"),
        "roles:\n  - name: auditor\n    permissions:\n      - permission_name: read:reports\n        resource_server_identifier: https://api\n",
    )
    .unwrap();
    let folder = TenantFolder::load(&yaml.join("tenant.yaml"), &Keywords::empty()).unwrap();
    let names: Vec<&str> = folder.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["auditor"]);

    std::fs::write(root.join("roles/Bad.json"), r#"{"description": "no name"}"#).unwrap();
    let e = TenantFolder::load(&root, &Keywords::empty())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("roles/Bad.json") && e.contains("a role is") && e.contains("name"),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn a_role_file_leaving_the_tenant_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tenant");
    std::fs::create_dir_all(root.join("roles")).unwrap();
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::write(dir.path().join("outside.json"), r#"{"name": "x"}"#).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside.json"), root.join("roles/x.json")).unwrap();
    let e = TenantFolder::load(&root, &Keywords::empty())
        .unwrap_err()
        .to_string();
    assert!(e.contains("outside the tenant folder"), "{e}");
}
