//! The edge worker: every HTTP endpoint of the product as ONE axum [`Router`].
//!
//! Two thin hosts run it: Cloudflare Workers in production ([`hosts::edge`], wasm32) and a
//! native tokio binary for local use ([`hosts::native`]). Handlers never name the
//! platform; whatever differs between the hosts is handed to [`router`] in [`AppState`].

mod admin_pages;
pub mod admin_session;
pub mod aurora_pacing;
pub mod aurora_subscriptions;
pub mod config;
pub mod crm;
pub mod crypto;
mod docs_pages;
pub mod environment;
pub mod error;
pub mod hosts;
pub mod ids;
pub mod installations;
pub mod jobs;
pub mod projects;
pub mod rendered_states;
mod routes;
pub mod stages;
pub mod storage;
pub mod temporary_keys;
pub mod tenant_links;
pub mod widget_token;
pub mod wording;

pub use config::Config;
pub use error::ApiError;
pub use routes::{not_found, router, sensitive_headers};

use std::{future::Future, pin::Pin, sync::Arc};

/// Work that outlives the request that started it (webhook processing after the 200).
pub type BackgroundTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Runs background work: tokio natively, `ctx.wait_until` on Workers.
pub trait Background: Send + Sync {
    /// Starts `task`; it runs after the response is sent.
    fn spawn(&self, task: BackgroundTask);
}

/// What must outlive a request to be worth keeping: per process natively, per isolate on
/// Workers. Each is kept correct by what it is keyed on, never by invalidation, so
/// any number of processes or isolates may each keep their own.
#[derive(Default)]
pub struct Caches {
    /// Temporary Aurora keys per tenant.
    pub keys: temporary_keys::TemporaryKeyCache,
    /// The widget's rendered states, by the rows they were rendered from.
    pub rendered_states: rendered_states::RenderedStates,
    /// Widget tokens that verified, by their text.
    pub widget_tokens: widget_token::VerifiedTokens,
    /// One renewal of a CRM installation's tokens at a time.
    pub token_renewals: crm::tokens::RenewalLocks,
    /// When each CRM observation was last written.
    pub observations: crm::Observed,
    /// How much recorded work runs at once right after its request (not a cache: a limit
    /// that must be shared by every request of the process or isolate, as the caches are).
    pub immediate_runs: jobs::ImmediateRuns,
}

/// What every handler can reach. Cheap to clone: everything is behind an `Arc`.
#[derive(Clone)]
pub struct AppState {
    /// Settings and secrets, validated once at start-up.
    pub config: Arc<Config>,
    /// The host's database (SQLite natively, D1 on Cloudflare).
    pub db: Arc<dyn storage::Database>,
    /// Aurora, through the host's HTTP transport.
    pub aurora: Arc<aurora_api::AuroraClient>,
    /// The host's outbound HTTP (reqwest natively, fetch on Workers), for the CRM.
    pub http: Arc<dyn aurora_api::HttpTransport>,
    /// What outlives a request: temporary keys, rendered states.
    pub caches: Arc<Caches>,
    /// Where background work runs.
    pub background: Arc<dyn Background>,
    /// Seconds since the Unix epoch. A function, not `SystemTime::now()`, because
    /// `wasm32-unknown-unknown` has no system clock and tests need to move time.
    pub clock: Arc<dyn Fn() -> u64 + Send + Sync>,
}

impl AppState {
    /// The state both hosts build: the host supplies storage, outbound HTTP, the caches
    /// (which must outlive a request: per process natively, per isolate on Workers) and a
    /// clock.
    pub fn new(
        config: Config,
        db: Arc<dyn storage::Database>,
        transport: Arc<dyn aurora_api::HttpTransport>,
        caches: Arc<Caches>,
        background: Arc<dyn Background>,
        clock: Arc<dyn Fn() -> u64 + Send + Sync>,
    ) -> Self {
        // Every call to Aurora waits its turn on its key's schedule (see `aurora_pacing`).
        let paced = Arc::new(aurora_pacing::PacedTransport::new(
            transport.clone(),
            db.clone(),
            config.aurora.rate_limit,
            background.clone(),
        ));
        let aurora = Arc::new(config.aurora.client(paced));
        AppState { config: Arc::new(config), db, aurora, http: transport, caches, background, clock }
    }

    /// The current time in seconds since the Unix epoch, from the host's clock. An `i64`,
    /// as storage keeps it (well inside D1's 53 bits).
    pub fn now(&self) -> i64 {
        i64::try_from((self.clock)()).unwrap_or(i64::MAX)
    }

    /// The host's database.
    pub fn db(&self) -> &dyn storage::Database {
        self.db.as_ref()
    }

    /// Runs `work` while calling `renew` every `every_seconds` (checked each second on the
    /// host's timer), so that no one takes over work that is alive however long an outside
    /// party keeps it waiting. Once `renew` answers false (taken over) it is called no more;
    /// `work` still runs to its end (abandoning a request in flight would only make its
    /// outcome unknown).
    pub async fn while_renewing<T, R>(
        &self,
        every_seconds: i64,
        work: impl Future<Output = T>,
        mut renew: impl FnMut(i64) -> R,
    ) -> T
    where
        R: Future<Output = bool>,
    {
        let heartbeat = async {
            let mut renewed_at = self.now();
            loop {
                self.http.sleep(std::time::Duration::from_secs(1)).await;
                let now = self.now();
                if now - renewed_at < every_seconds {
                    continue;
                }
                if !renew(now).await {
                    return std::future::pending::<()>().await;
                }
                renewed_at = now;
            }
        };
        let (work, heartbeat) = (std::pin::pin!(work), std::pin::pin!(heartbeat));
        match futures_util::future::select(work, heartbeat).await {
            futures_util::future::Either::Left((done, _)) => done,
            // The heartbeat never ends: it loops, or waits forever once taken over.
            futures_util::future::Either::Right(((), work)) => work.await,
        }
    }

    /// The key widget tokens are signed with: derived from the master secret for this one
    /// purpose, as every other key is.
    pub fn widget_token_key(&self) -> [u8; 32] {
        use secrecy::ExposeSecret;
        crypto::derive_key(self.config.signing_secret.expose_secret().as_bytes(), crypto::Purpose::WidgetToken)
    }

    /// What seals values at rest (CRM tokens, held session tokens), each bound to its row.
    pub fn sealer(&self) -> crypto::Sealer {
        use secrecy::ExposeSecret;
        crypto::Sealer::new(self.config.signing_secret.expose_secret().as_bytes())
    }
}
