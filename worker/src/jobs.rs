//! Background work, every kind of it, in one lifecycle: Aurora's events, the CRM's events,
//! figures written back to the CRM, project claims to look at again, the polls of CRMs
//! without new-opportunity webhooks and the reading of a CRM's app journal (both
//! recurring: done for now, due again later).
//!
//! ```text
//! recorded (pending, due) ──lease──▶ leased ──▶ done
//!        ▲                   │  (lease id, expiry)     ──▶ pending again, due later (retry schedule,
//!        │                   │                             or a recurring job's next run)
//!        └── lease expired ──┘                         ──▶ dead (kept, shown on the admin's health section)
//! ```
//!
//! **Acknowledged means never lost.** Work is recorded in storage before anyone is told
//! it was received (Aurora's 200, the CRM's 200, a design stored). From then on it leaves
//! the pending state only here, in [`record`]: as done, or as dead with its reason, never
//! deleted by the lifecycle (only uninstalling an installation deletes its pending work,
//! which can then never be done). Work whose runner died (a crash, an isolate cut off, a
//! lost connection) keeps its row and its lease expires: the next sweep takes it again.
//!
//! Each run happens under a lease: a sweep never takes work whose lease is live, and an
//! outcome is recorded only while the lease is still the runner's own, so a runner that
//! was too slow and lost its lease cannot overwrite what the new holder records. Running
//! the same work twice must be harmless for every kind (it is: events are idempotent,
//! figures are absolute values, project creation is fenced in [`crate::projects`]).
//!
//! One sweep runs every kind ([`sweep`]): a timer on the native host, a Cron Trigger on
//! Workers. One failing job, or one that cannot even be read, never stops the others.

pub mod aurora_delivery;
pub mod aurora_event;
pub mod crm_activity;
pub mod crm_event;
pub mod crm_journal;
pub mod crm_poll;
pub mod project_recheck;
pub mod sale_event;
pub mod signed_document;
pub mod stage_move;
pub mod write_back;

use crate::{
    AppState,
    storage::{
        aurora_events, crm_activities, crm_events, crm_journals, crm_polls,
        jobs::{self as store, JobKey, Leased, Queue},
        project_rechecks, signed_documents, stage_moves, write_backs,
    },
};

/// How long a runner holds work before anyone may take it again. Longer than one run
/// takes with Aurora or the CRM slow (their clients give up well within it); shorter
/// would only repeat work that is still under way.
pub const LEASE_SECONDS: i64 = 120;
/// A running job extends its lease this often (well inside the lease).
pub const LEASE_RENEWAL_SECONDS: i64 = LEASE_SECONDS / 4;
/// After this many attempts work is dead: about a day and a half with the schedule below.
pub const MAX_ATTEMPTS: i64 = 40;
/// Work older than this is dead after its next failure, however few its attempts.
pub const MAX_AGE_SECONDS: i64 = 3 * 24 * 60 * 60;
/// How many due pieces of each kind one sweep takes.
pub const BATCH: i64 = 50;
/// The first retry delay; it doubles with each attempt.
pub const FIRST_RETRY_SECONDS: i64 = 10;
/// The longest retry delay.
pub const MAX_RETRY_SECONDS: i64 = 60 * 60;

/// A kind of background work: one queue table each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A delivery of Aurora's webhooks.
    AuroraEvent,
    /// A delivery of a CRM's webhooks.
    CrmEvent,
    /// A design's figures, to write to the CRM opportunity.
    WriteBack,
    /// An event of the sale, to write to the opportunity's timeline in its CRM.
    CrmActivity,
    /// A step of the sale, to move the opportunity's stage in its CRM (forward only).
    StageMove,
    /// A signed agreement, to attach to the opportunity in its CRM.
    SignedDocument,
    /// A project claim to look at again.
    ProjectRecheck,
    /// An installation's poll for new opportunities (CRMs without webhooks for them).
    CrmPoll,
    /// A CRM's app-wide journal (HubSpot's: the portals that uninstalled us).
    CrmJournal,
}

