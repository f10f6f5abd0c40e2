//! After the design, as Aurora plays it (`aurora/CONTRACT.md`, "After the design"): each
//! simulated design has two financings (cash, and a loan from an integrated lender whose
//! status moves), a web proposal, and agreements sent for signature; a project reaches
//! milestones. Tenant endpoints answer what a temporary key may read; `/sandbox/...`
//! controls act as the rep and the homeowner in Aurora (send, view, sign; the lender
//! approves; the project is sold) and fire Aurora's webhooks as they would.
//!
//! Switches where the docs are silent: `--tenants-without-sales` (a plan without
//! financings, agreements or web proposals: 403), `--refuse-sale-webhooks` (a CRM app may
//! not subscribe to the sale's events), and variance (answers without their wrapper,
//! statuses spelled as Aurora's changelog spells them).

use super::{
    Sandbox, aurora_error,
    auth::require_tenant,
    state::{AgreementRecord, LenderRecord},
    tenant::total_of,
    webhooks,
};
use aurora_api::{
    AgreementId, DesignId, FinancingId, ProjectId, TenantId,
    webhooks::{WebhookEvent, placeholders},
};
use axum::{
    Json, Router,
    extract::{Path, State, rejection::JsonRejection},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

/// The loan's lender (an integrated financier).
const LENDER: &str = "sunlight";
/// The loan's term and rate.
const LOAN_MONTHS: u32 = 300;
const LOAN_APR: f64 = 0.0449;

/// Aurora's tenant endpoints of the sale.
pub fn tenant_routes() -> Router<Sandbox> {
    Router::new()
        .route("/tenants/{tenant_id}/designs/{design_id}/financings", get(list_financings))
        .route("/tenants/{tenant_id}/designs/{design_id}/financings/{financing_id}", get(get_financing))
        .route("/tenants/{tenant_id}/designs/{design_id}/web_proposal", get(web_proposal))
        .route("/tenants/{tenant_id}/agreements/{agreement_id}", get(get_agreement))
        .route("/tenants/{tenant_id}/agreements/{agreement_id}/download_url/run", axum::routing::post(run_download))
        .route("/tenants/{tenant_id}/agreements/{agreement_id}/download_url/status", get(download_status))
}

/// The sandbox's controls of the sale, and the homeowner's proposal page.
pub fn control_routes() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox/designs/{design_id}/agreement", post(set_agreement))
        .route("/sandbox/designs/{design_id}/lender", post(set_lender))
        .route("/sandbox/projects/{project_id}/milestones", post(add_milestone))
        .route("/sandbox/projects/{project_id}/status", post(set_project_status))
        .route("/e-proposal/{design_id}", get(proposal_page))
        .route("/files/agreements/{agreement_id}", get(signed_document))
}

type Answer = Result<Response, Response>;

