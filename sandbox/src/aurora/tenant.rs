//! Tenant endpoints, reachable with a temporary key of that tenant.

use super::{Sandbox, aurora_error, auth::require_tenant, designer, state::ProjectRecord};
use aurora_api::{
    DesignId, Project, ProjectId, ProjectRequest, TenantId, Timestamp,
    designs::{DesignList, DesignListItem, DesignSummaryResponse},
    projects::{ProjectEnvelope, ProjectList},
};
use axum::{
    Json,
    extract::{Path, Query, State, rejection::JsonRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

/// The path's tenant, when the caller's temporary key opens it; else Aurora's error.
fn authorized_tenant(sandbox: &Sandbox, headers: &HeaderMap, id: &str) -> Result<TenantId, Response> {
    let tenant = TenantId::parse(id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Tenant not found"))?;
    require_tenant(sandbox, headers, tenant)?;
    Ok(tenant)
}

type Answer = Result<Response, Response>;

/// `POST /tenants/{tenant}/projects`: 200 with the project; 422 naming what is wrong.
pub async fn create_project(
    State(sandbox): State<Sandbox>,
    Path(tenant_id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Answer {
    let tenant = authorized_tenant(&sandbox, &headers, &tenant_id)?;
    let Ok(Json(value)) = body else {
        return Err(aurora_error(StatusCode::BAD_REQUEST, "Request body must be JSON"));
    };
    let request = parse_project(value).map_err(|message| aurora_error(StatusCode::UNPROCESSABLE_ENTITY, message))?;
    let conflict;
    let project = Project {
        id: ProjectId(uuid::Uuid::new_v4()),
        name: request.name.clone(),
        external_provider_id: request.external_provider_id.clone(),
        location: Some(request.location.clone()),
        created_at: Some(Timestamp::aurora_format(chrono::Utc::now())),
    };
    {
        let mut state = sandbox.state();
        let Some(t) = state.tenants.get_mut(&tenant) else {
            return Err(aurora_error(StatusCode::NOT_FOUND, "Tenant not found"));
        };
        t.projects.insert(project.id, ProjectRecord { project: project.clone(), designs: Vec::new() });
        t.project_order.push(project.id);
        state.creates += 1;
        conflict = state.variance.enabled && state.creates % 3 == 0;
    }
    designer::start(sandbox.clone(), tenant, project.clone());
    if conflict {
        // Processed, and yet answered "in progress" (Aurora's 409 may mean partially processed).
        return Err(aurora_error(StatusCode::CONFLICT, "Operation in progress; it may have been partially processed"));
    }
    Ok(Json(ProjectEnvelope { project }).into_response())
}

/// Aurora's checks, with messages that say what is wrong: `null` optional strings are
/// refused [int], as are bad locations and over-long strings.
fn parse_project(value: serde_json::Value) -> Result<ProjectRequest, String> {
    let project = value.get("project").ok_or("Missing 'project' object")?;
    let null_field =
        project.as_object().and_then(|o| o.iter().find(|(key, v)| v.is_null() && key.as_str() != "location"));
    if let Some((key, _)) = null_field {
        return Err(format!("{key} must be a string; omit the key instead of sending null"));
    }
    let request: ProjectRequest = serde_json::from_value(project.clone()).map_err(|e| {
        if e.to_string().contains("untagged enum ProjectLocation") {
            "location must have property_address, or latitude and longitude".to_owned()
        } else {
            format!("Invalid project: {e}")
        }
    })?;
    request.validate().map_err(|e| e.to_string())?;
    Ok(request)
}

#[derive(Deserialize)]
pub struct ListQuery {
    external_provider_id: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
}

/// Aurora's page size when none is asked for, and the largest it serves [doc].
const DEFAULT_PER_PAGE: usize = 100;
const MAX_PER_PAGE: usize = 250;

/// `GET /tenants/{tenant}/projects[?external_provider_id=...&page=N&per_page=M]`: newest
/// first, one page (1-based) at a time.
pub async fn list_projects(
    State(sandbox): State<Sandbox>,
    Path(tenant_id): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Answer {
    let tenant = authorized_tenant(&sandbox, &headers, &tenant_id)?;
    if sandbox.settings.forbid_project_listing {
        return Err(aurora_error(StatusCode::FORBIDDEN, "This key may not list projects"));
    }
    let mut state = sandbox.state();
    state.project_listings += 1;
    // Under variance the filter is not honoured: whether Aurora does is undocumented.
    let filter = if state.variance.enabled { None } else { query.external_provider_id.clone() };
    let projects = state
        .tenants
        .get(&tenant)
        .map(|t| {
            let per_page = query.per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE);
            let skip = query.page.unwrap_or(1).max(1).saturating_sub(1).saturating_mul(per_page);
            t.project_order
                .iter()
                .rev()
                .filter_map(|id| t.projects.get(id))
                .map(|r| r.project.clone())
                .filter(|p| filter.is_none() || p.external_provider_id == filter)
                .skip(skip)
                .take(per_page)
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(ProjectList { projects }).into_response())
}

/// `GET /tenants/{tenant}/projects/{project}`
pub async fn get_project(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, project_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let tenant = authorized_tenant(&sandbox, &headers, &tenant_id)?;
    let found = ProjectId::parse(&project_id)
        .ok()
        .and_then(|id| sandbox.state().tenants.get(&tenant)?.projects.get(&id).map(|r| r.project.clone()));
    match found {
        Some(project) => Ok(Json(ProjectEnvelope { project }).into_response()),
        None => Err(aurora_error(StatusCode::NOT_FOUND, "Project not found")),
    }
}

/// `GET /tenants/{tenant}/projects/{project}/designs`
pub async fn list_designs(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, project_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let tenant = authorized_tenant(&sandbox, &headers, &tenant_id)?;
    let state = sandbox.state();
    let Some(record) = ProjectId::parse(&project_id).ok().and_then(|id| state.tenants.get(&tenant)?.projects.get(&id))
    else {
        return Err(aurora_error(StatusCode::NOT_FOUND, "Project not found"));
    };
    let designs = record
        .designs
        .iter()
        .filter_map(|id| state.designs.get(id))
        .map(|d| DesignListItem {
            id: d.summary.design_id,
            name: Some("Design 1".into()),
            project_id: Some(d.project),
            created_at: d.summary.created_at.clone(),
        })
        .collect();
    Ok(Json(DesignList { designs }).into_response())
}

/// `GET /tenants/{tenant}/designs/{design}/summary`; 404 for another tenant's design [int].
/// The designer's prices: a base price per watt, a flat adder, a discount and an upfront
/// incentive, and each battery priced on its own.
pub const PRICE_PER_WATT: f64 = 2.85;
const ADDER: f64 = 450.0;
const DISCOUNT: f64 = -300.0;
const INCENTIVE: f64 = -1000.0;
const BATTERY_PRICE: f64 = 9800.0;

/// The designer's price of a design: the solar system's parts in Aurora's documented
/// order, and storage's.
type PriceParts = (Vec<(&'static str, f64)>, Vec<(&'static str, f64)>);

fn price_of(design: &aurora_api::DesignSummary) -> PriceParts {
    let watts = design.system_size_stc.map_or(0.0, |w| w.0);
    let solar = vec![
        ("starting_cost", 0.0),
        ("base_cost", watts * PRICE_PER_WATT),
        ("adders_without_discounts", ADDER),
        ("adders", DISCOUNT),
        ("incentives", INCENTIVE),
    ];
    let storage = match design.batteries.len() {
        0 => Vec::new(),
        batteries => vec![("base_cost", BATTERY_PRICE * batteries as f64)],
    };
    (solar, storage)
}

/// The total of a design's price, storage included (what `/sandbox/designs` tells tests).
pub fn total_of(design: &aurora_api::DesignSummary) -> f64 {
    let (solar, storage) = price_of(design);
    solar.iter().chain(storage.iter()).map(|(_, amount)| amount).sum()
}

/// `GET /tenants/{t}/designs/{d}/pricing`: Retrieve Design Pricing
/// (https://docs.aurorasolar.com/reference/retrievedesignpricing): `system_cost` (storage
/// included), `system_cost_breakdown` in Aurora's documented order (`starting_cost`,
/// `base_cost`, `adders_without_discounts`, `adders`, `incentives`),
/// `storage_system_cost_breakdown`, and `price_per_watt`; the breakdown's form is the
/// `--pricing-breakdown` reading. Variance writes money as text. A tenant in
/// `--unpriced-tenants` is answered 403, as a plan without pricing would be.
pub async fn design_pricing(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, design_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let tenant = authorized_tenant(&sandbox, &headers, &tenant_id)?;
    if sandbox.settings.unpriced_tenants.contains(&tenant) {
        return Err(aurora_error(StatusCode::FORBIDDEN, "This key may not retrieve design pricing"));
    }
    let found = DesignId::parse(&design_id)
        .ok()
        .and_then(|id| sandbox.state().designs.get(&id).filter(|d| d.tenant == tenant).map(|d| d.summary.clone()));
    let Some(design) = found else { return Err(aurora_error(StatusCode::NOT_FOUND, "Design not found")) };
    let loose = sandbox.state().variance.enabled;
    let money = |amount: f64| {
        let cents = (amount * 100.0).round() / 100.0;
        if loose { serde_json::json!(format!("{cents:.2}")) } else { serde_json::json!(cents) }
    };
    let (solar, storage) = price_of(&design);
    let breakdown = |parts: &[(&str, f64)]| match sandbox.settings.pricing_breakdown {
        super::settings::PricingBreakdown::List => serde_json::Value::Array(
            parts.iter().map(|(name, amount)| serde_json::json!({ "name": name, "value": money(*amount) })).collect(),
        ),
        super::settings::PricingBreakdown::Keyed => {
            serde_json::Value::Object(parts.iter().map(|(name, amount)| ((*name).to_owned(), money(*amount))).collect())
        }
    };
    let total = total_of(&design);
    Ok(Json(serde_json::json!({ "pricing": {
        "design_id": design_id,
        "system_cost": money(total),
        "price_per_watt": money(PRICE_PER_WATT),
        "system_cost_breakdown": breakdown(&solar),
        "storage_system_cost_breakdown": breakdown(&storage),
    }}))
    .into_response())
}

pub async fn design_summary(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, design_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let tenant = authorized_tenant(&sandbox, &headers, &tenant_id)?;
    let found = DesignId::parse(&design_id)
        .ok()
        .and_then(|id| sandbox.state().designs.get(&id).filter(|d| d.tenant == tenant).map(|d| d.summary.clone()));
    match found {
        Some(design) if sandbox.state().variance.enabled => {
            Ok(Json(super::variance::loose_summary(&design)).into_response())
        }
        Some(design) => Ok(Json(DesignSummaryResponse { design }).into_response()),
        None => Err(aurora_error(StatusCode::NOT_FOUND, "Design not found")),
    }
}
