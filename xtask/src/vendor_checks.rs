//! The vendors' own project tooling over `hubspot/` and `salesforce/` (suite `vendor`):
//! HubSpot's `@hubspot/project-parsing-lib` and the `sf` CLI's
//! `@salesforce/source-deploy-retrieve`, both from the committed npm lockfile in
//! `xtask/tools/`, run by the Node 22 setup installs (`xtask/tools/vendor-checks.mjs`).

use crate::tools;
use anyhow::{Context, Result};
use std::{fs, process::Command};

/// Runs the checks; fails naming what the vendors' tooling refused.
pub fn run() -> Result<()> {
    // The script runs from `.tools/`, where its packages are installed.
    let script = tools::tools_dir().join("vendor-checks.mjs");
    fs::copy(tools::root().join("xtask/tools/vendor-checks.mjs"), &script).context("copying vendor-checks.mjs")?;
    tools::run(
        Command::new(tools::npm_bin("node")).arg(&script).arg(tools::root()).env("PATH", tools::path_with_tools()),
    )
}
