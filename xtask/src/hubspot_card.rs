//! The HubSpot app's UI extensions, the deal card (`hubspot/src/app/cards`) and the
//! settings page (`hubspot/src/app/settings`): their npm packages from the card's committed
//! lockfile (the settings page's `package.json` names the same ones, and its
//! `node_modules` is a link to the card's), their type check against
//! `@hubspot/ui-extensions`' own types (`tsc`), and the bundles the local HubSpot runs
//! (`dist/hubspot/deal-card.js`, `dist/hubspot/settings.js`: each extension's code with the
//! sandbox's stand-in of `@hubspot/ui-extensions`, React DOM rendering its components).
//! HubSpot builds the extensions itself from the project; nothing here is uploaded.

use crate::tools::{self, run};
use anyhow::{Context, Result};
use std::{fs, path::PathBuf, process::Command};

/// The card's package (HubSpot's layout: `package.json` beside the card).
pub fn card_dir() -> PathBuf {
    tools::root().join("hubspot/src/app/cards")
}

/// The settings page's package.
fn settings_dir() -> PathBuf {
    tools::root().join("hubspot/src/app/settings")
}

/// Where `cargo xtask build` writes the card's local bundle.
pub fn bundle_path() -> PathBuf {
    tools::dist_dir().join("hubspot").join("deal-card.js")
}

/// Where it writes the settings page's.
pub fn settings_bundle_path() -> PathBuf {
    tools::dist_dir().join("hubspot").join("settings.js")
}

/// The settings page's packages are the card's (the same `package.json` dependencies): a
/// link to them, made once.
fn link_settings_packages() -> Result<()> {
    let link = settings_dir().join("node_modules");
    if link.exists() {
        return Ok(());
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(card_dir().join("node_modules"), &link)
        .context("linking the settings page's packages")?;
    Ok(())
}

fn install_stamp() -> PathBuf {
    card_dir().join("node_modules").join(".xtask-installed-lock.json")
}

/// Whether the packages of the committed lockfile are installed (cheap).
pub fn is_installed() -> bool {
    let wanted = fs::read(card_dir().join("package-lock.json")).ok();
    wanted.is_some() && wanted == fs::read(install_stamp()).ok()
}

/// `npm ci` from the lockfile, once per lockfile; returns how many installs it ran.
pub fn install() -> Result<usize> {
    if is_installed() {
        println!("setup: the HubSpot card's npm packages present");
        return Ok(0);
    }
    println!("setup: installing the HubSpot card's npm packages (@hubspot/ui-extensions, React, TypeScript)");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(card_dir())
        .env("PATH", tools::path_with_tools()))?;
    fs::copy(card_dir().join("package-lock.json"), install_stamp()).context("writing the card's install stamp")?;
    Ok(1)
}

/// `tsc --noEmit`: the card and the settings page against HubSpot's component and API
/// types, strict.
pub fn type_check() -> Result<()> {
    install()?;
    link_settings_packages()?;
    for dir in [card_dir(), settings_dir()] {
        run(Command::new(card_dir().join("node_modules/.bin/tsc"))
            .args(["--noEmit", "-p", "tsconfig.json"])
            .current_dir(dir)
            .env("PATH", tools::path_with_tools()))?;
    }
    Ok(())
}

/// Bundles the card and the settings page with the local stand-in of
/// `@hubspot/ui-extensions` for the sandbox; answers the card's bundle.
pub fn bundle() -> Result<PathBuf> {
    install()?;
    let shim = tools::root().join("sandbox/hubspot-card/ui-extensions.jsx");
    for (entry, out) in [
        (card_dir().join("DealCard.tsx"), bundle_path()),
        (settings_dir().join("Settings.tsx"), settings_bundle_path()),
    ] {
        fs::create_dir_all(out.parent().context("bundle dir")?).context("creating dist/hubspot")?;
        run(Command::new(tools::npm_bin("esbuild"))
            .arg(entry)
            .args([
                "--bundle",
                "--minify",
                "--format=iife",
                "--target=es2022",
                "--jsx=automatic",
                "--log-level=warning",
            ])
            .arg(format!("--alias:@hubspot/ui-extensions={}", shim.display()))
            .arg("--define:process.env.NODE_ENV=\"production\"")
            .arg(format!("--outfile={}", out.display()))
            // The stand-in imports React and React DOM: from the card's packages.
            .env("NODE_PATH", card_dir().join("node_modules")))?;
    }
    Ok(bundle_path())
}
