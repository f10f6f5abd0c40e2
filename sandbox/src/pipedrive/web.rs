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
            stage_id: 1,
            status: "open".into(),
            value: None,
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
    let notes: String = data
        .notes
        .iter()
        .filter(|n| n.deal_id == deal.id)
        .rev()
        .map(|n| format!("<li data-testid=pd-note><pre>{}</pre></li>", text(&crate::kit::note_text(&n.content))))
        .collect();
    let stage = super::company::STAGES.iter().find(|(id, _, _)| *id == deal.stage_id).map_or("", |(_, name, _)| name);
    let fields = format!("<dt>Stage</dt><dd data-testid=pd-stage>{}</dd>{fields}", text(stage));
    let history = if notes.is_empty() { "<p>No notes yet.</p>".to_owned() } else { format!("<ol>{notes}</ol>") };
    let files: String = data
        .files
        .iter()
        .filter(|f| f.deal_id == deal.id)
        .map(|f| format!("<li data-testid=pd-file>{}</li>", text(&f.name)))
        .collect();
    let history = if files.is_empty() { history } else { format!("{history}<h2>Files</h2><ul>{files}</ul>") };
    let panel = if installed {
        let runtime = uuid::Uuid::new_v4().to_string();
        data.panels.insert(runtime.clone(), (user.id, deal.id));
        drop(data);
        format!(
            "<section id=app-surface data-testid=pd-panel><h3 style=\"display:flex;justify-content:space-between;margin:0 0 8px\">Aurora Solar\
             <button type=button id=panel-collapse data-testid=pd-panel-collapse aria-expanded=true aria-controls=app-frame>Collapse</button></h3>\
             <iframe id=app-frame data-testid=pd-panel-frame title=\"Aurora Solar\" style=\"height:500px\" src=\"{src}\"></iframe></section>\
             <form method=post action=/sandbox/theme><button data-testid=pd-theme>Switch the theme (the user's setting)</button></form>\
             <div id=pd-snackbar data-testid=pd-snackbar role=status style=\"position:fixed;left:16px;bottom:16px\"></div>\
             <script>{script}</script>",
            src = attr(&frame_url(&pd, &user, &runtime, Some(deal.id), None)),
            script = host_script(&pd, &user, &runtime, "panel"),
        )
    } else {
        drop(data);
        "<section data-testid=pd-no-panel>Aurora Solar for CRMs is not installed.</section>".to_owned()
    };
    page_for(
        &user.email,
        &deal.title,
        &format!(
            "<aside>{panel}</aside><section style=\"flex:1\"><p>Deal</p><h1 data-testid=pd-deal-title>{}</h1><dl>{fields}</dl><h2>History</h2>{history}</section>",
            text(&deal.title)
        ),
    )
    .into_response()
}

/// The SDK's host side ([`HOST_SCRIPT`]) for the frame `#app-frame` of `kind` (`panel` or
/// `settings`), with the runtime id Pipedrive gave it.
fn host_script(pd: &Pipedrive, user: &PdUser, runtime: &str, kind: &str) -> String {
    HOST_SCRIPT
        .replace("__RUNTIME__", &json!(runtime).to_string())
        .replace("__KIND__", &json!(kind).to_string())
        .replace("__THEME__", &json!(if user.dark_theme { "dark" } else { "light" }).to_string())
        .replace("__MODAL_ID__", &json!(pd.settings.design_modal_id).to_string())
        .replace("__MODAL_NAME__", &json!(super::DESIGN_MODAL_NAME).to_string())
}