impl Kind {
    /// Every kind, in the order a sweep runs them.
    pub const ALL: [Kind; 9] = [
        Kind::CrmJournal,
        Kind::CrmPoll,
        Kind::AuroraEvent,
        Kind::CrmEvent,
        Kind::WriteBack,
        Kind::CrmActivity,
        Kind::StageMove,
        Kind::SignedDocument,
        Kind::ProjectRecheck,
    ];

    /// Its table.
    pub fn queue(self) -> &'static Queue {
        match self {
            Kind::AuroraEvent => &aurora_events::QUEUE,
            Kind::CrmEvent => &crm_events::QUEUE,
            Kind::WriteBack => &write_backs::QUEUE,
            Kind::CrmActivity => &crm_activities::QUEUE,
            Kind::StageMove => &stage_moves::QUEUE,
            Kind::SignedDocument => &signed_documents::QUEUE,
            Kind::ProjectRecheck => &project_rechecks::QUEUE,
            Kind::CrmPoll => &crm_polls::QUEUE,
            Kind::CrmJournal => &crm_journals::QUEUE,
        }
    }

    /// What an admin reads on the health section.
    pub fn label(self) -> &'static str {
        match self {
            Kind::AuroraEvent => "Aurora events",
            Kind::CrmEvent => "CRM events",
            Kind::WriteBack => "Figures written to the CRM",
            Kind::CrmActivity => "The sale on the CRM's timeline",
            Kind::StageMove => "Stages moved with the sale",
            Kind::SignedDocument => "Signed agreements attached in the CRM",
            Kind::ProjectRecheck => "Project creation checks",
            Kind::CrmPoll => "Reading new opportunities",
            Kind::CrmJournal => "Reading the CRM's app events (uninstalls)",
        }
    }
}

/// Notes for the installation's admin that `doing` ("Writing figures to") the
/// opportunity failed, and why.
async fn tell_admin(state: &AppState, key: &crate::ids::OpportunityKey, doing: &str, error: &crate::crm::AccessError) {
    let message = format!("{doing} opportunity {} failed: {error}", key.opportunity_id);
    if let Err(storage) =
        crate::storage::installations::record_error(state.db(), key.crm, &key.account_id, &message, state.now()).await
    {
        tracing::warn!(%storage, "could not note the write-back's error for the admin");
    }
}

/// The opportunity's installation, when it can write to its CRM: it holds the CRM's
/// authorization (an installation added from the command line has none) and this worker
/// has the CRM configured. What the sale tells a CRM is queued only then.
async fn writing_installation(
    state: &AppState,
    key: &crate::ids::OpportunityKey,
) -> Result<Option<crate::storage::installations::Installation>, crate::storage::StorageError> {
    let installation = crate::storage::installations::find(state.db(), key.crm, &key.account_id).await?;
    Ok(installation.filter(|i| i.crm_tokens_sealed.is_some() && key.crm.integration().is_configured(state)))
}

/// How one run of one piece of work ended: the one vocabulary of every kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Finished (including "nothing to do").
    Done,
    /// Failed; a later attempt may succeed without anyone acting.
    Retry(String),
    /// Can never succeed (refused for good, unreadable): dead at once, with the reason.
    GiveUp(String),
    /// Recurring work, done for now: due again at this time (unix seconds).
    Again(i64),
}

/// A piece of work under this runner's lease.
#[derive(Debug, Clone)]
pub struct Job {
    /// Its kind.
    pub kind: Kind,
    /// Its key in the kind's queue.
    pub key: JobKey,
    /// The lease's id: outcomes are recorded under it.
    pub lease_id: String,
    /// Attempts so far, this one included, and the work's age.
    pub leased: Leased,
}

/// Seconds until the next attempt after `attempts` failed ones: 10 s, 20 s, 40 s ...
/// capped at an hour, each spread by +-20% (`jitter` in 0..1) so that work that failed
/// together (an outage) does not come back together.
pub fn retry_delay_seconds(attempts: i64, jitter: f64) -> i64 {
    let doubling = FIRST_RETRY_SECONDS.saturating_mul(1 << (attempts - 1).clamp(0, 20)).min(MAX_RETRY_SECONDS);
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    ((doubling as f64 * spread).round() as i64).clamp(1, MAX_RETRY_SECONDS)
}

