//! The sale's events from Aurora: an agreement's status (`agreement_status_changed`), a
//! lender's (`financier_contract_status_changed`) and a project's milestones
//! (`milestone_created`); and the sale read again with each design (its financings and
//! web proposal). See `aurora/CONTRACT.md`, "After the design".
//!
//! Aurora updates an object before it tells us, sends duplicates and does not keep order,
//! so a delivery is a prompt: the agreement and the financings are read again from Aurora,
//! and what is stored never moves back (`storage::sales`). Where the tenant's plan does not
//! provide an endpoint (403, 404) the delivery's own words are used instead. When the
//! agreement is signed (or the project's `sold` milestone arrives) the design is kept as
//! sold, once.

use super::{
    Outcome,
    aurora_delivery::{self, Received},
    crm_activity::{self, said},
    signed_document, stage_move,
};
use crate::stages::SaleStep;
use crate::{
    AppState,
    ids::OpportunityKey,
    storage::{
        StorageError,
        aurora_events::{AuroraEvent, RecordedEvent},
        designs, projects, sales,
    },
    temporary_keys::StoredSessionTokens,
};
use aurora_api::sale::LenderStage;
use aurora_api::{
    Agreement, AgreementId, AgreementStatus, AuroraError, BearerToken, DesignId, Financing, FinancingId, ProjectId,
    TenantId,
};
use std::future::Future;
use widget_api::{DesignView, Milestone, SoldDesign};

/// Aurora's names of the sale's events.
pub mod events {
    /// An agreement was sent, viewed, signed, declined or canceled.
    pub const AGREEMENT_STATUS_CHANGED: &str = "agreement_status_changed";
    /// A lender's application moved.
    pub const FINANCIER_CONTRACT_STATUS_CHANGED: &str = "financier_contract_status_changed";
    /// A project reached a milestone.
    pub const MILESTONE_CREATED: &str = "milestone_created";
    /// A project's status changed (the tenant's own words).
    pub const PROJECT_STATUS_CHANGED: &str = "project_status_changed";
}

/// The milestone Aurora records when a project is sold.
const SOLD: &str = "sold";

/// What a sale delivery asks of us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// An agreement's status changed.
    Agreement {
        /// The tenant.
        tenant: TenantId,
        /// The project it sells.
        project: ProjectId,
        /// The design it sells, when the delivery names it.
        design: Option<DesignId>,
        /// The agreement.
        agreement: AgreementId,
        /// Its status as delivered.
        status: AgreementStatus,
    },
    /// A lender's application for one of a design's financings moved.
    Lender {
        /// The tenant.
        tenant: TenantId,
        /// The design.
        design: DesignId,
        /// The financing, when named (empty when none was selected [int]).
        financing: Option<FinancingId>,
        /// The lender's word.
        word: String,
    },
    /// The project reached a milestone.
    Milestone {
        /// The tenant.
        tenant: TenantId,
        /// The project.
        project: ProjectId,
        /// The design, when named.
        design: Option<DesignId>,
        /// Aurora's word (`sold`, `installed`, ...).
        stage: String,
    },
}

impl Request {
    /// The tenant whose event it is.
    pub fn tenant(&self) -> TenantId {
        match self {
            Request::Agreement { tenant, .. } | Request::Lender { tenant, .. } | Request::Milestone { tenant, .. } => {
                *tenant
            }
        }
    }
}

/// A delivery's query, read as `(name, value)` with empty values as none.
struct Query(std::collections::HashMap<String, String>);

impl Query {
    fn of(query: &str) -> Self {
        Query(aurora_delivery::parameters(query))
    }
    fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name).filter(|v| !v.is_empty())
    }
}

