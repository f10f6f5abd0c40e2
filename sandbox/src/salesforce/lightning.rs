//! Lightning Experience, as far as our app sees it: signing in, the Opportunities list
//! (with "New"), the Opportunity record page with our canvas, the My Domain intermediary
//! page that POSTs the signed request into our iframe and sizes it from the Canvas
//! `resize` messages, and the AppExchange listing.

use super::{
    CanvasRefresh, Salesforce,
    org::{CUSTOM_FIELDS, PASSWORD, SfOpportunity, SfUser},
};
use axum::{
    Form, Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

/// The canvas' height before the widget resizes it, and its `maxHeight`, as our package's
/// Aura wrapper sets them (`salesforce/.../AuroraSolarCanvas.cmp`, inside a `lightning:card`
/// titled "Aurora Solar", which this page's section with its heading stands for).
const CANVAS_DEFAULT_HEIGHT: u32 = 480;
const CANVAS_MAX_HEIGHT: u32 = 2000;

use crate::kit::{
    self, attr,
    desk::{Desk, Sessions, SignInDesk},
    oauth::random_token,
    text,
};

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{t} | Salesforce</title>\
         <style>body{{font:14px system-ui;margin:0;background:#f3f3f3}}header{{background:#032d60;color:#fff;padding:8px 16px}}\
         main{{padding:16px}}section{{background:#fff;border-radius:4px;padding:12px;margin-bottom:12px}}\
         dt{{color:#555}}</style></head><body><header>Salesforce (local)</header><main>{body}</main></body></html>",
        t = text(title)
    ))
}

/// A page of a signed-in user: who, and the way out, first.
fn page_for(who: &str, title: &str, body: &str) -> Html<String> {
    kit::with_signed_in_bar(page(title, body), who, "/secur/logout.jsp", "sf")
}

/// Who signs in, and how: the kit's desk in Salesforce's words.
impl SignInDesk for Salesforce {
    type UserId = String;
    type User = SfUser;

    fn desk(&self) -> Desk {
        Desk {
            cookie: "sf_sid",
            path: "/login",
            sign_out: ("/secur/logout.jsp", true),
            back_field: "startURL",
            user_field: ("username", "Username"),
            title: ("Login", "Log in to Salesforce"),
            button: "Log In",
            test_ids: "sf",
            password: PASSWORD,
            wrong: "Please check your username and password. If you still can't log in, contact your Salesforce administrator.",
            landing: "/lightning/o/Opportunity/list",
        }
    }

    fn with_sessions<R>(&self, f: impl FnOnce(&mut Sessions<String>) -> R) -> R {
        f(&mut self.data().web_sessions)
    }

    fn user(&self, id: &String) -> Option<SfUser> {
        self.data().user(id).cloned()
    }

    fn named(&self, name: &str) -> Option<String> {
        self.data().users.iter().find(|u| u.username == name).map(|u| u.id.clone())
    }

    fn people(&self) -> Vec<(String, &'static str)> {
        self.data()
            .users
            .iter()
            .map(|u| (u.username.clone(), if u.modify_all_data { "System Administrator" } else { "" }))
            .collect()
    }

    fn page(&self, title: &str, body: &str) -> Html<String> {
        page(title, body)
    }
}

pub async fn home() -> Redirect {
    Redirect::to("/lightning/o/Opportunity/list")
}

/// `GET /lightning/o/Opportunity/list`.
pub async fn opportunity_list(State(sf): State<Salesforce>, headers: HeaderMap) -> Response {
    let Some(user) = sf.signed_in(&headers) else { return sf.to_sign_in("/lightning/o/Opportunity/list") };
    let data = sf.data();
    let org = data.org(&user.org_id).map(|o| o.name.clone()).unwrap_or_default();
    let rows: String = data
        .opportunities
        .iter()
        .filter(|o| data.may_read(&user, o))
        .map(|o| {
            format!(
                "<li><a href=\"/lightning/r/Opportunity/{id}/view\" data-testid=sf-opportunity>{name}</a></li>",
                id = attr(&o.id),
                name = text(&o.name)
            )
        })
        .collect();
    page_for(&user.username,
        "Opportunities",
        &format!(
            "<section><h1>Opportunities</h1><p>{org}: {user}</p><ul>{rows}</ul>\
             <form method=post action=/lightning/o/Opportunity/new><label>New Opportunity <input name=name required data-testid=sf-new-name></label> \
             <button data-testid=sf-new-save>Save</button></form></section>",
            org = text(&org),
            user = text(&user.full_name())
        ),
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct NewForm {
    name: String,
}

/// `POST /lightning/o/Opportunity/new`.
pub async fn new_opportunity(State(sf): State<Salesforce>, headers: HeaderMap, Form(form): Form<NewForm>) -> Response {
    let Some(user) = sf.signed_in(&headers) else { return sf.to_sign_in("/lightning/o/Opportunity/list") };
    match sf.create_opportunity(&user.org_id, &form.name, None, Some(&user.id)) {
        Ok(id) => Redirect::to(&format!("/lightning/r/Opportunity/{id}/view")).into_response(),
        Err(message) => (StatusCode::BAD_REQUEST, page("Error", &text(&message))).into_response(),
    }
}

/// `GET /lightning/r/Opportunity/{id}/view`: the record, and our canvas when the org has
/// our app (the Aura wrapper passes the `recordId`).
pub async fn record_page(State(sf): State<Salesforce>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let here = format!("/lightning/r/Opportunity/{id}/view");
    let Some(user) = sf.signed_in(&headers) else { return sf.to_sign_in(&here) };
    let mut data = sf.data();
    let Some(opportunity) = data.opportunity(&user.org_id, &id).filter(|o| data.may_read(&user, o)).cloned() else {
        return (
            StatusCode::NOT_FOUND,
            page("Not found", "<section>Record not found, or not shared with you.</section>"),
        )
            .into_response();
    };
    let account = opportunity.account_id.as_ref().and_then(|a| data.accounts.iter().find(|x| &x.id == a)).cloned();
    let fields: String = CUSTOM_FIELDS
        .iter()
        .map(|(name, label, _)| {
            let value = opportunity
                .custom
                .get(*name)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .unwrap_or_default();
            format!("<dt>{}</dt><dd data-testid=\"sf-field-{}\">{}</dd>", text(label), attr(name), text(&value))
        })
        .collect();
    let tasks: String = data
        .tasks
        .iter()
        .filter(|t| t.what_id == opportunity.id)
        .rev()
        .map(|t| format!("<li data-testid=sf-task><b>{}</b><pre>{}</pre></li>", text(&t.subject), text(&t.description)))
        .collect();
    let activity = if tasks.is_empty() {
        "<p>No activities to show.</p>".to_owned()
    } else {
        format!("<ol class=timeline>{tasks}</ol>")
    };
    let files: String = data
        .files
        .iter()
        .filter(|f| f.record_id == opportunity.id)
        .map(|f| format!("<li data-testid=sf-file>{} ({} bytes)</li>", text(&f.path_on_client), f.size))
        .collect();
    let files = if files.is_empty() { "<p>No files.</p>".to_owned() } else { format!("<ul>{files}</ul>") };
    let canvas = if data.installed_orgs.contains(&user.org_id) {
        let ticket = random_token(32);
        data.canvas_frames.insert(ticket.clone(), (user.id.clone(), opportunity.id.clone()));
        format!(
            "<section><h2>Aurora Solar</h2><iframe id=canvas-host data-testid=sf-canvas-host title=\"Aurora Solar\" \
             src=\"{my_domain}/canvas/frame?ticket={ticket}&amp;recordId={record}\" style=\"width:100%;height:{CANVAS_DEFAULT_HEIGHT}px;border:0\"></iframe></section>\
             <script>\
             const host = document.getElementById('canvas-host');\
             window.addEventListener('message', (e) => {{\
               if (e.origin !== {my_domain_js} || !e.data) return;\
               if (e.data.type === 'sfdc:canvas-refreshed') {{ host.dataset.canvasRefreshes = String(e.data.refreshes); return; }}\
               if (e.data.type !== 'sfdc:canvas-height') return;\
               host.style.height = e.data.height + 'px';\
               host.dataset.canvasHeight = String(e.data.height);\
               host.dataset.canvasResizes = String(e.data.resizes);\
               host.dataset.lastMessage = e.data.message;\
             }});</script>",
            my_domain = attr(&sf.my_domain_origin),
            record = attr(&opportunity.id),
            my_domain_js = json!(sf.my_domain_origin),
        )
    } else {
        "<section data-testid=sf-no-canvas>Aurora Solar for CRMs is not installed in this org.</section>".to_owned()
    };
    // A business Account's billing address, a Person Account's mailing address.
    let address = account.as_ref().map(|a| {
        let prefix =
            if a.address.get("BillingStreet").is_some_and(|v| v.is_string()) { "Billing" } else { "PersonMailing" };
        ["Street", "City", "State", "PostalCode"]
            .iter()
            .filter_map(|part| a.address.get(&format!("{prefix}{part}")).and_then(|v| v.as_str()).map(str::to_owned))
            .collect::<Vec<_>>()
            .join(", ")
    });
    page_for(
        &user.username,
        &opportunity.name,
        &format!(
            "<section><p>Opportunity</p><h1 data-testid=sf-record-name>{name}</h1><dl><dt>Stage</dt><dd data-testid=sf-stage>{stage}</dd><dt>Amount</dt><dd data-testid=sf-amount>{amount}</dd><dt>Account</dt><dd>{account}</dd>\
             <dt>Address (Account)</dt><dd>{address}</dd>{fields}</dl></section>{canvas}\
             <section><h2>Activity</h2>{activity}</section><section><h2>Files</h2>{files}</section>",
            name = text(&opportunity.name),
            stage = text(&opportunity.stage_name),
            amount = text(&opportunity.custom.get("Amount").map(|a| a.to_string()).unwrap_or_default()),
            account = text(&account.map(|a| a.name).unwrap_or_default()),
            address = text(&address.unwrap_or_default()),
        ),
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct FrameQuery {
    #[serde(default)]
    ticket: String,
    /// What the page's Aura component passes as the canvas' `recordId` parameter: set in
    /// the user's browser, and signed as passed.
    #[serde(rename = "recordId", default)]
    record_id: Option<String>,
}

/// The origin part of `url`.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    format!("{scheme}://{}", rest.split('/').next().unwrap_or_default())
}

/// `GET /canvas/frame?ticket=` on My Domain: the intermediary. It POSTs a fresh signed
/// request into the canvas iframe and plays the parent's side of the Canvas protocol:
/// JSON-string messages from the canvas URL's origin, `targetModule` "Canvas", `resize`
/// for this canvas instance, height clamped to `maxHeight`.
pub async fn canvas_frame(State(sf): State<Salesforce>, Query(query): Query<FrameQuery>) -> Response {
    let mut data = sf.data();
    // A frame ticket is the record page's: it opens that user's canvas on that record
    // (with whatever `recordId` the page's component passes) for as long as the sandbox runs.
    let Some((user_id, opportunity_id)) = data.canvas_frames.get(&query.ticket).cloned() else {
        return (StatusCode::FORBIDDEN, page("Canvas", "Reload the record page.")).into_response();
    };
    let (Some(user), Some(opportunity)) =
        (data.user(&user_id).cloned(), data.opportunities.iter().find(|o| o.id == opportunity_id).cloned())
    else {
        return (StatusCode::NOT_FOUND, page("Canvas", "Not found.")).into_response();
    };
    if !user.canvas_pre_authorized {
        // Not pre-authorized: no signed request, a GET to the canvas URL instead
        // (https://developer.salesforce.com/docs/atlas.en-us.194.0.platform_connect.meta/platform_connect/canvas_app_signed_req_authentication.htm).
        let url = format!("{}?_sfdc_canvas_auth=user_approval_required", sf.canvas_url());
        return Html(format!(
            "<!doctype html><html><head><meta charset=utf-8><style>body{{margin:0}}iframe{{display:block}}</style></head><body>\
             <iframe name=canvas-frame id=canvas-frame title=\"Aurora Solar\" src=\"{src}\" \
             style=\"width:100%;height:{CANVAS_DEFAULT_HEIGHT}px;border:0\"></iframe></body></html>",
            src = attr(&url),
        ))
        .into_response();
    }
    let org_name = data.org(&user.org_id).map(|o| o.name.clone()).unwrap_or_default();
    // The user's own session, as every signed request carries (our app must keep it server-side).
    let oauth_token = data.new_session(&user.id, None, sf.settings.session_seconds, sf.clock.now_ms());
    let record_id = query.record_id.unwrap_or_else(|| opportunity.id.clone());
    let Some(signed_request) = sign_canvas_request(&sf, &user, &org_name, &opportunity, &record_id, &oauth_token)
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let canvas = random_token(24);
    data.canvases.insert(canvas.clone(), (user.id.clone(), opportunity.id.clone(), record_id, signed_request.clone()));
    drop(data);
    let instance_id = canvas_instance_id(&opportunity);
    let script = format!(
        "const app = {app}; const instanceId = {instance}; const canvas = {canvas}; const frame = document.getElementById('canvas-frame'); let resizes = 0; let refreshes = 0;\
         window.addEventListener('message', (e) => {{\
           if (e.origin !== app || typeof e.data !== 'string') return;\
           let m; try {{ m = JSON.parse(e.data); }} catch (_) {{ return; }}\
           if (!m || (m.targetModule && m.targetModule !== 'Canvas')) return;\
           const body = m.body || {{}};\
           const client = (body.config || {{}}).client || {{}};\
           if (body.type === 'repost') {{\
             fetch('/canvas/refresh?canvas=' + canvas).then((r) => r.json()).then((j) => {{\
               if (typeof j.signed_request !== 'string') return;\
               const form = document.getElementById('canvas-post'); form.elements.signed_request.value = j.signed_request; form.submit();\
             }});\
             return;\
           }}\
           if (body.type === 'refresh') {{\
             fetch('/canvas/refresh?canvas=' + canvas).then((r) => r.json()).then((j) => {{\
               refreshes += 1; parent.postMessage({{ type: 'sfdc:canvas-refreshed', refreshes }}, {lightning});\
               const ok = typeof j.signed_request === 'string';\
               e.source.postMessage(JSON.stringify({{ type: 'callback', seq: m.seq, status: ok ? 200 : 500, statusText: ok ? 'OK' : 'Error', parentVersion: '62.0', payload: ok ? {{ response: j.signed_request }} : j, targetModule: 'Canvas' }}), app);\
             }});\
             return;\
           }}\
           if (body.type !== 'resize') return;\
           if (client.instanceId !== instanceId) return;\
           const asked = parseInt((body.size || {{}}).height, 10);\
           if (!(asked > 0)) return;\
           const height = Math.min(asked, {CANVAS_MAX_HEIGHT});\
           frame.style.height = height + 'px'; resizes += 1;\
           parent.postMessage({{ type: 'sfdc:canvas-height', height, resizes, message: e.data }}, {lightning});\
         }});\
         document.getElementById('canvas-post').submit();",
        app = json!(origin(&sf.worker_url)),
        instance = json!(instance_id),
        canvas = json!(canvas),
        lightning = json!(sf.lightning_origin),
    );
    Html(format!(
        "<!doctype html><html><head><meta charset=utf-8><style>body{{margin:0}}iframe{{display:block}}</style></head><body>\
         <form id=canvas-post method=post action=\"{action}\" target=canvas-frame>\
         <input type=hidden name=signed_request value=\"{signed}\"></form>\
         <iframe name=canvas-frame id=canvas-frame title=\"Aurora Solar\" style=\"width:100%;height:{CANVAS_DEFAULT_HEIGHT}px;border:0\"></iframe>\
         <script>{script}</script></body></html>",
        action = attr(&sf.canvas_url()),
        signed = attr(&signed_request),
    ))
    .into_response()
}

/// The canvas component's instance id on an Opportunity's record page.
fn canvas_instance_id(opportunity: &SfOpportunity) -> String {
    format!("_:Aurora_Solar_Canvas:{}", opportunity.id)
}

/// A signed request for `user`'s canvas on `opportunity`, carrying `oauth_token` (the
/// CanvasRequest as Salesforce sends it; `issuedAt` an opaque number, as in its captures).
fn sign_canvas_request(
    sf: &Salesforce,
    user: &SfUser,
    org_name: &str,
    opportunity: &SfOpportunity,
    record_id: &str,
    oauth_token: &str,
) -> Option<String> {
    let instance_id = canvas_instance_id(opportunity);
    let payload = json!({
        "algorithm": "HMACSHA256",
        "issuedAt": rand::random::<u32>() % 2_000_000_000,
        "userId": user.id,
        "client": {
            "refreshToken": null,
            "instanceId": instance_id,
            "targetOrigin": sf.my_domain_origin,
            "instanceUrl": sf.my_domain_origin,
            "oauthToken": oauth_token,
        },
        "context": {
            "user": {
                "userId": user.id, "userName": user.username, "firstName": user.first_name, "lastName": user.last_name,
                "email": user.username, "fullName": user.full_name(), "locale": "en_US", "language": "en_US",
                "timeZone": "America/Los_Angeles", "userType": "STANDARD", "currencyISOCode": "USD",
                "roleId": null, "siteUrl": null, "networkId": null, "accessibilityModeEnabled": false, "isDefaultNetwork": true,
            },
            "links": {
                "loginUrl": sf.my_domain_origin,
                "restUrl": "/services/data/v62.0/",
                "sobjectUrl": "/services/data/v62.0/sobjects/",
                "queryUrl": "/services/data/v62.0/query/",
                "userUrl": format!("/{}", user.id),
            },
            "application": {
                "name": "Aurora Solar for CRMs", "canvasUrl": sf.canvas_url(), "applicationId": "06P8a0000000AURA",
                "version": "1.0", "authType": "SIGNED_REQUEST", "referenceId": "09H8a0000000AURA", "options": [],
                "samlInitiationMethod": "None", "namespace": "", "isInstalledPersonalApp": false,
                "developerName": "Aurora_Solar_Canvas",
            },
            "environment": {
                "referer": null,
                "locationUrl": format!("{}/lightning/r/Opportunity/{}/view", sf.lightning_origin, opportunity.id),
                "displayLocation": "Aura",
                "sublocation": null,
                "uiTheme": "Theme4d",
                "dimensions": { "width": "100%", "height": format!("{CANVAS_DEFAULT_HEIGHT}px"), "maxWidth": "1000px", "maxHeight": format!("{CANVAS_MAX_HEIGHT}px"), "clientWidth": "1200px", "clientHeight": "900px" },
                "parameters": { "recordId": record_id },
                "record": {},
                "version": { "season": "WINTER", "api": "62.0" },
            },
            "organization": {
                "organizationId": user.org_id, "name": org_name,
                "multicurrencyEnabled": false, "namespacePrefix": null, "currencyIsoCode": "USD",
            },
        },
    });
    let encoded = STANDARD.encode(payload.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(sf.consumer_secret.as_bytes()).ok()?;
    mac.update(encoded.as_bytes());
    Some(format!("{}.{encoded}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// `GET /canvas/refresh?canvas=`: the parent's answer to the SDK's `refreshSignedRequest`
/// (and what it POSTs on `repost`) for a canvas it loaded, as `--salesforce-canvas-refresh`
/// reads the docs: the request it was loaded with, or a new one with a new session of the
/// user's.
pub async fn canvas_refresh(State(sf): State<Salesforce>, Query(query): Query<CanvasQuery>) -> Response {
    let mut data = sf.data();
    let Some((user_id, opportunity_id, record_id, loaded_with)) = data.canvases.get(&query.canvas).cloned() else {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "no such canvas" }))).into_response();
    };
    let signed_request = match sf.settings.canvas_refresh {
        CanvasRefresh::Resend => Some(loaded_with),
        CanvasRefresh::New => {
            let found =
                (data.user(&user_id).cloned(), data.opportunities.iter().find(|o| o.id == opportunity_id).cloned());
            let (Some(user), Some(opportunity)) = found else {
                return (StatusCode::NOT_FOUND, Json(json!({ "error": "no such canvas" }))).into_response();
            };
            let org_name = data.org(&user.org_id).map(|o| o.name.clone()).unwrap_or_default();
            let oauth_token = data.new_session(&user.id, None, sf.settings.session_seconds, sf.clock.now_ms());
            sign_canvas_request(&sf, &user, &org_name, &opportunity, &record_id, &oauth_token)
        }
    };
    match signed_request {
        Some(signed_request) => Json(json!({ "signed_request": signed_request })).into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct CanvasQuery {
    #[serde(default)]
    canvas: String,
}

/// `GET /appexchange`: our listing; "Get It Now" starts the app's install (the OAuth
/// consent an org's admin gives after installing the package).
pub async fn appexchange(State(sf): State<Salesforce>) -> Html<String> {
    let problems = sf.settings.package_dir.as_deref().map(super::package::problems).unwrap_or_default();
    if !problems.is_empty() {
        let items: String = problems.iter().map(|p| format!("<li>{}</li>", text(p))).collect();
        return page(
            "AppExchange",
            &format!(
                "<section data-testid=sf-package-refused><h1>Aurora Solar for CRMs</h1>\
                 <p>This package cannot be installed:</p><ul>{items}</ul></section>"
            ),
        );
    }
    page(
        "AppExchange",
        &format!(
            "<section><h1>Aurora Solar for CRMs</h1><p>Create Aurora Solar projects from Opportunities and see the design on the record page.</p>\
             <a href=\"{}/install/salesforce/start\" data-testid=sf-get-it-now>Get It Now</a></section>",
            attr(&sf.worker_url)
        ),
    )
}
