//! The module graph of a crate, from its source (parsed with `syn`), and the cycles in it.
//!
//! A module depends on another when its non-test code names it: `use crate::a::b`,
//! `super::x`, or a path such as `crate::a::f()`. Re-exports are seen through: an item a
//! module re-exports (`pub use child::Item`) belongs to the module that defines it, so
//! naming `super::Item` depends on that child, not on the facade. Declaring a child module
//! is not a dependency (every parent declares its children), and code inside
//! `#[cfg(test)]` is left out. ARCHITECTURE.md states that the
//! worker, the sandbox and the widget have no import cycle; the test below holds them to it.

use anyhow::{Context, Result};
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};
use syn::visit::Visit;

/// Module path (`jobs::aurora_event`, or `` for the crate root) -> the modules it uses.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every `.rs` file under `src` as a module path: `a.rs` and `a/mod.rs` are `a`, `a/b.rs` is
/// `a::b`; `lib.rs` and `main.rs` are the root.
fn modules(src: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src)?.with_extension("");
            let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|last| ["lib", "main", "mod"].contains(&last.as_str())) {
                parts.pop();
            }
            found.insert(parts.join("::"), path);
        }
    }
    Ok(found)
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr.meta.require_list().is_ok_and(|list| list.tokens.to_string().contains("test"))
    })
}

/// The paths a file names, as segment lists (`crate`/`super`/`self` kept as they are).
#[derive(Default)]
struct Names {
    paths: Vec<Vec<String>>,
    /// What its `pub use` items make visible: the name, and the path it stands for.
    reexports: Vec<(String, Vec<String>)>,
}

impl Names {
    /// The paths of one `use` tree, with the names they bring in.
    fn use_tree(prefix: &mut Vec<String>, tree: &syn::UseTree, found: &mut Vec<(String, Vec<String>)>) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                Self::use_tree(prefix, &path.tree, found);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                found.push((name.ident.to_string(), [prefix.clone(), vec![name.ident.to_string()]].concat()));
            }
            syn::UseTree::Rename(rename) => {
                found.push((rename.rename.to_string(), [prefix.clone(), vec![rename.ident.to_string()]].concat()));
            }
            syn::UseTree::Glob(_) => found.push((String::new(), prefix.clone())),
            syn::UseTree::Group(group) => group.items.iter().for_each(|item| Self::use_tree(prefix, item, found)),
        }
    }
}

impl<'ast> Visit<'ast> for Names {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        if is_test_only(&item.attrs) {
            return;
        }
        let mut found = Vec::new();
        Names::use_tree(&mut Vec::new(), &item.tree, &mut found);
        self.paths.extend(found.iter().map(|(_, path)| path.clone()));
        if matches!(item.vis, syn::Visibility::Public(_) | syn::Visibility::Restricted(_)) {
            self.reexports.extend(found.into_iter().filter(|(name, _)| !name.is_empty()));
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.first().is_some_and(|s| s == "crate" || s == "super") {
            self.paths.push(segments);
        }
        syn::visit::visit_path(self, path);
    }
}

/// Module -> the names it re-exports -> the module that defines each.
type Reexports = BTreeMap<String, BTreeMap<String, String>>;

/// `path` as written in `module`, made absolute (segments from the crate root), or `None`
/// for a path into another crate. `relative` allows paths that start with a child's name,
/// as `use` trees may.
fn absolute(module: &str, path: &[String], relative: bool) -> Option<Vec<String>> {
    let mut absolute: Vec<String> =
        if module.is_empty() { Vec::new() } else { module.split("::").map(str::to_owned).collect() };
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            absolute.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                absolute.pop();
                rest = &rest[1..];
            }
        }
        Some("self") => rest = &rest[1..],
        _ if relative => {}
        _ => return None,
    }
    absolute.extend(rest.iter().cloned());
    Some(absolute)
}

/// The module that defines what `path` names: its longest module prefix, seen through that
/// module's re-exports.
fn target(path: &[String], modules: &BTreeMap<String, PathBuf>, reexports: &Reexports) -> Option<String> {
    let n = (0..=path.len()).rev().find(|n| modules.contains_key(&path[..*n].join("::")))?;
    let module = path[..n].join("::");
    let through = path.get(n).and_then(|item| reexports.get(&module)?.get(item));
    Some(through.cloned().unwrap_or(module))
}

/// The module graph of the crate whose sources are in `src`.
pub fn graph(src: &Path) -> Result<Graph> {
    let modules = modules(src)?;
    let mut named = BTreeMap::new();
    for (module, path) in &modules {
        let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
        let file = syn::parse_file(&text).with_context(|| format!("parsing {}", path.display()))?;
        let mut names = Names::default();
        names.visit_file(&file);
        named.insert(module.clone(), names);
    }
    let mut reexports = Reexports::new();
    for (module, names) in &named {
        let defined = names.reexports.iter().filter_map(|(name, path)| {
            let target = target(&absolute(module, path, true)?, &modules, &Reexports::new())?;
            (target != *module).then(|| (name.clone(), target))
        });
        reexports.insert(module.clone(), defined.collect());
    }
    let mut graph = Graph::new();
    for (module, names) in &named {
        let within = |target: &str| target == module || target.starts_with(&format!("{module}::"));
        let uses = names
            .paths
            .iter()
            .filter_map(|path| target(&absolute(module, path, false)?, &modules, &reexports))
            .filter(|target| !module.is_empty() && !within(target))
            .collect();
        graph.insert(module.clone(), uses);
    }
    Ok(graph)
}

/// The cycles of `graph`: its strongly connected components of more than one module
/// (Tarjan's algorithm).
pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !tarjan.index.contains_key(v.as_str()) {
            tarjan.visit(v);
        }
    }
    tarjan.found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
    }

    #[test]
    fn the_worker_the_sandbox_and_the_widget_have_no_module_cycle() {
        for src in ["worker/src", "sandbox/src", "src"] {
            let graph = graph(&workspace(src)).expect("parsed");
            assert!(graph.len() > 10, "{src}: found its modules");
            assert_eq!(cycles(&graph), Vec::<Vec<String>>::new(), "{src} has import cycles");
        }
    }

    #[test]
    fn a_cycle_through_crate_super_and_a_reexport_is_found() {
        let dir = std::env::temp_dir().join(format!("module-graph-{}", std::process::id()));
        let files = [
            ("lib.rs", "mod a; mod b; mod c;"),
            ("a.rs", "use crate::b::thing; pub fn f() {}"),
            ("b.rs", "pub mod inner; pub use inner::thing;"),
            ("b/inner.rs", "pub fn thing() { super::super::c::g(); }"),
            ("c.rs", "pub fn g() { crate::a::f(); } #[cfg(test)] mod tests { use crate::b; }"),
        ];
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
        }
        let graph = graph(&dir).expect("parsed");
        let cycle: Vec<String> = ["a", "b::inner", "c"].into_iter().map(String::from).collect();
        assert_eq!(cycles(&graph), vec![cycle]);
        assert!(graph["a"].contains("b::inner"), "a re-export is seen through: {graph:?}");
        assert!(!graph["c"].contains("b"), "test code is left out");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
