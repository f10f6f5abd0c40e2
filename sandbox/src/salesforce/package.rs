//! What the local Salesforce refuses of our package before it can be installed, as
//! `sf project deploy` and packaging would: enumerated metadata values outside the
//! documented lists, global OAuth settings inside a packaged directory ("can't be packaged
//! and must not be added to source control"), and a canvas wrapper whose `namespacePrefix`
//! is not the project's namespace. Read from the project's files (`salesforce/`), as text:
//! a stand-in's check, not a metadata parser.

use std::path::Path;

/// `ExtlClntAppDistState`'s values a package may carry
/// (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_externalclientapplication.htm).
const DISTRIBUTION_STATES: [&str; 2] = ["Local", "Packaged"];
/// `CanvasLocationOptions`
/// (https://developer.salesforce.com/docs/atlas.en-us.260.0.api_meta.meta/api_meta/meta_extlclntappcanvassettings.htm).
const CANVAS_LOCATIONS: [&str; 7] =
    ["Aura", "ChatterFeed", "MobileNav", "None", "PageLayout", "Publisher", "Visualforce"];
/// `CanvasAccessMethod` (same page).
const ACCESS_METHODS: [&str; 2] = ["Get", "Post"];

/// The texts of every `<tag>` in `xml`.
fn values<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.match_indices(&open)
        .filter_map(|(at, _)| {
            let start = at + open.len();
            xml[start..].find(&close).map(|end| xml[start..start + end].trim())
        })
        .collect()
}

/// Every file under `dir` whose name ends with `suffix`.
fn files(dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    found
}

/// What would stop the project in `dir` from deploying or packaging, in Salesforce's terms.
pub fn problems(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(project) = std::fs::read_to_string(dir.join("sfdx-project.json")) else {
        return vec![format!("{}: no sfdx-project.json", dir.display())];
    };
    let project: serde_json::Value = serde_json::from_str(&project).unwrap_or_default();
    let directories = project["packageDirectories"].as_array().cloned().unwrap_or_default();
    for directory in &directories {
        let Some(path) = directory["path"].as_str() else { continue };
        let root = dir.join(path);
        let packaged = directory.get("package").is_some();
        for file in files(&root, ".eca-meta.xml") {
            let xml = std::fs::read_to_string(&file).unwrap_or_default();
            for state in values(&xml, "distributionState") {
                if !DISTRIBUTION_STATES.contains(&state) {
                    problems.push(format!("bad value for restricted picklist field: distributionState {state}"));
                }
            }
        }
        let cmp = |f: &std::path::PathBuf| std::fs::read_to_string(f).unwrap_or_default();
        let wrapped = files(&root, ".cmp").iter().any(|f| cmp(f).contains("<force:canvasApp"));
        for file in files(&root, ".ecaCanvas-meta.xml") {
            let xml = std::fs::read_to_string(&file).unwrap_or_default();
            let locations = values(&xml, "canvasLocationOptions");
            for location in &locations {
                if !CANVAS_LOCATIONS.contains(location) {
                    problems.push(format!("bad value for restricted picklist field: canvasLocationOptions {location}"));
                }
            }
            if wrapped && !locations.contains(&"Aura") {
                problems.push("a Lightning component places the canvas, but canvasLocationOptions lacks Aura".into());
            }
            for method in values(&xml, "accessMethod") {
                if !ACCESS_METHODS.contains(&method) {
                    problems.push(format!("bad value for restricted picklist field: accessMethod {method}"));
                }
            }
        }
        if packaged && !files(&root, ".ecaGlblOauth-meta.xml").is_empty() {
            problems.push(format!("ExtlClntAppGlobalOauthSettings cannot be packaged (in {path})"));
        }
        let namespace = project["namespace"].as_str().unwrap_or_default();
        for file in files(&root, ".cmp") {
            let markup = std::fs::read_to_string(&file).unwrap_or_default();
            let prefix = markup
                .find("namespacePrefix=\"")
                .map(|at| &markup[at + 17..])
                .and_then(|rest| rest.find('"').map(|end| &rest[..end]));
            // "If your organization doesn't have a namespace prefix, then the namespacePrefix
            // attribute shouldn't be used" (apex:canvasApp reference).
            match prefix {
                Some(_) if namespace.is_empty() => {
                    problems.push("force:canvasApp has a namespacePrefix, but the project has no namespace".into());
                }
                None if !namespace.is_empty() && markup.contains("<force:canvasApp") => {
                    problems.push(format!(
                        "force:canvasApp has no namespacePrefix; the project's namespace is {namespace}"
                    ));
                }
                Some(prefix) if prefix != namespace => {
                    problems.push(format!(
                        "force:canvasApp namespacePrefix \"{prefix}\" is not the namespace \"{namespace}\""
                    ));
                }
                _ => {}
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The project as it is passes; the values the fidelity review found break it.
    #[test]
    fn the_project_passes_and_the_old_values_are_refused() {
        let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../salesforce");
        assert_eq!(problems(&project), Vec::<String>::new());

        let broken = std::env::temp_dir().join(format!("sf-package-{}", std::process::id()));
        let default = broken.join("force-app/main/default");
        for folder in ["externalClientApps", "extlClntAppCanvasSettings", "extlClntAppGlobalOauthSettings", "aura/W"] {
            std::fs::create_dir_all(default.join(folder)).expect("dirs");
        }
        let write = |file: &str, text: &str| std::fs::write(default.join(file), text).expect("write");
        std::fs::write(
            broken.join("sfdx-project.json"),
            r#"{"packageDirectories":[{"path":"force-app","package":"P"}],"namespace":""}"#,
        )
        .expect("project");
        write("externalClientApps/A.eca-meta.xml", "<distributionState>Packageable</distributionState>");
        write(
            "extlClntAppCanvasSettings/A.ecaCanvas-meta.xml",
            "<canvasLocationOptions>AuraPage</canvasLocationOptions>",
        );
        write("extlClntAppGlobalOauthSettings/A.ecaGlblOauth-meta.xml", "<callbackUrl>x</callbackUrl>");
        write("aura/W/W.cmp", r#"<force:canvasApp developerName="A" namespacePrefix="" />"#);
        let found = problems(&broken);
        // Two bad values, Aura missing for the wrapper, the packaged global settings, and a
        // namespacePrefix without a namespace.
        assert_eq!(found.len(), 5, "{found:?}");
        let _ = std::fs::remove_dir_all(&broken);
    }
}
