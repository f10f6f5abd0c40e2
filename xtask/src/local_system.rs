//! The whole product on one machine: the sandbox (Aurora stand-in + demo CRM) and the
//! worker on either host (the native binary, or the Workers bundle under `wrangler dev
//! --local`, i.e. workerd with a local D1), on 127.0.0.1, as children that stop when we do.

use crate::{
    processes::{Running, wait_for_http},
    tools::{self, cargo, run},
};
use anyhow::{Context, Result};
use std::{fs, path::Path, process::Command, time::Duration};

/// Where each part listens.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub worker: u16,
    pub aurora: u16,
    pub crm: u16,
    /// The local Salesforce (Lightning on 127.0.0.1, My Domain on localhost).
    pub salesforce: u16,
    /// The local Pipedrive.
    pub pipedrive: u16,
    /// The local HubSpot.
    pub hubspot: u16,
}

impl Ports {
    /// Free ports on 127.0.0.1 for every part.
    pub fn free() -> Result<Ports> {
        use crate::processes::free_port;
        Ok(Ports {
            worker: free_port()?,
            aurora: free_port()?,
            crm: free_port()?,
            salesforce: free_port()?,
            pipedrive: free_port()?,
            hubspot: free_port()?,
        })
    }
}

/// Which host runs the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// The native tokio binary with SQLite.
    Native,
    /// The Workers bundle on workerd (`wrangler dev --local`) with a local D1.
    Edge,
}

impl Host {
    pub fn name(self) -> &'static str {
        match self {
            Host::Native => "native",
            Host::Edge => "edge",
        }
    }
}

/// The running system; dropping it stops every part.
pub struct LocalSystem {
    pub worker_url: String,
    pub aurora_url: String,
    pub crm_url: String,
    /// The local Salesforce's Lightning origin (`http://127.0.0.1:<port>`).
    pub salesforce_url: String,
    /// The local Pipedrive's origin.
    pub pipedrive_url: String,
    /// The local HubSpot's origin.
    pub hubspot_url: String,
    /// Runs the sweeper once: the Cron Trigger's local endpoint on the edge host; none
    /// natively (the binary sweeps every 10 s by itself).
    pub sweep_url: Option<String>,
    /// The processes live as long as this value: each is stopped when it drops.
    children: Vec<Running>,
    /// How to start the native worker again (the chaos run kills it).
    native_worker: Option<NativeWorker>,
}

/// The native worker's command line, kept to start it again on the same database.
struct NativeWorker {
    /// Where the binaries are (`target/debug`, or `target/release` for benchmarks).
    bin: std::path::PathBuf,
    database: std::path::PathBuf,
    port: u16,
    env: Vec<(&'static str, String)>,
}

impl NativeWorker {
    fn spawn(&self, worker_url: &str) -> Result<Running> {
        let mut worker = Running::spawn(
            "worker",
            to_log(&mut Command::new(self.bin.join("aurora-crm-worker")))?
                .arg("--database")
                .arg(&self.database)
                .arg("serve")
                .args(["--listen", &format!("127.0.0.1:{}", self.port)])
                .arg("--static-dir")
                .arg(tools::dist_dir())
                .envs(self.env.iter().cloned()),
        )?;
        wait_for_http("the worker", &format!("{worker_url}/health"), Duration::from_secs(20), &mut worker)?;
        Ok(worker)
    }
}

impl LocalSystem {
    /// The demo CRM's marketplace, where an admin installs the app.
    pub fn marketplace(&self) -> String {
        format!("{}/marketplace", self.crm_url)
    }

    /// Fails, naming the part, when any part has exited.
    pub fn check_alive(&mut self) -> Result<()> {
        self.children.iter_mut().try_for_each(Running::check_alive)
    }

    /// The native worker's process id (none on the edge host).
    pub fn worker_pid(&self) -> Option<u32> {
        self.native_worker.as_ref()?;
        self.children.iter().find(|c| c.name == "worker").map(Running::id)
    }

