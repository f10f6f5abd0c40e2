//! The signed agreement attached to its opportunity in the CRM (a Salesforce file, a
//! HubSpot note's attachment, a Pipedrive deal file): Aurora makes the document's download
//! link in a job of its own (DocuSign agreements only; `aurora/CONTRACT.md`, "After the
//! design"); the link is fetched within its 15 minutes and the file handed to the CRM. A
//! job still running is looked at again on the next attempt; a link that expired
//! meanwhile is asked for again.

use super::{Kind, Outcome, crm_activity};
use crate::{
    AppState,
    crm::{AccessError, CrmError, Document, SaleActivity},
    ids::OpportunityKey,
    storage::{StorageError, signed_documents},
    temporary_keys::StoredSessionTokens,
};
use aurora_api::{AgreementId, AuroraError, TenantId, sale::DownloadJob};

/// What attaching a document is, for the admin.
const ATTACHING: &str = "Attaching the signed agreement to";

/// Queues the signed `agreement`'s document for the opportunity, and starts it now;
/// nothing when the installation cannot write to its CRM.
pub async fn queue(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    agreement: &str,
) -> Result<(), StorageError> {
    if super::writing_installation(state, key).await?.is_none() {
        return Ok(());
    }
    if signed_documents::enqueue(state.db(), key, agreement, &tenant.to_string(), state.now()).await? {
        let mut job = key.job_key();
        job.push(agreement.to_owned());
        Box::pin(super::run_now(state, Kind::SignedDocument, job)).await;
    }
    Ok(())
}

/// Why this attempt ended short of the CRM.
enum Stop {
    Aurora(AuroraError),
    Storage(StorageError),
    Crm(AccessError),
    /// Aurora is still making the link.
    NotYet,
    /// Aurora has no document to give (not provisioned, not DocuSign).
    None,
}

/// Attaches the document queued under `key` (`crm`, `account_id`, `opportunity_id`,
/// `agreement_id`).
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let Some((agreement, opportunity)) = key.split_last() else { return Outcome::GiveUp("an empty key".into()) };
    let opportunity = match OpportunityKey::from_job_key(opportunity) {
        Ok(opportunity) => opportunity,
        Err(why) => return Outcome::GiveUp(why),
    };
    match attach(state, &opportunity, agreement).await {
        Ok(()) => Outcome::Done,
        Err(Stop::None) => {
            tracing::info!(opportunity = %opportunity.external_provider_id(), "Aurora gives no signed document for this agreement");
            Outcome::Done
        }
        Err(Stop::NotYet) => Outcome::Retry("Aurora is still preparing the signed document".into()),
        Err(Stop::Storage(error)) => Outcome::Retry(error.to_string()),
        Err(Stop::Aurora(error)) => super::aurora_delivery::outcome_of(&error),
        Err(Stop::Crm(error @ AccessError::Crm(CrmError::Refused { .. }))) => {
            super::tell_admin(state, &opportunity, ATTACHING, &error).await;
            Outcome::GiveUp(error.to_string())
        }
        Err(Stop::Crm(error)) => {
            if !error.is_transient() {
                super::tell_admin(state, &opportunity, ATTACHING, &error).await;
            }
            Outcome::Retry(error.to_string())
        }
    }
}

async fn attach(state: &AppState, key: &OpportunityKey, agreement: &str) -> Result<(), Stop> {
    let db = state.db();
    let queued = signed_documents::find(db, key, agreement).await.map_err(Stop::Storage)?;
    let Some(queued) = queued else { return Err(Stop::None) };
    let tenant = TenantId::parse(&queued.aurora_tenant_id).map_err(|_| Stop::None)?;
    let id = AgreementId::parse(agreement).map_err(|_| Stop::None)?;
    let sessions = StoredSessionTokens(state);
    let keys = &state.caches.keys;
    let job = match queued.aurora_job_id {
        Some(job) => job,
        None => {
            let started = keys
                .with_key(&state.aurora, &sessions, tenant, state.now(), |bearer| {
                    let aurora = state.aurora.clone();
                    async move { aurora.start_agreement_download(&bearer, tenant, id).await }
                })
                .await
                .map_err(Stop::Aurora)?;
            let job = started.ok_or(Stop::None)?;
            signed_documents::set_job(db, key, agreement, Some(&job)).await.map_err(Stop::Storage)?;
            job
        }
    };
    let status = keys
        .with_key(&state.aurora, &sessions, tenant, state.now(), |bearer| {
            let (aurora, job) = (state.aurora.clone(), job.clone());
            async move { aurora.agreement_download(&bearer, tenant, id, &job).await }
        })
        .await;
    let url = match status {
        Ok(DownloadJob::Ready(url)) => url,
        Ok(DownloadJob::Running) => return Err(Stop::NotYet),
        // A failed job, or one Aurora no longer knows: the next attempt starts another.
        Ok(DownloadJob::Failed(_)) | Err(AuroraError::NotFound(_)) => {
            signed_documents::set_job(db, key, agreement, None).await.map_err(Stop::Storage)?;
            return Err(Stop::NotYet);
        }
        Err(error) => return Err(Stop::Aurora(error)),
    };
    let bytes = match state.aurora.fetch_document(&url).await {
        Ok(bytes) => bytes,
        Err(error) if !error.is_transient() => {
            // The link's 15 minutes ran out: a new one next time.
            signed_documents::set_job(db, key, agreement, None).await.map_err(Stop::Storage)?;
            return Err(Stop::Aurora(error));
        }
        Err(error) => return Err(Stop::Aurora(error)),
    };
    let name = crate::storage::opportunities::find(db, key.crm, &key.account_id, &key.opportunity_id)
        .await
        .map_err(Stop::Storage)?
        .map(|o| o.name)
        .unwrap_or_default();
    let title = if name.is_empty() { "Signed agreement".to_owned() } else { format!("Signed agreement - {name}") };
    let file_name: String = format!("{}.pdf", title.replace(['/', '\\', ':', '"'], " ")).chars().take(200).collect();
    let document = Document { file_name: file_name.clone(), title, content_type: "application/pdf".into(), bytes };
    let crm = key.crm.integration();
    crm.attach_file(state, &key.account_id, &key.opportunity_id, &document).await.map_err(Stop::Crm)?;
    tracing::info!(opportunity = %key.external_provider_id(), agreement, "signed agreement attached");
    let url = crm_activity::project_url(state, key).await.map_err(Stop::Storage)?;
    let said = SaleActivity {
        subject: "Aurora: signed agreement attached".into(),
        lines: vec![format!("{file_name} is in the files of this record.")],
        aurora_url: url,
        at: state.now(),
    };
    crm_activity::queue(state, key, &format!("document:{agreement}"), &said).await.map_err(Stop::Storage)
}
