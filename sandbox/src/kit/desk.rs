//! The sign-in desk of a CRM stand-in: its sign-in form (in the vendor's words, the return
//! address and what was typed kept after a wrong password), the browser sessions it opens,
//! the user a request's cookie names, and signing out. A stand-in supplies its [`Desk`]
//! and how to find and show its users ([`SignInDesk`]).

use super::{SignIn, local_path, session_cookie, signed_out};
use crate::kit::oauth::random_token;
use axum::{
    Form, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use std::collections::HashMap;

/// A vendor's sign-in, as its users meet it.
#[derive(Debug, Clone, Copy)]
pub struct Desk {
    /// The session cookie's name.
    pub cookie: &'static str,
    /// The sign-in page; its form posts back to it (`/login`).
    pub path: &'static str,
    /// The sign-out, and whether a plain link (`GET`) signs out too, as Salesforce's does.
    pub sign_out: (&'static str, bool),
    /// The vendor's name for the return address (`startURL`, `loginRedirectUrl`).
    pub back_field: &'static str,
    /// The vendor's name and label for the user (`username`/`Username`).
    pub user_field: (&'static str, &'static str),
    /// The page's title and the form's heading.
    pub title: (&'static str, &'static str),
    /// The button's label.
    pub button: &'static str,
    /// The prefix of the form's test ids (`sf`: `sf-username`, `sf-login`).
    pub test_ids: &'static str,
    /// Everyone's password.
    pub password: &'static str,
    /// What the vendor says after a wrong password.
    pub wrong: &'static str,
    /// Where a sign-in without a return address lands.
    pub landing: &'static str,
}

/// Browser sessions: cookie value -> user id.
#[derive(Debug)]
pub struct Sessions<Id>(HashMap<String, Id>);

impl<Id> Default for Sessions<Id> {
    fn default() -> Self {
        Sessions(HashMap::new())
    }
}

/// What a stand-in supplies to run its sign-in desk.
pub trait SignInDesk: Clone + Send + Sync + 'static {
    type UserId: Clone + Send + 'static;
    type User;

    fn desk(&self) -> Desk;

    /// `f` over the stand-in's [`Sessions`], under its data's lock.
    fn with_sessions<R>(&self, f: impl FnOnce(&mut Sessions<Self::UserId>) -> R) -> R;

    /// The user with this id.
    fn user(&self, id: &Self::UserId) -> Option<Self::User>;

    /// The user who signs in as `name` (an email or username).
    fn named(&self, name: &str) -> Option<Self::UserId>;

    /// Who may sign in, with a note on each (`Super Admin`), for whoever runs the stand-in.
    fn people(&self) -> Vec<(String, &'static str)>;

    /// A whole page of the vendor's, for someone not signed in.
    fn page(&self, title: &str, body: &str) -> Html<String>;

    /// The user a browser's session cookie names.
    fn signed_in(&self, headers: &HeaderMap) -> Option<Self::User> {
        let sid = crate::cookie(headers, self.desk().cookie)?;
        let id = self.with_sessions(|sessions| sessions.0.get(&sid).cloned())?;
        self.user(&id)
    }

    /// To the sign-in page, and back to `back` after.
    fn to_sign_in(&self, back: &str) -> Response {
        let desk = self.desk();
        let query = form_urlencoded::Serializer::new(String::new()).append_pair(desk.back_field, back).finish();
        Redirect::to(&format!("{}?{query}", desk.path)).into_response()
    }
}

/// The sign-in and sign-out routes at the vendor's paths.
pub fn routes<V: SignInDesk>(server: &V) -> Router<V> {
    let desk = server.desk();
    let (sign_out_path, by_link) = desk.sign_out;
    let sign_out = if by_link { get(sign_out::<V>).post(sign_out::<V>) } else { post(sign_out::<V>) };
    Router::new().route(desk.path, get(form_page::<V>).post(sign_in::<V>)).route(sign_out_path, sign_out)
}

/// The sign-in form; `error` and what was `typed` after a failed attempt.
fn form<V: SignInDesk>(server: &V, back: &str, typed: &str, error: Option<&str>) -> Html<String> {
    let desk = server.desk();
    let form = SignIn {
        heading: desk.title.1,
        action: desk.path,
        back_field: desk.back_field,
        back,
        user_field: desk.user_field,
        typed,
        error,
        users: server.people(),
        password: desk.password,
        test_ids: desk.test_ids,
        button: desk.button,
    };
    server.page(desk.title.0, &form.html())
}

/// `GET <path>`.
async fn form_page<V: SignInDesk>(
    State(server): State<V>,
    Query(query): Query<HashMap<String, String>>,
) -> Html<String> {
    let back = query.get(server.desk().back_field).map_or("", String::as_str);
    form(&server, back, "", None)
}

/// `POST <path>`: a session and back where the user was going, or the form again.
async fn sign_in<V: SignInDesk>(State(server): State<V>, Form(fields): Form<HashMap<String, String>>) -> Response {
    let desk = server.desk();
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    let (typed, back) = (field(desk.user_field.0), field(desk.back_field));
    let user = server.named(typed.trim()).filter(|_| field("password") == desk.password);
    let Some(user) = user else {
        // The same form again, the return address (an install's consent) and the name kept.
        return (StatusCode::UNAUTHORIZED, form(&server, back, typed, Some(desk.wrong))).into_response();
    };
    let sid = random_token(40);
    server.with_sessions(|sessions| sessions.0.insert(sid.clone(), user));
    // Only a path on this origin: never an open redirect.
    let to = local_path(back).unwrap_or(desk.landing);
    ([(header::SET_COOKIE, session_cookie(desk.cookie, &sid))], Redirect::to(to)).into_response()
}

/// `<sign out>`: the browser's session ends; back to the sign-in form.
async fn sign_out<V: SignInDesk>(State(server): State<V>, headers: HeaderMap) -> Response {
    let desk = server.desk();
    if let Some(sid) = crate::cookie(&headers, desk.cookie) {
        server.with_sessions(|sessions| sessions.0.remove(&sid));
    }
    signed_out(desk.cookie, desk.path)
}