    /// The native worker's database file (none on the edge host).
    pub fn database(&self) -> Option<&Path> {
        self.native_worker.as_ref().map(|n| n.database.as_path())
    }

    /// Kills the native worker with SIGKILL (mid-request, mid-job: nothing is flushed) and
    /// starts it again on the same database and port.
    pub fn kill_and_restart_worker(&mut self) -> Result<()> {
        let native = self.native_worker.as_ref().context("only the native worker can be killed and restarted")?;
        let index = self.children.iter().position(|c| c.name == "worker").context("no worker")?;
        self.children[index].kill_hard();
        self.children[index] = native.spawn(&self.worker_url)?;
        Ok(())
    }
}

/// Builds the native binaries (debug, whole workspace: shares artefacts and feature
/// resolution with `cargo test --workspace`, so neither rebuilds the other's deps).
pub fn build_binaries() -> Result<()> {
    run(cargo().args(["build", "--workspace", "--bins"]))
}

/// The secrets of one local run. Generated on this machine; never committed.
pub struct Secrets {
    /// The worker's own signing secret (widget tokens).
    pub worker_signing: String,
    /// The OAuth client secret the demo CRM issued our app (it also signs iframe contexts
    /// and webhooks).
    pub crm_client_secret: String,
    /// What Aurora's webhook deliveries carry in their auth header.
    pub webhook_token: String,
    /// The consumer secret the local Salesforce issued our External Client App (it also
    /// signs Canvas requests).
    pub salesforce_consumer_secret: String,
    /// The client secret the local Pipedrive issued our app (it also signs panel tokens).
    pub pipedrive_client_secret: String,
    /// The client secret the local HubSpot issued our app (it also signs its requests).
    pub hubspot_client_secret: String,
}

/// The Aurora sandbox's dev tenant: the one an admin links in the app's settings.
pub const DEV_TENANT: &str = "7e57a000-0000-4000-8000-000000000001";
/// A second tenant, for a second CRM account (a tenant links to one account only).
pub const SECOND_TENANT: &str = "7e57a000-0000-4000-8000-000000000002";
/// A third, for the third demo CRM account (the chaos run uses all three).
pub const THIRD_TENANT: &str = "7e57a000-0000-4000-8000-000000000003";
/// For the local Salesforce's org (the e2e journey through Salesforce).
pub const SALESFORCE_TENANT: &str = "7e57a000-0000-4000-8000-000000000004";
/// For the local Pipedrive's company (the e2e journey through Pipedrive).
pub const PIPEDRIVE_TENANT: &str = "7e57a000-0000-4000-8000-000000000005";
/// For the local HubSpot's portal (the e2e journey through HubSpot).
pub const HUBSPOT_TENANT: &str = "7e57a000-0000-4000-8000-000000000006";
/// The OAuth client id the demo CRM issued our app (its default).
pub const CRM_CLIENT_ID: &str = "aurora-solar-for-crms";
/// The consumer key the local Salesforce issued our External Client App (its default).
pub const SALESFORCE_CONSUMER_KEY: &str = "aurora-solar-canvas-local-consumer-key";
/// The client id the local Pipedrive issued our app (its default).
pub const PIPEDRIVE_CLIENT_ID: &str = "aurora-solar-pipedrive-local-client";
/// The client id the local HubSpot issued our app (its default).
pub const HUBSPOT_CLIENT_ID: &str = "aurora-solar-hubspot-local-client";
/// Our app's id in the local HubSpot (its default).
pub const HUBSPOT_APP_ID: &str = "4242001";
/// The sandbox's partner application (its defaults; obviously not real values).
pub const SANDBOX_APPLICATION_ID: &str = "5a2d8e1c-0000-4000-8000-00000000a991";
/// The sandbox's application key (its default; obviously fake).
pub const SANDBOX_APPLICATION_KEY: &str = "sandbox-application-key-not-a-secret";

impl Secrets {
    /// Fresh secrets, for a test run.
    pub fn random() -> Result<Self> {
        Ok(Secrets {
            worker_signing: random_secret()?,
            crm_client_secret: random_secret()?,
            webhook_token: random_secret()?,
            salesforce_consumer_secret: random_secret()?,
            pipedrive_client_secret: random_secret()?,
            hubspot_client_secret: random_secret()?,
        })
    }

