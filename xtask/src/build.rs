//! `cargo xtask build`: widget -> wasm-bindgen (web target) -> wasm-opt -Oz -> `dist/widget/`,
//! then a size report; with `--edge`, the Workers bundle through worker-build.

use crate::tools::{self, cargo};
use anyhow::{Context, Result};
use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
    process::Command,
};

/// The widget's crate, as Rust names its artefact.
const WIDGET_LIB: &str = "aurora_crm_widget";
/// The widget's stylesheet, shipped as is.
const STYLESHEET: &str = "widget.css";
/// The boot script: waits for the first paint, then imports the widget's module.
const BOOT_SCRIPT: &str = "embed.js";
/// The widget's module: the glue and the mount, loaded by the boot script after the first paint.
const WIDGET_MODULE: &str = "widget.js";
/// Pipedrive's page only: `initialize` before the wasm is requested (a classic script).
const PIPEDRIVE_INIT: &str = "pipedrive-init.js";

/// Sizes of one built file.
pub struct Sizes {
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

pub fn run(edge: bool) -> Result<()> {
    if !crate::setup::is_complete() {
        crate::setup::run()?;
    }
    widget()?;
    crate::hubspot_card::bundle()?;
    if edge {
        edge_bundle()?;
    }
    Ok(())
}

/// The most the widget may weigh, brotli, wasm + JS + CSS (a CRM iframe should load like a
/// small image). It was 87 KB while the wasm held every view; since the worker renders
/// every screen and the wasm only acts on them, it weighs about 38 KB, and the budget is
/// the goal the first-paint work set.
pub const WIDGET_BUDGET_BROTLI: usize = 45_000;

/// What Workers must not publish from `dist/` (its static-asset folder): the benchmark's
/// reference page, which `cargo xtask bench` writes there so the native host serves it too.
/// Workers reads `.assetsignore` in gitignore syntax
/// (https://developers.cloudflare.com/workers/static-assets/binding/#ignoring-assets).
const ASSETS_IGNORED: &str = "# Written by `cargo xtask build`: never published by Workers.\nbench/\n.assetsignore\n";

/// Builds the widget into `dist/widget/` and prints its sizes; returns their total.
pub fn widget() -> Result<Sizes> {
    let total = widget_with(&[], &tools::dist_dir().join("widget"))?;
    fs::write(tools::dist_dir().join(".assetsignore"), ASSETS_IGNORED).context("writing dist/.assetsignore")?;
    println!(
        "  budget: {} of {WIDGET_BUDGET_BROTLI} bytes brotli ({:.0}%)",
        total.brotli,
        percent(total.brotli, WIDGET_BUDGET_BROTLI)
    );
    Ok(total)
}

/// Builds the widget with the crate's `features` into `out` (the shipped one: none, into
/// `dist/widget/`) and prints its sizes; returns their total.
pub fn widget_with(features: &[&str], out: &Path) -> Result<Sizes> {
    tools::run(
        cargo()
            .args([
                "build",
                "--package",
                "aurora-crm-widget",
                "--lib",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .args(features.iter().flat_map(|feature| ["--features", feature])),
    )?;
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let out = out.to_path_buf();
    let wasm = tools::root().join("target/wasm32-unknown-unknown/release").join(format!("{WIDGET_LIB}.wasm"));
    tools::run(
        Command::new(tools::cargo_bin("wasm-bindgen"))
            .arg(&wasm)
            .args(["--target", "web", "--no-typescript", "--remove-name-section", "--remove-producers-section"])
            .arg("--out-dir")
            .arg(&out),
    )?;
    let bg = out.join(format!("{WIDGET_LIB}_bg.wasm"));
    tools::run(
        Command::new(tools::npm_bin("wasm-opt"))
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-mutable-globals",
            ])
            .arg(&bg)
            .arg("-o")
            .arg(&bg),
    )?;
    fs::copy(tools::root().join("www").join(STYLESHEET), out.join(STYLESHEET)).context("copying www/widget.css")?;
    fs::copy(tools::root().join("www").join(PIPEDRIVE_INIT), out.join(PIPEDRIVE_INIT))
        .context("copying www/pipedrive-init.js")?;
    // The boot script waits for the first paint and imports the widget's module, which
    // imports the glue relatively: esbuild inlines the glue into it and minifies both; the
    // boot script is only minified (it stays as small as it is).
    let entry = out.join("widget.entry.js");
    fs::copy(tools::root().join("www").join(WIDGET_MODULE), &entry).context("copying www/widget.js")?;
    let glue = out.join(format!("{WIDGET_LIB}.js"));
    let esbuild = |input: &Path, bundle: bool, output: &str| {
        tools::run(
            Command::new(tools::npm_bin("esbuild"))
                .arg(input)
                .args(bundle.then_some("--bundle"))
                .args(["--minify", "--format=esm", "--target=es2022", "--log-level=warning"])
                .arg(format!("--outfile={}", out.join(output).display())),
        )
    };
    esbuild(&entry, true, WIDGET_MODULE)?;
    esbuild(&tools::root().join("www").join(BOOT_SCRIPT), false, BOOT_SCRIPT)?;
    fs::remove_file(&entry).context("removing the bundle's entry")?;
    fs::remove_file(&glue).context("removing the bundled glue")?;
    // Every host's part counts, Pipedrive's init script included.
    let files = [bg, out.join(BOOT_SCRIPT), out.join(WIDGET_MODULE), out.join(STYLESHEET), out.join(PIPEDRIVE_INIT)];
    print_sizes("widget", &files)
}

fn percent(part: usize, whole: usize) -> f64 {
    part as f64 * 100.0 / whole as f64
}

/// Prints raw, gzip and brotli sizes of `files` and their total; returns the total.
pub fn print_sizes(title: &str, files: &[PathBuf]) -> Result<Sizes> {
    write_sizes(title, files, &mut std::io::stdout())
}

/// [`print_sizes`], into `out`.
fn write_sizes(title: &str, files: &[PathBuf], out: &mut dyn Write) -> Result<Sizes> {
    writeln!(out, "{title} sizes (bytes):      raw     gzip   brotli")?;
    let mut total = Sizes { raw: 0, gzip: 0, brotli: 0 };
    for file in files {
        let s = sizes(file)?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        writeln!(out, "  {name:<28} {:>8} {:>8} {:>8}", s.raw, s.gzip, s.brotli)?;
        total.raw += s.raw;
        total.gzip += s.gzip;
        total.brotli += s.brotli;
    }
    writeln!(out, "  {:<28} {:>8} {:>8} {:>8}", "total", total.raw, total.gzip, total.brotli)?;
    Ok(total)
}

/// Raw, gzip -9 and brotli q11 sizes of a file, as a CDN would serve it.
pub fn sizes(path: &Path) -> Result<Sizes> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes)?;
    let gzip = gz.finish()?.len();
    let mut br = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        writer.write_all(&bytes)?;
    }
    Ok(Sizes { raw: bytes.len(), gzip, brotli: br.len() })
}

