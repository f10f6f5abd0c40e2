//! Running one of Aurora's events. A finished simulation re-reads the design summary (the
//! design is updated before the webhook fires), maps it to the opportunity whose project
//! it is, and stores it so that the simulation Aurora reported last wins (by the order its
//! deliveries arrived in), whatever order the work runs in; a
//! successful one queues its figures for the CRM. An app status change is recorded on
//! every installation linked to the tenant.

use super::{
    Kind, Outcome,
    aurora_delivery::{Received, outcome_of, parameters, short_hash},
    sale_event,
};
use crate::{
    AppState,
    crm::DesignFigures,
    ids::OpportunityKey,
    storage::{
        StorageError,
        aurora_events::{self, AuroraEvent, RecordedEvent},
        designs::{self, NewDesign, SimulationStatus},
        installations, projects,
        write_backs::{self, WriteBack},
    },
    temporary_keys::StoredSessionTokens,
};
use aurora_api::{AuroraError, DesignId, TenantId};

/// Aurora's event names.
pub mod events {
    /// A performance simulation finished.
    pub const SIMULATION_COMPLETED: &str = "performance_simulation_job_completed";
    /// A tenant enabled or disabled the app.
    pub const APP_STATUS_CHANGED: &str = "app_status_changed";
}

/// A performance-simulation delivery, whatever its query holds. One job ends once, so a
/// second delivery of the same job and status is a duplicate; a delivery without a job id
/// (an empty placeholder) falls back to the design, then to the whole query.
pub fn simulation_delivery(query: &str) -> Received {
    let mut parameters = parameters(query);
    let mut take = |name: &str| parameters.remove(name).filter(|v| !v.is_empty());
    let (design_id, job_id, status) = (take("design_id"), take("job_id"), take("status"));
    let (tenant, session_token) = (take("tenant_id"), take("session_token"));
    let job = match (&job_id, &design_id) {
        (Some(job), _) => job.clone(),
        (None, Some(design)) => format!("design:{design}"),
        (None, None) => format!("query:{}", short_hash(query)),
    };
    let status = status.unwrap_or_default();
    // Per tenant: Aurora's job ids are opaque, and nothing says they are unique across
    // tenants. Our own test markers are random, and looked up without one.
    let tenant_scope = if job.starts_with(CHECK_MARKER_PREFIX) { "" } else { tenant.as_deref().unwrap_or_default() };
    let event = AuroraEvent {
        dedupe_key: format!("{}:{tenant_scope}:{job}:{status}", events::SIMULATION_COMPLETED),
        event: events::SIMULATION_COMPLETED.into(),
        aurora_tenant_id: tenant.unwrap_or_default(),
        design_id,
        job_id,
        status,
        project_id: None,
        object_id: None,
    };
    Received { event, session_token }
}

/// The dedupe key of a test delivery whose job id is `marker` (see
/// `subscriptions::trigger_check`): the receiver records it as any other.
pub fn check_key(marker: &str) -> String {
    format!("{}::{marker}:{}", events::SIMULATION_COMPLETED, crate::aurora_subscriptions::CHECK_STATUS)
}

/// How the job id of a test delivery starts (`check-` and random symbols).
pub const CHECK_MARKER_PREFIX: &str = "check-";

/// An app-status delivery received at `now`, whatever its query holds. Toggles repeat
/// legitimately (disabled, enabled, disabled again); a repeated delivery carries the same
/// session token. One without a token is told apart by when it came: running a repeat
/// twice is harmless, as the event only makes us ask Aurora for the tenant's state.
pub fn app_status_delivery(query: &str, now: i64) -> Received {
    let mut parameters = parameters(query);
    let mut take = |name: &str| parameters.remove(name).filter(|v| !v.is_empty());
    let (status, tenant, session_token) = (take("status"), take("tenant_id"), take("session_token"));
    let (status, tenant) = (status.unwrap_or_default(), tenant.unwrap_or_default());
    let delivery = session_token.as_deref().map_or_else(|| format!("at-{now}"), short_hash);
    let event = AuroraEvent {
        dedupe_key: format!("{}:{tenant}:{status}:{delivery}", events::APP_STATUS_CHANGED),
        event: events::APP_STATUS_CHANGED.into(),
        aurora_tenant_id: tenant,
        design_id: None,
        job_id: None,
        status,
        project_id: None,
        object_id: None,
    };
    Received { event, session_token }
}