    /// This machine's dev secrets, generated once into the git-ignored `worker/.dev.vars`
    /// (which `wrangler dev` reads as well) and reused after.
    pub fn for_dev() -> Result<Self> {
        let path = tools::root().join("worker/.dev.vars");
        let existing = fs::read_to_string(&path).unwrap_or_default();
        let read = |name: &str| {
            existing.lines().find_map(|l| l.strip_prefix(&format!("{name}="))).map(|v| v.trim().to_owned())
        };
        if let (
            Some(worker_signing),
            Some(crm_client_secret),
            Some(webhook_token),
            Some(salesforce_consumer_secret),
            Some(pipedrive_client_secret),
            Some(hubspot_client_secret),
        ) = (
            read("WORKER_SIGNING_SECRET"),
            read("DEMO_CRM_CLIENT_SECRET"),
            read("AURORA_WEBHOOK_TOKEN"),
            read("SALESFORCE_CONSUMER_SECRET"),
            read("PIPEDRIVE_CLIENT_SECRET"),
            read("HUBSPOT_CLIENT_SECRET"),
        ) {
            return Ok(Secrets {
                worker_signing,
                crm_client_secret,
                webhook_token,
                salesforce_consumer_secret,
                pipedrive_client_secret,
                hubspot_client_secret,
            });
        }
        let secrets = Secrets::random()?;
        let settings: String =
            worker_env(&secrets, &dev_urls()).iter().map(|(name, value)| format!("{name}={value}\n")).collect();
        fs::write(&path, format!("# Generated by `cargo xtask dev` for this machine only. Never commit.\n{settings}"))
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(secrets)
    }
}

/// Where each part is reached.
pub struct Urls {
    pub worker: String,
    pub aurora: String,
    pub crm: String,
    /// The local Salesforce's Lightning origin (its login host).
    pub salesforce: String,
    /// The local Pipedrive (OAuth host, API and pages).
    pub pipedrive: String,
    /// The local HubSpot (consent pages, API and portal pages).
    pub hubspot: String,
}

impl Ports {
    /// The parts' URLs on loopback.
    pub fn urls(&self) -> Urls {
        let url = |port: u16| format!("http://127.0.0.1:{port}");
        Urls {
            worker: url(self.worker),
            aurora: url(self.aurora),
            crm: url(self.crm),
            salesforce: url(self.salesforce),
            pipedrive: url(self.pipedrive),
            hubspot: url(self.hubspot),
        }
    }
}

/// The fixed ports of `cargo xtask dev` (and of `.dev.vars`, which `wrangler dev` reads).
pub const DEV_PORTS: Ports =
    Ports { worker: 8787, aurora: 8790, crm: 8791, salesforce: 8792, pipedrive: 8793, hubspot: 8794 };

fn dev_urls() -> Urls {
    DEV_PORTS.urls()
}

/// Starts the sandbox (Aurora and the demo CRM) and the worker on `host`, keeping the
/// worker's data under `data_dir`, and waits until both answer. Nothing is installed: an
/// admin installs the app from the CRM's marketplace.
pub fn start(host: Host, ports: Ports, secrets: &Secrets, data_dir: &Path) -> Result<LocalSystem> {
    start_from(&tools::root().join("target/debug"), host, ports, secrets, data_dir)
}

/// From now on, what the systems this thread starts print (the sandbox, the worker,
/// wrangler) goes to `log` instead of the terminal: for systems that run side by side
/// (`cargo xtask test`), each suite with its own log.
pub fn log_this_thread_to(log: std::path::PathBuf) {
    LOG.with(|cell| *cell.borrow_mut() = Some(log));
}

thread_local! {
    /// Where this thread's systems print, when not to the terminal (see [`log_this_thread_to`]).
    static LOG: std::cell::RefCell<Option<std::path::PathBuf>> = const { std::cell::RefCell::new(None) };
}

/// `command`'s output into this thread's system log, when it has one.
fn to_log(command: &mut Command) -> Result<&mut Command> {
    let log = LOG.with(|cell| cell.borrow().clone());
    if let Some(path) = log {
        let file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        command.stdout(file.try_clone()?).stderr(file);
    }
    Ok(command)
}

/// [`start`] with the binaries in `bin` (`target/release` for benchmarks).
pub fn start_from(bin: &Path, host: Host, ports: Ports, secrets: &Secrets, data_dir: &Path) -> Result<LocalSystem> {
    let urls = ports.urls();
    let (worker_url, aurora_url, crm_url) = (urls.worker.clone(), urls.aurora.clone(), urls.crm.clone());
    let salesforce_url = urls.salesforce.clone();
    let pipedrive_url = urls.pipedrive.clone();
    let hubspot_url = urls.hubspot.clone();

    let mut sandbox = Running::spawn(
        "sandbox",
        to_log(&mut Command::new(bin.join("sandbox")))?
            .args(["--aurora-listen", &format!("127.0.0.1:{}", ports.aurora)])
            .args(["--crm-listen", &format!("127.0.0.1:{}", ports.crm)])
            .args(["--salesforce-listen", &format!("127.0.0.1:{}", ports.salesforce)])
            .args(["--pipedrive-listen", &format!("127.0.0.1:{}", ports.pipedrive)])
            .args(["--hubspot-listen", &format!("127.0.0.1:{}", ports.hubspot)])
            .args(["--worker-url", &worker_url])
            .args([
                "--tenant",
                DEV_TENANT,
                "--tenant",
                SECOND_TENANT,
                "--tenant",
                THIRD_TENANT,
                "--tenant",
                SALESFORCE_TENANT,
                "--tenant",
                PIPEDRIVE_TENANT,
                "--tenant",
                HUBSPOT_TENANT,
            ])
            // Aurora's Apps page opens the app here, where a tenant's user gets a link code.
            .args(["--app-url", &format!("{worker_url}/connect/aurora")])
            .env("DEMO_CRM_CLIENT_ID", CRM_CLIENT_ID)
            .env("DEMO_CRM_CLIENT_SECRET", &secrets.crm_client_secret)
            .env("SALESFORCE_CONSUMER_KEY", SALESFORCE_CONSUMER_KEY)
            .env("SALESFORCE_CONSUMER_SECRET", &secrets.salesforce_consumer_secret)
            .env("PIPEDRIVE_CLIENT_ID", PIPEDRIVE_CLIENT_ID)
            .env("PIPEDRIVE_CLIENT_SECRET", &secrets.pipedrive_client_secret)
            .env("HUBSPOT_CLIENT_ID", HUBSPOT_CLIENT_ID)
            .env("HUBSPOT_CLIENT_SECRET", &secrets.hubspot_client_secret)
            .env("HUBSPOT_APP_ID", HUBSPOT_APP_ID)
            .env("HUBSPOT_CARD_JS", crate::hubspot_card::bundle_path()),
    )?;
    wait_for_http("the Aurora sandbox", &format!("{aurora_url}/health"), Duration::from_secs(20), &mut sandbox)?;

    fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let database = data_dir.join("worker.sqlite3");
    let (worker, sweep_url, native_worker) = match host {
        Host::Native => {
            let native = NativeWorker {
                bin: bin.to_owned(),
                database: database.clone(),
                port: ports.worker,
                env: worker_env(secrets, &urls),
            };
            (native.spawn(&worker_url)?, None, Some(native))
        }
        Host::Edge => {
            let worker = start_edge_worker(ports.worker, secrets, &urls, data_dir)?;
            (worker, Some(format!("{worker_url}/__scheduled?cron=*+*+*+*+*")), None)
        }
    };
    // Aurora's webhooks (from the sandbox) point at this worker, as in production; the
    // native binary's command does it for either host (it only talks to Aurora).
    tools::run(
        to_log(&mut Command::new(bin.join("aurora-crm-worker")))?
            .arg("--database")
            .arg(&database)
            .args(["setup-webhooks", "--public-url", &worker_url])
            .envs(worker_env(secrets, &urls)),
    )?;

    Ok(LocalSystem {
        worker_url,
        aurora_url,
        crm_url,
        salesforce_url,
        pipedrive_url,
        hubspot_url,
        sweep_url,
        children: vec![sandbox, worker],
        native_worker,
    })
}

/// The Workers bundle (built by `cargo xtask build --edge`) under `wrangler dev --local`:
/// workerd with a local D1 migrated by `wrangler d1 migrations apply`, the settings in a
/// `.dev.vars` beside a generated config (so they reach the Worker as secrets, never on a
/// command line), and `--test-scheduled` so the Cron Trigger can be fired locally.
pub fn start_edge_worker(port: u16, secrets: &Secrets, urls: &Urls, data_dir: &Path) -> Result<Running> {
    let root = tools::root();
    let config_dir = data_dir.join("wrangler");
    fs::create_dir_all(&config_dir).with_context(|| format!("creating {}", config_dir.display()))?;
    let template = fs::read_to_string(root.join("worker/wrangler.toml")).context("reading worker/wrangler.toml")?;
    let absolute = |relative: &str| root.join("worker").join(relative).display().to_string();
    let config = template
        .replace("\"build/index.js\"", &format!("{:?}", absolute("build/index.js")))
        .replace("\"../dist\"", &format!("{:?}", absolute("../dist")))
        .replace("migrations_dir = \"migrations\"", &format!("migrations_dir = {:?}", absolute("migrations")));
    fs::write(config_dir.join("wrangler.toml"), config).context("writing the local wrangler.toml")?;
    let vars: String = worker_env(secrets, urls).iter().map(|(name, value)| format!("{name}={value}\n")).collect();
    fs::write(config_dir.join(".dev.vars"), vars).context("writing the local .dev.vars")?;
    let state = data_dir.join("wrangler-state");
    let wrangler = |command: &mut Command| -> Result<()> {
        to_log(command)?
            .arg("--config")
            .arg(config_dir.join("wrangler.toml"))
            .current_dir(&config_dir)
            .env("PATH", tools::path_with_tools())
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_SEND_ERROR_REPORTS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("CI", "true")
            .stdin(std::process::Stdio::null());
        Ok(())
    };
    let mut migrate = Command::new(tools::npm_bin("wrangler"));
    migrate.args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"]).arg(&state);
    wrangler(&mut migrate)?;
    tools::run(&mut migrate)?;
    // Two wranglers starting at once can pick the same internal port (workerd's sockets
    // are chosen as each starts): systems that run side by side start theirs one at a time,
    // each with its own inspector port.
    static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = STARTING.lock().unwrap_or_else(|e| e.into_inner());
    let inspector = crate::processes::free_port()?;
    let mut dev = Command::new(tools::npm_bin("wrangler"));
    dev.args(["dev", "--local", "--ip", "127.0.0.1", "--port", &port.to_string(), "--test-scheduled"])
        .args(["--inspector-port", &inspector.to_string()])
        .args(["--show-interactive-dev-session=false", "--log-level", "warn", "--persist-to"])
        .arg(&state);
    wrangler(&mut dev)?;
    let mut worker = Running::spawn("wrangler dev", &mut dev)?;
    wait_for_http(
        "the edge worker (wrangler dev)",
        &format!("{}/health", urls.worker),
        Duration::from_secs(90),
        &mut worker,
    )?;
    Ok(worker)
}

/// What the conformance tests (and the chaos run) read of a running system: its URLs, its
/// secrets, its tenants (`CONFORMANCE_*`).
pub fn conformance_env(system: &LocalSystem, secrets: &Secrets, host: Host) -> Vec<(&'static str, String)> {
    vec![
        ("CONFORMANCE_HOST", host.name().to_owned()),
        ("CONFORMANCE_WORKER_URL", system.worker_url.clone()),
        ("CONFORMANCE_AURORA_URL", system.aurora_url.clone()),
        ("CONFORMANCE_CRM_URL", system.crm_url.clone()),
        ("CONFORMANCE_CRM_CLIENT_SECRET", secrets.crm_client_secret.clone()),
        ("CONFORMANCE_SALESFORCE_URL", system.salesforce_url.clone()),
        ("CONFORMANCE_SALESFORCE_CONSUMER_SECRET", secrets.salesforce_consumer_secret.clone()),
        ("CONFORMANCE_PIPEDRIVE_CLIENT_SECRET", secrets.pipedrive_client_secret.clone()),
        ("CONFORMANCE_HUBSPOT_URL", system.hubspot_url.clone()),
        ("CONFORMANCE_HUBSPOT_CLIENT_SECRET", secrets.hubspot_client_secret.clone()),
        ("CONFORMANCE_WEBHOOK_TOKEN", secrets.webhook_token.clone()),
        ("CONFORMANCE_TENANT", DEV_TENANT.to_owned()),
        ("CONFORMANCE_SECOND_TENANT", SECOND_TENANT.to_owned()),
        ("CONFORMANCE_THIRD_TENANT", THIRD_TENANT.to_owned()),
        ("CONFORMANCE_SWEEP_URL", system.sweep_url.clone().unwrap_or_default()),
    ]
}

/// The worker's settings for a local run against the sandbox (both hosts use these).
pub fn worker_env(secrets: &Secrets, urls: &Urls) -> Vec<(&'static str, String)> {
    vec![
        ("WORKER_SIGNING_SECRET", secrets.worker_signing.clone()),
        ("WORKER_PUBLIC_URL", urls.worker.clone()),
        ("ALLOWED_CRM_ORIGINS", urls.crm.clone()),
        ("DEMO_CRM_BASE_URL", urls.crm.clone()),
        ("DEMO_CRM_CLIENT_ID", CRM_CLIENT_ID.to_owned()),
        ("DEMO_CRM_CLIENT_SECRET", secrets.crm_client_secret.clone()),
        ("SALESFORCE_LOGIN_URL", urls.salesforce.clone()),
        ("SALESFORCE_CONSUMER_KEY", SALESFORCE_CONSUMER_KEY.to_owned()),
        ("SALESFORCE_CONSUMER_SECRET", secrets.salesforce_consumer_secret.clone()),
        ("PIPEDRIVE_CLIENT_ID", PIPEDRIVE_CLIENT_ID.to_owned()),
        ("PIPEDRIVE_CLIENT_SECRET", secrets.pipedrive_client_secret.clone()),
        ("PIPEDRIVE_OAUTH_URL", urls.pipedrive.clone()),
        ("PIPEDRIVE_FRAME_ORIGINS", urls.pipedrive.clone()),
        ("HUBSPOT_CLIENT_ID", HUBSPOT_CLIENT_ID.to_owned()),
        ("HUBSPOT_CLIENT_SECRET", secrets.hubspot_client_secret.clone()),
        ("HUBSPOT_APP_ID", HUBSPOT_APP_ID.to_owned()),
        ("HUBSPOT_OAUTH_URL", urls.hubspot.clone()),
        ("HUBSPOT_API_URL", urls.hubspot.clone()),
        ("HUBSPOT_FRAME_ORIGINS", urls.hubspot.clone()),
        ("AURORA_BASE_URL", urls.aurora.clone()),
        ("AURORA_ALLOW_LOOPBACK", "true".to_owned()),
        ("AURORA_APPLICATION_ID", SANDBOX_APPLICATION_ID.to_owned()),
        ("AURORA_APPLICATION_KEY", SANDBOX_APPLICATION_KEY.to_owned()),
        ("AURORA_WEBHOOK_TOKEN", secrets.webhook_token.clone()),
        // New Salesforce Opportunities are found at the next sweep, not up to 30 s later.
        ("CRM_POLL_INTERVAL_SECONDS", "3".to_owned()),
    ]
}

/// 32 random bytes as hex, for secrets that exist only on this machine.
pub fn random_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    use std::io::Read;
    fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).context("reading /dev/urandom")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
