//! Tidy: what ARCHITECTURE.md says of the code, checked against the code (in the spirit of
//! rust-analyzer's `xtask/src/tidy.rs`). Each check reads the worker's production code as
//! `syn` parses it (comments and `#[cfg(test)]` items left out) or the repository's text:
//!
//! - a CRM is its folder: no CRM's name in `worker/src` outside `crm/<name>`, but for the
//!   one enum (`ids.rs`) and the registration (`crm.rs`);
//! - all SQL on our tables lives in `storage/`;
//! - `cfg(target_arch)` only in `hosts/` (and the binary's entry, `main.rs`);
//! - the worker's top-level modules use only the layers below them, as the layering in
//!   ARCHITECTURE.md lists them;
//! - every path ARCHITECTURE.md names exists;
//! - no comment cites an issue, a review or a file outside the repository: comments say
//!   the requirement.

use anyhow::{Context, Result};
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// Every CRM, by the name its folder has (`worker/src/crm/<name>`), and how its name shows
/// in code.
const CRMS: [(&str, &[&str]); 4] = [
    ("demo", &["crm::demo", "demo::", "\"demo\""]),
    ("salesforce", &["salesforce"]),
    ("pipedrive", &["pipedrive"]),
    ("hubspot", &["hubspot"]),
];

/// Where a CRM's name belongs outside its folder: the one list of CRMs and the registration.
const CRM_REGISTRY: [&str; 2] = ["ids.rs", "crm.rs"];

/// Names that stay because changing them would change history, with why.
const CRM_NAMES_ALLOWED: [(&str, &str); 1] = [
    // A migration's file name is its identity in every database it was applied to (D1
    // records it): renaming it would apply it again.
    ("storage.rs", "0010_salesforce.sql"),
];

/// The production code of a Rust file: parsed, with `#[cfg(test)]` items and doc comments
/// left out, printed back as tokens (string literals as written).
fn production_code(text: &str) -> Result<String> {
    use quote::ToTokens;
    use syn::visit_mut::VisitMut;
    struct Strip;
    impl VisitMut for Strip {
        fn visit_file_mut(&mut self, file: &mut syn::File) {
            file.items.retain(|item| !is_test_only(item));
            syn::visit_mut::visit_file_mut(self, file);
        }
        fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
            if let Some((_, items)) = &mut module.content {
                items.retain(|item| !is_test_only(item));
            }
            syn::visit_mut::visit_item_mod_mut(self, module);
        }
        fn visit_attribute_mut(&mut self, attribute: &mut syn::Attribute) {
            if attribute.path().is_ident("doc") {
                attribute.meta = syn::parse_quote!(doc = "");
            }
        }
    }
    let mut file = syn::parse_file(text)?;
    Strip.visit_file_mut(&mut file);
    Ok(file.to_token_stream().to_string())
}