/// What becomes of a failed run: retried at a time, or dead (too many attempts, too old).
fn after_failure(leased: &Leased, now: i64, jitter: f64) -> Option<i64> {
    let too_old = now.saturating_sub(leased.enqueued_at) > MAX_AGE_SECONDS;
    (leased.attempts < MAX_ATTEMPTS && !too_old).then(|| now + retry_delay_seconds(leased.attempts, jitter))
}

fn jitter() -> f64 {
    let mut byte = [0u8; 2];
    // Without entropy the spread is lost, nothing else: the middle of the range.
    getrandom::getrandom(&mut byte).map_or(0.5, |()| f64::from(u16::from_le_bytes(byte)) / f64::from(u16::MAX))
}

/// Takes a lease on `key` when it may be taken now.
async fn take(state: &AppState, kind: Kind, key: JobKey) -> Option<Job> {
    let now = state.now();
    let lease_id = match crate::crypto::random_token(12) {
        Ok(id) => id,
        Err(error) => {
            tracing::error!(kind = kind.label(), %error, "no lease id; the work waits for the next sweep");
            return None;
        }
    };
    match store::lease(state.db(), kind.queue(), &key, &lease_id, now, now + LEASE_SECONDS).await {
        Ok(Some(leased)) => Some(Job { kind, key, lease_id, leased }),
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(kind = kind.label(), %error, "could not lease work; the next sweep tries again");
            None
        }
    }
}

/// Runs one leased job to its outcome and records it. The lease is extended while the
/// job runs, so a job whose calls wait their turn (Aurora's pacing, a slow CRM) is never
/// taken and run again by a sweep while its first run still waits.
async fn run(state: &AppState, job: Job) {
    let work = async {
        match job.kind {
            Kind::AuroraEvent => aurora_event::run(state, &job.key).await,
            Kind::CrmEvent => crm_event::run(state, &job.key).await,
            Kind::WriteBack => write_back::run(state, &job.key).await,
            Kind::CrmActivity => crm_activity::run(state, &job.key).await,
            Kind::StageMove => stage_move::run(state, &job.key).await,
            Kind::SignedDocument => signed_document::run(state, &job.key).await,
            Kind::ProjectRecheck => project_recheck::run(state, &job.key).await,
            Kind::CrmPoll => crm_poll::run(state, &job.key).await,
            Kind::CrmJournal => crm_journal::run(state, &job.key).await,
        }
    };
    let renew = |now| {
        let job = &job;
        async move {
            let extended =
                store::extend_lease(state.db(), job.kind.queue(), &job.key, &job.lease_id, now + LEASE_SECONDS).await;
            extended.unwrap_or_else(|error| {
                tracing::warn!(%error, "could not extend a lease; trying again");
                true
            })
        }
    };
    let outcome = state.while_renewing(LEASE_RENEWAL_SECONDS, work, renew).await;
    record(state, &job, outcome).await;
}

/// The one place that records outcomes (see the module's invariant).
async fn record(state: &AppState, job: &Job, outcome: Outcome) {
    let (db, queue, now) = (state.db(), job.kind.queue(), state.now());
    let kind = job.kind.label();
    let recorded = match &outcome {
        Outcome::Done => store::done(db, queue, &job.key, &job.lease_id, now).await,
        Outcome::Retry(reason) => match after_failure(&job.leased, now, jitter()) {
            Some(at) => {
                tracing::warn!(kind, job = ?job.key, attempts = job.leased.attempts, %reason, retry_in = at - now, "background work failed; will retry");
                store::retry_at(db, queue, &job.key, &job.lease_id, reason, at).await
            }
            None => die(state, job, &format!("gave up after {} attempts: {reason}", job.leased.attempts)).await,
        },
        Outcome::GiveUp(reason) => die(state, job, reason).await,
        Outcome::Again(at) => store::again_at(db, queue, &job.key, &job.lease_id, *at, now).await,
    };
    match recorded {
        Ok(true) => {}
        // Someone else holds the work now (our lease expired): theirs is the outcome.
        Ok(false) => tracing::info!(kind, job = ?job.key, "lease lost before the outcome was recorded"),
        Err(error) => {
            // The lease expires and the work is taken again: nothing is lost, at worst repeated.
            tracing::error!(kind, job = ?job.key, %error, "could not record the outcome; the work will run again");
        }
    }
}

