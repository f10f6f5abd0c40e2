//! `/sandbox/*`: controls that Aurora does not have, for people and tests: faults, a
//! user acting (a session token), tenants enabling or disabling the app, the delivery log,
//! and a peek at generated designs.

use super::{Faults, Sandbox, aurora_error, state::DesignRecord, webhooks};
use aurora_api::{
    DesignId, TenantId,
    webhooks::{WebhookEvent, placeholders},
};
use axum::{
    Json, Router,
    extract::{Path, State, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::json;

pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox/faults", get(get_faults).put(put_faults))
        .route("/sandbox/variance", get(get_variance).put(put_variance))
        .route("/sandbox/tenants/{tenant_id}/session-tokens", post(session_token))
        .route("/sandbox/tenants/{tenant_id}/app-status", post(app_status))
        .route("/sandbox/deliveries", get(deliveries))
        .route("/sandbox/designs", get(designs))
        .route("/sandbox/projects", get(projects))
        .route("/sandbox/designs/{design_id}", get(design))
        .route("/sandbox/tenants/{tenant_id}/projects/{project_id}/designs", post(redesign))
        .route("/projects/{project_id}/overview/dashboard", get(project_page))
        .route("/apps", get(apps::page))
        .route("/apps/logo.svg", get(apps::logo))
        .route("/apps/{tenant_id}/status", post(apps::set_status))
        .route("/apps/{tenant_id}/open", get(apps::open))
}

async fn get_variance(State(sandbox): State<Sandbox>) -> Json<super::Variance> {
    Json(sandbox.state().variance.clone())
}

async fn put_variance(State(sandbox): State<Sandbox>, body: Result<Json<super::Variance>, JsonRejection>) -> Response {
    let variance = match body {
        Ok(Json(variance)) => variance,
        Err(rejection) => return aurora_error(StatusCode::UNPROCESSABLE_ENTITY, rejection.body_text()),
    };
    tracing::info!("sandbox variance now {variance:?}");
    sandbox.state().variance = variance.clone();
    Json(variance).into_response()
}

async fn get_faults(State(sandbox): State<Sandbox>) -> Json<Faults> {
    Json(sandbox.state().faults.clone())
}

async fn put_faults(State(sandbox): State<Sandbox>, body: Result<Json<Faults>, JsonRejection>) -> Response {
    let faults = match body {
        Ok(Json(faults)) => faults,
        Err(e) => return aurora_error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    if let Err(message) = faults.validate() {
        return aurora_error(StatusCode::UNPROCESSABLE_ENTITY, message);
    }
    tracing::info!("sandbox faults now {faults:?}");
    sandbox.state().faults = faults.clone();
    Json(faults).into_response()
}

fn known_tenant(sandbox: &Sandbox, id: &str) -> Result<TenantId, Response> {
    TenantId::parse(id)
        .ok()
        .filter(|t| sandbox.state().tenants.contains_key(t))
        .ok_or_else(|| aurora_error(StatusCode::NOT_FOUND, "Tenant not found"))
}

/// A user of the tenant acted in Aurora: here is the session token Aurora would hand out.
async fn session_token(State(sandbox): State<Sandbox>, Path(tenant_id): Path<String>) -> Response {
    match known_tenant(&sandbox, &tenant_id) {
        Ok(tenant) => Json(json!({ "session_token": sandbox.issue_session_token(tenant) })).into_response(),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
struct AppStatus {
    enabled: bool,
}

/// A tenant admin enables or disables our app: fires `app_status_changed`.
async fn app_status(
    State(sandbox): State<Sandbox>,
    Path(tenant_id): Path<String>,
    body: Result<Json<AppStatus>, JsonRejection>,
) -> Response {
    let tenant = match known_tenant(&sandbox, &tenant_id) {
        Ok(tenant) => tenant,
        Err(response) => return response,
    };
    let Ok(Json(AppStatus { enabled })) = body else {
        return aurora_error(StatusCode::BAD_REQUEST, "Body must be {\"enabled\": true|false}");
    };
    let status = set_app_status(&sandbox, tenant, enabled);
    Json(json!({ "tenant_id": tenant, "status": status })).into_response()
}

/// Enables or disables our app for `tenant` and tells the app (`app_status_changed`).
fn set_app_status(sandbox: &Sandbox, tenant: TenantId, enabled: bool) -> &'static str {
    if let Some(t) = sandbox.state().tenants.get_mut(&tenant) {
        t.app_enabled = enabled;
    }
    let status = if enabled { "enabled" } else { "disabled" };
    webhooks::fire(sandbox, WebhookEvent::AppStatusChanged, tenant, &[(placeholders::STATUS, status)]);
    status
}

/// A project's page in Aurora's web app (`https://v2.aurorasolar.com/projects/{id}/overview/
/// dashboard`, where the widget's "Open in Aurora" and the CRM's project field lead): its
/// name, its site, and what the designer made of it, or a page saying there is no such
/// project. The sandbox stands for one signed-in user of every tenant.
async fn project_page(State(sandbox): State<Sandbox>, Path(project_id): Path<String>) -> Response {
    use crate::kit::text;
    let state = sandbox.state();
    let found = state.tenants.iter().find_map(|(tenant, t)| {
        t.projects.iter().find(|(id, _)| id.to_string() == project_id).map(|(_, p)| (tenant, p))
    });
    let shell = |title: &str, body: String| {
        axum::response::Html(format!(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>{t} · Aurora (sandbox)</title>\
             <style>body{{font:15px/1.5 system-ui,sans-serif;margin:24px;max-width:760px;color:#1b1f24}}\
             dt{{color:#555}}</style></head><body><p>Aurora (sandbox) · Projects</p>{body}</body></html>",
            t = text(title)
        ))
    };
    let Some((tenant, record)) = found else {
        let body = "<h1>Project not found</h1><p>No tenant of this sandbox has this project. Projects live as long as the sandbox runs: a restart forgets them.</p>".to_owned();
        return (StatusCode::NOT_FOUND, shell("Project not found", body)).into_response();
    };
    let name = record.project.name.clone().unwrap_or_else(|| "Untitled project".into());
    let site =
        record.project.location.as_ref().map(|l| serde_json::to_string(l).unwrap_or_default()).unwrap_or_default();
    let designs: String = record
        .designs
        .iter()
        .filter_map(|id| state.designs.get(id).map(|d| (id, d)))
        .map(|(id, design)| {
            let size = design.summary.system_size_stc.map(|w| format!("{:.2} kW", w.kilowatts())).unwrap_or_default();
            let result = if design.succeeded { "simulated" } else { "simulation failed" };
            format!("<li><code>{}</code>: {} ({})</li>", text(&id.to_string()), text(&size), result)
        })
        .collect();
    let designs = if designs.is_empty() {
        "<p>The designer has not finished yet.</p>".to_owned()
    } else {
        format!("<ul>{designs}</ul>")
    };
    let body = format!(
        "<h1 data-testid=aurora-project-name>{name}</h1><dl><dt>Tenant</dt><dd><code>{tenant}</code></dd>\
         <dt>Site</dt><dd><code>{site}</code></dd><dt>CRM opportunity</dt><dd><code>{external}</code></dd></dl>\
         <h2>Designs</h2>{designs}",
        name = text(&name),
        tenant = text(&tenant.to_string()),
        site = text(&site),
        external = text(record.project.external_provider_id.as_deref().unwrap_or("")),
    );
    shell(&name, body).into_response()
}

/// Aurora's "Apps" page, where a tenant admin finds partner apps and enables them.
mod apps {
    use super::{Sandbox, known_tenant, set_app_status};
    use crate::listing;
    use axum::{
        Form,
        extract::{Path, State},
        http::header,
        response::{Html, IntoResponse, Redirect, Response},
    };
    use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

    /// Every tenant of the sandbox with our app's listing and its status (the sandbox has
    /// no sign-in: it stands for each tenant's admin at once).
    pub async fn page(State(sandbox): State<Sandbox>) -> Html<String> {
        let listing = listing::listing();
        let mut tenants: Vec<(String, bool)> =
            sandbox.state().tenants.iter().map(|(id, t)| (id.to_string(), t.app_enabled)).collect();
        tenants.sort();
        let openable = sandbox.settings.app_url.is_some();
        let rows: String = tenants
            .iter()
            .map(|(id, enabled)| {
                let (status, action, label) = if *enabled { ("Enabled", "false", "Disable") } else { ("Disabled", "true", "Enable") };
                let open = if openable && *enabled {
                    format!("<a href=\"/apps/{}/open\" data-testid=aurora-open-app>Open</a>", attr(id))
                } else {
                    String::new()
                };
                format!(
                    "<tr><td><code data-testid=aurora-tenant-id>{id}</code></td><td data-testid=aurora-app-status>{status}</td>\
                     <td><form method=post action=\"/apps/{id_attr}/status\"><input type=hidden name=enabled value={action}>\
                     <button>{label}</button></form></td><td>{open}</td></tr>",
                    id = text(id),
                    id_attr = attr(id),
                )
            })
            .collect();
        Html(format!(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Apps · Aurora (sandbox)</title>\
             <style>body{{font:15px/1.5 system-ui,sans-serif;margin:24px;max-width:760px;color:#1b1f24}}\
             td,th{{padding:4px 12px 4px 0;text-align:left}}</style></head><body>\
             <p>Aurora (sandbox) · Settings · Apps</p><article data-testid=aurora-listing>{logo}<h1>{name}</h1>\
             <p><strong>{tagline}</strong></p><p>{description}</p></article>\
             <h2>Tenants</h2><p>Open the app as a user of a tenant to get the code that links a CRM account to it.</p>\
             <table><tr><th>Tenant id</th><th>App</th><th></th><th></th></tr>{rows}</table></body></html>",
            logo = listing::logo_img("/apps/logo.svg"),
            name = text(&listing.name),
            tagline = text(&listing.tagline),
            description = text(&listing.description),
        ))
    }

    /// A tenant's user opens the app: Aurora embeds the app's page with the tenant and a
    /// fresh session token (good for one exchange, within the hour).
    pub async fn open(State(sandbox): State<Sandbox>, Path(tenant_id): Path<String>) -> Response {
        let tenant = match known_tenant(&sandbox, &tenant_id) {
            Ok(tenant) => tenant,
            Err(response) => return response,
        };
        let Some(app_url) = sandbox.settings.app_url.clone() else {
            return (axum::http::StatusCode::NOT_FOUND, "the app has no launch URL (--app-url)").into_response();
        };
        if !sandbox.state().tenants.get(&tenant).is_some_and(|t| t.app_enabled) {
            return (axum::http::StatusCode::FORBIDDEN, "enable the app first").into_response();
        }
        let session = sandbox.issue_session_token(tenant);
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("aurora_tenant_id", &tenant.to_string())
            .append_pair("aurora_session_token", &session)
            .finish();
        let separator = if app_url.contains('?') { '&' } else { '?' };
        let src = format!("{app_url}{separator}{query}");
        Html(format!(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Aurora Solar for CRMs · Aurora (sandbox)</title>\
             <style>body{{font:15px/1.5 system-ui,sans-serif;margin:0}}header{{padding:8px 24px;background:#0b1f3a;color:#fff}}\
             iframe{{border:0;width:100%;height:calc(100vh - 40px)}}</style></head><body>\
             <header>Aurora (sandbox) · Apps · Aurora Solar for CRMs · tenant <code>{tenant}</code></header>\
             <iframe data-testid=aurora-app-frame src=\"{src}\" title=\"Aurora Solar for CRMs\"></iframe></body></html>",
            tenant = text(&tenant.to_string()),
            src = attr(&src),
        ))
        .into_response()
    }

    pub async fn logo() -> impl IntoResponse {
        ([(header::CONTENT_TYPE, "image/svg+xml")], listing::LOGO_SVG)
    }

    #[derive(serde::Deserialize)]
    pub struct StatusForm {
        enabled: bool,
    }

    pub async fn set_status(
        State(sandbox): State<Sandbox>,
        Path(tenant_id): Path<String>,
        Form(form): Form<StatusForm>,
    ) -> Response {
        match known_tenant(&sandbox, &tenant_id) {
            Ok(tenant) => {
                set_app_status(&sandbox, tenant, form.enabled);
                Redirect::to("/apps").into_response()
            }
            Err(response) => response,
        }
    }
}

#[derive(Deserialize)]
struct RedesignQuery {
    #[serde(default = "fire_by_default")]
    fire_webhook: bool,
}

fn fire_by_default() -> bool {
    true
}

/// A designer designs the project again (a newer design); with `?fire_webhook=false` the
/// webhook is left to the caller, to deliver in any order.
async fn redesign(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, project_id)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<RedesignQuery>,
) -> Response {
    let tenant = match known_tenant(&sandbox, &tenant_id) {
        Ok(tenant) => tenant,
        Err(response) => return response,
    };
    let project = aurora_api::ProjectId::parse(&project_id)
        .ok()
        .and_then(|id| sandbox.state().tenants.get(&tenant)?.projects.get(&id).map(|p| p.project.clone()));
    let Some(project) = project else {
        return aurora_error(StatusCode::NOT_FOUND, "Project not found");
    };
    let record = super::designer::complete(&sandbox, tenant, &project, query.fire_webhook);
    (StatusCode::CREATED, Json(design_json(&record))).into_response()
}

async fn deliveries(State(sandbox): State<Sandbox>) -> Response {
    Json(json!({ "deliveries": sandbox.state().deliveries.clone() })).into_response()
}

/// Every generated design, as [`design`] shows one.
/// Every tenant's projects (id, external id, designs made): what a test counts to find a
/// second project for one opportunity.
async fn projects(State(sandbox): State<Sandbox>) -> Response {
    let state = sandbox.state();
    let all: Vec<_> = state
        .tenants
        .iter()
        .flat_map(|(tenant, t)| {
            t.project_order.iter().filter_map(|id| t.projects.get(id)).map(move |p| {
                json!({
                    "tenant_id": tenant, "id": p.project.id,
                    "external_provider_id": p.project.external_provider_id, "designs": p.designs.len()
                })
            })
        })
        .collect();
    Json(json!({ "projects": all })).into_response()
}

async fn designs(State(sandbox): State<Sandbox>) -> Response {
    let all: Vec<_> = sandbox.state().designs.values().map(design_json).collect();
    Json(json!({ "designs": all })).into_response()
}

fn design_json(record: &DesignRecord) -> serde_json::Value {
    json!({
        "tenant_id": record.tenant, "project_id": record.project, "job_id": record.job,
        "succeeded": record.succeeded, "design": record.summary,
        "price": { "system_cost": super::tenant::total_of(&record.summary), "price_per_watt": super::tenant::PRICE_PER_WATT },
    })
}

/// A generated design as the designer made it, to compare with what our product shows.
async fn design(State(sandbox): State<Sandbox>, Path(design_id): Path<String>) -> Response {
    let found = DesignId::parse(&design_id).ok().and_then(|id| sandbox.state().designs.get(&id).cloned());
    match found {
        Some(record) => Json(design_json(&record)).into_response(),
        None => aurora_error(StatusCode::NOT_FOUND, "Design not found"),
    }
}
