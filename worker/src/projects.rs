//! Where an opportunity stands with Aurora, and creating its project exactly once.
//!
//! Idempotency: the project row is claimed in storage BEFORE Aurora is called (one
//! atomic insert), so of any number of concurrent or repeated clicks exactly one calls
//! Aurora. The attempt holding the claim renews it while it waits on Aurora (429s can
//! be waited out for minutes), so a claim goes stale only when its attempt has died.
//! Whoever takes over a stale claim gets the next fencing token and first looks the
//! project up by its `external_provider_id`; only the holder of the current token may
//! record an outcome, and a late attempt that did create a project records it as late
//! instead of overwriting. A recheck job is scheduled with every claim, so a claim whose
//! attempt died is finished without anyone clicking again.

use crate::{
    AppState,
    crm::{ContextError, CrmEventKind},
    ids::OpportunityKey,
    storage::{
        StorageError, designs,
        installations::{self, TenantLink},
        late_projects, opportunities,
        opportunity_views::{self, OpportunityView},
        project_rechecks,
        projects::{self, Claim, Failure, ProjectRecord, ProjectStatus},
    },
    temporary_keys::StoredSessionTokens,
    widget_token::WidgetClaims,
};
use aurora_api::{
    AuroraError, ProjectLocation, ProjectRequest, TenantId, ValidationError, hosts::project_app_url,
    validation::MAX_STRING_CHARS,
};
use widget_api::{Location, OpportunityState};

/// A `creating` claim not renewed for this long belongs to an attempt that died.
pub const CLAIM_TIMEOUT_SECONDS: i64 = 120;

/// A live attempt renews its claim this often (well inside the timeout).
pub const CLAIM_RENEWAL_SECONDS: i64 = CLAIM_TIMEOUT_SECONDS / 4;

/// After an attempt ENDED with an unknown outcome and Aurora did not show the project
/// yet, how long until the recheck looks again (and creates, if still nothing). The
/// attempt is over, so no request of ours is in flight; the wait gives Aurora's project
/// listing time to show a project the attempt may have created after all.
pub const RECHECK_AFTER_UNKNOWN_SECONDS: i64 = 30;

/// Why creating (or showing) a project failed.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The CRM context does not hold (the account has no installation any more).
    #[error(transparent)]
    Context(#[from] ContextError),
    /// No verified context ever showed us this opportunity.
    #[error("no such opportunity")]
    UnknownOpportunity,
    /// The CRM account has no Aurora tenant linked yet.
    #[error(
        "this CRM account is not linked to an Aurora tenant yet: ask your CRM admin to link it in the app's settings"
    )]
    NotLinked,
    /// The Aurora tenant disabled our app.
    #[error("the Aurora Solar app is disabled for your Aurora tenant: ask your Aurora admin to enable it")]
    AppDisabled,
    /// Input we will not send to Aurora (names the field).
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// Aurora refused the project (422/400), with Aurora's messages.
    #[error("{0}")]
    Rejected(String),
    /// Aurora could not be reached or failed; trying again may work.
    #[error("Aurora is not answering right now ({0}); try again in a minute")]
    Unavailable(String),
    /// The create was never sent: the tenant's key has no turn on Aurora's schedule soon
    /// enough (the pacing's ceiling). Aurora holds no project from it.
    #[error("Aurora is busy with this tenant's other requests ({0})")]
    Busy(String),
    /// An earlier attempt's outcome could not be checked: Aurora refused to list projects.
    #[error("{0}")]
    Unverifiable(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl ProjectError {
    /// Whether a later attempt may succeed without anyone acting.
    pub fn is_transient(&self) -> bool {
        matches!(self, ProjectError::Unavailable(_) | ProjectError::Busy(_) | ProjectError::Storage(_))
    }

    /// The code of an attempt's failure, as it is stored with the project
    /// (`CreateFailed { code }`) and answered (`error.rs` takes it from here): the one
    /// place these codes are chosen.
    pub fn attempt_code(&self) -> Option<&'static str> {
        match self {
            ProjectError::Rejected(_) => Some("aurora_rejected"),
            ProjectError::Unavailable(_) => Some("aurora_unavailable"),
            ProjectError::Busy(_) => Some(NOT_SENT),
            ProjectError::Unverifiable(_) => Some(RECONCILE_FORBIDDEN),
            _ => None,
        }
    }
}

/// What to do about an opportunity's project record: decided without I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// No record: claim it (the insert decides between racing callers).
    Claim,
    /// Settled (created, or failed and not to be retried by this caller): show it.
    Show,
    /// A live attempt holds the claim: it is being created.
    Wait,
    /// Take the record over (a failed attempt retried, or a claim whose attempt died),
    /// reconciling with Aurora first: the old attempt may have created the project.
    TakeOver,
}

