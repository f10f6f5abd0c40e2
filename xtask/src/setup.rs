//! `cargo xtask setup`: installs what the project needs, skipping what is present, so a
//! second run takes seconds. Every step checks the exact version it needs.

use crate::tools::{self, cargo};
use anyhow::{Context, Result, bail};
use std::{fs, process::Command, time::Instant};

/// worker-build must match the `worker` crate's minor version (0.8.x).
const WORKER_BUILD_VERSION: &str = "0.8.7";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Installs everything; returns how many things it had to install.
pub fn run() -> Result<usize> {
    let started = Instant::now();
    let mut installed = 0;
    installed += rust_components()?;
    installed += wasm_target()?;
    installed += wasm_bindgen_cli()?;
    installed += worker_build()?;
    installed += chromium()?;
    installed += npm_tools()?;
    installed += crate::hubspot_card::install()?;
    if installed == 0 {
        println!("setup: everything already installed ({:.1} s)", started.elapsed().as_secs_f64());
    } else {
        println!("setup: installed {installed} tool(s) in {:.0} s", started.elapsed().as_secs_f64());
    }
    Ok(installed)
}

/// True when every tool is present at the right version (cheap: no installs).
pub fn is_complete() -> bool {
    has_rust_components()
        && has_wasm_target()
        && wasm_bindgen_ok().unwrap_or(false)
        && worker_build_ok()
        && chromium_ok()
        && npm_tools_ok()
        && crate::hubspot_card::is_installed()
}

/// cargo-fuzz runs on nightly (libFuzzer's sanitizer coverage needs it).
const CARGO_FUZZ_VERSION: &str = "0.13.2";

fn has_nightly() -> bool {
    Command::new("rustup").args(["run", "nightly", "rustc", "--version"]).output().is_ok_and(|o| o.status.success())
}

fn fuzz_tools_ok() -> bool {
    has_nightly()
        && tools::version_of(&tools::cargo_bin("cargo-fuzz"), "--version")
            .is_some_and(|v| v.trim() == format!("cargo-fuzz {CARGO_FUZZ_VERSION}"))
}

/// A nightly toolchain and cargo-fuzz, for the fuzz targets: installed by `cargo xtask
/// setup`, `fuzz` and the test suite's fuzz step, not by `build` or `dev`, which run none.
pub fn fuzz_tools() -> Result<usize> {
    if fuzz_tools_ok() {
        println!("setup: nightly and cargo-fuzz {CARGO_FUZZ_VERSION} present");
        return Ok(0);
    }
    let mut installed = 0;
    if !has_nightly() {
        tools::run(Command::new("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
        installed += 1;
    }
    if !fuzz_tools_ok() {
        println!("setup: installing cargo-fuzz {CARGO_FUZZ_VERSION} (a few minutes, once)");
        tools::run(tools::without_lints(&mut cargo()).args([
            "install",
            "cargo-fuzz",
            "--version",
            CARGO_FUZZ_VERSION,
            "--locked",
            "--force",
        ]))?;
        installed += 1;
    }
    Ok(installed)
}

/// rustfmt and clippy: `cargo xtask test` checks formatting and lints.
const RUST_COMPONENTS: [&str; 2] = ["rustfmt", "clippy"];

fn has_rust_components() -> bool {
    ["fmt", "clippy"]
        .iter()
        .all(|sub| Command::new("cargo").args([sub, "--version"]).output().is_ok_and(|o| o.status.success()))
}

fn rust_components() -> Result<usize> {
    if has_rust_components() {
        println!("setup: rustfmt and clippy present");
        return Ok(0);
    }
    tools::run(Command::new("rustup").arg("component").arg("add").args(RUST_COMPONENTS))?;
    Ok(1)
}

fn has_wasm_target() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == WASM_TARGET))
        .unwrap_or(false)
}

fn wasm_target() -> Result<usize> {
    if has_wasm_target() {
        println!("setup: {WASM_TARGET} target present");
        return Ok(0);
    }
    tools::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    Ok(1)
}

fn wasm_bindgen_ok() -> Result<bool> {
    let wanted = tools::locked_version("wasm-bindgen")?;
    Ok(tools::version_of(&tools::cargo_bin("wasm-bindgen"), "--version")
        .is_some_and(|v| v == format!("wasm-bindgen {wanted}")))
}

