//! The whole product on one machine: the sandbox (Aurora stand-in + demo CRM) and the
//! worker on either host (the native binary, or the Workers bundle under `wrangler dev
//! --local`, i.e. workerd with a local D1), on 127.0.0.1, as children that stop when we do.

use crate::stand_ins::STAND_INS;
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
    /// Each CRM stand-in's, in the order of [`STAND_INS`].
    pub stand_ins: [u16; STAND_INS.len()],
}

impl Ports {
    /// Free ports on 127.0.0.1 for every part.
    pub fn free() -> Result<Ports> {
        use crate::processes::free_port;
        let mut stand_ins = [0; STAND_INS.len()];
        for port in &mut stand_ins {
            *port = free_port()?;
        }
        Ok(Ports { worker: free_port()?, aurora: free_port()?, stand_ins })
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
    /// Where each CRM stand-in is.
    pub urls: Urls,
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
    /// The origin of the stand-in `key` names (`crm`, `salesforce`, ...).
    pub fn url_of(&self, key: &str) -> &str {
        self.urls.of(key)
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
    /// What Aurora's webhook deliveries carry in their auth header.
    pub webhook_token: String,
    /// The client secret each CRM stand-in issued our app (it also signs what the CRM
    /// sends: contexts, Canvas requests, panel tokens, webhooks), in [`STAND_INS`] order.
    pub client_secrets: Vec<String>,
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
/// The sandbox's partner application (its defaults; obviously not real values).
pub const SANDBOX_APPLICATION_ID: &str = "5a2d8e1c-0000-4000-8000-00000000a991";
/// The sandbox's application key (its default; obviously fake).
pub const SANDBOX_APPLICATION_KEY: &str = "sandbox-application-key-not-a-secret";

impl Secrets {
    /// Fresh secrets, for a test run.
    pub fn random() -> Result<Self> {
        Ok(Secrets {
            worker_signing: random_secret()?,
            webhook_token: random_secret()?,
            client_secrets: STAND_INS.iter().map(|_| random_secret()).collect::<Result<_>>()?,
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
        let client_secrets: Option<Vec<String>> = STAND_INS.iter().map(|s| read(s.client_secret)).collect();
        if let (Some(worker_signing), Some(webhook_token), Some(client_secrets)) =
            (read("WORKER_SIGNING_SECRET"), read("AURORA_WEBHOOK_TOKEN"), client_secrets)
        {
            return Ok(Secrets { worker_signing, webhook_token, client_secrets });
        }
        let secrets = Secrets::random()?;
        let settings: String =
            worker_env(&secrets, &DEV_PORTS.urls()).iter().map(|(name, value)| format!("{name}={value}\n")).collect();
        fs::write(&path, format!("# Generated by `cargo xtask dev` for this machine only. Never commit.\n{settings}"))
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(secrets)
    }
}

/// Where `key`'s stand-in is in [`STAND_INS`].
fn index_of(key: &str) -> usize {
    STAND_INS.iter().position(|s| s.key == key).unwrap_or_else(|| unreachable!("no stand-in {key}"))
}

/// Where each part is reached.
#[derive(Debug, Clone)]
pub struct Urls {
    pub worker: String,
    pub aurora: String,
    /// Each CRM stand-in's origin, in [`STAND_INS`] order.
    pub stand_ins: Vec<String>,
}

impl Urls {
    /// The origin of the stand-in `key` names.
    pub fn of(&self, key: &str) -> &str {
        &self.stand_ins[index_of(key)]
    }
}

impl Ports {
    /// The parts' URLs on loopback.
    pub fn urls(&self) -> Urls {
        let url = |port: u16| format!("http://127.0.0.1:{port}");
        Urls { worker: url(self.worker), aurora: url(self.aurora), stand_ins: self.stand_ins.map(url).to_vec() }
    }
}

/// The fixed ports of `cargo xtask dev` (and of `.dev.vars`, which `wrangler dev` reads).
pub const DEV_PORTS: Ports = Ports {
    worker: 8787,
    aurora: 8790,
    stand_ins: [STAND_INS[0].dev_port, STAND_INS[1].dev_port, STAND_INS[2].dev_port, STAND_INS[3].dev_port],
};

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
    let (worker_url, aurora_url) = (urls.worker.clone(), urls.aurora.clone());
    let tenants = [DEV_TENANT, SECOND_TENANT, THIRD_TENANT].into_iter().chain(STAND_INS.iter().map(|s| s.tenant));
    let mut tenant_args: Vec<&str> = Vec::new();
    for tenant in tenants {
        if !tenant_args.contains(&tenant) {
            tenant_args.extend(["--tenant", tenant]);
        }
    }
    let mut command = Command::new(bin.join("sandbox"));
    to_log(&mut command)?
        .args(["--aurora-listen", &format!("127.0.0.1:{}", ports.aurora)])
        .args(["--worker-url", &worker_url])
        .args(&tenant_args)
        // Aurora's Apps page opens the app here, where a tenant's user gets a link code.
        .args(["--app-url", &format!("{worker_url}/connect/aurora")]);
    for ((stand_in, port), secret) in STAND_INS.iter().zip(ports.stand_ins).zip(&secrets.client_secrets) {
        command
            .arg(format!("--{}-listen", stand_in.key))
            .arg(format!("127.0.0.1:{port}"))
            .env(stand_in.client_id.0, stand_in.client_id.1)
            .env(stand_in.client_secret, secret)
            .envs((stand_in.sandbox_env)());
    }
    let mut sandbox = Running::spawn("sandbox", &mut command)?;
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

    Ok(LocalSystem { worker_url, aurora_url, urls, sweep_url, children: vec![sandbox, worker], native_worker })
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
pub fn conformance_env(system: &LocalSystem, secrets: &Secrets, host: Host) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("CONFORMANCE_HOST", host.name().to_owned()),
        ("CONFORMANCE_WORKER_URL", system.worker_url.clone()),
        ("CONFORMANCE_AURORA_URL", system.aurora_url.clone()),
        ("CONFORMANCE_WEBHOOK_TOKEN", secrets.webhook_token.clone()),
        ("CONFORMANCE_TENANT", DEV_TENANT.to_owned()),
        ("CONFORMANCE_SECOND_TENANT", SECOND_TENANT.to_owned()),
        ("CONFORMANCE_THIRD_TENANT", THIRD_TENANT.to_owned()),
        ("CONFORMANCE_SWEEP_URL", system.sweep_url.clone().unwrap_or_default()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    for (stand_in, (url, secret)) in STAND_INS.iter().zip(system.urls.stand_ins.iter().zip(&secrets.client_secrets)) {
        let key = stand_in.key.to_uppercase().replace('-', "_");
        env.push((format!("CONFORMANCE_{key}_URL"), url.clone()));
        env.push((format!("CONFORMANCE_{key}_CLIENT_SECRET"), secret.clone()));
        env.push((format!("CONFORMANCE_{key}_TENANT"), stand_in.tenant.to_owned()));
    }
    env
}

/// The worker's settings for a local run against the sandbox (both hosts use these).
pub fn worker_env(secrets: &Secrets, urls: &Urls) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("WORKER_SIGNING_SECRET", secrets.worker_signing.clone()),
        ("WORKER_PUBLIC_URL", urls.worker.clone()),
        ("AURORA_BASE_URL", urls.aurora.clone()),
        ("AURORA_ALLOW_LOOPBACK", "true".to_owned()),
        ("AURORA_APPLICATION_ID", SANDBOX_APPLICATION_ID.to_owned()),
        ("AURORA_APPLICATION_KEY", SANDBOX_APPLICATION_KEY.to_owned()),
        ("AURORA_WEBHOOK_TOKEN", secrets.webhook_token.clone()),
        // New Salesforce Opportunities are found at the next sweep, not up to 30 s later.
        ("CRM_POLL_INTERVAL_SECONDS", "3".to_owned()),
    ];
    for ((stand_in, url), secret) in STAND_INS.iter().zip(&urls.stand_ins).zip(&secrets.client_secrets) {
        env.push((stand_in.client_id.0, stand_in.client_id.1.to_owned()));
        env.push((stand_in.client_secret, secret.clone()));
        env.extend((stand_in.worker_env)(url));
    }
    env
}

/// 32 random bytes as hex, for secrets that exist only on this machine.
pub fn random_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    use std::io::Read;
    fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).context("reading /dev/urandom")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