async fn die(state: &AppState, job: &Job, reason: &str) -> Result<bool, crate::storage::StorageError> {
    tracing::error!(kind = job.kind.label(), job = ?job.key, attempts = job.leased.attempts, reason, "background work died; it is shown on the installation's health section");
    store::dead(state.db(), job.kind.queue(), &job.key, &job.lease_id, reason, state.now()).await
}

/// Removes an installation and its pending work (the one deletion of work the lifecycle
/// allows: work that can never be done), and its tenant's cached Aurora key; false
/// when there was none (a CRM repeating its uninstall call).
pub async fn forget_installation(
    state: &AppState,
    crm: crate::ids::Crm,
    account_id: &str,
) -> Result<bool, crate::storage::StorageError> {
    let Some(installation) = crate::storage::installations::find(state.db(), crm, account_id).await? else {
        return Ok(false);
    };
    crate::storage::installations::remove(state.db(), crm, account_id).await?;
    if let Some(tenant) = installation.aurora_tenant_id.as_deref().and_then(|t| aurora_api::TenantId::parse(t).ok()) {
        state.caches.keys.drop_tenant(tenant);
    }
    tracing::info!(crm = crm.as_str(), account = %account_id, "uninstalled");
    Ok(true)
}

/// Runs `key` now, when it may be taken (right after a route or a job recorded it).
pub async fn run_now(state: &AppState, kind: Kind, key: JobKey) {
    if let Some(job) = take(state, kind, key).await {
        run(state, job).await;
    }
}

/// How many pieces of work [`spawn`] runs at once per process (or isolate).
const IMMEDIATE_AT_ONCE: usize = 4;

/// The most batches of due work a run takes up after its own piece.
const DRAIN_BATCHES: usize = 100;

/// The turns of [`spawn`]'s work: at most [`IMMEDIATE_AT_ONCE`] runs at once, and whether
/// work was recorded while every turn was taken (a run that ends goes on with it).
pub struct ImmediateRuns {
    turns: std::sync::Arc<tokio::sync::Semaphore>,
    pending: std::sync::Mutex<Vec<Kind>>,
}

impl Default for ImmediateRuns {
    fn default() -> Self {
        ImmediateRuns {
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(IMMEDIATE_AT_ONCE)),
            pending: Default::default(),
        }
    }
}

impl ImmediateRuns {
    /// A free turn, given back when dropped: also when the host drops the run unfinished
    /// (a Workers isolate cuts `waitUntil` work off), so no turn is ever lost.
    fn free_turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.turns.clone().try_acquire_owned().ok()
    }

    fn take_pending(&self) -> Vec<Kind> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn note_pending(&self, kind: Kind) {
        let mut pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !pending.contains(&kind) {
            pending.push(kind);
        }
    }
}

/// Runs `key` after the response, on the host's background (what a webhook's 200 must not
/// wait for), when one of the [`IMMEDIATE_AT_ONCE`] turns is free. A burst of deliveries is
/// acknowledged at the receiver's pace and worked through at the work's: run each at once
/// and the burst's own processing (a lease, the work, its outcome: three more durable
/// writes each) crowds out the acknowledgements. `cargo xtask bench`, a 10,000-delivery
/// burst, p50 / p99: 5.7 / 15.0 ms with every piece run at once, 3.6 / 8.5 ms four at a
/// time, 2.4 / 6.7 ms with none run. When every turn is taken nothing waits in memory (a
/// task per delivery held 120 MB in that burst): the work is recorded and due, and a run
/// that ends takes up what is due of its kind before it gives its turn back (the sweep
/// would find it too).
pub fn spawn(state: &AppState, kind: Kind, key: JobKey) {
    let runs = &state.caches.immediate_runs;
    let Some(mut turn) = runs.free_turn() else {
        runs.note_pending(kind);
        return;
    };
    let background = state.clone();
    state.background.spawn(Box::pin(async move {
        run_now(&background, kind, key).await;
        let runs = &background.caches.immediate_runs;
        loop {
            for kind in runs.take_pending() {
                // Bounded, in case work comes due again as fast as it runs; the sweep goes on.
                for _ in 0..DRAIN_BATCHES {
                    if run_due(&background, kind).await == 0 {
                        break;
                    }
                }
            }
            drop(turn);
            // Work noted while this turn was still taken is this run's to take up, if no
            // other run took the turn back first.
            if runs.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_empty() {
                break;
            }
            match runs.free_turn() {
                Some(again) => turn = again,
                None => break,
            }
        }
    }));
}

