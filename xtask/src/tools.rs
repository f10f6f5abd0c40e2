//! Where the project's tools live and how to call them.

use anyhow::{Context, Result, bail};
use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// The repository root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The git-ignored folder npm tools are installed into.
pub fn tools_dir() -> PathBuf {
    root().join(".tools")
}

/// `.tools/node_modules/.bin`: Node 22, wasm-opt, wrangler, esbuild.
pub fn npm_bin_dir() -> PathBuf {
    tools_dir().join("node_modules").join(".bin")
}

/// Path to an npm-installed tool.
pub fn npm_bin(name: &str) -> PathBuf {
    npm_bin_dir().join(name)
}

/// Where `cargo install` puts binaries.
pub fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    home.join("bin").join(name)
}

/// The built widget and static files the worker serves.
pub fn dist_dir() -> PathBuf {
    root().join("dist")
}

/// A PATH with our npm tools first, so `#!/usr/bin/env node` finds Node 22.
pub fn path_with_tools() -> std::ffi::OsString {
    let mut paths = vec![npm_bin_dir(), cargo_bin("")];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap_or_default()
}

/// The version a package has in Cargo.lock (e.g. `wasm-bindgen`).
pub fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock.find(&needle).with_context(|| format!("{package} is not in Cargo.lock"))? + needle.len();
    let end = lock[start..].find('"').context("malformed Cargo.lock")?;
    Ok(lock[start..start + end].to_owned())
}

/// First line of `program --version`, or None when it does not run.
pub fn version_of(program: &Path, arg: &str) -> Option<String> {
    let output = Command::new(program).arg(arg).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or("").to_owned())
}

/// Runs a command to completion, echoing it; fails with the command line when it fails.
pub fn run(command: &mut Command) -> Result<()> {
    println!("$ {}", describe(command));
    let status = command.status().with_context(|| format!("starting {}", describe(command)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(command));
    }
    Ok(())
}

/// A command as a shell line, for messages.
pub fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `cargo` that runs us, so `cargo xtask` uses the same toolchain throughout; its
/// builds lint the workspace's crates once [`lint_builds`] was called.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root());
    with_lints(&mut command);
    command
}

/// Whether builds lint as they compile (see [`lint_builds`]).
static LINTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on, every build this process starts compiles the workspace's own crates
/// through clippy with warnings denied, as `cargo clippy` does (its driver as
/// `RUSTC_WORKSPACE_WRAPPER`, its arguments in `CLIPPY_ARGS`): the build that tests or
/// ships a crate is its lint check too, and no separate `cargo clippy` compiles the
/// workspace a second time. Dependencies compile as they would anyway.
pub fn lint_builds() {
    LINTING.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Sets `command` (a cargo, or a tool that runs cargo) to lint, when builds do.
pub fn with_lints(command: &mut Command) -> &mut Command {
    if LINTING.load(std::sync::atomic::Ordering::Relaxed) {
        command
            .env("RUSTC_WORKSPACE_WRAPPER", clippy_driver())
            .env("CLIPPY_ARGS", "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__");
    }
    command
}

/// `command` without the lints: tools installed from the registry build as published.
pub fn without_lints(command: &mut Command) -> &mut Command {
    command.env_remove("RUSTC_WORKSPACE_WRAPPER").env_remove("CLIPPY_ARGS")
}

/// The clippy driver of the toolchain that runs us, asked of rustup once.
fn clippy_driver() -> &'static std::ffi::OsStr {
    static DRIVER: std::sync::OnceLock<std::ffi::OsString> = std::sync::OnceLock::new();
    DRIVER.get_or_init(|| {
        Command::new("rustup")
            .args(["which", "clippy-driver"])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned().into())
            .unwrap_or_else(|| "clippy-driver".into())
    })
}
