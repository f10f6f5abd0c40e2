//! The native binary's command line: `serve`, and what an operator runs beside it
//! (`add-installation`, `setup-webhooks`, `check-webhooks`, `check-aurora-links`,
//! `approve-link`, `release-tenant`), with the log they share.

use super::{open_database, serve, unix_now};
use crate::{Config, storage};
use clap::{Parser, Subcommand};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
};

/// The Aurora CRM worker, native host.
///
/// Settings and secrets come from the environment (WORKER_SIGNING_SECRET,
/// ALLOWED_CRM_ORIGINS); see README.md.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// The SQLite database file (created and migrated when missing).
    #[arg(long, global = true, env = "WORKER_DATABASE", default_value = "worker.sqlite3")]
    database: PathBuf,
    /// A setting as NAME=VALUE (e.g. AURORA_BASE_URL=https://api-sandbox.aurorasolar.com),
    /// overriding the environment; repeatable. Prefer the environment for secrets: flags
    /// show in `ps`.
    #[arg(long = "set", global = true, value_name = "NAME=VALUE", value_parser = parse_setting)]
    settings: Vec<(String, String)>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the worker's HTTP endpoints and the widget's static files.
    Serve {
        /// Address to listen on. Loopback by default: put a TLS proxy in front for more.
        #[arg(long, env = "WORKER_LISTEN", default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// Folder with the built widget (`cargo xtask build` writes `dist/`).
        #[arg(long, env = "WORKER_STATIC_DIR", default_value = "dist")]
        static_dir: PathBuf,
    },
    /// Add (or relink) a CRM account's installation without the CRM's OAuth: no webhooks
    /// or write-back, just the link to an Aurora tenant. For operators and tests; admins
    /// install from the CRM's marketplace.
    AddInstallation {
        /// The CRM (`demo`).
        #[arg(long)]
        crm: String,
        /// The CRM account (company) id.
        #[arg(long)]
        account: String,
        /// The Aurora tenant id (UUID) to link, if known.
        #[arg(long)]
        aurora_tenant: Option<aurora_api::TenantId>,
    },
    /// Subscribe Aurora's partner webhooks (performance_simulation_job_completed and
    /// app_status_changed) to this worker; running it again changes nothing.
    SetupWebhooks {
        /// The worker's public origin, e.g. https://aurora-crm.example.workers.dev
        #[arg(long)]
        public_url: String,
    },
    /// Ask Aurora whether it refuses session tokens it should refuse (a made-up one on
    /// `--tenant`; another tenant's when this database holds one), record the answers where
    /// the worker reads them, and report how tenant links are made: proven by a code, or
    /// awaiting the operator's approval. Exits non-zero when Aurora accepted one.
    CheckAuroraLinks {
        /// A tenant with the app enabled (e.g. your own test tenant).
        #[arg(long)]
        tenant: aurora_api::TenantId,
    },
    /// Approve the tenant link of an installation: one that awaits the operator (Aurora is
    /// not seen refusing forged session tokens), or one from before links needed proof.
    /// Confirm with the tenant's Aurora admin first; the approval is logged.
    ApproveLink {
        /// The CRM (`demo`, `salesforce`, `hubspot`, `pipedrive`).
        #[arg(long)]
        crm: String,
        /// The CRM account (company, org, portal) id.
        #[arg(long)]
        account: String,
    },
    /// Release an installation's Aurora tenant (when its admin cannot), so that it can be
    /// linked to another CRM account; logged.
    ReleaseTenant {
        /// The CRM.
        #[arg(long)]
        crm: String,
        /// The CRM account id.
        #[arg(long)]
        account: String,
    },
    /// List what this deployment's traffic has shown of each CRM's behaviour (keys and
    /// shapes only, with when first and last seen): the operator's view, across every
    /// installation, of the assumptions `docs/crm/` lists.
    Observations,
    /// Ask Aurora to send this app's simulation webhook a test delivery (Aurora's test
    /// trigger), and report whether the worker at the public URL received it. Works for a
    /// worker on either host; exits non-zero when it did not arrive.
    CheckWebhooks {
        /// The worker's public origin, as given to setup-webhooks.
        #[arg(long)]
        public_url: String,
        /// How long to wait for the delivery.
        #[arg(long, default_value_t = 30)]
        wait_seconds: u64,
    },
}