/// The tenant in the path, when the key opens it and its plan has the sale's endpoints.
fn sale_tenant(sandbox: &Sandbox, headers: &HeaderMap, id: &str) -> Result<TenantId, Response> {
    let tenant = TenantId::parse(id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Tenant not found"))?;
    require_tenant(sandbox, headers, tenant)?;
    if sandbox.settings.tenants_without_sales.contains(&tenant) {
        return Err(aurora_error(StatusCode::FORBIDDEN, "This key may not access this endpoint"));
    }
    Ok(tenant)
}

/// Answers `value` under `key`, or bare under variance.
fn wrapped(sandbox: &Sandbox, key: &str, value: Value) -> Response {
    if sandbox.state().variance.enabled { Json(value) } else { Json(json!({ key: value })) }.into_response()
}

/// A design's financing ids: stable, derived from the design's.
fn financing_ids(design: DesignId) -> [FinancingId; 2] {
    let base = design.0.as_u128();
    [FinancingId(uuid::Uuid::from_u128(base ^ 0xf1)), FinancingId(uuid::Uuid::from_u128(base ^ 0xf2))]
}

/// The loan's monthly payment for `principal`.
fn monthly_payment(principal: f64) -> f64 {
    let rate = LOAN_APR / 12.0;
    let payment = principal * rate / (1.0 - (1.0 + rate).powi(-(LOAN_MONTHS as i32)));
    (payment * 100.0).round() / 100.0
}

/// The design's financings as Aurora's List Financings writes them.
fn financings_of(sandbox: &Sandbox, tenant: TenantId, design: DesignId) -> Option<Vec<Value>> {
    let state = sandbox.state();
    let record = state.designs.get(&design).filter(|d| d.tenant == tenant && d.succeeded)?;
    let price = (total_of(&record.summary) * 100.0).round() / 100.0;
    let lender = state.lenders.get(&design).cloned().unwrap_or_default();
    let [cash, loan] = financing_ids(design);
    let (project, design_id) = (record.project.to_string(), design.to_string());
    Some(vec![
        json!({
            "id": loan, "name": "Sunlight 25 yr 4.49%", "project_id": project, "design_id": design_id,
            "selected_in_sales_mode": true, "financing_option": "loans", "system_price": price,
            "up_to_date": true, "loan_principal": price, "down_payment": 0.0,
            "monthly_payment_first_month": monthly_payment(price),
            "loans": [{ "name": "Sunlight 25 yr", "duration_months": LOAN_MONTHS, "dealer_fee_percentage": 18.5 }],
            "financier": {
                "type": "integrated", "provider": LENDER,
                "status": lender.status.unwrap_or_else(|| "quoted".into()),
                "approved_loan_amount": lender.provider_status.as_deref().filter(|s| s.contains("Approved") || *s == "Funded").map(|_| price),
                "external": { "provider_status": lender.provider_status, "request_id": format!("SL-{}", &design_id[..8]) },
            },
        }),
        json!({
            "id": cash, "name": "Cash", "project_id": project, "design_id": design_id,
            "selected_in_sales_mode": false, "financing_option": "cash", "system_price": price,
            "up_to_date": true, "financier": null,
        }),
    ])
}

/// `GET /tenants/{t}/designs/{d}/financings`: List Financings.
async fn list_financings(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, design_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let tenant = sale_tenant(&sandbox, &headers, &tenant_id)?;
    let design = DesignId::parse(&design_id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Design not found"))?;
    let list = financings_of(&sandbox, tenant, design)
        .ok_or_else(|| aurora_error(StatusCode::NOT_FOUND, "Design not found"))?;
    if sandbox.state().variance.enabled {
        return Ok(Json(Value::Array(list)).into_response());
    }
    Ok(Json(json!({ "financings": list })).into_response())
}

/// `GET /tenants/{t}/designs/{d}/financings/{f}`: Retrieve Financing.
async fn get_financing(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, design_id, financing_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    let tenant = sale_tenant(&sandbox, &headers, &tenant_id)?;
    let design = DesignId::parse(&design_id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Design not found"))?;
    let found = financings_of(&sandbox, tenant, design)
        .and_then(|list| list.into_iter().find(|f| f["id"].as_str() == Some(financing_id.as_str())));
    let financing = found.ok_or_else(|| aurora_error(StatusCode::NOT_FOUND, "Financing not found"))?;
    Ok(wrapped(&sandbox, "financing", financing))
}

/// `GET /tenants/{t}/designs/{d}/web_proposal`: `{url, url_expired}`
/// (https://docs.aurorasolar.com/docs/retrieve-web-proposal-url).
async fn web_proposal(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, design_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let tenant = sale_tenant(&sandbox, &headers, &tenant_id)?;
    let design = DesignId::parse(&design_id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Design not found"))?;
    if sandbox.state().designs.get(&design).is_none_or(|d| d.tenant != tenant) {
        return Err(aurora_error(StatusCode::NOT_FOUND, "Design not found"));
    }
    // The sandbox's own origin, as the caller reached it (loopback only: see
    // `loopback_host_only`); Aurora's would be its app host.
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let url = format!("http://{host}/e-proposal/{design}");
    Ok(wrapped(&sandbox, "web_proposal", json!({ "url": url, "url_expired": false })))
}

/// The signed agreement of `id` for the download job: the tenant's, signed (DocuSign).
fn signed_agreement(sandbox: &Sandbox, tenant: TenantId, id: &str) -> Result<AgreementId, Response> {
    let id = AgreementId::parse(id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Agreement not found"))?;
    match sandbox.state().agreements.get(&id).filter(|a| a.tenant == tenant) {
        None => Err(aurora_error(StatusCode::NOT_FOUND, "Agreement not found")),
        Some(a) if a.status != "signed" => {
            Err(aurora_error(StatusCode::UNPROCESSABLE_ENTITY, "The agreement must be signed to download it"))
        }
        Some(_) => Ok(id),
    }
}

/// `POST /tenants/{t}/agreements/{a}/download_url/run`: starts the job that makes the signed
/// document's link; 202 with the job (`in-progress`).
async fn run_download(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, agreement_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let tenant = sale_tenant(&sandbox, &headers, &tenant_id)?;
    let id = signed_agreement(&sandbox, tenant, &agreement_id)?;
    let job = uuid::Uuid::new_v4().to_string();
    sandbox.state().download_jobs.insert(job.clone(), (id, std::time::Instant::now()));
    let body = json!({ "agreement_download_url_job": {
        "job_id": job, "status": "in-progress", "file_url": null, "requested_at": aurora_api::Timestamp::aurora_format(chrono::Utc::now()),
        "completed_at": null, "error": null,
    }});
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// `GET .../download_url/status?job_id=`: `in-progress` for a moment (under variance, the
/// first look always), then `succeeded` with a link good for 15 minutes.
async fn download_status(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, agreement_id)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let tenant = sale_tenant(&sandbox, &headers, &tenant_id)?;
    let id = signed_agreement(&sandbox, tenant, &agreement_id)?;
    let job = query.get("job_id").cloned().unwrap_or_default();
    let started = sandbox.state().download_jobs.get(&job).filter(|(a, _)| *a == id).map(|(_, at)| *at);
    let Some(started) = started else { return Err(aurora_error(StatusCode::NOT_FOUND, "Job not found")) };
    let wait =
        if sandbox.state().variance.enabled { std::time::Duration::from_secs(2) } else { std::time::Duration::ZERO };
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let (status, url) = if started.elapsed() >= wait {
        (
            "succeeded",
            json!(format!("http://{host}/files/agreements/{id}?expires={}", chrono::Utc::now().timestamp() + 900)),
        )
    } else {
        ("in-progress", Value::Null)
    };
    Ok(Json(
        json!({ "agreement_download_url_job": { "job_id": job, "status": status, "file_url": url, "error": null } }),
    )
    .into_response())
}

/// The signed agreement's PDF at its pre-signed link (no key; refused once it expired).
async fn signed_document(
    State(sandbox): State<Sandbox>,
    Path(agreement_id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let expires = query.get("expires").and_then(|e| e.parse::<i64>().ok()).unwrap_or(0);
    if expires < chrono::Utc::now().timestamp() {
        return (StatusCode::FORBIDDEN, "Request has expired").into_response();
    }
    let found = AgreementId::parse(&agreement_id).ok().and_then(|id| sandbox.state().agreements.get(&id).cloned());
    let Some(agreement) = found else { return (StatusCode::NOT_FOUND, "Not found").into_response() };
    let text = format!("Signed agreement {agreement_id} for design {}", agreement.design);
    ([(axum::http::header::CONTENT_TYPE, "application/pdf")], pdf(&text)).into_response()
}

/// A one-page PDF saying `text` (enough for a CRM to take and show as a PDF).
fn pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({}) Tj ET", text.replace(['(', ')', '\\'], ""));
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// `GET /tenants/{t}/agreements/{a}`: Retrieve Agreement.
async fn get_agreement(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, agreement_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let tenant = sale_tenant(&sandbox, &headers, &tenant_id)?;
    let id =
        AgreementId::parse(&agreement_id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Agreement not found"))?;
    let found = sandbox.state().agreements.get(&id).filter(|a| a.tenant == tenant).cloned();
    let agreement = found.ok_or_else(|| aurora_error(StatusCode::NOT_FOUND, "Agreement not found"))?;
    Ok(wrapped(&sandbox, "agreement", agreement_json(&sandbox, id, &agreement)))
}

fn agreement_json(sandbox: &Sandbox, id: AgreementId, agreement: &AgreementRecord) -> Value {
    // Aurora's changelog spells the webhook's filter `cancel-pending`; its object
    // `cancel_pending` [int]. Variance writes the other.
    let status =
        if sandbox.state().variance.enabled { agreement.status.replace('_', "-") } else { agreement.status.clone() };
    json!({
        "id": id, "project_id": agreement.project, "design_id": agreement.design,
        "agreement_template_name": "Residential solar loan agreement", "status": status,
        "signing_provider": "docusign", "created_at": aurora_api::Timestamp::aurora_format(agreement.created),
        "sent_at": null, "last_viewed_at": null, "error_message": null,
    })
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

fn body(body: Result<Json<StatusBody>, JsonRejection>, example: &str) -> Result<String, Response> {
    match body {
        Ok(Json(StatusBody { status })) if !status.trim().is_empty() => Ok(status.trim().to_owned()),
        _ => Err(aurora_error(StatusCode::BAD_REQUEST, format!("Body must be {{\"status\": \"{example}\"}}"))),
    }
}

/// `POST /sandbox/designs/{d}/agreement {"status": "sent"|"viewed"|"signed"|"declined"|
/// "canceled"|...}`: the rep sends the design's agreement, the homeowner views and signs
/// it. One agreement per design until it is declined or canceled (then a new one is
/// sent). Fires `agreement_status_changed`.
async fn set_agreement(
    State(sandbox): State<Sandbox>,
    Path(design_id): Path<String>,
    status: Result<Json<StatusBody>, JsonRejection>,
) -> Answer {
    let status = body(status, "signed")?;
    let design = DesignId::parse(&design_id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Design not found"))?;
    let (tenant, project) = {
        let state = sandbox.state();
        let record =
            state.designs.get(&design).ok_or_else(|| aurora_error(StatusCode::NOT_FOUND, "Design not found"))?;
        (record.tenant, record.project)
    };
    let (id, record) = {
        let mut state = sandbox.state();
        let open = state
            .agreements
            .iter()
            .find(|(_, a)| a.design == design && !matches!(a.status.as_str(), "declined" | "canceled"))
            .map(|(id, _)| *id);
        let id = open.unwrap_or_else(|| AgreementId(uuid::Uuid::new_v4()));
        let created = state.agreements.get(&id).map_or_else(chrono::Utc::now, |held| held.created);
        let record = AgreementRecord { tenant, project, design, status: status.clone(), created };
        state.agreements.insert(id, record.clone());
        (id, record)
    };
    let [_, loan] = financing_ids(design).map(|f| f.to_string());
    let (project, design, agreement) = (project.to_string(), design.to_string(), id.to_string());
    webhooks::fire(
        &sandbox,
        WebhookEvent::AgreementStatusChanged,
        tenant,
        &[
            (placeholders::PROJECT_ID, &project),
            (placeholders::DESIGN_ID, &design),
            (placeholders::AGREEMENT_ID, &agreement),
            (placeholders::FINANCING_ID, &loan),
            (placeholders::STATUS, &status),
        ],
    );
    Ok((StatusCode::OK, Json(agreement_json(&sandbox, id, &record))).into_response())
}

/// `POST /sandbox/designs/{d}/lender {"status": "Approved"}`: the lender's word on the
/// design's loan (`Submitted`, `Approved`, `Stips Pending`, `Funded`, `Declined`, ...).
/// Aurora's own status follows. Fires `financier_contract_status_changed`.
async fn set_lender(
    State(sandbox): State<Sandbox>,
    Path(design_id): Path<String>,
    status: Result<Json<StatusBody>, JsonRejection>,
) -> Answer {
    let word = body(status, "Approved")?;
    let design = DesignId::parse(&design_id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Design not found"))?;
    let tenant = sandbox.state().designs.get(&design).map(|d| d.tenant);
    let tenant = tenant.ok_or_else(|| aurora_error(StatusCode::NOT_FOUND, "Design not found"))?;
    let lower = word.to_ascii_lowercase();
    let aurora_status = if lower.contains("declin") {
        "rejected"
    } else if lower.contains("approv") || lower.contains("stip") || lower.contains("fund") {
        "pre_approved"
    } else {
        "submitted"
    };
    sandbox
        .state()
        .lenders
        .insert(design, LenderRecord { status: Some(aurora_status.into()), provider_status: Some(word.clone()) });
    let [_, loan] = financing_ids(design).map(|f| f.to_string());
    let design_id = design.to_string();
    webhooks::fire(
        &sandbox,
        WebhookEvent::FinancierContractStatusChanged,
        tenant,
        &[
            (placeholders::DESIGN_ID, &design_id),
            (placeholders::FINANCING_ID, &loan),
            (placeholders::EXTERNAL_PROVIDER_STATUS, &word),
        ],
    );
    Ok(Json(json!({ "design_id": design_id, "financing_id": loan, "provider_status": word, "status": aurora_status }))
        .into_response())
}

#[derive(Deserialize)]
struct MilestoneBody {
    stage: String,
    #[serde(default)]
    design_id: Option<String>,
}

/// `POST /sandbox/projects/{p}/milestones {"stage": "sold", "design_id": ...}`: the
/// project reaches a milestone. Fires `milestone_created` (`<STAGE>`, `<SOURCE>` app).
async fn add_milestone(
    State(sandbox): State<Sandbox>,
    Path(project_id): Path<String>,
    milestone: Result<Json<MilestoneBody>, JsonRejection>,
) -> Answer {
    let Ok(Json(MilestoneBody { stage, design_id })) = milestone else {
        return Err(aurora_error(
            StatusCode::BAD_REQUEST,
            "Body must be {\"stage\": \"sold\", \"design_id\": \"...\"}",
        ));
    };
    let project =
        ProjectId::parse(&project_id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Project not found"))?;
    let tenant = sandbox.state().tenants.iter().find(|(_, t)| t.projects.contains_key(&project)).map(|(id, _)| *id);
    let tenant = tenant.ok_or_else(|| aurora_error(StatusCode::NOT_FOUND, "Project not found"))?;
    let (project, design) = (project.to_string(), design_id.unwrap_or_default());
    webhooks::fire(
        &sandbox,
        WebhookEvent::MilestoneCreated,
        tenant,
        &[
            (placeholders::PROJECT_ID, &project),
            (placeholders::DESIGN_ID, &design),
            (placeholders::STAGE, &stage),
            (placeholders::SOURCE, "app"),
        ],
    );
    Ok(Json(json!({ "project_id": project, "stage": stage })).into_response())
}

/// `POST /sandbox/projects/{p}/status {"status": "Project Sold"}`: the tenant sets the
/// project's status (its own words). Fires `project_status_changed`.
async fn set_project_status(
    State(sandbox): State<Sandbox>,
    Path(project_id): Path<String>,
    status: Result<Json<StatusBody>, JsonRejection>,
) -> Answer {
    let status = body(status, "Project Sold")?;
    let project =
        ProjectId::parse(&project_id).map_err(|_| aurora_error(StatusCode::NOT_FOUND, "Project not found"))?;
    let tenant = sandbox.state().tenants.iter().find(|(_, t)| t.projects.contains_key(&project)).map(|(id, _)| *id);
    let tenant = tenant.ok_or_else(|| aurora_error(StatusCode::NOT_FOUND, "Project not found"))?;
    let project = project.to_string();
    webhooks::fire(
        &sandbox,
        WebhookEvent::ProjectStatusChanged,
        tenant,
        &[(placeholders::PROJECT_ID, &project), (placeholders::STATUS, &status)],
    );
    Ok(Json(json!({ "project_id": project, "status": status })).into_response())
}

/// The homeowner's web proposal: the design's size, production and price.
async fn proposal_page(State(sandbox): State<Sandbox>, Path(design_id): Path<String>) -> Response {
    use crate::kit::text;
    let found = DesignId::parse(&design_id).ok().and_then(|id| sandbox.state().designs.get(&id).cloned());
    let Some(record) = found else {
        return (
            StatusCode::NOT_FOUND,
            Html("<!doctype html><title>Proposal not found</title><h1>Proposal not found</h1>"),
        )
            .into_response();
    };
    let size = record.summary.system_size_stc.map(|w| format!("{:.2} kW", w.kilowatts())).unwrap_or_default();
    let annual = record
        .summary
        .energy_production
        .as_ref()
        .and_then(|p| p.annual)
        .map(|k| format!("{:.0} kWh per year", k.0))
        .unwrap_or_default();
    let price = format!("${:.2}", total_of(&record.summary));
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Your solar proposal · Aurora (sandbox)</title>\
         <style>body{{font:16px/1.5 system-ui,sans-serif;margin:24px;max-width:640px}}</style></head><body>\
         <h1>Your solar proposal</h1><p data-testid=proposal-size>{}</p><p>{}</p><p data-testid=proposal-price>{}</p></body></html>",
        text(&size),
        text(&annual),
        text(&price)
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loan_payment_is_an_amortized_one() {
        // 25 years at 4.49 % on $24,882: about $138 a month.
        let payment = monthly_payment(24_882.0);
        assert!((137.0..140.0).contains(&payment), "{payment}");
    }

    #[test]
    fn a_designs_financings_have_stable_distinct_ids() {
        let design = DesignId::parse("3fa85f64-5717-4562-b3fc-2c963f66afa6").expect("uuid");
        let [a, b] = financing_ids(design);
        assert_ne!(a, b);
        assert_eq!(financing_ids(design), [a, b]);
    }
}