/// The Workers wasm's budget, gzip (what Cloudflare measures against its script limits).
pub const EDGE_BUDGET_GZIP: usize = 1_000_000;

/// Builds the Cloudflare Workers bundle into `worker/build/` with worker-build, pointing
/// it at our local wasm-bindgen, wasm-opt and esbuild (it would download them otherwise).
/// Answers the wasm's sizes.
pub fn edge_bundle() -> Result<Sizes> {
    edge_bundle_to(&mut std::io::stdout(), true)
}

/// [`edge_bundle`], with everything it prints (worker-build's output too) in `log`: for a
/// build that runs beside others.
pub fn edge_bundle_logged(log: &mut Vec<u8>) -> Result<Sizes> {
    edge_bundle_to(log, false)
}

fn edge_bundle_to(out: &mut dyn Write, on_terminal: bool) -> Result<Sizes> {
    let mut build = Command::new(tools::cargo_bin("worker-build"));
    build
        .arg("--release")
        .current_dir(tools::root().join("worker"))
        .env("PATH", tools::path_with_tools())
        // A target folder of its own: its cargo lock never waits on the workspace's builds.
        .env("CARGO_TARGET_DIR", tools::root().join("target/edge-build"))
        .env("WASM_BINDGEN_BIN", tools::cargo_bin("wasm-bindgen"))
        .env("WASM_OPT_BIN", tools::npm_bin("wasm-opt"))
        .env("ESBUILD_BIN", tools::npm_bin("esbuild"));
    // Where builds lint (`cargo xtask test`), the Workers build is the worker's lint check
    // for wasm32: its edge host compiles only there.
    tools::with_lints(&mut build);
    if on_terminal {
        tools::run(&mut build)?;
    } else {
        writeln!(out, "$ {}", tools::describe(&build))?;
        let output = build.output().context("starting worker-build")?;
        out.write_all(&output.stdout)?;
        out.write_all(&output.stderr)?;
        anyhow::ensure!(output.status.success(), "worker-build failed ({})", output.status);
    }
    let build = tools::root().join("worker/build");
    let wasm = find_wasm(&build.join("index"))
        .or_else(|| find_wasm(&build))
        .context("worker-build produced no .wasm under worker/build")?;
    strip_function_names(&wasm)?;
    write_sizes("workers bundle", &[wasm.clone(), build.join("index.js")], out)?;
    let wasm = sizes(&wasm)?;
    writeln!(
        out,
        "  budget: {} of {EDGE_BUDGET_GZIP} bytes gzip for the wasm ({:.0}%)",
        wasm.gzip,
        percent(wasm.gzip, EDGE_BUDGET_GZIP)
    )?;
    Ok(wasm)
}

