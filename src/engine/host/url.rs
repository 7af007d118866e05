//! WHATWG URLs and form encoding (`url`'s `quirks` module implements the
//! URL API's getters and setters exactly), behind `URL` and
//! `URLSearchParams`.

use std::rc::Rc;

use rquickjs::{Ctx, Exception, Object, Value};
use url::Url;

use super::binding::{add, arg_string, to_array};
use super::state::Shared;
use crate::engine::guards::Guards;

/// Components of a parsed URL, in the order `url.js` reads them.
fn components(url: &Url) -> Vec<String> {
    use url::quirks as q;
    vec![
        q::href(url).to_string(),
        q::protocol(url).to_string(),
        q::username(url).to_string(),
        q::password(url).to_string(),
        q::host(url).to_string(),
        q::hostname(url).to_string(),
        q::port(url).to_string(),
        q::pathname(url).to_string(),
        q::search(url).to_string(),
        q::hash(url).to_string(),
        q::origin(url),
    ]
}

fn invalid_url<'js>(ctx: &Ctx<'js>) -> rquickjs::Error {
    // Node: TypeError [ERR_INVALID_URL]: Invalid URL
    match Exception::from_message(ctx.clone(), "Invalid URL") {
        Ok(err) => {
            let obj = err.as_object();
            let type_error = ctx
                .globals()
                .get::<_, Object>("TypeError")
                .and_then(|ctor| ctor.get::<_, Object>("prototype"));
            if let Ok(proto) = type_error {
                let _ = obj.set_prototype(Some(&proto));
            }
            let _ = obj.set("code", "ERR_INVALID_URL");
            ctx.throw(err.into_value())
        }
        Err(e) => e,
    }
}

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    _state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    // urlParse(input, base?) -> components, or throws TypeError "Invalid URL".
    add(ctx, host, guards, "urlParse", |ctx, args| {
        let input = arg_string(ctx, args, 0)?;
        let base = match args.get(1) {
            Some(v) if v.is_string() => Some(arg_string(ctx, args, 1)?),
            _ => None,
        };
        let parsed = match base {
            Some(base) => Url::parse(&base).and_then(|b| b.join(&input)),
            None => Url::parse(&input),
        };
        match parsed {
            Ok(url) => to_array(ctx, components(&url)),
            Err(_) => Err(invalid_url(ctx)),
        }
    })?;

    // urlSet(href, part, value) -> components after a WHATWG setter.
    add(ctx, host, guards, "urlSet", |ctx, args| {
        use url::quirks as q;
        let href = arg_string(ctx, args, 0)?;
        let part = arg_string(ctx, args, 1)?;
        let value = arg_string(ctx, args, 2)?;
        let Ok(mut url) = Url::parse(&href) else {
            return Err(invalid_url(ctx));
        };
        // Setters that reject a value leave the URL unchanged, as in the spec.
        match part.as_str() {
            "href" => {
                if q::set_href(&mut url, &value).is_err() {
                    return Err(invalid_url(ctx));
                }
            }
            "protocol" => drop(q::set_protocol(&mut url, &value)),
            "username" => drop(q::set_username(&mut url, &value)),
            "password" => drop(q::set_password(&mut url, &value)),
            "host" => drop(q::set_host(&mut url, &value)),
            "hostname" => drop(q::set_hostname(&mut url, &value)),
            "port" => drop(q::set_port(&mut url, &value)),
            "pathname" => q::set_pathname(&mut url, &value),
            "search" => q::set_search(&mut url, &value),
            "hash" => q::set_hash(&mut url, &value),
            _ => return Err(Exception::throw_type(ctx, "unknown URL component")),
        }
        to_array(ctx, components(&url))
    })?;

    // formParse(query) -> [name, value, name, value, ...]
    add(ctx, host, guards, "formParse", |ctx, args| {
        let query = arg_string(ctx, args, 0)?;
        let query = query.strip_prefix('?').unwrap_or(&query);
        let flat = url::form_urlencoded::parse(query.as_bytes())
            .flat_map(|(k, v)| [k.into_owned(), v.into_owned()])
            .collect();
        to_array(ctx, flat)
    })?;

    // formSerialize([name, value, ...]) -> "a=1&b=x+y"
    add(ctx, host, guards, "formSerialize", |ctx, args| {
        let Some(array) = args.first().and_then(|v| v.as_array()) else {
            return Err(Exception::throw_type(
                ctx,
                "actionbox host: expected an array",
            ));
        };
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        let len = array.len();
        let mut i = 0;
        while i + 1 < len {
            let name: Value = array.get(i)?;
            let value: Value = array.get(i + 1)?;
            let (Some(name), Some(value)) = (name.as_string(), value.as_string()) else {
                return Err(Exception::throw_type(
                    ctx,
                    "actionbox host: expected strings",
                ));
            };
            serializer.append_pair(&name.to_string()?, &value.to_string()?);
            i += 2;
        }
        rquickjs::String::from_str(ctx.clone(), &serializer.finish()).map(|s| s.into_value())
    })?;

    // hs256Sign(secret, payloadJson) -> compact JWT
    Ok(())
}