/// What a recorded delivery asks of us, or why it cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Request {
    /// Fetch the design's summary and store it.
    Simulation { tenant: TenantId, design: DesignId, status: SimulationStatus },
    /// The simulation is under way (`in-progress`), or its status is none we act on.
    NothingYet(String),
    /// The tenant enabled or disabled the app.
    AppStatus { tenant: TenantId, enabled: bool },
    /// The sale moved: an agreement, a lender, a milestone.
    Sale(super::sale_event::Request),
    /// Recorded, but unusable: why.
    Unusable(String),
}

/// `value` for a message: a short, printable excerpt.
fn shown(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).take(40).collect()
}

fn request_of(event: &AuroraEvent) -> Request {
    let tenant = match TenantId::parse(&event.aurora_tenant_id) {
        Ok(tenant) => tenant,
        Err(_) => return Request::Unusable(format!("tenant_id `{}` is not a UUID", shown(&event.aurora_tenant_id))),
    };
    match event.event.as_str() {
        events::SIMULATION_COMPLETED => {
            let Some(status) = SimulationStatus::parse(&event.status) else {
                return Request::NothingYet(format!("simulation status `{}`", shown(&event.status)));
            };
            match event.design_id.as_deref().map(DesignId::parse) {
                Some(Ok(design)) => Request::Simulation { tenant, design, status },
                Some(Err(_)) => Request::Unusable(format!(
                    "design_id `{}` is not a UUID",
                    shown(event.design_id.as_deref().unwrap_or_default())
                )),
                None => Request::Unusable("the delivery has no design_id".into()),
            }
        }
        events::APP_STATUS_CHANGED => match event.status.as_str() {
            "enabled" => Request::AppStatus { tenant, enabled: true },
            "disabled" => Request::AppStatus { tenant, enabled: false },
            other => Request::NothingYet(format!("app status `{}`", shown(other))),
        },
        sale_event::events::AGREEMENT_STATUS_CHANGED
        | sale_event::events::FINANCIER_CONTRACT_STATUS_CHANGED
        | sale_event::events::MILESTONE_CREATED
        | sale_event::events::PROJECT_STATUS_CHANGED => {
            sale_event::request_of(tenant, event).map_or_else(Request::Unusable, Request::Sale)
        }
        other => Request::Unusable(format!("unknown Aurora event `{}`", shown(other))),
    }
}

/// Runs the event recorded under `key` (its dedupe key).
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let recorded = match aurora_events::find(state.db(), key.first().map(String::as_str).unwrap_or_default()).await {
        Ok(Some(recorded)) => recorded,
        Ok(None) => return Outcome::GiveUp("the event's record is gone".into()),
        Err(error) => return Outcome::Retry(error.to_string()),
    };
    let request = request_of(&recorded.event);
    let tenant = match &request {
        Request::Simulation { tenant, .. } | Request::AppStatus { tenant, .. } => Some(*tenant),
        Request::Sale(sale) => Some(sale.tenant()),
        Request::NothingYet(_) | Request::Unusable(_) => None,
    };
    if let Some(tenant) = tenant {
        // Aurora delivers every tenant's events to one subscription: the application key's
        // budget (shared by every customer) is not spent on a tenant nobody linked.
        match installations::is_linked(state.db(), &tenant.to_string()).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(%tenant, event = %recorded.event.dedupe_key, "delivery for a tenant no installation links; recorded, nothing fetched");
                return Outcome::Done;
            }
            Err(error) => return Outcome::Retry(error.to_string()),
        }
    }
    let result = match request {
        Request::Simulation { tenant, design, status } => {
            simulation_completed(state, &recorded, tenant, design, status).await
        }
        Request::AppStatus { tenant, enabled } => app_status_changed(state, tenant, enabled).await,
        Request::Sale(sale) => sale_event::run(state, &recorded, sale).await,
        Request::NothingYet(what) => {
            tracing::info!(event = %recorded.event.dedupe_key, what, "Aurora delivery recorded; nothing to do for it");
            return Outcome::Done;
        }
        // Dead at once: kept, logged, and shown on the health section of the tenant's installation.
        Request::Unusable(why) => return Outcome::GiveUp(format!("unusable Aurora delivery: {why}")),
    };
    match result {
        Ok(outcome) => outcome,
        Err(StorageError::Backend(error)) => Outcome::Retry(error),
        Err(error @ StorageError::Decode(_)) => Outcome::GiveUp(error.to_string()),
    }
}

