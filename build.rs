//! Tells the crate whether the QuickJS it links is the patched copy in
//! vendor/rquickjs-sys (PATCHED.md there), which can let a runtime go with
//! its memory instead of freeing it object by object. A build that gets
//! the registry's rquickjs-sys instead (another crate depending on this
//! one, where `[patch]` does not apply) frees runtimes the usual way.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(quickjs_discard_on_free)");
    println!("cargo::rerun-if-env-changed=DEP_QUICKJS_DISCARD_ON_FREE");
    if std::env::var_os("DEP_QUICKJS_DISCARD_ON_FREE").is_some() {
        println!("cargo::rustc-cfg=quickjs_discard_on_free");
    }
}