fn event(name: &str, dedupe: String, tenant: Option<String>, q: &mut Query) -> AuroraEvent {
    AuroraEvent {
        dedupe_key: format!("{name}:{}:{dedupe}", tenant.as_deref().unwrap_or_default()),
        event: name.to_owned(),
        aurora_tenant_id: tenant.unwrap_or_default(),
        design_id: q.take("design_id"),
        job_id: None,
        status: q.take("status").unwrap_or_default(),
        project_id: q.take("project_id"),
        object_id: None,
    }
}

/// An `agreement_status_changed` delivery: one agreement reaches each status once, so a
/// repeat of agreement and status is a duplicate.
pub fn agreement_delivery(query: &str) -> Received {
    let mut q = Query::of(query);
    let (tenant, session_token, agreement) = (q.take("tenant_id"), q.take("session_token"), q.take("agreement_id"));
    let status = q.0.get("status").cloned().unwrap_or_default();
    let dedupe = format!("{}:{status}", agreement.as_deref().unwrap_or_default());
    let mut event = event(events::AGREEMENT_STATUS_CHANGED, dedupe, tenant, &mut q);
    event.object_id = agreement;
    // The financing, when one was chosen, is read again with the agreement's design.
    Received { event, session_token }
}

/// A `financier_contract_status_changed` delivery. A lender's status may come back to an
/// earlier word (approved, stipulations, approved), so deliveries are told apart by their
/// session token, as app status toggles are; repeating one only reads the financings again.
pub fn lender_delivery(query: &str, now: i64) -> Received {
    let mut q = Query::of(query);
    let (tenant, session_token, financing) = (q.take("tenant_id"), q.take("session_token"), q.take("financing_id"));
    let delivery = session_token.as_deref().map_or_else(|| format!("at-{now}"), aurora_delivery::short_hash);
    let dedupe = format!("{}:{delivery}", financing.as_deref().unwrap_or_default());
    let mut event = event(events::FINANCIER_CONTRACT_STATUS_CHANGED, dedupe, tenant, &mut q);
    event.object_id = financing;
    Received { event, session_token }
}

/// A `milestone_created` delivery: one project reaches each milestone once.
pub fn milestone_delivery(query: &str) -> Received {
    let mut q = Query::of(query);
    let (tenant, session_token) = (q.take("tenant_id"), q.take("session_token"));
    let dedupe = format!(
        "{}:{}",
        q.0.get("project_id").cloned().unwrap_or_default(),
        q.0.get("status").cloned().unwrap_or_default()
    );
    let event = event(events::MILESTONE_CREATED, dedupe, tenant, &mut q);
    Received { event, session_token }
}

/// A `project_status_changed` delivery: a project's status (a tenant's own words, "can be
/// any string": https://docs.aurorasolar.com/reference/events), kept beside its milestones.
/// A status repeated later is the same step: a repeat is a duplicate.
pub fn project_status_delivery(query: &str) -> Received {
    let mut q = Query::of(query);
    let (tenant, session_token) = (q.take("tenant_id"), q.take("session_token"));
    let dedupe = format!(
        "{}:{}",
        q.0.get("project_id").cloned().unwrap_or_default(),
        q.0.get("status").cloned().unwrap_or_default().to_lowercase()
    );
    let event = event(events::PROJECT_STATUS_CHANGED, dedupe, tenant, &mut q);
    Received { event, session_token }
}

