//! JWTs (jsonwebtoken): the HS256 session tokens of `api.redirect`, and
//! the signatures behind the `jsonwebtoken` package's emulation.

use std::rc::Rc;

use rquickjs::{Ctx, Exception, Object};

use super::binding::{add, arg_bytes, arg_string, error, string_value, to_array};
use super::state::Shared;
use crate::engine::guards::Guards;

fn jwt_algorithm(name: &str) -> Option<jsonwebtoken::Algorithm> {
    name.parse().ok()
}

fn encoding_key(
    alg: jsonwebtoken::Algorithm,
    key: &[u8],
) -> Result<jsonwebtoken::EncodingKey, String> {
    use jsonwebtoken::Algorithm as A;
    match alg {
        A::HS256 | A::HS384 | A::HS512 => Ok(jsonwebtoken::EncodingKey::from_secret(key)),
        A::RS256 | A::RS384 | A::RS512 | A::PS256 | A::PS384 | A::PS512 => {
            jsonwebtoken::EncodingKey::from_rsa_pem(key).map_err(|e| {
                format!(
                    "secretOrPrivateKey must be an RSA private key in PEM form for {alg:?} ({e})"
                )
            })
        }
        A::ES256 | A::ES384 => jsonwebtoken::EncodingKey::from_ec_pem(key)
            .map_err(|e| format!("secretOrPrivateKey must be an EC private key in PEM form ({e})")),
        A::EdDSA => jsonwebtoken::EncodingKey::from_ed_pem(key).map_err(|e| e.to_string()),
        other => Err(format!("{other:?} is not supported")),
    }
}

fn decoding_key(
    alg: jsonwebtoken::Algorithm,
    key: &[u8],
) -> Result<jsonwebtoken::DecodingKey, String> {
    use jsonwebtoken::Algorithm as A;
    match alg {
        A::HS256 | A::HS384 | A::HS512 => Ok(jsonwebtoken::DecodingKey::from_secret(key)),
        A::RS256 | A::RS384 | A::RS512 | A::PS256 | A::PS384 | A::PS512 => {
            jsonwebtoken::DecodingKey::from_rsa_pem(key)
                .map_err(|e| format!("invalid RSA public key: {e}"))
        }
        A::ES256 | A::ES384 => jsonwebtoken::DecodingKey::from_ec_pem(key)
            .map_err(|e| format!("invalid EC public key: {e}")),
        A::EdDSA => jsonwebtoken::DecodingKey::from_ed_pem(key).map_err(|e| e.to_string()),
        other => Err(format!("{other:?} is not supported")),
    }
}

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    _state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    add(ctx, host, guards, "hs256Sign", |ctx, args| {
        let secret = arg_string(ctx, args, 0)?;
        let payload = arg_string(ctx, args, 1)?;
        let claims: serde_json::Value = serde_json::from_str(&payload)
            .map_err(|_| Exception::throw_type(ctx, "the token payload must be JSON"))?;
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
        let token = jsonwebtoken::encode(&header, &claims, &key).map_err(|e| {
            Exception::throw_message(ctx, &format!("could not sign the token: {e}"))
        })?;
        rquickjs::String::from_str(ctx.clone(), &token).map(|s| s.into_value())
    })?;

    // hs256Verify(token, secret) -> [reason, payloadJson]; reason "" when valid.
    // Only the signature is checked here; the claims are the facade's job.
    add(ctx, host, guards, "hs256Verify", |ctx, args| {
        let token = arg_string(ctx, args, 0)?;
        let secret = arg_string(ctx, args, 1)?;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let key = jsonwebtoken::DecodingKey::from_secret(secret.as_bytes());
        let result =
            match jsonwebtoken::decode::<serde_json::Value>(token.as_bytes(), &key, &validation) {
                Ok(data) => vec![String::new(), data.claims.to_string()],
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind;
                    let reason = match e.kind() {
                        ErrorKind::InvalidSignature => {
                            "The token signature is invalid.".to_string()
                        }
                        ErrorKind::InvalidAlgorithm => {
                            "The token must be signed with HS256.".to_string()
                        }
                        _ => format!("The token is malformed ({e})."),
                    };
                    vec![reason, String::new()]
                }
            };
        to_array(ctx, result)
    })?;
    // jwsSign(alg, signingInput, key) -> the base64url signature. The JS
    // side builds header and payload exactly as the jsonwebtoken package
    // does, so tokens match Node's byte for byte.
    add(ctx, host, guards, "jwsSign", |ctx, args| {
        let alg_name = arg_string(ctx, args, 0)?;
        let input = arg_string(ctx, args, 1)?;
        let key = arg_bytes(ctx, args, 2)?;
        let Some(alg) = jwt_algorithm(&alg_name) else {
            return Err(error(
                ctx,
                &format!("\"{alg_name}\" is not a valid algorithm."),
            ));
        };
        let key = encoding_key(alg, &key).map_err(|e| error(ctx, &e))?;
        let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, alg)
            .map_err(|e| error(ctx, &e.to_string()))?;
        string_value(ctx, &signature)
    })?;
    // jwsVerify(alg, signingInput, signature, key) -> "" when the signature
    // is good, else what was wrong.
    add(ctx, host, guards, "jwsVerify", |ctx, args| {
        let alg_name = arg_string(ctx, args, 0)?;
        let input = arg_string(ctx, args, 1)?;
        let signature = arg_string(ctx, args, 2)?;
        let key = arg_bytes(ctx, args, 3)?;
        let Some(alg) = jwt_algorithm(&alg_name) else {
            return string_value(ctx, "invalid algorithm");
        };
        let key = match decoding_key(alg, &key) {
            Ok(key) => key,
            Err(e) => return string_value(ctx, &e),
        };
        let problem = match jsonwebtoken::crypto::verify(&signature, input.as_bytes(), &key, alg) {
            Ok(true) => "",
            Ok(false) | Err(_) => "invalid signature",
        };
        string_value(ctx, problem)
    })?;
    Ok(())
}