/// The CLI must equal the `wasm-bindgen` crate version in Cargo.lock, or its output
/// does not match the glue the crate generated.
fn wasm_bindgen_cli() -> Result<usize> {
    let wanted = tools::locked_version("wasm-bindgen")?;
    if wasm_bindgen_ok()? {
        println!("setup: wasm-bindgen-cli {wanted} present");
        return Ok(0);
    }
    println!("setup: installing wasm-bindgen-cli {wanted} (a few minutes, once)");
    // `--force`: the check above found it missing or another version, whatever cargo's
    // own record of installs says (a binary deleted by hand stays "installed" there).
    tools::run(tools::without_lints(&mut cargo()).args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &wanted,
        "--locked",
        "--force",
    ]))?;
    Ok(1)
}

fn worker_build_ok() -> bool {
    tools::version_of(&tools::cargo_bin("worker-build"), "--version").is_some_and(|v| v.trim() == WORKER_BUILD_VERSION)
}

fn worker_build() -> Result<usize> {
    if worker_build_ok() {
        println!("setup: worker-build {WORKER_BUILD_VERSION} present");
        return Ok(0);
    }
    println!("setup: installing worker-build {WORKER_BUILD_VERSION} (a few minutes, once)");
    tools::run(tools::without_lints(&mut cargo()).args([
        "install",
        "worker-build",
        "--version",
        WORKER_BUILD_VERSION,
        "--locked",
        "--force",
    ]))?;
    Ok(1)
}

fn chromium_ok() -> bool {
    ["/usr/bin/chromium", "/usr/bin/chromedriver"].iter().all(|p| std::path::Path::new(p).exists())
}

/// `apt-get` with `args`, through sudo unless we are root.
fn apt(args: &[&str]) -> Command {
    let is_root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false);
    let mut command = if is_root { Command::new("apt-get") } else { Command::new("sudo") };
    if !is_root {
        command.arg("apt-get");
    }
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    command
}

/// wrk, from Debian's packages: installed by `cargo xtask setup` and `bench`, which alone
/// needs it.
pub fn bench_tools() -> Result<usize> {
    if std::path::Path::new("/usr/bin/wrk").exists() {
        println!("setup: wrk present");
        return Ok(0);
    }
    println!("setup: installing wrk with apt-get");
    tools::run(&mut apt(&["install", "-y", "-qq", "--no-install-recommends", "wrk"])).or_else(|_| {
        tools::run(&mut apt(&["update", "-qq"]))
            .and_then(|()| tools::run(&mut apt(&["install", "-y", "-qq", "--no-install-recommends", "wrk"])))
    })?;
    Ok(1)
}

/// Debian's Chromium and its matching driver, for the widget's browser tests and e2e.
fn chromium() -> Result<usize> {
    if chromium_ok() {
        println!("setup: chromium + chromedriver present");
        return Ok(0);
    }
    println!("setup: installing chromium + chromium-driver with apt-get");
    tools::run(&mut apt(&["update", "-qq"]))?;
    tools::run(&mut apt(&["install", "-y", "-qq", "--no-install-recommends", "chromium", "chromium-driver"]))?;
    if !chromium_ok() {
        bail!("apt-get finished but /usr/bin/chromium or /usr/bin/chromedriver is missing");
    }
    Ok(1)
}

/// The committed manifest and lockfile; `.tools/` gets a copy of both, and the copy of
/// the lockfile inside node_modules marks a finished install of exactly that lockfile.
fn npm_manifest() -> std::path::PathBuf {
    tools::root().join("xtask").join("tools")
}

fn install_stamp() -> std::path::PathBuf {
    tools::tools_dir().join("node_modules").join(".xtask-installed-lock.json")
}

fn npm_tools_ok() -> bool {
    let wanted = fs::read(npm_manifest().join("package-lock.json")).ok();
    let stamp = fs::read(install_stamp()).ok();
    wanted.is_some()
        && wanted == stamp
        && ["node", "wasm-opt", "wrangler", "esbuild"].iter().all(|b| tools::npm_bin(b).exists())
}

/// Node 22 (wrangler needs >= 22.12), binaryen 132's wasm-opt (never Debian's v108, whose
/// output crashes in Chromium), and wrangler with workerd, from the committed lockfile.
fn npm_tools() -> Result<usize> {
    if npm_tools_ok() {
        println!("setup: npm tools present in .tools/");
        return Ok(0);
    }
    let dir = tools::tools_dir();
    fs::create_dir_all(&dir).context("creating .tools/")?;
    for file in ["package.json", "package-lock.json"] {
        fs::copy(npm_manifest().join(file), dir.join(file)).with_context(|| format!("copying {file} into .tools/"))?;
    }
    println!("setup: installing npm tools into .tools/ (Node 22, wasm-opt 132, wrangler)");
    tools::run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(&dir))?;
    fs::copy(npm_manifest().join("package-lock.json"), install_stamp()).context("writing the install stamp")?;
    Ok(1)
}