/// What `event` (one of the sale's, for `tenant`) asks; `Err` says why it cannot be used.
pub fn request_of(tenant: TenantId, event: &AuroraEvent) -> Result<Request, String> {
    let shown = |v: &str| -> String { v.chars().filter(|c| !c.is_control()).take(40).collect() };
    let uuid = |name: &str, value: Option<&str>| -> Result<uuid::Uuid, String> {
        let value = value.ok_or_else(|| format!("the delivery has no {name}"))?;
        uuid::Uuid::parse_str(value).map_err(|_| format!("{name} `{}` is not a UUID", shown(value)))
    };
    let optional = |name: &str, value: Option<&str>| value.map(|v| uuid(name, Some(v))).transpose();
    let design = optional("design_id", event.design_id.as_deref())?.map(DesignId);
    match event.event.as_str() {
        events::AGREEMENT_STATUS_CHANGED => Ok(Request::Agreement {
            tenant,
            project: ProjectId(uuid("project_id", event.project_id.as_deref())?),
            design,
            agreement: AgreementId(uuid("agreement_id", event.object_id.as_deref())?),
            status: AgreementStatus::parse(&event.status),
        }),
        events::FINANCIER_CONTRACT_STATUS_CHANGED => Ok(Request::Lender {
            tenant,
            design: design.ok_or("the delivery has no design_id")?,
            financing: optional("financing_id", event.object_id.as_deref())?.map(FinancingId),
            word: shown(&event.status),
        }),
        events::MILESTONE_CREATED | events::PROJECT_STATUS_CHANGED if event.status.trim().is_empty() => {
            Err("the delivery has no stage or status".into())
        }
        // A project's status reads as its milestones do, in the tenant's own words.
        events::PROJECT_STATUS_CHANGED => Ok(Request::Milestone {
            tenant,
            project: ProjectId(uuid("project_id", event.project_id.as_deref())?),
            design,
            stage: shown(event.status.trim()),
        }),
        events::MILESTONE_CREATED => Ok(Request::Milestone {
            tenant,
            project: ProjectId(uuid("project_id", event.project_id.as_deref())?),
            design,
            stage: shown(event.status.trim()).to_ascii_lowercase(),
        }),
        other => Err(format!("`{}` is none of the sale's events", shown(other))),
    }
}

/// Calls Aurora for `tenant` with its temporary key.
async fn with_key<T, F, Fut>(state: &AppState, tenant: TenantId, call: F) -> Result<T, AuroraError>
where
    F: Fn(std::sync::Arc<aurora_api::AuroraClient>, BearerToken) -> Fut,
    Fut: Future<Output = Result<T, AuroraError>>,
{
    let sessions = StoredSessionTokens(state);
    state
        .caches
        .keys
        .with_key(&state.aurora, &sessions, tenant, state.now(), |bearer| call(state.aurora.clone(), bearer))
        .await
}

/// Runs a sale event already checked to be of a linked tenant.
pub async fn run(state: &AppState, delivery: &RecordedEvent, request: Request) -> Result<Outcome, StorageError> {
    let db = state.db();
    let tenant = request.tenant().to_string();
    let key = match &request {
        Request::Agreement { project, .. } | Request::Milestone { project, .. } => {
            projects::opportunity_of(db, &tenant, &project.to_string(), None).await?
        }
        Request::Lender { tenant, design, .. } => {
            sales::opportunity_of_design(db, &tenant.to_string(), &design.to_string()).await?
        }
    };
    let Some(key) = key else {
        tracing::info!(event = %delivery.event.dedupe_key, "a sale event of a project we did not create; ignored");
        return Ok(Outcome::Done);
    };
    let result = match request {
        Request::Agreement { tenant, design, agreement, status, project } => {
            agreement_changed(state, &key, tenant, project, design, agreement, status).await
        }
        Request::Lender { tenant, design, financing, word } => {
            lender_changed(state, &key, tenant, design, financing, &word).await
        }
        Request::Milestone { tenant, design, stage, .. } => milestone(state, &key, tenant, design, &stage).await,
    };
    match result {
        Ok(()) => Ok(Outcome::Done),
        Err(Failure::Storage(error)) => Err(error),
        Err(Failure::Aurora(error)) => Ok(aurora_delivery::outcome_of(&error)),
    }
}

/// Why reading the sale did not go through.
#[derive(Debug)]
pub enum Failure {
    /// Our storage failed.
    Storage(StorageError),
    /// Aurora failed or refused.
    Aurora(AuroraError),
}

impl From<StorageError> for Failure {
    fn from(error: StorageError) -> Self {
        Failure::Storage(error)
    }
}