/// `GET /settings/marketplace/app/{client_id}/app-settings`: our app's settings inside
/// Pipedrive's Settings (the deep link Pipedrive documents for them), as its custom UI for
/// app settings: an iframe of the settings' URL in Developer Hub with the query of every
/// custom UI extension (https://pipedrive.readme.io/docs/custom-ui-extensions-app-settings).
/// Only a user who installed the app has it.
pub async fn app_settings(State(pd): State<Pipedrive>, headers: HeaderMap, Path(client_id): Path<String>) -> Response {
    let here = format!("/settings/marketplace/app/{client_id}/app-settings");
    let Some(user) = pd.signed_in(&headers) else { return pd.to_sign_in(&here) };
    let mut data = pd.data();
    let installed = data.company(user.company_id).is_some_and(|c| c.installed && c.installed_for.contains(&user.id));
    if client_id != pd.settings.client_id || !installed {
        return (
            StatusCode::NOT_FOUND,
            page("Not found", "<section><h1>Not found</h1>No such app is installed.</section>"),
        )
            .into_response();
    }
    let runtime = uuid::Uuid::new_v4().to_string();
    data.panels.insert(runtime.clone(), (user.id, 0));
    drop(data);
    let query = frame_url(&pd, &user, &runtime, None, None);
    let src = query.replacen("/embed/pipedrive?", "/crm-settings/pipedrive?", 1);
    page_for(
        &user.email,
        "Aurora Solar settings",
        &format!(
            "<section id=app-surface data-testid=pd-settings style=\"flex:1\"><p>Tools and apps &gt; Marketplace apps</p>\
             <h1>Aurora Solar</h1>\
             <iframe id=app-frame data-testid=pd-settings-frame title=\"Aurora Solar settings\" style=\"height:600px\" src=\"{src}\"></iframe></section>\
             <form method=post action=/sandbox/theme hidden><button>theme</button></form>\
             <div id=pd-snackbar role=status></div><script>{script}</script>",
            src = attr(&src),
            script = host_script(&pd, &user, &runtime, "settings"),
        ),
    )
    .into_response()
}

/// Our frame's URL with the query Pipedrive gives a custom UI extension
/// (https://pipedrive.readme.io/docs/custom-ui-extensions): the user, the company, the JWT,
/// the runtime id, the selection when there is one, the theme (the SDK reads `?theme=`),
/// and a custom modal's `data` as stringified JSON (app-extensions-sdk README).
fn frame_url(pd: &Pipedrive, user: &PdUser, runtime: &str, selection: Option<u64>, data: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("userId", &user.id.to_string())
        .append_pair("companyId", &user.company_id.to_string())
        .append_pair("token", &panel_jwt(pd, user))
        .append_pair("id", runtime);
    if let Some(deal) = selection {
        query
            .append_pair("resource", "deal")
            .append_pair("view", "details")
            .append_pair("selectedIds", &deal.to_string());
    }
    query.append_pair("theme", if user.dark_theme { "dark" } else { "light" });
    if let Some(data) = data {
        query.append_pair("data", data);
    }
    format!("{}/embed/pipedrive?{}", pd.worker_url, query.finish())
}

