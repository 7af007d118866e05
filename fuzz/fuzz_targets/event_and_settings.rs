//! Event fixtures and tenant settings as users write them (any JSON):
//! building the event, the Rules' user and context, and reading settings
//! never panic.
#![no_main]

use actionbox::event::rules::{self, RuleStart};
use actionbox::{Settings, Trigger, event};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(fixture) = serde_json::from_str::<serde_json::Value>(text) {
        for trigger in Trigger::ALL {
            let built = event::build(trigger, Some(&fixture));
            if trigger == Trigger::PostLogin {
                let _ = rules::context(&built, &RuleStart { resumed: true });
                let _ = rules::user(&built);
            }
        }
    }
    if let Ok(settings) = serde_json::from_str::<Settings>(text) {
        let _ = settings.clock();
        let _ = settings.masked_values();
    }
});