/// Who asks: a rep or a CRM event may retry a failed attempt; a recheck only finishes
/// claims whose attempt died.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Create,
    Recheck,
}

fn next_step(record: Option<&ProjectRecord>, caller: Caller, now: i64) -> Step {
    match (record, caller) {
        (None, Caller::Create) => Step::Claim,
        (None, Caller::Recheck) => Step::Show,
        (Some(record), _) if record.status == ProjectStatus::Created => Step::Show,
        (Some(record), Caller::Create) if record.status == ProjectStatus::Failed => Step::TakeOver,
        (Some(record), Caller::Recheck) if record.status == ProjectStatus::Failed => Step::Show,
        (Some(record), _) if now - record.claimed_at > CLAIM_TIMEOUT_SECONDS => Step::TakeOver,
        (Some(_), _) => Step::Wait,
    }
}

/// The opportunity a widget token is for.
pub fn key_of(claims: &WidgetClaims) -> OpportunityKey {
    OpportunityKey {
        crm: claims.crm,
        account_id: claims.account_id.clone(),
        opportunity_id: claims.opportunity_id.clone(),
    }
}

/// The tenant to create in: `NotLinked` or `AppDisabled` when there is none to use.
async fn linked_tenant(state: &AppState, key: &OpportunityKey) -> Result<TenantId, ProjectError> {
    let installation =
        installations::find(state.db(), key.crm, &key.account_id).await?.ok_or(ContextError::NotInstalled)?;
    usable_tenant(installation.aurora_tenant_id.as_deref(), installation.tenant_link, installation.app_enabled)
}

/// An installation's linked tenant, if projects can be created in it: a link awaiting the
/// operator, or from before links needed proof, is no link yet.
fn usable_tenant(
    aurora_tenant_id: Option<&str>,
    link: Option<TenantLink>,
    app_enabled: bool,
) -> Result<TenantId, ProjectError> {
    match aurora_tenant_id.and_then(|t| TenantId::parse(t).ok()) {
        None => Err(ProjectError::NotLinked),
        Some(_) if !TenantLink::is_usable(link) => Err(ProjectError::NotLinked),
        Some(_) if !app_enabled => Err(ProjectError::AppDisabled),
        Some(tenant) => Ok(tenant),
    }
}

/// What the opportunity's state is made of, read at once (see `storage::opportunity_views`).
pub async fn view(state: &AppState, key: &OpportunityKey) -> Result<OpportunityView, ProjectError> {
    // A new opportunity whose CRM event is still being run gets its project without a
    // click (automatic projects): the widget waits and watches for it.
    let created = CrmEventKind::OpportunityCreated { opportunity_id: key.opportunity_id.clone() };
    let event = serde_json::to_string(&created).map_err(|e| StorageError::Decode(e.to_string()))?;
    Ok(opportunity_views::find(state.db(), key, &event).await?.ok_or(ContextError::NotInstalled)?)
}

/// The state `view` shows: what the widget renders.
pub fn state_of(state: &AppState, view: &OpportunityView) -> Result<OpportunityState, ProjectError> {
    match usable_tenant(view.aurora_tenant_id.as_deref(), view.tenant_link, view.app_enabled) {
        Err(ProjectError::NotLinked) => return Ok(OpportunityState::NotLinked),
        // A design already fetched stays readable; nothing new can be created or fetched.
        Err(ProjectError::AppDisabled) => {
            return Ok(match view.design() {
                Some(design) if design.simulation_status == designs::SimulationStatus::Succeeded => {
                    design_ready(state, view, &design)?
                }
                _ => OpportunityState::AppDisabled,
            });
        }
        Err(other) => return Err(other),
        Ok(_) => {}
    }
    let Some(status) = view.project_status else {
        return Ok(if view.creation_pending { OpportunityState::Creating } else { OpportunityState::NoProject });
    };
    Ok(match status {
        ProjectStatus::Creating => OpportunityState::Creating,
        ProjectStatus::Failed => OpportunityState::CreateFailed {
            code: view.error_code.clone().unwrap_or_default(),
            message: view.error_message.clone().unwrap_or_default(),
            retryable: view.retryable,
        },
        ProjectStatus::Created => {
            let project_id = view.aurora_project_id.clone().unwrap_or_default();
            let aurora_url = project_app_url(&state.config.aurora.base_url, &project_id);
            match view.design() {
                None => OpportunityState::AwaitingDesign { project_id, aurora_url },
                Some(design) if design.simulation_status == designs::SimulationStatus::Succeeded => {
                    design_ready(state, view, &design)?
                }
                Some(design) => {
                    OpportunityState::SimulationFailed { project_id, aurora_url, design_id: design.aurora_design_id }
                }
            }
        }
    })
}