/// The SDK's host side, for the panel and the custom modal it opens: commands and
/// listeners from each frame's window with its runtime id, answered over the port they
/// transfer; nothing but `initialize` before `initialize`; a frame hidden when `initialize`
/// has not arrived within 10 seconds. Sizes as the SDK's README has them: a panel's height
/// 100..750 (its width fixed), a modal at least 120 high and 320 wide, at most the window.
/// `open_modal` opens our custom modal by its id or name (anything else is refused) with
/// its `data`, and answers `{status: "closed"}` once it closes (its close button, or
/// `close_modal` from inside), when the panel also hears `close_custom_modal`.
/// `show_snackbar` shows the message at the page's foot. Collapsing the panel hides it and
/// tells its `visibility` listeners. The user's theme switched on the page (its form,
/// submitted here without a reload) goes to every `user_settings_change` listener.
const HOST_SCRIPT: &str = "\
const panel = document.getElementById('app-surface'); const panelFrame = document.getElementById('app-frame');
const modalId = __MODAL_ID__; const modalName = __MODAL_NAME__;
const frames = {}; let modal = null;
document.body.dataset.theme = __THEME__;
function adopt(runtime, frame, kind) {
  frames[runtime] = { frame, kind, initialized: false, listeners: {} };
  setTimeout(() => {
    const f = frames[runtime];
    if (f && !f.initialized) { frame.style.display = 'none'; frame.dataset.hidden = 'initialize-timeout'; if (frame === panelFrame) panel.dataset.hidden = 'initialize-timeout'; }
  }, 10000);
}
adopt(__RUNTIME__, panelFrame, __KIND__);
function tell(f, event, data) { for (const port of f.listeners[event] || []) port.postMessage({ data }); }
document.querySelector('form[action=\"/sandbox/theme\"]').addEventListener('submit', (e) => {
  e.preventDefault();
  fetch('/sandbox/theme', { method: 'POST' }).then((r) => r.json()).then((j) => {
    document.body.dataset.theme = j.theme;
    for (const f of Object.values(frames)) tell(f, 'user_settings_change', { theme: j.theme });
  });
});
const collapse = document.getElementById('panel-collapse');
if (collapse) collapse.addEventListener('click', (e) => {
  const open = e.target.getAttribute('aria-expanded') !== 'true';
  e.target.setAttribute('aria-expanded', String(open)); e.target.textContent = open ? 'Collapse' : 'Expand';
  panelFrame.hidden = !open; panel.dataset.collapsed = String(!open);
  tell(frames[__RUNTIME__], 'visibility', { is_visible: open });
});
function setSize(f, size) {
  if (!size) return;
  if (typeof size.height === 'number') {
    const h = f.kind === 'panel' ? Math.max(100, Math.min(750, Math.round(size.height)))
      : f.kind === 'modal' ? Math.max(120, Math.min(innerHeight - 80, Math.round(size.height))) : Math.max(100, Math.round(size.height));
    f.frame.style.height = h + 'px'; f.frame.dataset.height = String(h);
  }
  if (f.kind === 'modal' && typeof size.width === 'number') {
    const w = Math.max(320, Math.min(innerWidth - 40, Math.round(size.width)));
    f.frame.style.width = w + 'px'; f.frame.dataset.width = String(w);
  }
}
function closeModal() {
  if (!modal) return;
  const { overlay, runtime, opener, answer } = modal; modal = null;
  overlay.remove(); delete frames[runtime];
  answer({ status: 'closed' }); tell(opener, 'close_custom_modal', {});
}
function openModal(opener, args, reply) {
  if (modal) return reply(null, 'a modal is open already');
  if (!args || args.type !== 'custom_modal') return reply(null, 'modal ' + (args && args.type) + ' is not supported by the local Pipedrive');
  if (args.action_id !== modalId && args.action_id !== modalName) return reply(null, 'custom modal ' + args.action_id + ' not found');
  const opened = Object.keys(frames).find((id) => frames[id] === opener);
  const data = args.data === undefined ? '' : JSON.stringify(args.data);
  fetch('/sandbox/modal?opener=' + encodeURIComponent(opened) + '&data=' + encodeURIComponent(data)).then((r) => r.json()).then((j) => {
    if (!j.src) return reply(null, j.error || 'the modal could not open');
    const overlay = document.createElement('div');
    overlay.dataset.testid = 'pd-modal';
    overlay.style.cssText = 'position:fixed;inset:0;background:rgba(38,41,44,.6);display:flex;align-items:center;justify-content:center;z-index:10';
    overlay.innerHTML = '<div role=dialog aria-modal=true aria-label=\"' + modalName + '\" style=\"background:#fff;border-radius:8px;padding:8px;position:relative\">' +
      '<button type=button data-testid=pd-modal-close aria-label=Close style=\"position:absolute;top:4px;right:4px\">×</button>' +
      '<iframe data-testid=pd-modal-frame title=\"' + modalName + '\" style=\"display:block;border:0;width:800px;height:500px;margin-top:24px\"></iframe></div>';
    const frame = overlay.querySelector('iframe'); frame.src = j.src;
    overlay.querySelector('button').addEventListener('click', closeModal);
    document.body.append(overlay);
    adopt(j.runtime, frame, 'modal');
    modal = { overlay, runtime: j.runtime, opener, answer: (data) => reply(data) };
  });
}
window.addEventListener('message', (e) => {
  const m = e.data; if (!m || !m.payload) return;
  const f = frames[m.id]; if (!f || e.source !== f.frame.contentWindow) return;
  const port = e.ports && e.ports[0]; const p = m.payload;
  const reply = (data, error) => { if (port) port.postMessage(error ? { error } : { data }); };
  if (p.type === 'command') {
    f.frame.dataset.lastCommand = JSON.stringify(m);
    if (p.command !== 'initialize' && !f.initialized) return reply(null, 'SDK is not initialized');
    if (p.command === 'initialize') {
      f.initialized = true; f.frame.dataset.initializedAt = String(performance.now());
      setSize(f, p.args && p.args.size); return reply(null);
    }
    if (p.command === 'resize') {
      if (!p.args || (typeof p.args.height !== 'number' && typeof p.args.width !== 'number')) return reply(null, 'height or width must be a number');
      setSize(f, p.args); f.frame.dataset.resizes = String((+f.frame.dataset.resizes || 0) + 1); return reply(null);
    }
    if (p.command === 'get_signed_token') {
      f.frame.dataset.signedTokens = String((+f.frame.dataset.signedTokens || 0) + 1);
      fetch('/sandbox/panel-token?runtime=' + encodeURIComponent(m.id)).then((r) => r.json()).then((j) => reply({ token: j.token }));
      return;
    }
    if (p.command === 'show_snackbar') {
      if (!p.args || typeof p.args.message !== 'string') return reply(null, 'message is required');
      const bar = document.getElementById('pd-snackbar'); bar.textContent = p.args.message;
      setTimeout(() => { if (bar.textContent === p.args.message) bar.textContent = ''; }, 5000);
      return reply(null);
    }
    if (p.command === 'open_modal') return openModal(f, p.args, reply);
    if (p.command === 'close_modal') { if (f.kind === 'modal') closeModal(); return reply(null); }
    return reply(null, 'command ' + p.command + ' is not supported by the local Pipedrive');
  }
  if (p.type === 'listener' && port) (f.listeners[p.event] = f.listeners[p.event] || []).push(port);
});
";

