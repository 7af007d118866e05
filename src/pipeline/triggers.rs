//! What each trigger's flow produces besides tokens, from the commands its
//! Actions recorded (docs/triggers.md, "Outcomes"): the user a pre-user-registration
//! creates, the message send-phone-message must deliver, the user a
//! custom-token-exchange selects, where a password reset goes next.

use serde_json::{Value, json};

use super::transaction::Transaction;
use crate::record::Call;
use crate::script::Trigger;

/// The trigger's result (`null` for post-login and credentials-exchange,
/// whose result is the tokens), or why the flow fails.
pub fn result(trigger: Trigger, event: &Value, transaction: &Transaction) -> Result<Value, String> {
    Ok(match trigger {
        Trigger::PostLogin | Trigger::CredentialsExchange => Value::Null,
        Trigger::PreUserRegistration => {
            let mut user = transaction.user.clone();
            if let Some(id) = &transaction.new_user_id {
                user["user_id"] = json!(id);
            }
            json!({ "created_user": user })
        }
        Trigger::PostUserRegistration => json!({
            "blocking": false,
            "effect": "none: post-user-registration Actions run after the user was created; the signup does not wait for them",
        }),
        Trigger::PostChangePassword => json!({
            "blocking": false,
            "effect": "none: post-change-password Actions run after the password changed; the change does not wait for them",
        }),
        Trigger::SendPhoneMessage => {
            let options = event.get("message_options").cloned().unwrap_or(Value::Null);
            json!({
                "message": options,
                "delivery": "the Action itself must deliver the message (see requests); Auth0 sends nothing when a custom provider is configured",
            })
        }
        Trigger::PasswordResetPostChallenge => json!({
            "result_url": transaction.result_url,
            "next": if transaction.mfa.is_empty() { "the user sets a new password" } else { "the user completes the MFA challenge, then sets a new password" },
        }),
        Trigger::CustomTokenExchange => custom_token_exchange(transaction)?,
    })
}

/// Exactly one user-selection call, as Auth0 requires.
fn custom_token_exchange(transaction: &Transaction) -> Result<Value, String> {
    let selection = match transaction.user_selections.as_slice() {
        [one] => one,
        [] => {
            return Err("Exactly one of api.authentication.setUserByConnection and api.authentication.setUserById must be called by the Custom Token Exchange action; none was.".into());
        }
        more => {
            let scripts: Vec<&str> = more.iter().map(|c| c.script.as_str()).collect();
            return Err(format!(
                "Exactly one of api.authentication.setUserByConnection and api.authentication.setUserById must be called by the Custom Token Exchange action; they were called {} times (by {}).",
                more.len(),
                scripts.join(", ")
            ));
        }
    };
    let user = match selection.call {
        Call::AuthenticationSetUserById => json!({ "by": "id", "user_id": selection.args.first() }),
        _ => json!({
            "by": "connection",
            "connection": selection.args.first(),
            "attributes": selection.args.get(1),
            "options": selection.args.get(2),
        }),
    };
    let mut metadata = serde_json::Map::new();
    if !transaction.metadata_updates.app_metadata.is_empty() {
        metadata.insert(
            "app_metadata".into(),
            Value::Object(transaction.metadata_updates.app_metadata.clone()),
        );
    }
    if !transaction.metadata_updates.user_metadata.is_empty() {
        metadata.insert(
            "user_metadata".into(),
            Value::Object(transaction.metadata_updates.user_metadata.clone()),
        );
    }
    Ok(json!({
        "user": user,
        "organization": transaction.organization,
        "actor": transaction.actor,
        "metadata_updates": metadata,
        "next": "Auth0 runs the post-login flow for this user (event.transaction.protocol 'oauth2-token-exchange') and issues its tokens; run that flow with --trigger post-login",
    }))
}
