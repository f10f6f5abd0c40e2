//! The CRM's own pages: signing in, opportunities, the marketplace.

use super::{
    fixtures::PASSWORD,
    pages::{self, Panel, Viewer},
    signing,
    state::{Account, Crm, Opportunity, Site, User, WebSession, new_token, unix_now},
    webhooks,
};
use crate::kit;
use axum::{
    Form,
    extract::{FromRequestParts, Path, Query, State},
    http::{HeaderMap, StatusCode, header, request::Parts},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;

const SESSION_COOKIE: &str = "demo_crm_session";

/// The signed-in user of a request; without one, the browser goes to the sign-in page
/// and comes back after.
pub struct SignedIn {
    pub session: WebSession,
    pub user: User,
    pub account: Account,
}

impl SignedIn {
    pub fn viewer(&self) -> Viewer<'_> {
        Viewer { user: &self.user, account: &self.account, csrf: &self.session.csrf }
    }

    /// Refuses a form post whose CSRF field is not this session's.
    fn check_csrf(&self, csrf: &str) -> Result<(), Response> {
        use subtle::ConstantTimeEq;
        if bool::from(csrf.as_bytes().ct_eq(self.session.csrf.as_bytes())) {
            Ok(())
        } else {
            Err((
                StatusCode::FORBIDDEN,
                Html(pages::message(Some(&self.viewer()), "Form expired", "Reload the page and try again.")),
            )
                .into_response())
        }
    }
}

/// The session cookie's value, if any.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    crate::cookie(headers, SESSION_COOKIE)
}

/// The signed-in user of a browser, if any.
pub fn signed_in(crm: &Crm, headers: &HeaderMap) -> Option<SignedIn> {
    let id = session_cookie(headers)?;
    let state = crm.state();
    let session = state.sessions.get(&id)?.clone();
    let user = state.user(&session.user_id)?.clone();
    let account = state.account(&user.account_id)?.clone();
    Some(SignedIn { session, user, account })
}

impl FromRequestParts<Crm> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, crm: &Crm) -> Result<Self, Response> {
        signed_in(crm, &parts.headers).ok_or_else(|| {
            let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            Redirect::to(&format!("/login?next={}", urlencoding(next))).into_response()
        })
    }
}

