//! Faults a CRM stand-in injects into its API, switchable at run time (`GET`/`PUT
//! /sandbox/faults`, the same body as the Aurora sandbox's): server errors, slow answers,
//! dropped connections, 429s, on the routes an app calls. What they do is the Aurora
//! sandbox's ([`crate::aurora::faults::apply`]); the chaos run switches them on in every
//! stand-in at once.

use crate::aurora::Faults;
use axum::{
    Json, Router,
    extract::{Request, State, rejection::JsonRejection},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use std::sync::{Arc, Mutex};

/// The faults in force, shared by the stand-in's routes.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch(Arc<Mutex<Faults>>);

impl FaultSwitch {
    /// The faults in force now.
    pub fn get(&self) -> Faults {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    fn set(&self, faults: Faults) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = faults;
    }

    /// `routes` with the faults applied to each of its requests.
    pub fn around<S: Clone + Send + Sync + 'static>(&self, routes: Router<S>) -> Router<S> {
        routes.layer(axum::middleware::from_fn_with_state(self.clone(), inject))
    }

    /// `GET`/`PUT /sandbox/faults`.
    pub fn routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new().route("/sandbox/faults", get(current).put(switch)).with_state(self.clone())
    }
}

async fn inject(State(switch): State<FaultSwitch>, request: Request, next: Next) -> Response {
    crate::aurora::faults::apply(&switch.get(), "1", request, next).await
}

async fn current(State(switch): State<FaultSwitch>) -> Json<Faults> {
    Json(switch.get())
}

async fn switch(State(switch): State<FaultSwitch>, body: Result<Json<Faults>, JsonRejection>) -> Response {
    let faults = match body {
        Ok(Json(faults)) => faults,
        Err(rejection) => return (StatusCode::BAD_REQUEST, rejection.body_text()).into_response(),
    };
    if let Err(message) = faults.validate() {
        return (StatusCode::UNPROCESSABLE_ENTITY, message).into_response();
    }
    switch.set(faults);
    StatusCode::NO_CONTENT.into_response()
}