impl From<AuroraError> for Failure {
    fn from(error: AuroraError) -> Self {
        Failure::Aurora(error)
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|e| StorageError::Decode(e.to_string()))
}

async fn agreement_changed(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    project: ProjectId,
    design: Option<DesignId>,
    id: AgreementId,
    delivered: AgreementStatus,
) -> Result<(), Failure> {
    let read =
        with_key(state, tenant, |aurora, bearer| async move { aurora.get_agreement(&bearer, tenant, id).await }).await;
    // The delivery's word, where Aurora's agreement cannot be read: the store keeps it only
    // when it is not behind.
    let delivered = Agreement {
        id: id.to_string(),
        design_id: design.map(|d| d.to_string()),
        project_id: Some(project.to_string()),
        status: delivered,
        template_name: None,
        signing_provider: None,
        created_at: None,
    };
    let agreement = match read {
        Ok(Some(agreement)) => agreement,
        // The plan has no agreements endpoint (or Aurora lost the agreement).
        Ok(None) => delivered,
        Err(error @ AuroraError::Decode { .. }) => {
            tracing::warn!(%tenant, %error, "an agreement could not be read; using the delivery's status");
            delivered
        }
        Err(error) => return Err(error.into()),
    };
    // What the agreement brings is stored before the agreement itself, so that whoever
    // sees it signed sees the design as sold beside it.
    let design = agreement.design_id.as_deref().and_then(|d| DesignId::parse(d).ok()).or(design);
    if let Some(design) = design {
        refresh(state, key, tenant, design).await?;
    }
    if agreement.status == AgreementStatus::Signed {
        keep_sold(state, key, tenant, design).await?;
    }
    let (db, now) = (state.db(), state.now());
    let newer = sales::record_agreement(db, key, &agreement, now).await?;
    tracing::info!(opportunity = %key.external_provider_id(), status = ?agreement.status, newer, "agreement status");
    if newer {
        let sold = match sales::find(db, key).await?.and_then(|s| s.sold_json) {
            Some(_) if agreement.status == AgreementStatus::Signed => {
                designs::find(db, key).await?.map(|d| d.view()).transpose()?
            }
            _ => None,
        };
        let url = aurora_api::hosts::project_app_url(&state.config.aurora.base_url, &project.to_string());
        let status = json(&agreement.status)?;
        let activity = said::agreement(&agreement, sold.as_ref(), &url, now);
        crm_activity::queue(state, key, &format!("agreement:{}:{}", agreement.id, status.trim_matches('"')), &activity)
            .await?;
        let step = match agreement.status {
            AgreementStatus::Sent | AgreementStatus::Viewed => Some(SaleStep::AgreementSent),
            AgreementStatus::Signed => Some(SaleStep::AgreementSigned),
            _ => None,
        };
        if let Some(step) = step {
            stage_move::queue(state, key, step).await?;
        }
        if agreement.status == AgreementStatus::Signed {
            signed_document::queue(state, key, tenant, &agreement.id).await?;
        }
    }
    Ok(())
}

async fn lender_changed(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    design: DesignId,
    financing: Option<FinancingId>,
    word: &str,
) -> Result<(), Failure> {
    if !financings(state, key, tenant, design).await? {
        hold_lenders_word(state, key, design, financing, word).await?;
    }
    // The timeline hears the lender's word once per financing.
    let held = sales::find(state.db(), key).await?.and_then(|s| s.financings_json);
    let list: Vec<Financing> = match held {
        Some(json) => serde_json::from_str(&json).map_err(|e| StorageError::Decode(e.to_string()))?,
        None => Vec::new(),
    };
    let id = financing.map(|f| f.to_string());
    let lender = list
        .iter()
        .find(|f| Some(&f.id) == id.as_ref())
        .or_else(|| list.iter().find(|f| f.selected))
        .and_then(|f| f.financier.as_ref());
    let probe = aurora_api::sale::Financier { provider_status: Some(word.to_owned()), ..Default::default() };
    let url = crm_activity::project_url(state, key).await?;
    let activity = said::lender(probe.stage(), word, lender.and_then(|l| l.provider.as_deref()), &url, state.now());
    let financing = id.unwrap_or_default();
    crm_activity::queue(state, key, &format!("lender:{design}:{financing}:{word}"), &activity).await?;
    if matches!(probe.stage(), Some(LenderStage::Approved | LenderStage::Stipulations | LenderStage::Funded)) {
        stage_move::queue(state, key, SaleStep::FinancingApproved).await?;
    }
    Ok(())
}