fn find_wasm(dir: &Path) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
}

/// Where the Workers wasm's function names are kept when the shipped one loses them.
pub const EDGE_NAMES: &str = "target/edge/index_bg.names.wasm";

/// worker-build keeps the wasm's `name` section (function names, for stack traces): 418 KB
/// of the 2.1 MB, a seventh of the gzip every isolate loads on a cold start. The shipped
/// wasm goes without it; the named one is kept at [`EDGE_NAMES`] (same function indices), so
/// a trace's `wasm-function[N]` can be named from it. A panic's message and location come
/// from the panic hook either way.
fn strip_function_names(wasm: &Path) -> Result<()> {
    let named = tools::root().join(EDGE_NAMES);
    fs::create_dir_all(named.parent().context("a folder")?).context("creating target/edge")?;
    fs::copy(wasm, &named).with_context(|| format!("keeping {}", named.display()))?;
    // The features worker-build enables, so binaryen reads and writes the same encoding.
    let features = [
        "mutable-globals",
        "sign-ext",
        "nontrapping-float-to-int",
        "bulk-memory",
        "multivalue",
        "reference-types",
        "exception-handling",
    ];
    tools::run(
        Command::new(tools::npm_bin("wasm-opt"))
            .args(features.iter().map(|feature| format!("--enable-{feature}")))
            .arg("--strip-debug")
            .arg(&named)
            .arg("-o")
            .arg(wasm),
    )
}

/// Renders every widget screen from fixtures (widget-view's feature `gallery`), as the
/// worker renders it, into `target/widget-gallery/`: static pages for the screenshot test.
pub fn gallery() -> Result<PathBuf> {
    let out = tools::root().join("target/widget-gallery");
    fs::create_dir_all(&out).context("creating target/widget-gallery")?;
    fs::copy(tools::root().join("www").join(STYLESHEET), out.join(STYLESHEET)).context("copying www/widget.css")?;
    // `--workspace` so that it builds with the features the native tests built.
    tools::run(cargo().args(["test", "--workspace", "--test", "gallery_renders"]).env("GALLERY_DIR", &out))?;
    Ok(out)
}
