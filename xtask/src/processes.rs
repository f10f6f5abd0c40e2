//! Child processes that never outlive us: every child is killed when its guard drops,
//! on error, on success and on Ctrl-C alike.

use anyhow::{Context, Result, bail};
use std::{
    net::TcpListener,
    os::unix::process::CommandExt,
    process::{Child, Command},
    sync::Mutex,
    time::{Duration, Instant},
};

/// A running child process, killed (and reaped) on drop.
pub struct Running {
    pub name: String,
    child: Child,
}

impl Running {
    /// Starts `command` as a named child.
    pub fn spawn(name: &str, command: &mut Command) -> Result<Running> {
        // Its own process group, so stopping it also stops what it started (Chromium
        // under chromedriver, workerd under wrangler), even after a failed test left a
        // browser session open.
        let child = command
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {name}: {}", crate::tools::describe(command)))?;
        register(child.id());
        Ok(Running { name: name.to_owned(), child })
    }

    /// Its process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills the child and its group at once (SIGKILL: no shutdown, as a crash or an
    /// out-of-memory kill would), and reaps it.
    pub fn kill_hard(&mut self) {
        let pid = self.child.id();
        let _ =
            Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).stderr(std::process::Stdio::null()).status();
        let _ = self.child.wait();
    }

    /// Fails when the child has already exited.
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("{} exited early ({status})", self.name);
        }
        Ok(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        stop(&[self.child.id()]);
        let _ = self.child.wait();
        unregister(self.child.id());
    }
}

/// SIGTERM to each child's process group so servers shut down cleanly, then SIGKILL to
/// whatever of the group is left after the leader exits or 3 s pass.
fn stop(pids: &[u32]) {
    let signal_group = |signal: &str, pid: u32| {
        let _ =
            Command::new("kill").args([signal, "--", &format!("-{pid}")]).stderr(std::process::Stdio::null()).status();
    };
    for pid in pids {
        signal_group("-TERM", *pid);
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while pids.iter().any(|pid| is_running(*pid)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    for pid in pids {
        signal_group("-KILL", *pid);
    }
}

/// Running, and not a zombie: an exited child that is not reaped yet has stopped too.
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
        .unwrap_or(false)
}

static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn register(pid: u32) {
    if let Ok(mut pids) = CHILDREN.lock() {
        pids.push(pid);
    }
}

fn unregister(pid: u32) {
    if let Ok(mut pids) = CHILDREN.lock() {
        pids.retain(|p| *p != pid);
    }
}

/// On Ctrl-C or SIGTERM: stop every registered child, then exit. Installed once.
pub fn stop_children_on_signal() {
    let _ = ctrlc::set_handler(|| {
        let pids = CHILDREN.lock().map(|p| p.clone()).unwrap_or_default();
        stop(&pids);
        eprintln!("\nstopped");
        std::process::exit(130);
    });
}

/// A free loopback port for a server we start. Bound, then released, so another process
/// could take it before our server binds it. Two things make that unlikely enough for the
/// suites, which start several systems side by side:
/// - ports come from below the kernel's ephemeral range, where outgoing connections (each
///   test's HTTP clients) take their local ports; a port from `bind(0)` is in that range,
///   and one was once taken by a connection before the chaos run's sandbox could bind it;
/// - no port is handed out twice in one run of ours.
pub fn free_port() -> Result<u16> {
    static HANDED_OUT: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let (low, high) = below_ephemeral_ports();
    let span = u32::from(high - low);
    // A different start per call and per run, so that runs side by side spread out.
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
        ^ std::process::id();
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for step in 0..span {
        let port = low + ((seed.wrapping_add(step.wrapping_mul(7919))) % span) as u16;
        if handed_out.contains(&port) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            handed_out.push(port);
            return Ok(port);
        }
    }
    // Every port below the ephemeral range is busy: let the kernel choose.
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Ports below the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`,
/// 32768 to 60999 by default), above the well-known and registered ones we might meet.
fn below_ephemeral_ports() -> (u16, u16) {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    // A range set so low leaves no room below it: the kernel chooses (`bind(0)`).
    if ephemeral_low > 21_000 { (20_000, ephemeral_low) } else { (0, 0) }
}

/// Waits until `url` answers 200, or fails after `timeout` naming what did not start.
pub fn wait_for_http(what: &str, url: &str, timeout: Duration, child: &mut Running) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(2))).build().into();
    loop {
        if agent.get(url).call().is_ok_and(|r| r.status() == 200) {
            return Ok(());
        }
        child.check_alive()?;
        if Instant::now() > deadline {
            bail!("{what} did not answer {url} within {} s", timeout.as_secs());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
