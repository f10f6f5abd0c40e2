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

/// The `cargo` that runs us, so `cargo xtask` uses the same toolchain throughout.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root());
    command
}