/// Puts the lender's word on the financing held, where the plan has no financings to read.
async fn hold_lenders_word(
    state: &AppState,
    key: &OpportunityKey,
    design: DesignId,
    financing: Option<FinancingId>,
    word: &str,
) -> Result<(), Failure> {
    // No financings endpoint in the plan: the lender's word goes on the financing held.
    let Some(financing) = financing else { return Ok(()) };
    let held = sales::find(state.db(), key).await?;
    let mut list: Vec<Financing> = match held.and_then(|s| s.financings_json) {
        Some(json) => serde_json::from_str(&json).map_err(|e| StorageError::Decode(e.to_string()))?,
        None => Vec::new(),
    };
    let id = financing.to_string();
    let entry = match list.iter_mut().position(|f| f.id == id) {
        Some(at) => &mut list[at],
        None => {
            list.push(Financing { id, selected: true, ..Financing::default() });
            list.last_mut().expect("just pushed")
        }
    };
    let financier = entry.financier.get_or_insert_with(aurora_api::sale::Financier::default);
    financier.provider_status = Some(word.to_owned());
    sales::record_financings(state.db(), key, &design.to_string(), &json(&list)?, state.now()).await?;
    Ok(())
}

async fn milestone(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    design: Option<DesignId>,
    stage: &str,
) -> Result<(), Failure> {
    let now = state.now();
    let at = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default().to_rfc3339();
    let record = Milestone { stage: stage.to_owned(), recorded_at: at };
    let new = sales::add_milestone(state.db(), key, stage, &json(&record)?, now).await?;
    // A tenant's "Project Sold" status says what the `sold` milestone says.
    let sold = stage.eq_ignore_ascii_case(SOLD) || stage.to_lowercase().split_whitespace().any(|w| w == SOLD);
    tracing::info!(opportunity = %key.external_provider_id(), stage, new, "milestone");
    if new {
        let url = crm_activity::project_url(state, key).await?;
        crm_activity::queue(state, key, &format!("milestone:{stage}"), &said::milestone(stage, &url, now)).await?;
    }
    if sold {
        keep_sold(state, key, tenant, design).await?;
        stage_move::queue(state, key, SaleStep::Sold).await?;
    }
    Ok(())
}

/// Reads a design's financings again; false when the tenant's plan has none to read.
async fn financings(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    design: DesignId,
) -> Result<bool, Failure> {
    let read =
        with_key(state, tenant, |aurora, bearer| async move { aurora.list_financings(&bearer, tenant, design).await })
            .await;
    let mut list = match read {
        Ok(Some(list)) => list,
        Ok(None) => return Ok(false),
        Err(error @ AuroraError::Decode { .. }) => {
            tracing::warn!(%tenant, %design, %error, "a design's financings could not be read; left as they were");
            return Ok(false);
        }
        Err(error) => return Err(error.into()),
    };
    // The homeowner's choice first.
    list.sort_by_key(|f| !f.selected);
    sales::record_financings(state.db(), key, &design.to_string(), &json(&list)?, state.now()).await?;
    Ok(true)
}