/// The design `view` holds, ready to show.
fn design_ready(
    state: &AppState,
    view: &OpportunityView,
    design: &designs::DesignRecord,
) -> Result<OpportunityState, ProjectError> {
    let project_id = view.aurora_project_id.clone().unwrap_or_default();
    let mut shown = design.view()?;
    shown.sale = view.sale().view(&shown)?;
    Ok(OpportunityState::DesignReady {
        design: Box::new(shown),
        aurora_url: project_app_url(&state.config.aurora.base_url, &project_id),
        project_id,
    })
}

/// Where the opportunity stands now.
pub async fn opportunity_state(state: &AppState, key: &OpportunityKey) -> Result<OpportunityState, ProjectError> {
    state_of(state, &view(state, key).await?)
}

/// Aurora's project request for the opportunity, validated: a bad address or coordinate is
/// refused naming the field, before anything is claimed or sent.
async fn project_request(state: &AppState, key: &OpportunityKey) -> Result<ProjectRequest, ProjectError> {
    let opportunity = opportunities::find(state.db(), key.crm, &key.account_id, &key.opportunity_id)
        .await?
        .ok_or(ProjectError::UnknownOpportunity)?;
    let location = match opportunity.location()? {
        Location::Address { property_address } => ProjectLocation::address(&property_address)?,
        Location::Coordinates { latitude, longitude } => ProjectLocation::coordinates(latitude, longitude)?,
    };
    // A long CRM name is cut rather than refused: the rep cannot fix it from here.
    let name: String = opportunity.name.chars().take(MAX_STRING_CHARS).collect();
    Ok(ProjectRequest::builder(location)
        .name(Some(&name))?
        .external_provider_id(Some(&key.external_provider_id()))?
        .build())
}

/// Creates the opportunity's Aurora project, once (a rep's click, a CRM event). A failed
/// earlier attempt is retried. Answers the resulting state.
pub async fn create(state: &AppState, key: &OpportunityKey) -> Result<OpportunityState, ProjectError> {
    drive(state, key, Caller::Create).await
}

/// Finishes a claim whose attempt died or ended with an unknown outcome (the recheck
/// job); anything settled is left as it is. Answers the resulting state.
pub async fn resume(state: &AppState, key: &OpportunityKey) -> Result<OpportunityState, ProjectError> {
    drive(state, key, Caller::Recheck).await
}

async fn drive(state: &AppState, key: &OpportunityKey, caller: Caller) -> Result<OpportunityState, ProjectError> {
    let tenant = linked_tenant(state, key).await?;
    let request = project_request(state, key).await?;
    let (db, now) = (state.db(), state.now());
    let record = projects::find(db, key).await?;
    let step = next_step(record.as_ref(), caller, now);
    if matches!(step, Step::Claim | Step::TakeOver) {
        // Should this attempt die, the recheck finishes it once the claim has gone stale.
        // Scheduled before the claim is written: a process killed between the two must not
        // leave a claim that nothing will ever recheck (a losing racer's schedule is a
        // harmless extra look).
        project_rechecks::schedule(db, key, now, now + CLAIM_TIMEOUT_SECONDS + 5).await?;
    }
    let (claim, reconcile) = match (step, record) {
        (Step::Claim, _) => match projects::claim(db, key, &tenant.to_string(), now).await? {
            Some(claim) => (claim, false),
            // Lost the race for a new claim: someone else is creating it.
            None => return opportunity_state(state, key).await,
        },
        (Step::TakeOver, Some(seen)) => match projects::take_over(db, key, &seen, &tenant.to_string(), now).await? {
            // No lookup when a person checked Aurora after a lookup Aurora refused, or when
            // the failed attempt's create was never sent: Aurora holds nothing from it.
            Some(claim) => (claim, !matches!(seen.error_code.as_deref(), Some(RECONCILE_FORBIDDEN | NOT_SENT))),
            None => return opportunity_state(state, key).await,
        },
        (Step::Wait, _) => return Ok(OpportunityState::Creating),
        (Step::Show | Step::TakeOver, _) => return opportunity_state(state, key).await,
    };
    let ended = keeping_claim(state, key, claim, attempt(state, key, tenant, &request, reconcile)).await;
    record_outcome(state, key, tenant, claim, ended).await?;
    opportunity_state(state, key).await
}

