//! The workspace's test executables, built once by cargo and then run directly: the suites
//! that start a system run side by side, and a test binary run by itself holds no cargo
//! lock (several `cargo test` at once would wait for each other's build lock).

use crate::tools::{self, cargo};
use anyhow::{Context, Result, bail};
use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Command, Stdio},
};

/// One test target's executable and the folder cargo runs it in (its package's).
#[derive(Debug, Clone)]
struct Executable {
    path: PathBuf,
    package_dir: PathBuf,
}

/// The workspace's test executables: integration tests by package and target name
/// (`e2e`/`journey`, `conformance`/`chaos`), and every one (unit tests too) in build order.
pub struct TestBinaries {
    by_target: HashMap<(String, String), Executable>,
    every: Vec<(String, Executable)>,
}

impl TestBinaries {
    /// Builds every test target of the workspace with the feature set `cargo test
    /// --workspace` uses (so nothing is rebuilt after it), and lists their executables.
    pub fn build() -> Result<Self> {
        let mut command = cargo();
        command
            .args(["test", "--workspace", "--no-run", "--message-format", "json-render-diagnostics"])
            .stdout(Stdio::piped());
        println!("$ {}", tools::describe(&command));
        let mut child = command.spawn().context("starting cargo test --no-run")?;
        let (mut by_target, mut every) = (HashMap::new(), Vec::new());
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines() {
                let Ok(message) = serde_json::from_str::<serde_json::Value>(&line?) else { continue };
                if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
                    continue;
                }
                // Integration tests (`tests/*.rs`) are found by name: a package's library has
                // a test target of the same name as its test file may have.
                let integration =
                    message["target"]["kind"].as_array().is_some_and(|kinds| kinds.iter().any(|k| k == "test"));
                let (Some(path), Some(manifest), Some(name), Some(package)) = (
                    message["executable"].as_str(),
                    message["manifest_path"].as_str(),
                    message["target"]["name"].as_str(),
                    message["package_id"].as_str(),
                ) else {
                    continue;
                };
                let package_dir = PathBuf::from(manifest).parent().map(PathBuf::from).unwrap_or_default();
                let package = package_name(package, &package_dir);
                let executable = Executable { path: PathBuf::from(path), package_dir };
                let kind = if integration { "tests" } else { "unit tests" };
                every.push((format!("{package} {kind} {name}"), executable.clone()));
                if integration {
                    by_target.insert((package, name.to_owned()), executable);
                }
            }
        }
        if !child.wait()?.success() {
            bail!("building the test executables failed (see above)");
        }
        Ok(TestBinaries { by_target, every })
    }

    /// Every test executable (what `cargo test --workspace` runs, doctests aside), each with
    /// a name (`package kind target`) and a command that runs it as cargo would.
    pub fn every(&self) -> impl Iterator<Item = (&str, Command)> {
        self.every.iter().map(|(name, executable)| (name.as_str(), executable.command()))
    }

    /// A command that runs `package`'s test target `target` as `cargo test` would (in its
    /// package's folder).
    pub fn command(&self, package: &str, target: &str) -> Result<Command> {
        let executable = self
            .by_target
            .get(&(package.to_owned(), target.to_owned()))
            .with_context(|| format!("no test target `{target}` in package `{package}`"))?;
        Ok(executable.command())
    }
}

impl Executable {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.path);
        command.current_dir(&self.package_dir);
        command
    }
}

/// A package's name from cargo's package id: `path+file:///…/tests/e2e#0.1.0` (the folder's
/// name, unless the id says `#name@version`) or `name 0.1.0 (path+…)` (older cargo).
fn package_name(id: &str, dir: &std::path::Path) -> String {
    if let Some((_, fragment)) = id.rsplit_once('#') {
        if let Some((name, _)) = fragment.split_once('@') {
            return name.to_owned();
        }
        return dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    }
    id.split(' ').next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::package_name;
    use std::path::Path;

    #[test]
    fn reads_package_names_from_cargos_ids() {
        let dir = Path::new("/r/tests/e2e");
        assert_eq!(package_name("path+file:///r/tests/e2e#0.1.0", dir), "e2e");
        assert_eq!(package_name("path+file:///r/worker#aurora-crm-worker@0.1.0", dir), "aurora-crm-worker");
        assert_eq!(package_name("e2e 0.1.0 (path+file:///r/tests/e2e)", dir), "e2e");
    }
}
