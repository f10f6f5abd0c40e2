//! The local Pipedrive's pages: signing in, the deals list (with "Add deal"), the deal page
//! whose sidebar frames our panel and plays the app extensions SDK's host, and the
//! marketplace listing (install, uninstall).

use super::{
    Pipedrive,
    company::{Deal, PASSWORD, PdUser},
    now,
};
use axum::{
    Form, Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::kit::{
    self, attr,
    desk::{Desk, Sessions, SignInDesk},
    text,
};

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{t} - Pipedrive (local)</title>\
         <style>body{{font:14px system-ui;margin:0;background:#f5f5f5}}header{{background:#26292c;color:#fff;padding:8px 16px}}\
         main{{display:flex;gap:16px;padding:16px}}aside{{width:385px;flex:none}}section{{background:#fff;border-radius:6px;padding:12px;margin-bottom:12px}}\
         iframe{{display:block;border:0;width:100%}}body[data-theme=dark]{{background:#1b1c1d;color:#e3e4e6}}\
         body[data-theme=dark] section{{background:#2b2d2f}}</style></head><body><header>Pipedrive (local)</header><main>{body}</main></body></html>",
        t = text(title)
    ))
}

/// A page of a signed-in user: who, and the way out, first.
fn page_for(who: &str, title: &str, body: &str) -> Html<String> {
    kit::with_signed_in_bar(page(title, body), who, "/auth/logout", "pd")
}

/// Who signs in, and how: the kit's desk in Pipedrive's words.
impl SignInDesk for Pipedrive {
    type UserId = u64;
    type User = PdUser;

    fn desk(&self) -> Desk {
        Desk {
            cookie: "pd_session",
            path: "/auth/login",
            sign_out: ("/auth/logout", false),
            back_field: "return_url",
            user_field: ("email", "Email"),
            title: ("Log in", "Log in"),
            button: "Log in",
            test_ids: "pd",
            password: PASSWORD,
            wrong: "Wrong email or password.",
            landing: "/",
        }
    }

    fn with_sessions<R>(&self, f: impl FnOnce(&mut Sessions<u64>) -> R) -> R {
        f(&mut self.data().web_sessions)
    }

    fn user(&self, id: &u64) -> Option<PdUser> {
        self.data().user(*id).cloned()
    }

    fn named(&self, name: &str) -> Option<u64> {
        self.data().users.iter().find(|u| u.email == name).map(|u| u.id)
    }

    fn people(&self) -> Vec<(String, &'static str)> {
        self.data().users.iter().map(|u| (u.email.clone(), if u.is_admin { "admin" } else { "" })).collect()
    }

    fn page(&self, title: &str, body: &str) -> Html<String> {
        page(title, body)
    }
}

/// `GET /`: the deals of the signed-in user's company, and "Add deal".
pub async fn home(State(pd): State<Pipedrive>, headers: HeaderMap) -> Response {
    let Some(user) = pd.signed_in(&headers) else { return pd.to_sign_in("/") };
    let data = pd.data();
    let deals: String = data
        .deals
        .iter()
        .filter(|d| d.company_id == user.company_id && data.permitted_users(d).contains(&user.id))
        .map(|d| format!("<li><a href=/deal/{} data-testid=pd-deal>{}</a></li>", d.id, text(&d.title)))
        .collect();
    let orgs: String = data
        .organizations
        .iter()
        .filter(|o| o.company_id == user.company_id)
        .map(|o| format!("<option value={}>{}</option>", o.id, text(&o.name)))
        .collect();
    page_for(&user.email,
        "Deals",
        &format!(
            "<section><h1>Deals</h1><p>{} ({})</p><ul>{deals}</ul><form method=post action=/deals/new>\
             <label>Title <input name=title required data-testid=pd-new-title></label> <label>Organization <select name=org_id>{orgs}</select></label> \
             <button data-testid=pd-new-save>Add deal</button></form></section>",
            text(&user.name),
            text(&data.company(user.company_id).map(|c| c.name.clone()).unwrap_or_default())
        ),
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct NewDeal {
    title: String,
    org_id: u64,
}

/// `POST /deals/new`: the deal, and its webhooks.
pub async fn new_deal(State(pd): State<Pipedrive>, headers: HeaderMap, Form(form): Form<NewDeal>) -> Response {
    let Some(user) = pd.signed_in(&headers) else { return pd.to_sign_in("/") };
    let id = {
        let mut data = pd.data();
        if !data.organizations.iter().any(|o| o.id == form.org_id && o.company_id == user.company_id) {
            return (StatusCode::BAD_REQUEST, page("Error", "No such organization")).into_response();
        }
        let id = data.deals.iter().map(|d| d.id).max().unwrap_or(0) + 1;
        data.deals.push(Deal {
            id,
            company_id: user.company_id,
            title: form.title.trim().chars().take(120).collect(),
            org_id: Some(form.org_id),
            person_id: None,
            owner_id: user.id,
            visible_to: 3,
            custom_fields: Default::default(),
        });
        id
    };
    pd.deliver_new_deal(user.company_id, id, user.id);
    Redirect::to(&format!("/deal/{id}")).into_response()
}

/// The panel's JWT: HS256 with the client secret (no panel JWT secret set), 5 minutes.
fn panel_jwt(pd: &Pipedrive, user: &PdUser) -> String {
    let now = now();
    let claims = json!({ "userId": user.id, "companyId": user.company_id, "iat": now, "exp": now + 300 });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(pd.client_secret.as_bytes()),
    )
    .unwrap_or_default()
}

/// `GET /deal/{id}`: the deal, with our panel in its sidebar when the company has the app.
pub async fn deal_page(State(pd): State<Pipedrive>, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let Some(user) = pd.signed_in(&headers) else { return pd.to_sign_in(&format!("/deal/{id}")) };
    let mut data = pd.data();
    let visible =
        |d: &&Deal| d.id == id && d.company_id == user.company_id && data.permitted_users(d).contains(&user.id);
    let Some(deal) = data.deals.iter().find(visible).cloned() else {
        return (
            StatusCode::NOT_FOUND,
            page("Not found", "<section><h1>Not found</h1>This deal does not exist or you have no access.</section>"),
        )
            .into_response();
    };
    // The panel shows only to users who installed the app.
    let installed = data.company(user.company_id).is_some_and(|c| c.installed && c.installed_for.contains(&user.id));
    let fields: String = deal
        .custom_fields
        .iter()
        .filter_map(|(key, value)| {
            data.deal_fields.iter().find(|f| &f.key == key).map(|f| (f.name.clone(), value.clone()))
        })
        .map(|(name, value)| {
            format!("<dt>{}</dt><dd data-testid=\"pd-field\">{}</dd>", text(&name), text(&value.to_string()))
        })
        .collect();
    let panel = if installed {
        let runtime = uuid::Uuid::new_v4().to_string();
        data.panels.insert(runtime.clone(), (user.id, deal.id));
        drop(data);
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("userId", &user.id.to_string())
            .append_pair("companyId", &user.company_id.to_string())
            .append_pair("token", &panel_jwt(&pd, &user))
            .append_pair("id", &runtime)
            .append_pair("resource", "deal")
            .append_pair("view", "details")
            .append_pair("selectedIds", &deal.id.to_string())
            // The user's theme, as Pipedrive passes it (the SDK reads `?theme=dark|light`).
            .append_pair("theme", if user.dark_theme { "dark" } else { "light" })
            .finish();
        format!(
            "<section id=panel data-testid=pd-panel><h3>Aurora Solar</h3>\
             <iframe id=panel-frame data-testid=pd-panel-frame title=\"Aurora Solar\" style=\"height:500px\" src=\"{src}\"></iframe></section>\
             <form method=post action=/sandbox/theme><button data-testid=pd-theme>Switch the theme (the user's setting)</button></form>\
             <script>{script}</script>",
            src = attr(&format!("{}/embed/pipedrive?{query}", pd.worker_url)),
            script = HOST_SCRIPT
                .replace("__RUNTIME__", &json!(runtime).to_string())
                .replace("__THEME__", &json!(if user.dark_theme { "dark" } else { "light" }).to_string()),
        )
    } else {
        drop(data);
        "<section data-testid=pd-no-panel>Aurora Solar for CRMs is not installed.</section>".to_owned()
    };
    page_for(
        &user.email,
        &deal.title,
        &format!(
            "<aside>{panel}</aside><section style=\"flex:1\"><p>Deal</p><h1 data-testid=pd-deal-title>{}</h1><dl>{fields}</dl></section>",
            text(&deal.title)
        ),
    )
    .into_response()
}

/// The SDK's host side, for one panel: commands and listeners from the panel's window with
/// its runtime id, answered over the port they transfer; nothing but `initialize` before
/// `initialize`; `resize` clamped to 100..750 px; the panel hidden when `initialize` has not
/// arrived within 10 seconds. The user's theme switched on the page (its form, submitted
/// here without a reload) goes to every `user_settings_change` listener as `{data: {theme}}`.
const HOST_SCRIPT: &str = "\
const frame = document.getElementById('panel-frame'); const panel = document.getElementById('panel');
const runtime = __RUNTIME__; let initialized = false; let resizes = 0; const listeners = {};
document.body.dataset.theme = __THEME__;
document.querySelector('form[action=\"/sandbox/theme\"]').addEventListener('submit', (e) => {
  e.preventDefault();
  fetch('/sandbox/theme', { method: 'POST' }).then((r) => r.json()).then((j) => {
    document.body.dataset.theme = j.theme;
    for (const port of listeners['user_settings_change'] || []) port.postMessage({ data: { theme: j.theme } });
  });
});
function setHeight(h) { const c = Math.max(100, Math.min(750, Math.round(h))); frame.style.height = c + 'px'; frame.dataset.height = String(c); }
window.addEventListener('message', (e) => {
  if (e.source !== frame.contentWindow) return;
  const m = e.data; if (!m || m.id !== runtime || !m.payload) return;
  const port = e.ports && e.ports[0]; const p = m.payload;
  const reply = (data, error) => { if (port) port.postMessage(error ? { error } : { data }); };
  if (p.type === 'command') {
    frame.dataset.lastCommand = JSON.stringify(m);
    if (p.command !== 'initialize' && !initialized) return reply(null, 'SDK is not initialized');
    if (p.command === 'initialize') {
      initialized = true; frame.dataset.initializedAt = String(performance.now());
      if (p.args && p.args.size && typeof p.args.size.height === 'number') setHeight(p.args.size.height);
      return reply(null);
    }
    if (p.command === 'resize') {
      if (!p.args || typeof p.args.height !== 'number') return reply(null, 'height must be a number');
      setHeight(p.args.height); resizes += 1; frame.dataset.resizes = String(resizes); return reply(null);
    }
    if (p.command === 'get_signed_token') {
      frame.dataset.signedTokens = String((+frame.dataset.signedTokens || 0) + 1);
      fetch('/sandbox/panel-token?runtime=' + encodeURIComponent(runtime)).then((r) => r.json()).then((j) => reply({ token: j.token }));
      return;
    }
    return reply(null, 'command ' + p.command + ' is not supported by the local Pipedrive');
  }
  if (p.type === 'listener' && port) (listeners[p.event] = listeners[p.event] || []).push(port);
});
setTimeout(() => { if (!initialized) { frame.style.display = 'none'; panel.dataset.hidden = 'initialize-timeout'; } }, 10000);
";

/// `POST /sandbox/theme`: the signed-in user switches their Pipedrive theme (light <->
/// dark); answers the new one. The deal page tells the panel's listeners.
pub async fn switch_theme(State(pd): State<Pipedrive>, headers: HeaderMap) -> Response {
    let Some(user) = pd.signed_in(&headers) else { return StatusCode::UNAUTHORIZED.into_response() };
    let mut data = pd.data();
    let Some(user) = data.users.iter_mut().find(|u| u.id == user.id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    user.dark_theme = !user.dark_theme;
    Json(json!({ "theme": if user.dark_theme { "dark" } else { "light" } })).into_response()
}

#[derive(Debug, Deserialize)]
pub struct PanelTokenQuery {
    runtime: String,
}

/// `GET /sandbox/panel-token?runtime=`: the SDK's `get_signed_token`, for a panel this
/// Pipedrive framed.
pub async fn panel_token(State(pd): State<Pipedrive>, Query(query): Query<PanelTokenQuery>) -> Response {
    let user = {
        let data = pd.data();
        data.panels.get(&query.runtime).and_then(|(user, _)| data.user(*user).cloned())
    };
    match user {
        Some(user) => Json(json!({ "token": panel_jwt(&pd, &user) })).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "error": "no such panel" }))).into_response(),
    }
}

/// `GET /marketplace`: our listing; "Install now" starts the app's OAuth install.
pub async fn marketplace(State(pd): State<Pipedrive>, headers: HeaderMap) -> Response {
    let Some(user) = pd.signed_in(&headers) else { return pd.to_sign_in("/marketplace") };
    let installed = pd.data().company(user.company_id).is_some_and(|c| c.installed_for.contains(&user.id));
    let action = if installed {
        "<form method=post action=/marketplace/uninstall><button data-testid=pd-uninstall>Uninstall</button></form>"
            .to_owned()
    } else {
        // "Install now" opens Pipedrive's own consent, which calls back with a code and no
        // `state` ("The usage of the state parameter is unavailable when installing from the
        // Marketplace": https://pipedrive.readme.io/docs/marketplace-oauth-authorization).
        let install = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &pd.settings.client_id)
            .append_pair("redirect_uri", &pd.callback_url())
            .finish();
        format!("<a href=\"/oauth/authorize?{}\" data-testid=pd-install>Install now</a>", attr(&install))
    };
    page_for(&user.email,
        "Marketplace",
        &format!("<section data-testid=pd-listing><h1>Aurora Solar for CRMs</h1><p>Aurora Solar projects and designs on your deals.</p>{action}</section>"),
    )
    .into_response()
}

/// `POST /marketplace/uninstall`: the app goes, and Pipedrive tells it with a `DELETE` to
/// its callback URL (HTTP Basic client credentials; the answer is not read).
pub async fn uninstall(State(pd): State<Pipedrive>, headers: HeaderMap) -> Response {
    let Some(user) = pd.signed_in(&headers) else { return pd.to_sign_in("/marketplace") };
    if !user.is_admin {
        // A user uninstalls for themself only.
        if let Some(company) = pd.data().companies.iter_mut().find(|c| c.id == user.company_id) {
            company.installed_for.retain(|u| *u != user.id);
        }
        return Redirect::to("/marketplace").into_response();
    }
    pd.data().uninstall(user.company_id);
    let body = json!({
        "client_id": pd.settings.client_id, "company_id": user.company_id, "user_id": user.id,
        "timestamp": chrono::Utc::now().to_rfc3339(),
    });
    let _ = pd
        .http
        .delete(pd.callback_url())
        .basic_auth(&pd.settings.client_id, Some(pd.client_secret.as_str()))
        .json(&body)
        .send()
        .await;
    Redirect::to("/marketplace").into_response()
}