/// The code of a failure whose earlier attempt could not be checked in Aurora.
pub const RECONCILE_FORBIDDEN: &str = "reconcile_forbidden";
/// The code of a failure whose create was never sent (Aurora busy): nothing to look up.
pub const NOT_SENT: &str = "aurora_busy";

/// How one attempt ended.
enum AttemptEnd {
    /// Aurora has the project (created now, or found when reconciling).
    Created(String),
    /// The create's outcome is unknown and Aurora does not show the project (yet).
    Unknown,
    /// Aurora refused the project.
    Rejected(String),
    /// Aurora could not be reached, or failed.
    Unavailable(String),
    /// The create was never sent: no turn on Aurora's schedule soon enough.
    NotSent(String),
    /// An earlier attempt may have created the project, and Aurora will not let us list
    /// projects to find out (403). Only a person can tell; a rep's "Try again" then creates.
    ReconcileForbidden,
}

/// How a lookup's failure ends an attempt.
fn lookup_failed(error: &AuroraError) -> AttemptEnd {
    match error {
        AuroraError::Forbidden(_) => AttemptEnd::ReconcileForbidden,
        _ => AttemptEnd::Unavailable(error.to_string()),
    }
}

/// One attempt, calling Aurora only: reconciled first when it takes over an earlier one.
async fn attempt(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    request: &ProjectRequest,
    reconcile: bool,
) -> AttemptEnd {
    if reconcile {
        match find_in_aurora(state, key, tenant).await {
            Ok(Some(project_id)) => return AttemptEnd::Created(project_id),
            Ok(None) => {}
            Err(error) => return lookup_failed(&error),
        }
    }
    let created = state
        .caches
        .keys
        .with_key(&state.aurora, &StoredSessionTokens(state), tenant, state.now(), |bearer| {
            let (aurora, request) = (state.aurora.clone(), request.clone());
            async move { aurora.create_project(&bearer, tenant, &request).await }
        })
        .await;
    match created {
        Ok(project) => {
            tracing::info!(%tenant, project = %project.id, external = %key.external_provider_id(), "Aurora project created");
            AttemptEnd::Created(project.id.to_string())
        }
        Err(AuroraError::OutcomeUnknown(reason)) => {
            tracing::warn!(%tenant, external = %key.external_provider_id(), %reason, "project creation outcome unknown; reconciling");
            match find_in_aurora(state, key, tenant).await {
                Ok(Some(project_id)) => AttemptEnd::Created(project_id),
                Err(error @ AuroraError::Forbidden(_)) => lookup_failed(&error),
                _ => AttemptEnd::Unknown,
            }
        }
        Err(error @ (AuroraError::Unprocessable(_) | AuroraError::BadRequest(_))) => {
            AttemptEnd::Rejected(format!("Aurora refused the project: {}", error.messages().join("; ")))
        }
        Err(error @ AuroraError::Transport(aurora_api::TransportError::Throttled(_))) => {
            AttemptEnd::NotSent(error.to_string())
        }
        Err(error) => AttemptEnd::Unavailable(error.to_string()),
    }
}

/// Records how the attempt under `claim` ended; fenced, so an attempt whose claim was
/// taken over records nothing over its successor (a project it created is kept as late).
async fn record_outcome(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    claim: Claim,
    ended: AttemptEnd,
) -> Result<(), ProjectError> {
    let (db, now) = (state.db(), state.now());
    let failure = match ended {
        AttemptEnd::Created(project_id) => {
            if projects::mark_created(db, key, claim, &project_id, now).await? {
                project_rechecks::settle(db, key, now).await?;
            } else {
                tracing::warn!(%tenant, project = %project_id, external = %key.external_provider_id(), "a late attempt created a project after its claim was taken over; recorded for reconciliation");
                late_projects::record(db, key, &tenant.to_string(), &project_id, now).await?;
            }
            return Ok(());
        }
        AttemptEnd::Unknown => {
            // Keep the claim, backdated so that the recheck (or a click) looks it up again
            // before creating, without waiting the whole timeout meant for live attempts.
            let backdated = now - CLAIM_TIMEOUT_SECONDS + RECHECK_AFTER_UNKNOWN_SECONDS;
            if projects::backdate(db, key, claim, backdated).await? {
                project_rechecks::schedule(db, key, now, now + RECHECK_AFTER_UNKNOWN_SECONDS + 1).await?;
            }
            return Ok(());
        }
        AttemptEnd::Rejected(message) => (message.clone(), false, ProjectError::Rejected(message)),
        AttemptEnd::Unavailable(message) => (message.clone(), true, ProjectError::Unavailable(message)),
        AttemptEnd::NotSent(message) => (message.clone(), true, ProjectError::Busy(message)),
        AttemptEnd::ReconcileForbidden => {
            let message = "An earlier attempt may have created this project, and Aurora does not let this app list \
                           projects to check (403). Look for it in Aurora; if it is not there, click Try again to \
                           create it."
                .to_owned();
            let admin = format!(
                "Aurora refused to list projects (403) for opportunity {}: its project needs a rep's check in Aurora",
                key.opportunity_id
            );
            installations::record_error(db, key.crm, &key.account_id, &admin, now).await?;
            (message.clone(), true, ProjectError::Unverifiable(message))
        }
    };
    let (message, retryable, error) = failure;
    let code = error.attempt_code().unwrap_or("create_failed");
    let failure = Failure { code, message: &message, retryable };
    if projects::mark_failed(db, key, claim, &failure, now).await? {
        project_rechecks::settle(db, key, now).await?;
    }
    Err(error)
}