/// One sweep: every kind's due work, each piece under its own lease, the polls first
/// (what they find becomes work). Returns how many pieces it ran.
pub async fn sweep(state: &AppState) -> usize {
    let mut ran = 0;
    for kind in Kind::ALL {
        ran += run_due(state, kind).await;
    }
    ran
}

/// Runs `kind`'s due work, each piece under its own lease; how many pieces ran.
pub async fn run_due(state: &AppState, kind: Kind) -> usize {
    let due = match store::due(state.db(), kind.queue(), state.now(), BATCH).await {
        Ok(due) => due,
        Err(error) => {
            tracing::error!(kind = kind.label(), %error, "could not read due work; the other kinds go on");
            return 0;
        }
    };
    let mut ran = 0;
    for key in due {
        if let Some(job) = take(state, kind, key).await {
            run(state, job).await;
            ran += 1;
        }
    }
    ran
}

/// Voids the leases of every queue: for a host that owns its database alone, at start-up,
/// when every lease belongs to a run that has ended (so its work is due at once, not
/// after the lease's expiry).
pub async fn release_leases(state: &AppState) -> Result<u64, crate::storage::StorageError> {
    let mut released = 0;
    for kind in Kind::ALL {
        released += store::release_leases(state.db(), kind.queue()).await?;
    }
    Ok(released)
}

/// Dead work of one installation, per kind that has any: for its health section.
pub async fn dead_work(
    state: &AppState,
    installation: &crate::storage::installations::Installation,
) -> Result<Vec<(Kind, store::DeadWork)>, crate::storage::StorageError> {
    let mut found = Vec::new();
    for kind in Kind::ALL {
        let dead = store::dead_work(
            state.db(),
            kind.queue(),
            installation.crm,
            &installation.account_id,
            installation.aurora_tenant_id.as_deref().map(|t| (t, installation.tenant_linked_at.unwrap_or(0))),
        )
        .await?;
        if dead.count > 0 {
            found.push((kind, dead));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_ten_seconds_with_a_spread_and_stop_at_an_hour() {
        let middle: Vec<i64> = (1..=5).map(|a| retry_delay_seconds(a, 0.5)).collect();
        assert_eq!(middle, [10, 20, 40, 80, 160]);
        assert_eq!((retry_delay_seconds(1, 0.0), retry_delay_seconds(1, 1.0)), (8, 12));
        assert_eq!(retry_delay_seconds(30, 1.0), MAX_RETRY_SECONDS);
        assert_eq!(retry_delay_seconds(i64::MAX, 0.5), MAX_RETRY_SECONDS);
        assert_eq!(retry_delay_seconds(0, 0.5), 10, "a first attempt waits the first delay");
    }

    #[test]
    fn failed_work_dies_after_its_last_attempt_or_when_too_old() {
        let young = |attempts| Leased { attempts, enqueued_at: 1_000 };
        assert_eq!(after_failure(&young(1), 1_000, 0.5), Some(1_010));
        assert_eq!(after_failure(&young(MAX_ATTEMPTS - 1), 2_000, 0.5).map(|at| at > 2_000), Some(true));
        assert_eq!(after_failure(&young(MAX_ATTEMPTS), 2_000, 0.5), None);
        let old = Leased { attempts: 2, enqueued_at: 0 };
        assert_eq!(after_failure(&old, MAX_AGE_SECONDS + 1, 0.5), None);
    }

    #[test]
    fn the_schedule_reaches_the_last_attempt_in_about_a_day_and_a_half() {
        let total: i64 = (1..MAX_ATTEMPTS).map(|a| retry_delay_seconds(a, 0.5)).sum();
        assert!((30 * 3600..48 * 3600).contains(&total), "{total} s");
    }
}