fn urlencoding(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Only local paths: `next` must never send the browser elsewhere (see [`kit::local_path`]).
fn local_path(next: &str) -> &str {
    kit::local_path(next).unwrap_or("/")
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_page(State(crm): State<Crm>, Query(query): Query<LoginQuery>) -> Html<String> {
    Html(pages::login(local_path(&query.next), "", None, &crm.state().users, PASSWORD))
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(State(crm): State<Crm>, Form(form): Form<LoginForm>) -> Response {
    let next = local_path(&form.next).to_owned();
    let user = crm.state().users.iter().find(|u| u.email.eq_ignore_ascii_case(form.email.trim())).cloned();
    let Some(user) = user.filter(|_| form.password == PASSWORD) else {
        // The email is kept, as the return address is.
        let page =
            pages::login(&next, &form.email, Some("Unknown email or wrong password."), &crm.state().users, PASSWORD);
        return (StatusCode::UNAUTHORIZED, Html(page)).into_response();
    };
    let id = new_token("s_");
    crm.state().sessions.insert(id.clone(), WebSession { user_id: user.id.clone(), csrf: new_token("c_") });
    tracing::info!("demo CRM: {} signed in", user.email);
    ([(header::SET_COOKIE, kit::session_cookie(SESSION_COOKIE, &id))], Redirect::to(&next)).into_response()
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(State(crm): State<Crm>, signed_in: SignedIn, Form(form): Form<CsrfForm>) -> Response {
    if let Err(refused) = signed_in.check_csrf(&form.csrf) {
        return refused;
    }
    crm.state().sessions.retain(|_, s| s.csrf != signed_in.session.csrf);
    kit::signed_out(SESSION_COOKIE, "/login")
}

#[derive(Deserialize)]
pub struct StageForm {
    #[serde(default)]
    csrf: String,
    stage: String,
}

/// `POST /opportunities/{id}/stage`: a person sets the opportunity's stage.
pub async fn set_stage(
    State(crm): State<Crm>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<StageForm>,
) -> Response {
    if let Err(refused) = signed_in.check_csrf(&form.csrf) {
        return refused;
    }
    if !super::state::STAGES.iter().any(|s| s.id == form.stage) {
        return (
            StatusCode::BAD_REQUEST,
            Html(pages::message(Some(&signed_in.viewer()), "No such stage", "Choose a stage of the list.")),
        )
            .into_response();
    }
    let mut state = crm.state();
    match state.opportunities.iter_mut().find(|o| o.id == id && o.account_id == signed_in.account.id) {
        Some(opportunity) => {
            opportunity.stage = form.stage;
            Redirect::to(&format!("/opportunities/{id}")).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub async fn opportunity_list(State(crm): State<Crm>, signed_in: SignedIn) -> Html<String> {
    let state = crm.state();
    let mine: Vec<&Opportunity> = state.opportunities.iter().filter(|o| o.account_id == signed_in.account.id).collect();
    Html(pages::opportunity_list(&signed_in.viewer(), &mine))
}

pub async fn opportunity_page(State(crm): State<Crm>, signed_in: SignedIn, Path(id): Path<String>) -> Response {
    let viewer = signed_in.viewer();
    let (opportunity, owner, installed) = {
        let state = crm.state();
        let Some(opportunity) = state.opportunity_of(&signed_in.account.id, &id).cloned() else {
            // Another account's opportunity is as absent as a made-up one.
            return (
                StatusCode::NOT_FOUND,
                Html(pages::message(Some(&viewer), "Not found", &format!("No opportunity {id}."))),
            )
                .into_response();
        };
        let owner = state.user(&opportunity.owner_user_id).map(|u| u.name.clone()).unwrap_or_default();
        (opportunity, owner, state.installations.contains_key(&signed_in.account.id))
    };
    if !installed {
        return Html(pages::opportunity(&viewer, &opportunity, &owner, Panel::NotInstalled)).into_response();
    }
    match signing::sign_context(&opportunity, &signed_in.user, &crm.settings.client_secret, unix_now()) {
        Ok(context) => {
            let embed_url = format!("{}/embed/demo?context={context}", crm.settings.worker_url);
            let panel = Panel::Widget {
                embed_url: &embed_url,
                worker_origin: &crm.settings.worker_url,
                renew_url: &format!("/opportunities/{}/widget-url", opportunity.id),
            };
            Html(pages::opportunity(&viewer, &opportunity, &owner, panel)).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, Html(pages::message(Some(&viewer), "Error", &e))).into_response(),
    }
}

/// `GET /opportunities/{id}/widget-url`: the widget's URL with a new signed context, for
/// the opportunity page's script to hand a widget that renews its session (the demo CRM's
/// side of that protocol, `{type: "aurora-widget:renew"}`). Signed-in users of the
/// opportunity's account only, as the page itself.
pub async fn widget_url(State(crm): State<Crm>, signed_in: SignedIn, Path(id): Path<String>) -> Response {
    let opportunity = crm.state().opportunity_of(&signed_in.account.id, &id).cloned();
    let Some(opportunity) = opportunity else {
        return (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({ "error": "no such opportunity" })))
            .into_response();
    };
    match signing::sign_context(&opportunity, &signed_in.user, &crm.settings.client_secret, unix_now()) {
        Ok(context) => axum::Json(
            serde_json::json!({ "url": format!("{}/embed/demo?context={context}", crm.settings.worker_url) }),
        )
        .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(serde_json::json!({ "error": e }))).into_response(),
    }
}

pub async fn new_opportunity_page(signed_in: SignedIn) -> Html<String> {
    Html(pages::new_opportunity(&signed_in.viewer(), &pages::Typed::default(), None))
}

#[derive(Deserialize)]
pub struct NewOpportunityForm {
    #[serde(default)]
    csrf: String,
    name: String,
    customer: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
}

impl NewOpportunityForm {
    /// What was typed, to show again with an error.
    fn typed(&self) -> pages::Typed<'_> {
        pages::Typed {
            name: &self.name,
            customer: &self.customer,
            address: &self.address,
            latitude: &self.latitude,
            longitude: &self.longitude,
        }
    }

    /// The site the form describes, or what to fix.
    fn site(&self) -> Result<Site, &'static str> {
        if !self.address.trim().is_empty() {
            return Ok(Site::Address(self.address.trim().to_owned()));
        }
        match (self.latitude.trim().parse::<f64>(), self.longitude.trim().parse::<f64>()) {
            (Ok(latitude), Ok(longitude))
                if (-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude) =>
            {
                Ok(Site::Coordinates { latitude, longitude })
            }
            _ if self.latitude.trim().is_empty() && self.longitude.trim().is_empty() => {
                Err("Give an address, or latitude and longitude.")
            }
            _ => Err("Latitude must be between -90 and 90 and longitude between -180 and 180."),
        }
    }
}

/// Creates an opportunity, then tells subscribed apps (`opportunity.created`).
pub async fn create_opportunity(
    State(crm): State<Crm>,
    signed_in: SignedIn,
    Form(form): Form<NewOpportunityForm>,
) -> Response {
    if let Err(refused) = signed_in.check_csrf(&form.csrf) {
        return refused;
    }
    let site = match form.site() {
        Ok(site) if !form.name.trim().is_empty() && !form.customer.trim().is_empty() => site,
        Ok(_) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(pages::new_opportunity(&signed_in.viewer(), &form.typed(), Some("Give a name and a customer."))),
            )
                .into_response();
        }
        Err(message) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(pages::new_opportunity(&signed_in.viewer(), &form.typed(), Some(message))),
            )
                .into_response();
        }
    };
    let opportunity = {
        let mut state = crm.state();
        let id = format!("opp-{}", state.next_opportunity);
        state.next_opportunity += 1;
        let opportunity = Opportunity {
            id,
            account_id: signed_in.account.id.clone(),
            owner_user_id: signed_in.user.id.clone(),
            name: form.name.trim().to_owned(),
            customer: form.customer.trim().to_owned(),
            site,
            fields: Default::default(),
            activities: Vec::new(),
            stage: "qualified".into(),
            amount: None,
            attachments: Vec::new(),
        };
        state.opportunities.push(opportunity.clone());
        opportunity
    };
    tracing::info!("demo CRM: opportunity {} created in {}", opportunity.id, opportunity.account_id);
    webhooks::opportunity_created(&crm, &opportunity);
    Redirect::to(&format!("/opportunities/{}", opportunity.id)).into_response()
}

pub async fn marketplace(State(crm): State<Crm>, signed_in: SignedIn) -> Html<String> {
    let state = crm.state();
    let installed = state.installations.get(&signed_in.account.id).map(|i| {
        let by = state.user(&i.installed_by).map(|u| u.name.clone()).unwrap_or_default();
        (i.clone(), by)
    });
    // The app's install link, as registered with the CRM's marketplace.
    let install_url = format!("{}/install/demo/start", crm.settings.worker_url);
    Html(pages::marketplace(&signed_in.viewer(), installed.as_ref().map(|(i, by)| (i, by.as_str())), &install_url))
}

pub async fn logo() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "max-age=3600")], crate::listing::LOGO_SVG)
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        for (next, expected) in [
            ("/opportunities/opp-1", "/opportunities/opp-1"),
            ("//evil.example", "/"),
            ("/\\evil.example", "/"),
            ("/\t/evil.example", "/"),
            ("/\n/evil.example", "/"),
            ("https://evil.example", "/"),
            ("", "/"),
        ] {
            assert_eq!(super::local_path(next), expected, "{next:?}");
        }
    }
}
