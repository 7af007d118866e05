//! Step 4, build the tokens: the token builder reads the transaction (the
//! user, the claims and scope edits it folded from the commands) and issues the ID and access tokens Auth0 would, with the
//! claims it would drop.

use crate::error::Error;
use crate::record::Call;
use crate::script::Trigger;
use crate::tenant::Settings;
use crate::token::{self, Issued, Keys, TokenInput};

use super::prepare::FlowJob;
use super::transaction::Transaction;

/// The tokens of a login the scripts let through. Tokens answer the
/// original authorization request (its nonce, scope, audience), even when
/// the scripts resumed at `/continue`.
pub(crate) fn build(
    job: &FlowJob,
    transaction: &Transaction,
    settings: &Settings,
    keys: &mut Keys,
) -> Result<Issued, Error> {
    let mfa_required = transaction
        .mfa
        .iter()
        .any(|c| !(c.call == Call::MultifactorEnable && c.str_arg(0) == Some("none")));
    let input = TokenInput {
        event: job.authorize_event(),
        user: &transaction.user,
        rules_user: transaction.rules_user.as_ref(),
        requests: &transaction.token_requests,
        settings,
        now: job.clock.now_secs(),
        primary_user: transaction.primary_user.as_deref(),
        mfa_required,
    };
    if job.trigger == Trigger::CredentialsExchange {
        token::issue_client_credentials(&input, transaction.target_scopes.as_deref(), keys)
    } else {
        token::issue(&input, keys)
    }
}