/// Runs `work` while renewing `claim` every [`CLAIM_RENEWAL_SECONDS`], so that no one takes
/// over an attempt that is alive, however long Aurora keeps it waiting. A claim found
/// taken over is no longer renewed; `work` still runs to its end (abandoning a request in
/// flight would only make its outcome unknown).
async fn keeping_claim<T>(
    state: &AppState,
    key: &OpportunityKey,
    claim: Claim,
    work: impl std::future::Future<Output = T>,
) -> T {
    let renew = |now| async move {
        match projects::renew(state.db(), key, claim, now).await {
            Ok(true) => true,
            Ok(false) => {
                tracing::warn!(external = %key.external_provider_id(), "the project claim was taken over while its attempt was still running");
                false
            }
            Err(error) => {
                // Tried again on the next beat.
                tracing::warn!(%error, "could not renew a project claim; trying again");
                true
            }
        }
    };
    state.while_renewing(CLAIM_RENEWAL_SECONDS, work, renew).await
}

/// The project Aurora has for our `external_provider_id`, if any.
async fn find_in_aurora(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
) -> Result<Option<String>, AuroraError> {
    let external = key.external_provider_id();
    let found = state
        .caches
        .keys
        .with_key(&state.aurora, &StoredSessionTokens(state), tenant, state.now(), |bearer| {
            let (aurora, external) = (state.aurora.clone(), external.clone());
            async move { aurora.find_project(&bearer, tenant, &external).await }
        })
        .await?;
    Ok(found.map(|project| project.id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_proven_or_approved_link_creates_projects() {
        let tenant = Some("7e57a000-0000-4000-8000-000000000001");
        assert!(usable_tenant(tenant, Some(TenantLink::Proven), true).is_ok());
        assert!(usable_tenant(tenant, Some(TenantLink::Operator), true).is_ok());
        for unproven in [None, Some(TenantLink::AwaitingOperator)] {
            assert!(matches!(usable_tenant(tenant, unproven, true), Err(ProjectError::NotLinked)), "{unproven:?}");
        }
        assert!(matches!(usable_tenant(tenant, Some(TenantLink::Proven), false), Err(ProjectError::AppDisabled)));
    }

    fn record(status: ProjectStatus, claimed_at: i64) -> ProjectRecord {
        ProjectRecord {
            aurora_tenant_id: "t".into(),
            status,
            aurora_project_id: None,
            error_code: None,
            error_message: None,
            retryable: false,
            claimed_at,
            claim_token: 1,
        }
    }

    #[test]
    fn what_each_caller_does_with_each_record() {
        let now = 1_000;
        let live = record(ProjectStatus::Creating, now - CLAIM_TIMEOUT_SECONDS);
        let stale = record(ProjectStatus::Creating, now - CLAIM_TIMEOUT_SECONDS - 1);
        let failed = record(ProjectStatus::Failed, 0);
        let created = record(ProjectStatus::Created, 0);
        let cases = [
            (None, Caller::Create, Step::Claim),
            (None, Caller::Recheck, Step::Show),
            (Some(&created), Caller::Create, Step::Show),
            (Some(&created), Caller::Recheck, Step::Show),
            (Some(&failed), Caller::Create, Step::TakeOver),
            (Some(&failed), Caller::Recheck, Step::Show),
            (Some(&live), Caller::Create, Step::Wait),
            (Some(&live), Caller::Recheck, Step::Wait),
            (Some(&stale), Caller::Create, Step::TakeOver),
            (Some(&stale), Caller::Recheck, Step::TakeOver),
        ];
        for (record, caller, step) in cases {
            assert_eq!(next_step(record, caller, now), step, "{record:?} {caller:?}");
        }
    }
}