/// `code` without whitespace: `crate :: a :: B` reads `crate::a::B`.
fn compact(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

fn is_test_only(item: &syn::Item) -> bool {
    let attributes = match item {
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Struct(item) => &item.attrs,
        syn::Item::Const(item) => &item.attrs,
        _ => return false,
    };
    attributes.iter().any(|attribute| {
        attribute.path().is_ident("cfg")
            && attribute.meta.require_list().is_ok_and(|list| list.tokens.to_string().contains("test"))
    })
}

/// Every `.rs` file under `dir`, relative to it.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).with_context(|| folder.display().to_string())? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if path.is_dir() {
                if !["target", "node_modules", ".git", ".tools", "dist"].contains(&name.as_str()) {
                    pending.push(path);
                }
            } else if name.ends_with(".rs") {
                found.push(path.strip_prefix(dir)?.to_path_buf());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The worker's production code, by path relative to `worker/src` (`crm/demo.rs`).
fn worker_code(root: &Path) -> Result<BTreeMap<String, String>> {
    let src = root.join("worker/src");
    rust_files(&src)?
        .into_iter()
        .map(|relative| {
            let text = std::fs::read_to_string(src.join(&relative))?;
            let code = production_code(&text).with_context(|| format!("parsing {}", relative.display()))?;
            Ok((relative.to_string_lossy().replace('\\', "/"), code))
        })
        .collect()
}

/// `file: what` for each CRM name in a worker file outside that CRM's folder.
fn crm_names_outside_their_folder(code: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    for (file, text) in code {
        if CRM_REGISTRY.contains(&file.as_str()) {
            continue;
        }
        let mut lower = compact(text).to_lowercase();
        for (allowed_file, name) in CRM_NAMES_ALLOWED {
            if file == allowed_file {
                lower = lower.replace(name, "");
            }
        }
        for (crm, spellings) in CRMS {
            let own = file == &format!("crm/{crm}.rs") || file.starts_with(&format!("crm/{crm}/"));
            for spelling in spellings.iter().filter(|spelling| !own && lower.contains(*spelling)) {
                found.push(format!("{file}: names {crm} (`{spelling}`)"));
            }
        }
    }
    found
}

/// Our tables, from the migrations' `CREATE TABLE` statements.
fn tables(root: &Path) -> Result<BTreeSet<String>> {
    let mut tables = BTreeSet::new();
    let migrations = root.join("worker/migrations");
    for entry in std::fs::read_dir(&migrations).with_context(|| migrations.display().to_string())? {
        let sql = std::fs::read_to_string(entry?.path())?;
        let mut words = sql.split(|c: char| c.is_whitespace() || c == '(').filter(|w| !w.is_empty()).peekable();
        while let Some(word) = words.next() {
            if word.eq_ignore_ascii_case("TABLE") {
                let name = words.find(|w| !["IF", "NOT", "EXISTS"].contains(&w.to_uppercase().as_str()));
                tables.extend(name.map(|n| n.trim_matches('"').to_owned()));
            }
        }
    }
    Ok(tables)
}

/// `file: statement` for SQL on one of `tables` outside `storage/`.
fn sql_outside_storage(code: &BTreeMap<String, String>, tables: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for (file, text) in code {
        if file == "storage.rs" || file.starts_with("storage/") {
            continue;
        }
        for table in tables {
            for keyword in ["FROM", "INTO", "UPDATE", "JOIN"] {
                let statement = format!("{keyword} {table}");
                let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                let named = text.match_indices(&statement).any(|(at, _)| {
                    !word(text[..at].chars().next_back()) && !word(text[at + statement.len()..].chars().next())
                });
                if named {
                    found.push(format!("{file}: `{keyword} {table}`"));
                }
            }
        }
    }
    found
}

/// Files that name `cfg(target_arch)` outside `hosts/` and the binary's entry.
fn target_arch_outside_hosts(code: &BTreeMap<String, String>) -> Vec<String> {
    code.iter()
        .filter(|(file, text)| {
            compact(text).contains("target_arch")
                && !(file.as_str() == "hosts.rs" || file.starts_with("hosts/") || file.as_str() == "main.rs")
        })
        .map(|(file, _)| file.clone())
        .collect()
}

/// The layering ARCHITECTURE.md states: the fenced block after the `<!-- layers -->`
/// marker, one layer a line, highest first.
fn layers(architecture: &str) -> Result<Vec<Vec<String>>> {
    let after = architecture.split_once("<!-- layers -->").context("ARCHITECTURE.md has no `<!-- layers -->` block")?.1;
    let block = after.split("```").nth(1).context("the layers marker is followed by no fenced block")?;
    Ok(block
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|layer| !layer.is_empty())
        .collect())
}

/// `from -> to` for each use of a top-level module of the same or a higher layer, and each
/// top-level module the layering does not place. The crate root is where the pieces meet
/// (`AppState`, the Router's entry) and is left out.
fn layering_violations(graph: &crate::module_graph::Graph, layers: &[Vec<String>]) -> Vec<String> {
    let layer_of = |module: &str| layers.iter().position(|layer| layer.iter().any(|m| m == module));
    let top = |module: &str| module.split("::").next().unwrap_or_default().to_owned();
    let mut found = BTreeSet::new();
    for (module, uses) in graph {
        let from = top(module);
        if from.is_empty() {
            continue;
        }
        let Some(from_layer) = layer_of(&from) else {
            found.insert(format!("{from} is in no layer of ARCHITECTURE.md"));
            continue;
        };
        for to in uses.iter().map(|u| top(u)).filter(|to| !to.is_empty() && *to != from) {
            match layer_of(&to) {
                Some(to_layer) if to_layer > from_layer => {}
                Some(_) => {
                    found.insert(format!("{from} uses {to}, which is not below it"));
                }
                None => {
                    found.insert(format!("{to} is in no layer of ARCHITECTURE.md"));
                }
            }
        }
    }
    found.into_iter().collect()
}