/// A design was stored for the opportunity (its simulation succeeded): its sale is read
/// again, and the CRM's timeline told: the design is ready, and what changed since the
/// sale when a design was sold before. Aurora failing now leaves the design shown; its
/// sale is read with the next event.
pub async fn design_stored(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    design: DesignId,
    view: &DesignView,
    aurora_url: &str,
) -> Result<(), StorageError> {
    match refresh(state, key, tenant, design).await {
        Ok(()) => {}
        Err(Failure::Storage(error)) => return Err(error),
        Err(Failure::Aurora(error)) => {
            tracing::warn!(%tenant, %design, %error, "the design's sale could not be read now; read with its next event");
        }
    }
    let now = state.now();
    crm_activity::queue(state, key, &format!("design:{design}"), &said::design_ready(view, aurora_url, now)).await?;
    stage_move::queue(state, key, SaleStep::DesignReady).await?;
    let sold = match sales::find(state.db(), key).await?.and_then(|s| s.sold_json) {
        Some(json) => serde_json::from_str::<SoldDesign>(&json).map_err(|e| StorageError::Decode(e.to_string()))?,
        None => return Ok(()),
    };
    let changes = sold.changes(view);
    if changes.is_empty() {
        return Ok(());
    }
    // One entry per design and what changed in it (a re-simulation that changes it again
    // is another).
    let what = aurora_delivery::short_hash(&json(&changes)?);
    let currency = view.price.as_ref().and_then(|p| p.currency.as_deref());
    let activity = said::drift(&sold, &changes, currency, aurora_url, now);
    crm_activity::queue(state, key, &format!("drift:{design}:{what}"), &activity).await
}

/// Reads what the sale holds of `design` again: its financings and its web proposal. Run
/// with each design stored, and with each agreement event (Aurora may not let a CRM app
/// subscribe to the lenders' events: then this is when their status is seen).
pub async fn refresh(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    design: DesignId,
) -> Result<(), Failure> {
    financings(state, key, tenant, design).await?;
    let read =
        with_key(state, tenant, |aurora, bearer| async move { aurora.get_web_proposal(&bearer, tenant, design).await })
            .await;
    let url = match read {
        Ok(proposal) => proposal.filter(|p| !p.url_expired).map(|p| p.url),
        Err(error @ AuroraError::Decode { .. }) => {
            tracing::warn!(%tenant, %design, %error, "a web proposal could not be read");
            None
        }
        Err(error) => return Err(error.into()),
    };
    sales::record_web_proposal(state.db(), key, url.as_deref(), state.now()).await?;
    Ok(())
}

/// Keeps the design as sold, once: `design` when named, else the design shown. A design
/// other than the one shown is read from Aurora.
async fn keep_sold(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    design: Option<DesignId>,
) -> Result<(), Failure> {
    let (db, now) = (state.db(), state.now());
    if sales::find(db, key).await?.is_some_and(|s| s.sold_json.is_some()) {
        return Ok(());
    }
    let shown = designs::find(db, key).await?;
    let view = match (design, &shown) {
        (Some(wanted), Some(stored)) if stored.aurora_design_id != wanted.to_string() => {
            design_from_aurora(state, tenant, wanted).await?
        }
        (None, None) => return Ok(()),
        (Some(wanted), None) => design_from_aurora(state, tenant, wanted).await?,
        (_, Some(stored)) => Some(stored.view()?),
    };
    let Some(view) = view else { return Ok(()) };
    let id = design.map(|d| d.to_string()).or(shown.map(|s| s.aurora_design_id)).unwrap_or_default();
    let sold_at = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default().to_rfc3339();
    let kept = sales::keep_sold(db, key, &json(&SoldDesign::of(&view, &id, &sold_at))?, now).await?;
    tracing::info!(opportunity = %key.external_provider_id(), design = %id, kept, "the design as sold");
    Ok(())
}

