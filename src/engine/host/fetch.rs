//! Requests in flight for one isolate. A script's `fetch` becomes a pending
//! request: mocked ones are answered at once (after their delay, on the
//! execution's clock); allowed ones are performed by the host when the
//! event loop has nothing else to do; refused ones fail. The event loop
//! delivers each result to the promise the script is waiting on.

use std::time::{Duration, Instant};

use rquickjs::{Ctx, Exception, Object, Value};

use std::rc::Rc;

use super::binding::{add, arg_string};
use super::state::{InFlight, MAX_REQUESTS, Pending, Shared};
use crate::engine::guards::Guards;
use crate::net::{self, Disposition, HttpRequest, HttpResponse, RequestRecord, masked_headers};

/// `host.fetchStart(requestJson)` → request id. The request body arrives
/// base64-encoded inside the JSON.
pub(crate) fn start<'js>(
    ctx: &Ctx<'js>,
    state: &Shared,
    args: &[Value<'js>],
) -> rquickjs::Result<Value<'js>> {
    let json = arg_string(ctx, args, 0)?;
    let request: HttpRequest = serde_json::from_str(&json)
        .map_err(|e| Exception::throw_type(ctx, &format!("actionbox host: bad request: {e}")))?;
    let mut st = state.borrow_mut();
    // Counted over the isolate's life (ids never reset).
    if st.fetches.next_id as usize >= MAX_REQUESTS {
        drop(st);
        return Err(Exception::throw_range(
            ctx,
            &format!("a script may make at most {MAX_REQUESTS} requests per flow"),
        ));
    }
    let now = Instant::now();
    let policy = &st.env.node.net;
    let (pending, ready_at, disposition) = match policy.mock_for(&request) {
        Some(mock) => (
            Pending::Ready(Ok(mock.respond(&request))),
            now + Duration::from_millis(mock.response.delay_ms),
            Disposition::Mocked,
        ),
        // The tenant's own domain is answered by the host's tenant.
        None if net::is_tenant_request(
            policy,
            st.env.node.tenant_domain.as_deref(),
            &request.url,
        ) =>
        {
            (Pending::Perform(request.clone()), now, Disposition::Tenant)
        }
        // The addresses are checked when the host performs the request.
        None => match net::policy_refusal(policy, &request.url) {
            None => (Pending::Perform(request.clone()), now, Disposition::Allowed),
            Some(why) => (Pending::Ready(Err(why)), now, Disposition::Refused),
        },
    };
    st.fetches.next_id += 1;
    let id = st.fetches.next_id;
    let script = st.script.clone();
    st.fetches.records.push((
        id,
        RequestRecord {
            script,
            method: request.method.to_ascii_uppercase(),
            url: request.url.clone(),
            status: None,
            disposition,
            duration_ms: 0,
            headers: masked_headers(&request.headers),
            body: net::recorded_body(&request.body),
            body_bytes: (!request.body.is_empty()).then_some(request.body.len() as u64),
            error: None,
        },
    ));
    st.fetches.in_flight.push(InFlight {
        id,
        ready_at,
        pending,
        started: now,
    });
    Ok(Value::new_int(ctx.clone(), id as i32))
}

/// `host.fetchCancel(id)`: the script aborted it.
pub(crate) fn cancel<'js>(
    ctx: &Ctx<'js>,
    state: &Shared,
    args: &[Value<'js>],
) -> rquickjs::Result<Value<'js>> {
    if let Some(id) = args.first().and_then(Value::as_int) {
        let mut st = state.borrow_mut();
        if let Some(flight) = st.fetches.take(id as u32) {
            let aborted = Err("aborted".to_string());
            st.fetches
                .finish(flight.id, flight.started, &aborted, Disposition::Aborted);
        }
    }
    Ok(Value::new_undefined(ctx.clone()))
}

/// Performs or delivers request `id`; returns what the script gets.
pub(crate) fn complete(state: &Shared, id: u32) -> Option<Result<HttpResponse, String>> {
    let (flight, services, budget) = {
        let mut st = state.borrow_mut();
        let flight = st.fetches.take(id)?;
        let budget = st.env.deadline.saturating_duration_since(Instant::now());
        (flight, st.env.services.clone(), budget)
    };
    // No borrow is held while the host performs the request.
    let (result, disposition) = match flight.pending {
        Pending::Ready(result) => {
            let disposition = if result.is_ok() {
                None
            } else {
                Some(Disposition::Refused)
            };
            (result, disposition)
        }
        Pending::Perform(request) => {
            let result = services.fetch(&request, budget);
            let disposition = match &result {
                Ok(_) => None,
                Err(e) if e.starts_with("refused:") => Some(Disposition::Refused),
                Err(_) => Some(Disposition::Failed),
            };
            (result, disposition)
        }
    };
    let mut st = state.borrow_mut();
    let current = st
        .fetches
        .records
        .iter()
        .find(|(id, _)| *id == flight.id)
        .map(|(_, r)| r.disposition);
    st.fetches.finish(
        flight.id,
        flight.started,
        &result,
        disposition.or(current).unwrap_or(Disposition::Failed),
    );
    Some(result)
}

/// The response as the JavaScript side builds a `Response` from it.
pub(crate) fn response_object<'js>(
    ctx: &Ctx<'js>,
    response: &HttpResponse,
) -> rquickjs::Result<Object<'js>> {
    let object = Object::new(ctx.clone())?;
    object.set("status", response.status)?;
    object.set("statusText", response.status_text.as_str())?;
    object.set("url", response.url.as_str())?;
    let headers = rquickjs::Array::new(ctx.clone())?;
    for (i, (name, value)) in response.headers.iter().enumerate() {
        let pair = rquickjs::Array::new(ctx.clone())?;
        pair.set(0, name.as_str())?;
        pair.set(1, value.as_str())?;
        headers.set(i, pair)?;
    }
    object.set("headers", headers)?;
    object.set(
        "body",
        rquickjs::TypedArray::<u8>::new(ctx.clone(), response.body.clone())?,
    )?;
    Ok(object)
}

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    let st = state.clone();
    add(ctx, host, guards, "fetchStart", move |ctx, args| {
        start(ctx, &st, args)
    })?;
    let st = state.clone();
    add(ctx, host, guards, "fetchCancel", move |ctx, args| {
        cancel(ctx, &st, args)
    })?;
    Ok(())
}
