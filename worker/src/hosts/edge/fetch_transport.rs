//! [`HttpTransport`] over the Workers `fetch`, with timeouts via `AbortController` and
//! sleeps on the Workers timer. Futures are wrapped in `SendFuture`: one JS thread.

use async_trait::async_trait;
use aurora_api::{HttpTransport, TransportError};
use futures_util::future::{Either, select};
use std::{pin::pin, time::Duration};
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, send::SendFuture};

/// Outbound HTTP from a Worker.
pub struct FetchTransport;

async fn fetch(request: http::Request<Vec<u8>>, timeout: Duration) -> Result<http::Response<Vec<u8>>, TransportError> {
    // Messages never include the URL: create_token URLs carry session tokens.
    let (parts, body) = request.into_parts();
    let headers = Headers::new();
    for (name, value) in &parts.headers {
        let value = value.to_str().map_err(|_| TransportError::Connect("a header is not text".into()))?;
        headers.set(name.as_str(), value).map_err(|_| TransportError::Connect("a header was refused".into()))?;
    }
    let mut init = RequestInit::new();
    // A redirect is answered as it is (an error to callers), never followed: a 307/308
    // would send the body (a CRM token request carries our client secret) wherever it points.
    init.with_method(Method::from(parts.method.as_str().to_owned()))
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if !body.is_empty() {
        init.with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
    }
    let request = Request::new_with_init(&parts.uri.to_string(), &init)
        .map_err(|_| TransportError::Connect("the request could not be built".into()))?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let call = async {
        let mut response = Fetch::Request(request)
            .send_with_signal(&signal)
            .await
            .map_err(|_| TransportError::Connect("fetch failed".into()))?;
        let bytes = response.bytes().await.map_err(|_| TransportError::Interrupted("the answer broke off".into()))?;
        let mut answer = http::Response::new(bytes);
        *answer.status_mut() = http::StatusCode::from_u16(response.status_code())
            .map_err(|_| TransportError::Interrupted("bad status".into()))?;
        for (name, value) in response.headers().entries() {
            if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(name), http::HeaderValue::try_from(value)) {
                answer.headers_mut().append(name, value);
            }
        }
        Ok(answer)
    };
    match select(pin!(call), pin!(Delay::from(timeout))).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => {
            controller.abort();
            Err(TransportError::Timeout)
        }
    }
}

#[async_trait]
impl HttpTransport for FetchTransport {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        SendFuture::new(fetch(request, timeout)).await
    }

    async fn sleep(&self, duration: Duration) {
        SendFuture::new(Delay::from(duration)).await;
    }

    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }
}
