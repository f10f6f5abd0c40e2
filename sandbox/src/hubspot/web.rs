//! The local HubSpot's pages: signing in, the deals list (with "Create deal"), the deal
//! record page that runs our app card and hosts its iframe modal, the marketplace listing
//! (install, uninstall), and the card's `hubspot.fetch` as HubSpot proxies it.

use super::{
    HubSpot,
    portal::{Deal, HsUser, PASSWORD},
    signing,
};
use axum::{
    Form, Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

/// Largest request and answer `hubspot.fetch` carries.
const FETCH_LIMIT: usize = 1024 * 1024;

use crate::kit::{
    self, attr,
    desk::{Desk, Sessions, SignInDesk},
    text,
};

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{t} | HubSpot (local)</title>\
         <style>body{{font:14px system-ui;margin:0;background:#f5f8fa;color:#33475b}}header{{background:#2d3e50;color:#fff;padding:8px 16px}}\
         main{{display:flex;gap:16px;padding:16px}}section{{background:#fff;border:1px solid #cbd6e2;border-radius:4px;padding:12px;margin-bottom:12px}}\
         #hs-modal{{position:fixed;inset:0;background:rgba(45,62,80,.6);display:flex;align-items:center;justify-content:center}}\
         #hs-modal[hidden]{{display:none}}#hs-modal .box{{background:#fff;border-radius:4px;display:flex;flex-direction:column;max-height:96vh;max-width:96vw;overflow:auto}}\
         #hs-modal .bar{{display:flex;justify-content:space-between;padding:6px 12px;background:#2d3e50;color:#fff}}\
         #hs-modal iframe{{border:0;display:block}}</style></head><body><header>HubSpot (local)</header><main>{body}</main></body></html>",
        t = text(title)
    ))
}

/// A page of a signed-in user: who, and the way out, first.
fn page_for(who: &str, title: &str, body: &str) -> Html<String> {
    kit::with_signed_in_bar(page(title, body), who, "/logout", "hs")
}

/// Who signs in, and how: the kit's desk in HubSpot's words.
impl SignInDesk for HubSpot {
    type UserId = u64;
    type User = HsUser;

    fn desk(&self) -> Desk {
        Desk {
            cookie: "hs_session",
            path: "/login",
            sign_out: ("/logout", false),
            back_field: "loginRedirectUrl",
            user_field: ("email", "Email"),
            title: ("Log in", "Log in to HubSpot"),
            button: "Log in",
            test_ids: "hs",
            password: PASSWORD,
            wrong: "Wrong email or password.",
            landing: "/",
        }
    }

    fn with_sessions<R>(&self, f: impl FnOnce(&mut Sessions<u64>) -> R) -> R {
        f(&mut self.data().web_sessions)
    }

    fn user(&self, id: &u64) -> Option<HsUser> {
        self.data().user(*id).cloned()
    }

    fn named(&self, name: &str) -> Option<u64> {
        self.data().users.iter().find(|u| u.email == name).map(|u| u.id)
    }

    fn people(&self) -> Vec<(String, &'static str)> {
        self.data().users.iter().map(|u| (u.email.clone(), if u.super_admin { "Super Admin" } else { "" })).collect()
    }

    fn page(&self, title: &str, body: &str) -> Html<String> {
        page(title, body)
    }
}

/// `GET /`: the portal's deals, and "Create deal".
pub async fn home(State(hs): State<HubSpot>, headers: HeaderMap) -> Response {
    let Some(user) = hs.signed_in(&headers) else { return hs.to_sign_in("/") };
    let data = hs.data();
    let deals: String = data
        .deals
        .iter()
        .filter(|d| d.portal_id == user.portal_id)
        .map(|d| {
            format!(
                "<li><a href=/deal/{} data-testid=hs-deal>{}</a></li>",
                d.id,
                text(d.properties.get("dealname").map_or("", String::as_str))
            )
        })
        .collect();
    let companies: String = data
        .companies
        .iter()
        .filter(|c| c.portal_id == user.portal_id)
        .map(|c| {
            format!("<option value={}>{}</option>", c.id, text(c.properties.get("name").map_or("", String::as_str)))
        })
        .collect();
    let portal = data.portal(user.portal_id).map(|p| p.name.clone()).unwrap_or_default();
    page_for(&user.email,
        "Deals",
        &format!(
            "<section><h1>Deals</h1><p>{} ({})</p><ul>{deals}</ul><form method=post action=/deals/new>\
             <label>Deal name <input name=dealname required data-testid=hs-new-name></label> <label>Company <select name=company_id>{companies}</select></label> \
             <button data-testid=hs-new-save>Create deal</button></form></section>",
            text(&user.email),
            text(&portal)
        ),
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct NewDeal {
    dealname: String,
    company_id: u64,
}

/// `POST /deals/new`: the deal, associated with the company, and its webhooks.
pub async fn new_deal(State(hs): State<HubSpot>, headers: HeaderMap, Form(form): Form<NewDeal>) -> Response {
    let Some(user) = hs.signed_in(&headers) else { return hs.to_sign_in("/") };
    let id = {
        let mut data = hs.data();
        if !data.companies.iter().any(|c| c.id == form.company_id && c.portal_id == user.portal_id) {
            return (StatusCode::BAD_REQUEST, page("Error", "No such company")).into_response();
        }
        let id = data.deals.iter().map(|d| d.id).max().unwrap_or(5000) + 1;
        let name: String = form.dealname.trim().chars().take(120).collect();
        data.deals.push(Deal {
            id,
            portal_id: user.portal_id,
            properties: [("dealname".to_owned(), name), ("dealstage".to_owned(), "appointmentscheduled".to_owned())]
                .into(),
            company_id: Some(form.company_id),
            other_company_ids: Vec::new(),
            contact_id: None,
        });
        id
    };
    hs.deliver_new_deal(user.portal_id, id);
    Redirect::to(&format!("/deal/{id}")).into_response()
}

/// JSON for an inline script: `</script>` cannot end it early.
fn script_json(value: &Value) -> String {
    value.to_string().replace("</", "<\\/")
}

/// `GET /deal/{id}`: the deal record, with our card in its tab when the portal has the app.
pub async fn deal_page(State(hs): State<HubSpot>, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let Some(user) = hs.signed_in(&headers) else { return hs.to_sign_in(&format!("/deal/{id}")) };
    let data = hs.data();
    let Some(deal) = data.deals.iter().find(|d| d.id == id && d.portal_id == user.portal_id).cloned() else {
        return (
            StatusCode::NOT_FOUND,
            page("Not found", "<section><h1>Not found</h1>This deal does not exist or you have no access.</section>"),
        )
            .into_response();
    };
    let installed = data.portal(user.portal_id).is_some_and(|p| p.installed);
    let notes: Vec<String> = data
        .notes
        .iter()
        .filter(|n| n.deal_id == deal.id)
        .rev()
        .map(|n| {
            let files: Vec<&str> =
                data.files.iter().filter(|f| n.attachments.contains(&f.id)).map(|f| f.name.as_str()).collect();
            let attached = if files.is_empty() { String::new() } else { format!("\nAttached: {}", files.join(", ")) };
            format!("{}{attached}", crate::kit::note_text(&n.body))
        })
        .collect();
    drop(data);
    let properties: String = deal
        .properties
        .iter()
        .filter(|(name, _)| name.starts_with("aurora_") || matches!(name.as_str(), "dealstage" | "amount"))
        .map(|(name, value)| {
            format!("<dt>{}</dt><dd data-testid=\"hs-property-{}\">{}</dd>", text(name), attr(name), text(value))
        })
        .collect();
    let card = if installed {
        let host = json!({
            "context": {
                "location": "crm.record.tab",
                "crm": { "objectId": deal.id, "objectTypeId": "0-3" },
                "portal": { "id": user.portal_id, "timezone": "US/Pacific", "dataHostingLocation": "na1" },
                "user": { "id": user.id, "email": user.email, "locale": "en-us" },
            },
            "fetchProxy": "/sandbox/card-fetch",
        });
        format!(
            "<section data-testid=hs-card><h3>Aurora Solar</h3><div id=hs-card-root></div></section>\
             <div id=hs-modal hidden data-testid=hs-modal><div class=box><div class=bar><span id=hs-modal-title></span> \
             <button id=hs-modal-close data-testid=hs-modal-close aria-label=Close>&times;</button></div>\
             <iframe id=hs-modal-frame data-testid=hs-modal-frame title=\"Aurora Solar\"></iframe></div></div>\
             <script>window.__HUBSPOT_LOCAL__ = {}; window.__AURORA_WORKER_URL__ = {};</script>\
             <script src=/card/deal-card.js></script>",
            script_json(&host),
            script_json(&Value::String(hs.worker_url.clone())),
        )
    } else {
        "<section data-testid=hs-no-card>Aurora Solar for CRMs is not installed.</section>".to_owned()
    };
    let notes: String = notes.iter().map(|n| format!("<li data-testid=hs-note><pre>{}</pre></li>", text(n))).collect();
    let activity = if notes.is_empty() { "<p>No activities yet.</p>".to_owned() } else { format!("<ol>{notes}</ol>") };
    let name = deal.properties.get("dealname").cloned().unwrap_or_default();
    page_for(
        &user.email,
        &name,
        &format!("<section style=\"flex:1\"><p>Deal</p><h1 data-testid=hs-deal-name>{}</h1><dl>{properties}</dl><h2>Activity</h2>{activity}</section><section style=\"flex:2\">{card}</section>", text(&name)),
    )
    .into_response()
}

/// `GET /connected-apps/{app_id}/settings`: the app's settings page in HubSpot (its
/// `settings` UI extension, under Marketplace > Connected apps > the app > Settings:
/// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/extension-points/create-a-settings-page),
/// for a user of a portal that installed the app. Its calls go through the same
/// `hubspot.fetch` proxy as the card's.
pub async fn app_settings(State(hs): State<HubSpot>, headers: HeaderMap, Path(app_id): Path<String>) -> Response {
    let here = format!("/connected-apps/{app_id}/settings");
    let Some(user) = hs.signed_in(&headers) else { return hs.to_sign_in(&here) };
    let installed = hs.data().portal(user.portal_id).is_some_and(|p| p.installed);
    if app_id != hs.settings.app_id.to_string() || !installed {
        return (
            StatusCode::NOT_FOUND,
            page("Not found", "<section><h1>Not found</h1>No such app is connected.</section>"),
        )
            .into_response();
    }
    let host = json!({
        "context": {
            "location": "settings",
            "portal": { "id": user.portal_id, "timezone": "US/Pacific", "dataHostingLocation": "na1" },
            "user": { "id": user.id, "email": user.email, "locale": "en-us" },
        },
        "fetchProxy": "/sandbox/card-fetch",
    });
    page_for(
        &user.email,
        "Aurora Solar settings",
        &format!(
            "<section style=\"flex:1\" data-testid=hs-settings><p>Connected apps</p><h1>Aurora Solar</h1><p>Settings</p>\
             <div id=hs-card-root></div></section>\
             <script>window.__HUBSPOT_LOCAL__ = {}; window.__AURORA_WORKER_URL__ = {};</script>\
             <script src=/card/settings.js></script>",
            script_json(&host),
            script_json(&Value::String(hs.worker_url.clone())),
        ),
    )
    .into_response()
}

/// `GET /card/deal-card.js`: the app card, as `cargo xtask build` bundled it.
pub async fn card_bundle(State(hs): State<HubSpot>) -> Response {
    bundle(&hs.settings.card_js)
}

/// `GET /card/settings.js`: the app's settings page, bundled beside the card.
pub async fn settings_bundle(State(hs): State<HubSpot>) -> Response {
    bundle(&hs.settings.card_js.with_file_name("settings.js"))
}

fn bundle(path: &std::path::Path) -> Response {
    match std::fs::read(path) {
        Ok(bytes) => {
            ([(header::CONTENT_TYPE, "text/javascript"), (header::CACHE_CONTROL, "no-store")], bytes).into_response()
        }
        Err(_) => {
            (StatusCode::NOT_FOUND, format!("{} is missing: run `cargo xtask build`", path.display())).into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CardFetch {
    url: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    body: Option<Value>,
}

/// `POST /sandbox/card-fetch`: `hubspot.fetch` as HubSpot's proxy runs it for the card of
/// the signed-in user: only to the app's `permittedUrls.fetch`, JSON bodies only, 1 MB
/// and 15 seconds at most; `appId`, `portalId`, `userId` and `userEmail` appended to the
/// query; signed v3 over the URL it calls. Answers `{status, body}` for the card.
pub async fn card_fetch(State(hs): State<HubSpot>, headers: HeaderMap, Json(call): Json<CardFetch>) -> Response {
    let Some(user) = hs.signed_in(&headers) else { return StatusCode::UNAUTHORIZED.into_response() };
    if !hs.data().portal(user.portal_id).is_some_and(|p| p.installed) {
        return (StatusCode::FORBIDDEN, "the app is not installed in this account").into_response();
    }
    let permitted = call.url == hs.worker_url || call.url.starts_with(&format!("{}/", hs.worker_url));
    if !permitted || call.url.contains('#') {
        return (StatusCode::FORBIDDEN, "the URL is not in the app's permittedUrls.fetch").into_response();
    }
    let method = call.method.unwrap_or_else(|| "GET".into()).to_ascii_uppercase();
    if !["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method.as_str()) {
        return (StatusCode::BAD_REQUEST, "unsupported method").into_response();
    }
    let body = match &call.body {
        Some(value) if method != "GET" => serde_json::to_vec(value).unwrap_or_default(),
        _ => Vec::new(),
    };
    if body.len() > FETCH_LIMIT {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request over 1 MB").into_response();
    }
    let mut appended = vec![("appId", hs.settings.app_id.to_string())];
    if hs.settings.fetch_identity == super::FetchIdentity::Appended {
        appended.extend([
            ("portalId", user.portal_id.to_string()),
            ("userId", user.id.to_string()),
            ("userEmail", user.email.clone()),
        ]);
    }
    let identity = form_urlencoded::Serializer::new(String::new()).extend_pairs(appended).finish();
    let separator = if call.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}{identity}", call.url);
    let (signature, timestamp) = signing::sign(&hs.client_secret, &method, &url, &body, signing::now_ms());
    let mut request = hs
        .http
        .request(method.parse().unwrap_or(reqwest::Method::GET), &url)
        .header("X-HubSpot-Signature-v3", signature)
        .header("X-HubSpot-Request-Timestamp", timestamp)
        .timeout(std::time::Duration::from_secs(15));
    if !body.is_empty() {
        request = request.header("Content-Type", "application/json").body(body);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            if text.len() > FETCH_LIMIT {
                return (StatusCode::BAD_GATEWAY, "response over 1 MB").into_response();
            }
            Json(json!({ "status": status, "body": text })).into_response()
        }
        Err(error) => {
            (StatusCode::GATEWAY_TIMEOUT, format!("the app's server did not answer: {error}")).into_response()
        }
    }
}

/// `GET /marketplace`: our listing; "Install app" starts the app's OAuth install.
pub async fn marketplace(State(hs): State<HubSpot>, headers: HeaderMap) -> Response {
    let Some(user) = hs.signed_in(&headers) else { return hs.to_sign_in("/marketplace") };
    let installed = hs.data().portal(user.portal_id).is_some_and(|p| p.installed);
    let action = if installed {
        // Marketplace > Connected apps > the app > Settings, where its settings page shows.
        format!(
            "<p><a href=\"/connected-apps/{}/settings\" data-testid=hs-app-settings>Settings</a></p>\
             <form method=post action=/marketplace/uninstall><button data-testid=hs-uninstall>Uninstall</button></form>",
            hs.settings.app_id
        )
    } else {
        // HubSpot's own install URL, as the app's Auth tab shows it and a listing's Install
        // button uses: the client, the redirect URL and the scopes, no `state`
        // (https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide).
        let install = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &hs.settings.client_id)
            .append_pair("redirect_uri", &hs.redirect_url())
            .append_pair("scope", &super::oauth::declared_scopes("requiredScopes").join(" "))
            .append_pair("optional_scope", &super::oauth::declared_scopes("optionalScopes").join(" "))
            .finish();
        format!("<a href=\"/oauth/authorize?{}\" data-testid=hs-install>Install app</a>", attr(&install))
    };
    page_for(&user.email,
        "App Marketplace",
        &format!("<section data-testid=hs-listing><h1>Aurora Solar for CRMs</h1><p>Aurora Solar projects and designs on your deals.</p>{action}</section>"),
    )
    .into_response()
}

/// `POST /marketplace/uninstall`: the app's grants end; its calls are refused from then on.
/// HubSpot calls no one about it: the app's journal records it (when the app subscribed).
pub async fn uninstall(State(hs): State<HubSpot>, headers: HeaderMap) -> Response {
    let Some(user) = hs.signed_in(&headers) else { return hs.to_sign_in("/marketplace") };
    let mut data = hs.data();
    data.uninstall(user.portal_id);
    data.journal.record_uninstall(user.portal_id, hs.settings.app_id, hs.settings.journal_events);
    drop(data);
    Redirect::to("/marketplace").into_response()
}