/// Paths in `code` spans of ARCHITECTURE.md that name no file or folder: a span is a path
/// when it has a `/` or a file extension, and resolves against the repository root or one
/// of the crates' roots.
fn missing_paths(root: &Path, architecture: &str) -> Vec<String> {
    const ROOTS: [&str; 10] = [
        "",
        "worker/src",
        "worker",
        "src",
        "sandbox/src",
        "xtask/src",
        "widget-api/src",
        "aurora/src",
        "aurora",
        "tests",
    ];
    const EXTENSIONS: [&str; 9] = [".rs", ".md", ".toml", ".js", ".html", ".json", ".sql", ".ts", ".tsx"];
    let spans = architecture.split('`').skip(1).step_by(2);
    let mut missing = BTreeSet::new();
    for span in spans {
        let path = span.trim_end_matches('/');
        let looks_like_path = (path.contains('/') || EXTENSIONS.iter().any(|e| path.ends_with(e)))
            && !path.starts_with(['/', '@'])
            // Build outputs are not in a clean clone.
            && !path.starts_with("target/")
            && !path.contains(['{', '<', '*', ' ', '(', '=', ':', '#', '?', '|']);
        if looks_like_path && !ROOTS.iter().any(|base| root.join(base).join(path).exists()) {
            missing.insert(path.to_owned());
        }
    }
    missing.into_iter().collect()
}