#[derive(Debug, Deserialize)]
pub struct ModalQuery {
    opener: String,
    #[serde(default)]
    data: String,
}

/// `GET /sandbox/modal?opener=&data=`: the custom modal a frame of this user's opens: a
/// runtime id of its own and its URL (the selection too when `--pipedrive-modal-selection`).
pub async fn open_modal(State(pd): State<Pipedrive>, headers: HeaderMap, Query(query): Query<ModalQuery>) -> Response {
    let Some(user) = pd.signed_in(&headers) else { return StatusCode::UNAUTHORIZED.into_response() };
    let mut data = pd.data();
    let Some(&(owner, deal)) = data.panels.get(&query.opener) else {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "no such frame" }))).into_response();
    };
    if owner != user.id {
        return (StatusCode::FORBIDDEN, Json(json!({ "error": "not this user's frame" }))).into_response();
    }
    let runtime = uuid::Uuid::new_v4().to_string();
    data.panels.insert(runtime.clone(), (user.id, deal));
    drop(data);
    let selection = pd.settings.modal_selection.then_some(deal);
    let given = (!query.data.is_empty()).then_some(query.data.as_str());
    Json(json!({ "runtime": runtime, "src": frame_url(&pd, &user, &runtime, selection, given) })).into_response()
}

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
        // The app's settings, as Tools and apps > Marketplace apps offers them.
        format!(
            "<p><a href=\"/settings/marketplace/app/{}/app-settings\" data-testid=pd-app-settings>Settings</a></p>\
             <form method=post action=/marketplace/uninstall><button data-testid=pd-uninstall>Uninstall</button></form>",
            attr(&pd.settings.client_id)
        )
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