/// A tenant enabled or disabled our app. Aurora does not order its deliveries (a late
/// "disabled" may arrive after a newer "enabled"), so the delivery is a prompt, not the
/// answer: Aurora itself is asked, by minting a fresh key for the tenant (with the session
/// token the delivery brought, when it is still held; Aurora refuses with 403 while the app
/// is disabled), and the installation gets the state Aurora has now.
async fn app_status_changed(state: &AppState, tenant: TenantId, reported: bool) -> Result<Outcome, StorageError> {
    state.caches.keys.drop_tenant(tenant);
    let minted = state.caches.keys.key(&state.aurora, &StoredSessionTokens(state), tenant, state.now()).await;
    let enabled = match minted {
        Ok(_) => true,
        Err(AuroraError::Forbidden(_)) => false,
        Err(error) => return Ok(outcome_of(&error)),
    };
    if enabled != reported {
        tracing::info!(%tenant, reported, enabled, "an app status delivery older than Aurora's current state");
    }
    let changed = installations::set_app_enabled(state.db(), &tenant.to_string(), enabled, state.now()).await?;
    tracing::info!(%tenant, enabled, installations = changed, "app status changed");
    Ok(Outcome::Done)
}

async fn simulation_completed(
    state: &AppState,
    delivery: &RecordedEvent,
    tenant: TenantId,
    design_id: DesignId,
    status: SimulationStatus,
) -> Result<Outcome, StorageError> {
    let sessions = StoredSessionTokens(state);
    let fetched = state
        .caches
        .keys
        .with_key(&state.aurora, &sessions, tenant, state.now(), |bearer| {
            let aurora = state.aurora.clone();
            async move { aurora.get_design_summary(&bearer, tenant, design_id).await }
        })
        .await;
    let summary = match fetched {
        Ok(read) => {
            if !read.unread.is_empty() {
                // Paths and JSON types only: never a value (a customer's data).
                tracing::warn!(%tenant, design = %design_id, unread = ?read.unread, "parts of a design summary could not be read; showing the rest");
            }
            read.summary
        }
        Err(error) => return Ok(outcome_of(&error)),
    };
    let Some(key) = projects::opportunity_of(
        state.db(),
        &tenant.to_string(),
        &summary.project_id.to_string(),
        summary.external_provider_id.as_deref(),
    )
    .await?
    else {
        // A project of the tenant that no opportunity of ours created: nothing to show.
        tracing::info!(%tenant, project = %summary.project_id, "simulation of a project we did not create; ignored");
        return Ok(Outcome::Done);
    };
    // Its price, asked only for designs of ours (each call spends the tenant's pace with
    // Aurora), where the tenant's plan provides one (none: not available, no failure). A
    // price in a shape we cannot read is left out, not a reason to hide the design; one
    // Aurora could not give now is asked for again with the whole event.
    let priced = state
        .caches
        .keys
        .with_key(&state.aurora, &sessions, tenant, state.now(), |bearer| {
            let aurora = state.aurora.clone();
            async move { aurora.get_design_pricing(&bearer, tenant, design_id).await }
        })
        .await;
    let pricing = match priced {
        Ok(pricing) => pricing,
        Err(error @ AuroraError::Decode { .. }) => {
            tracing::warn!(%tenant, design = %design_id, %error, "a design's price could not be read; showing the design without it");
            None
        }
        Err(error) => return Ok(outcome_of(&error)),
    };
    let pricing_json = match &pricing {
        Some(pricing) => Some(serde_json::to_string(pricing).map_err(|e| StorageError::Decode(e.to_string()))?),
        None => None,
    };
    let json = serde_json::to_string(&summary).map_err(|e| StorageError::Decode(e.to_string()))?;
    let design = NewDesign {
        design_id: &design_id.to_string(),
        simulation_status: status,
        // Undated by Aurora: dated by when its simulation's webhook reached us.
        designed_at_ms: summary
            .created_at
            .as_ref()
            .map_or(delivery.received_at.saturating_mul(1000), |t| t.utc().timestamp_millis()),
        simulation_order: delivery.arrival,
        summary_json: &json,
        pricing_json: pricing_json.as_deref(),
    };
    let stored = designs::store(state.db(), &key, &design, state.now()).await?;
    tracing::info!(opportunity = %key.external_provider_id(), design = %design_id, status = status.as_str(), stored, "design summary processed");
    if stored && status == SimulationStatus::Succeeded {
        let aurora_url =
            aurora_api::hosts::project_app_url(&state.config.aurora.base_url, &summary.project_id.to_string());
        queue_figures(state, &key, design.design_id, &DesignFigures::of(&summary, pricing.as_ref(), &aurora_url))
            .await?;
        let at = aurora_api::Timestamp::iso8601(
            chrono::DateTime::from_timestamp_millis(design.designed_at_ms).unwrap_or_default(),
        );
        let view = widget_api::DesignView { price: pricing, ..widget_api::DesignView::from_summary(&summary, &at) };
        sale_event::design_stored(state, &key, tenant, design_id, &view, &aurora_url).await?;
    }
    Ok(Outcome::Done)
}