/// Comments that cite an issue or a review instead of saying the requirement, or a file
/// outside the repository.
fn comments_citing_outside(root: &Path) -> Result<Vec<String>> {
    let lowered_needles = ["issue #", "security review", "code review", "../shared", "shared/reviews"];
    let mut found = Vec::new();
    for relative in rust_files(root)? {
        let path = root.join(&relative);
        if relative.starts_with("fuzz/target") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        for (number, line) in text.lines().enumerate() {
            let Some((_, comment)) = line.split_once("//") else { continue };
            let lower = comment.to_lowercase();
            let issue_number = lower
                .match_indices("issue ")
                .any(|(at, word)| lower[at + word.len()..].chars().next().is_some_and(|c| c.is_ascii_digit()));
            if issue_number || lowered_needles.iter().any(|needle| lower.contains(needle)) {
                found.push(format!("{}:{}: {}", relative.display(), number + 1, line.trim()));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module_graph;

    fn root() -> PathBuf {
        // `TIDY_ROOT` checks another tree (say, an older commit's worktree).
        std::env::var_os("TIDY_ROOT")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
    }

    fn architecture() -> String {
        std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md")
    }

    /// The marketplaces' icons (`listing/icons/icon-<size>.png`, rendered from
    /// `listing/icon.svg` by `listing/render-icons.sh`): each a PNG, square, as large as its
    /// name says, and every size a portal may ask for present.
    #[test]
    fn listing_icons_are_square_pngs_of_their_sizes() {
        for size in [1024_u32, 512, 256, 128, 64] {
            let path = root().join(format!("listing/icons/icon-{size}.png"));
            let png = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // The signature, then the IHDR chunk: width and height, big-endian, at 16 and 20.
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", path.display());
            assert_eq!(&png[12..16], b"IHDR", "{}", path.display());
            let dimension = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
            assert_eq!((dimension(16), dimension(20)), (size, size), "{}", path.display());
        }
    }

    #[test]
    fn a_crm_is_its_folder() {
        let found = crm_names_outside_their_folder(&worker_code(&root()).expect("parsed"));
        assert!(found.is_empty(), "a CRM's name outside its folder (worker/src/crm/<name>):\n{}", found.join("\n"));
    }

    #[test]
    fn sql_lives_in_storage() {
        let found = sql_outside_storage(&worker_code(&root()).expect("parsed"), &tables(&root()).expect("tables"));
        assert!(found.is_empty(), "SQL on our tables outside worker/src/storage:\n{}", found.join("\n"));
    }

    #[test]
    fn only_hosts_name_the_target() {
        let found = target_arch_outside_hosts(&worker_code(&root()).expect("parsed"));
        assert!(found.is_empty(), "cfg(target_arch) outside worker/src/hosts: {found:?}");
    }

    #[test]
    fn the_worker_is_layered_as_architecture_md_says() {
        let graph = module_graph::graph(&root().join("worker/src")).expect("parsed");
        let found = layering_violations(&graph, &layers(&architecture()).expect("layers"));
        assert!(found.is_empty(), "against the layering in ARCHITECTURE.md:\n{}", found.join("\n"));
    }

    #[test]
    fn every_path_architecture_md_names_exists() {
        let found = missing_paths(&root(), &architecture());
        assert!(found.is_empty(), "ARCHITECTURE.md names paths that do not exist: {found:?}");
    }

    #[test]
    fn comments_say_the_requirement_not_where_it_came_from() {
        let found = comments_citing_outside(&root()).expect("read");
        assert!(
            found.is_empty(),
            "comments citing an issue, a review or a file outside the repository:\n{}",
            found.join("\n")
        );
    }

    // The checks themselves, on code made to break them.

    fn code(files: &[(&str, &str)]) -> BTreeMap<String, String> {
        files.iter().map(|(file, text)| (file.to_string(), production_code(text).expect("parses"))).collect()
    }

    #[test]
    fn each_check_finds_what_it_is_for() {
        let broken = code(&[
            ("routes/embed.rs", "fn f() { if crm == Crm::Pipedrive { hubspot::card::answer() } }"),
            ("jobs.rs", "/// Salesforce in a comment is fine\nfn g() { let _ = \"demo\"; }"),
            ("crm/hubspot/card.rs", "fn h() { crate::crm::salesforce::x() }"),
            ("crm/hubspot.rs", "fn own() { hubspot() }"),
            ("aurora_pacing.rs", "fn p() { db.query(\"INSERT INTO aurora_pacing (k) VALUES (1)\") }"),
            ("hosts/native.rs", "fn q() { db.query(\"SELECT crm FROM installations WHERE a = 1\") }"),
            ("storage/projects.rs", "fn r() { db.query(\"SELECT * FROM projects\") }"),
            ("clock.rs", "#[cfg(target_arch = \"wasm32\")] fn now() {}"),
            ("tested.rs", "#[cfg(test)] mod tests { fn t() { Crm::Salesforce; \"SELECT * FROM projects\"; } }"),
        ]);
        let names = crm_names_outside_their_folder(&broken);
        assert_eq!(
            names,
            [
                "crm/hubspot/card.rs: names salesforce (`salesforce`)",
                "jobs.rs: names demo (`\"demo\"`)",
                "routes/embed.rs: names pipedrive (`pipedrive`)",
                "routes/embed.rs: names hubspot (`hubspot`)",
            ]
        );
        let tables = ["aurora_pacing", "installations", "projects"].map(str::to_owned).into();
        assert_eq!(
            sql_outside_storage(&broken, &tables),
            ["aurora_pacing.rs: `INTO aurora_pacing`", "hosts/native.rs: `FROM installations`"]
        );
        assert_eq!(target_arch_outside_hosts(&broken), ["clock.rs"]);

        let graph = module_graph::Graph::from([
            ("crm::hubspot::card".to_owned(), BTreeSet::from(["projects".to_owned(), "ids".to_owned()])),
            ("projects".to_owned(), BTreeSet::from(["crm".to_owned()])),
            ("newcomer".to_owned(), BTreeSet::new()),
        ]);
        let layers = layers("<!-- layers -->\n```text\nprojects\ncrm\nids\n```\n").expect("layers");
        assert_eq!(
            layering_violations(&graph, &layers),
            ["crm uses projects, which is not below it", "newcomer is in no layer of ARCHITECTURE.md"]
        );
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let missing =
            missing_paths(&here, "`worker/src/no_such.rs`, `crm/<name>`, `GET /embed/{crm}`, `xtask/src/tidy.rs`");
        assert_eq!(missing, ["worker/src/no_such.rs"]);
    }
}