/// A design read from Aurora with its price; `None` when Aurora has no such design.
async fn design_from_aurora(
    state: &AppState,
    tenant: TenantId,
    design: DesignId,
) -> Result<Option<DesignView>, Failure> {
    let summary =
        with_key(
            state,
            tenant,
            |aurora, bearer| async move { aurora.get_design_summary(&bearer, tenant, design).await },
        )
        .await;
    let summary = match summary {
        Ok(read) => read.summary,
        Err(AuroraError::NotFound(_)) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let price =
        with_key(
            state,
            tenant,
            |aurora, bearer| async move { aurora.get_design_pricing(&bearer, tenant, design).await },
        )
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%tenant, %design, %error, "the sold design's price could not be read");
            None
        });
    let at = aurora_api::Timestamp::iso8601(chrono::DateTime::from_timestamp(state.now(), 0).unwrap_or_default());
    Ok(Some(DesignView { price, ..DesignView::from_summary(&summary, &at) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "7e57a000-0000-4000-8000-000000000001";
    const PROJECT: &str = "4b1d0000-0000-4000-8000-000000000001";
    const DESIGN: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    const AGREEMENT: &str = "a9000000-0000-4000-8000-000000000001";

    fn tenant() -> TenantId {
        TenantId::parse(TENANT).expect("uuid")
    }

    #[test]
    fn agreement_deliveries_collapse_by_agreement_and_status() {
        let query = |status: &str| {
            format!(
                "project_id={PROJECT}&design_id={DESIGN}&agreement_id={AGREEMENT}&financing_id=&status={status}\
                 &tenant_id={TENANT}&session_token=s1"
            )
        };
        let signed = agreement_delivery(&query("signed"));
        assert_eq!(signed.event.dedupe_key, agreement_delivery(&query("signed").replace("s1", "s2")).event.dedupe_key);
        assert_ne!(signed.event.dedupe_key, agreement_delivery(&query("viewed")).event.dedupe_key);
        let request = request_of(tenant(), &signed.event).expect("usable");
        assert_eq!(
            request,
            Request::Agreement {
                tenant: tenant(),
                project: ProjectId::parse(PROJECT).expect("uuid"),
                design: Some(DesignId::parse(DESIGN).expect("uuid")),
                agreement: AgreementId::parse(AGREEMENT).expect("uuid"),
                status: AgreementStatus::Signed,
            }
        );
        let no_agreement = agreement_delivery(&query("signed").replace(AGREEMENT, ""));
        assert_eq!(request_of(tenant(), &no_agreement.event), Err("the delivery has no agreement_id".into()));
    }

    #[test]
    fn lender_deliveries_repeat_words_and_may_name_no_financing() {
        let query = format!("design_id={DESIGN}&financing_id=&status=Approved&tenant_id={TENANT}&session_token=t1");
        let first = lender_delivery(&query, 0);
        let again = lender_delivery(&query.replace("t1", "t2"), 0);
        assert_ne!(first.event.dedupe_key, again.event.dedupe_key, "a lender may say Approved twice");
        assert_eq!(first.event.dedupe_key, lender_delivery(&query, 5).event.dedupe_key, "one delivery twice");
        match request_of(tenant(), &first.event) {
            Ok(Request::Lender { financing: None, word, .. }) => assert_eq!(word, "Approved"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn milestones_need_a_stage_and_read_it_in_lower_case() {
        let query =
            |stage: &str| format!("project_id={PROJECT}&design_id=&status={stage}&source=app&tenant_id={TENANT}");
        match request_of(tenant(), &milestone_delivery(&query("Sold")).event) {
            Ok(Request::Milestone { stage, design: None, .. }) => assert_eq!(stage, "sold"),
            other => panic!("{other:?}"),
        }
        assert!(request_of(tenant(), &milestone_delivery(&query("")).event).is_err());
        let bad = milestone_delivery(&query("sold").replace(PROJECT, "nope"));
        assert_eq!(request_of(tenant(), &bad.event), Err("project_id `nope` is not a UUID".into()));
    }
}