/// Queues the figures of a ready design for the opportunity's CRM and writes them now.
/// Installations without a CRM authorization (added from the command line) have nowhere
/// to write.
async fn queue_figures(
    state: &AppState,
    key: &OpportunityKey,
    design_id: &str,
    figures: &DesignFigures,
) -> Result<(), StorageError> {
    let Some(installation) = super::writing_installation(state, key).await? else { return Ok(()) };
    let mut figures = figures.clone();
    if installation.write_amount {
        // The opportunity's amount: the design's price until it is sold, then the price it
        // was sold at (a later design's price is a change order, flagged, not the amount).
        let sold = crate::storage::sales::find(state.db(), key).await?.and_then(|s| s.sold_json);
        let sold_price = sold
            .and_then(|json| serde_json::from_str::<widget_api::SoldDesign>(&json).ok())
            .and_then(|sold| sold.price);
        figures.deal_amount = sold_price.or(figures.aurora_system_price);
    }
    let write = WriteBack {
        key: key.clone(),
        aurora_design_id: design_id.to_owned(),
        fields_json: serde_json::to_string(&figures).map_err(|e| StorageError::Decode(e.to_string()))?,
    };
    write_backs::enqueue(state.db(), &write, state.now()).await?;
    // Already in the background: written now, and retried by the sweep if that fails.
    // Boxed: a job that runs a job is a recursive future.
    Box::pin(super::run_now(state, Kind::WriteBack, key.job_key())).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::aurora_delivery::MAX_VALUE_CHARS;

    const TENANT: &str = "7e57a000-0000-4000-8000-000000000001";
    const DESIGN: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    #[test]
    fn every_simulation_delivery_is_recorded_and_read_for_what_it_asks() {
        let cases: [(&str, &str, Request); 7] = [
            (
                "usual",
                "design_id=DESIGN&job_id=JOB&status=succeeded&tenant_id=TENANT&session_token=s",
                Request::Simulation {
                    tenant: TenantId::parse(TENANT).expect("uuid"),
                    design: DesignId::parse(DESIGN).expect("uuid"),
                    status: SimulationStatus::Succeeded,
                },
            ),
            (
                "under way",
                "design_id=DESIGN&job_id=JOB&status=in-progress&tenant_id=TENANT",
                Request::NothingYet("simulation status `in-progress`".into()),
            ),
            (
                "a status nobody documented",
                "design_id=DESIGN&job_id=JOB&status=canceled&tenant_id=TENANT&extra=1",
                Request::NothingYet("simulation status `canceled`".into()),
            ),
            (
                "a job id that is no UUID",
                "design_id=DESIGN&job_id=job_123&status=failed&tenant_id=TENANT",
                Request::Simulation {
                    tenant: TenantId::parse(TENANT).expect("uuid"),
                    design: DesignId::parse(DESIGN).expect("uuid"),
                    status: SimulationStatus::Failed,
                },
            ),
            (
                "a malformed design id",
                "design_id=zz&job_id=JOB&status=succeeded&tenant_id=TENANT",
                Request::Unusable("design_id `zz` is not a UUID".into()),
            ),
            (
                "empty placeholders",
                "design_id=&job_id=&status=succeeded&tenant_id=TENANT",
                Request::Unusable("the delivery has no design_id".into()),
            ),
            ("no tenant", "design_id=DESIGN&status=succeeded", Request::Unusable("tenant_id `` is not a UUID".into())),
        ];
        for (name, query, expected) in cases {
            let query = query.replace("DESIGN", DESIGN).replace("TENANT", TENANT);
            let received = simulation_delivery(&query);
            assert_eq!(request_of(&received.event), expected, "{name}");
        }
    }

    #[test]
    fn a_test_delivery_is_recorded_under_its_markers_key_and_asks_for_nothing() {
        let received = simulation_delivery(&format!(
            "design_id=00000000-0000-0000-0000-000000000000&job_id=check-abc&status=check&tenant_id={TENANT}"
        ));
        assert_eq!(received.event.dedupe_key, check_key("check-abc"));
        assert_eq!(request_of(&received.event), Request::NothingYet("simulation status `check`".into()));
    }

    #[test]
    fn duplicates_share_a_key_and_distinct_deliveries_do_not() {
        let key = |query: &str| simulation_delivery(query).event.dedupe_key;
        let base = format!("design_id={DESIGN}&job_id=J&status=succeeded&tenant_id={TENANT}");
        assert_eq!(key(&base), key(&format!("{base}&session_token=another")), "a repeat with a new token");
        assert_ne!(key(&base), key(&base.replace("succeeded", "in-progress")), "a job's progress, then its end");
        assert_ne!(key(&base.replace("J", "")), key(&base.replace("J", "").replace(DESIGN, "other")), "no job id");
        let malformed = key("%%%&status=?");
        assert!(malformed.starts_with("performance_simulation_job_completed::query:"), "{malformed}");
        let other_tenant = base.replace(TENANT, "7e57a000-0000-4000-8000-000000000002");
        assert_ne!(key(&base), key(&other_tenant), "one job id in two tenants: two jobs");
        let token = simulation_delivery(&format!("{base}&session_token=tok")).session_token;
        assert_eq!(token.as_deref(), Some("tok"));
        let long = simulation_delivery(&format!("design_id={}", "x".repeat(5000)));
        assert_eq!(long.event.design_id.map(|d| d.len()), Some(MAX_VALUE_CHARS));
    }

    #[test]
    fn app_status_deliveries_are_read_and_odd_ones_kept_for_nothing() {
        let read = |query: &str| request_of(&app_status_delivery(&query.replace("TENANT", TENANT), 0).event);
        let tenant = TenantId::parse(TENANT).expect("uuid");
        assert_eq!(read("status=disabled&tenant_id=TENANT"), Request::AppStatus { tenant, enabled: false });
        assert_eq!(read("app_id=x&status=enabled&tenant_id=TENANT"), Request::AppStatus { tenant, enabled: true });
        assert_eq!(read("status=paused&tenant_id=TENANT"), Request::NothingYet("app status `paused`".into()));
        assert_eq!(read("status=enabled&tenant_id=nope"), Request::Unusable("tenant_id `nope` is not a UUID".into()));
    }
}