fn parse_setting(raw: &str) -> Result<(String, String), String> {
    let (name, value) = raw.split_once('=').ok_or_else(|| format!("`{raw}`: write NAME=VALUE"))?;
    Ok((name.trim().to_owned(), value.to_owned()))
}

impl Cli {
    /// The typed config: `--set` flags first, then the environment.
    fn config(&self) -> Result<Config, String> {
        Config::from_lookup(|name| {
            self.settings
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .or_else(|| std::env::var(name).ok())
        })
        .map_err(|e| e.to_string())
    }
}

/// Entry point of the native binary.
pub async fn main() -> ExitCode {
    let _log = init_tracing();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Serve { listen, static_dir } => match cli.config() {
            Ok(config) => serve(config, &cli.database, *listen, static_dir.clone()).await,
            Err(message) => Err(message),
        },
        Command::AddInstallation { crm, account, aurora_tenant } => {
            add_installation(&cli.database, crm, account, *aurora_tenant).await
        }
        Command::Observations => observations(&cli.database).await,
        Command::CheckAuroraLinks { tenant } => match cli.config() {
            Ok(config) => check_aurora_links(config, &cli.database, *tenant).await,
            Err(message) => Err(message),
        },
        Command::ApproveLink { crm, account } => operator_link_change(&cli.database, crm, account, true).await,
        Command::ReleaseTenant { crm, account } => operator_link_change(&cli.database, crm, account, false).await,
        Command::SetupWebhooks { public_url } => match cli.config() {
            Ok(config) => setup_webhooks(config, public_url).await,
            Err(message) => Err(message),
        },
        Command::CheckWebhooks { public_url, wait_seconds } => match cli.config() {
            Ok(config) => check_webhooks(config, public_url, *wait_seconds).await,
            Err(message) => Err(message),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn setup_webhooks(config: Config, public_url: &str) -> Result<(), String> {
    let aurora = config.aurora.client(Arc::new(aurora_api::reqwest_transport::ReqwestTransport::default()));
    let outcomes = crate::aurora_subscriptions::setup(&aurora, &config, public_url).await.map_err(|e| e.to_string())?;
    for (event, outcome) in outcomes {
        match outcome {
            crate::aurora_subscriptions::Outcome::Refused(why) => tracing::warn!(
                "webhook {event}: Aurora refused it ({why}); designs still arrive, but a tenant disabling the app \
                 is noticed only when its keys stop minting"
            ),
            outcome => tracing::info!("webhook {event}: {outcome:?}"),
        }
    }
    Ok(())
}

/// The client that sends a credential: it follows no redirect, since reqwest forwards custom
/// headers to wherever one points (the webhook token authenticates Aurora's deliveries for
/// every tenant). A redirect is reported instead.
fn credential_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(|e| e.to_string())
}

async fn check_webhooks(config: Config, public_url: &str, wait_seconds: u64) -> Result<(), String> {
    let aurora = config.aurora.client(Arc::new(aurora_api::reqwest_transport::ReqwestTransport::default()));
    let marker = format!("check-{}", crate::crypto::random_token(9).map_err(|e| e.to_string())?);
    crate::aurora_subscriptions::trigger_check(&aurora, None, &marker).await.map_err(|e| e.to_string())?;
    tracing::info!("Aurora accepted the test trigger; waiting for the delivery at {public_url}");
    let url = format!("{}/webhooks/aurora/checks/{marker}", public_url.trim().trim_end_matches('/'));
    let http = credential_client()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait_seconds);
    let mut last = String::from("no answer yet");
    while std::time::Instant::now() < deadline {
        let answer = http
            .get(&url)
            .header(config.aurora.webhook_header.as_str(), config.aurora.webhook_token.expose())
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => {
                let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
                if body["received"] == true {
                    tracing::info!("Aurora's test webhook reached the worker at {public_url}");
                    return Ok(());
                }
                last = "the worker has not received it yet".into();
            }
            Ok(response) if response.status().is_redirection() => {
                let location = response.headers().get(reqwest::header::LOCATION).and_then(|l| l.to_str().ok());
                return Err(format!(
                    "{public_url} redirects ({}) to {}: give --public-url the worker's own origin, as Aurora is \
                     subscribed to it (the check's token is not sent to a redirect)",
                    response.status(),
                    location.unwrap_or("nowhere")
                ));
            }
            Ok(response) if response.status() == reqwest::StatusCode::UNAUTHORIZED => {
                return Err(format!(
                    "the worker at {public_url} refused the check: its AURORA_WEBHOOK_TOKEN differs from this one"
                ));
            }
            Ok(response) => last = format!("the worker answered {}", response.status()),
            Err(error) => last = format!("the worker could not be reached ({error})"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    Err(format!(
        "Aurora's test webhook did not reach {public_url} within {wait_seconds} s ({last}): check that setup-webhooks \
         ran with this public URL and that Aurora can reach it over HTTPS"
    ))
}

async fn check_aurora_links(config: Config, database: &Path, tenant: aurora_api::TenantId) -> Result<(), String> {
    use crate::tenant_links::session_rules::{self, Answer, SessionRules};
    use std::io::Write as _;
    let state = super::state(config, database).await?;
    session_rules::check_forged(&state, tenant).await.map_err(|e| e.to_string())?;
    if session_rules::check_other_tenant(&state, tenant).await.map_err(|e| e.to_string())?.is_none() {
        tracing::info!("no session token of another tenant is held here: that check waits for one");
    }
    let rules = SessionRules::load(&state).await.map_err(|e| e.to_string())?;
    let report = format!("{}\n", html_escape::decode_html_entities(&crate::admin_pages::session_rules(&rules)));
    std::io::stdout().write_all(report.as_bytes()).map_err(|e| e.to_string())?;
    let accepted = [rules.forged, rules.other_tenant].into_iter().flatten().any(|seen| seen.answer == Answer::Accepted);
    if accepted {
        Err("Aurora accepted a session token it should refuse: tenant links need your approval".into())
    } else {
        Ok(())
    }
}

/// The operator approves (`approve`) or releases an installation's tenant link.
async fn operator_link_change(database: &Path, crm: &str, account: &str, approve: bool) -> Result<(), String> {
    let crm = known_crm(crm)?;
    let db = open_database(database).await?;
    let now = unix_now() as i64;
    let changed = if approve {
        storage::installations::approve_link(&db, crm, account, now).await
    } else {
        storage::installations::release_tenant(&db, crm, account, now).await
    };
    let Some(tenant) = changed.map_err(|e| e.to_string())? else {
        return Err(format!("{}/{account} has no Aurora tenant linked (or is not installed)", crm.as_str()));
    };
    let action = if approve { "approved by the operator" } else { "released by the operator" };
    tracing::warn!(crm = crm.as_str(), account, %tenant, "tenant link {action}");
    Ok(())
}

fn known_crm(crm: &str) -> Result<crate::ids::Crm, String> {
    crate::ids::Crm::parse(crm).map_err(|_| {
        let known: Vec<&str> = crate::ids::Crm::ALL.iter().map(|c| c.as_str()).collect();
        format!("--crm {crm}: known CRMs are {}", known.join(", "))
    })
}

async fn observations(database: &Path) -> Result<(), String> {
    use std::{fmt::Write as _, io::Write as _};
    let db = open_database(database).await?;
    let when = |at: i64| chrono::DateTime::from_timestamp(at, 0).unwrap_or_default().format("%Y-%m-%d %H:%M UTC");
    // The report is the command's output (stdout), not a log line.
    let mut report = String::new();
    for crm in crate::ids::Crm::ALL {
        let seen = storage::vendor_observations::of_crm(&db, crm.as_str()).await.map_err(|e| e.to_string())?;
        let _ = writeln!(report, "{}:", crm.as_str());
        if seen.is_empty() {
            report.push_str("  nothing yet\n");
        }
        for observation in seen {
            let (first, last) = (when(observation.first_seen), when(observation.last_seen));
            let _ = writeln!(report, "  {} (first {first}, last {last})", observation.observation);
        }
    }
    std::io::stdout().write_all(report.as_bytes()).map_err(|e| e.to_string())
}

async fn add_installation(
    database: &Path,
    crm: &str,
    account: &str,
    tenant: Option<aurora_api::TenantId>,
) -> Result<(), String> {
    let crm = known_crm(crm)?;
    if account.trim().is_empty() {
        return Err("--account must not be empty".into());
    }
    let db = open_database(database).await?;
    let tenant = tenant.map(|t| t.to_string());
    if let Some(tenant) = &tenant {
        // One tenant, one installation: the operator moves a tenant explicitly.
        let holder =
            storage::installations::tenant_holder(&db, tenant, crm, account.trim()).await.map_err(|e| e.to_string())?;
        if let Some(other) = holder {
            return Err(format!(
                "Aurora tenant {tenant} is linked to {}/{} already: a tenant is linked to one CRM account; \
                 uninstall that one first (or let the tenant's user link it again with a code from Aurora)",
                other.crm.as_str(),
                other.account_id
            ));
        }
    }
    storage::installations::upsert(&db, crm, account.trim(), tenant.as_deref(), unix_now() as i64)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(
        "installation {}/{account} saved (tenant {})",
        crm.as_str(),
        tenant.as_deref().unwrap_or("not linked")
    );
    Ok(())
}

/// The log: a line per event on stdout, written by a thread of its own in batches, so a
/// request's line costs a channel send rather than a `write` (at thousands of requests a
/// second the writes were a tenth of the poll's time). Never lossy: a full queue makes
/// loggers wait. Colored only on a terminal. Lines are flushed when the guard drops.
fn init_tracing() -> tracing_appender::non_blocking::WorkerGuard {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("log-writer")
        .finish(std::io::BufWriter::new(std::io::stdout()));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .with_writer(writer)
        .init();
    guard
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// A server that redirects to another, which records whatever reaches it: the
    /// credential sent to the first never reaches the second.
    #[tokio::test]
    async fn a_credential_is_never_sent_on_to_a_redirect() {
        use axum::{Router, http::HeaderMap, routing::get};
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let recorded = seen.clone();
        let elsewhere = Router::new().route(
            "/",
            get(move |headers: HeaderMap| async move {
                let token = headers.get("x-aurora-webhook-token").map(|v| v.to_str().unwrap_or_default().to_owned());
                recorded.lock().expect("lock").push(token.unwrap_or_default());
                "here"
            }),
        );
        let other = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let other_url = format!("http://{}/", other.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(other, elsewhere).await });
        let to = other_url.clone();
        let redirector = Router::new().route("/", get(move || async move { axum::response::Redirect::temporary(&to) }));
        let first = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let first_url = format!("http://{}/", first.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(first, redirector).await });
        let answer = super::credential_client()
            .expect("client")
            .get(&first_url)
            .header("x-aurora-webhook-token", "the-one-token")
            .send()
            .await
            .expect("an answer");
        assert!(answer.status().is_redirection());
        assert!(seen.lock().expect("lock").is_empty(), "the redirect was followed");
        // The Aurora transport follows none either.
        use aurora_api::HttpTransport;
        let request = http::Request::get(&first_url).body(Vec::new()).expect("request");
        let transport = aurora_api::reqwest_transport::ReqwestTransport::default();
        let answer = transport.send(request, std::time::Duration::from_secs(5)).await.expect("an answer");
        assert!(answer.status().is_redirection());
        assert!(seen.lock().expect("lock").is_empty(), "the transport followed the redirect");
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn set_flags_override_and_bad_ones_say_what_to_write() {
        use clap::Parser;
        let cli = Cli::try_parse_from(["w", "--set", "AURORA_BASE_URL=https://api.aurorasolar.com", "serve"])
            .expect("parses");
        assert_eq!(cli.settings, vec![("AURORA_BASE_URL".to_owned(), "https://api.aurorasolar.com".to_owned())]);
        let err = Cli::try_parse_from(["w", "--set", "NOEQUALS", "serve"]).expect_err("refused");
        assert!(err.to_string().contains("write NAME=VALUE"), "{err}");
    }
}
