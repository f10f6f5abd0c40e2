//! The Salesforce package (`salesforce/`, Salesforce DX source) agrees with the worker and
//! with Salesforce's Metadata API: every custom field the worker writes is defined (and
//! readable through the permission set), the canvas posts to the worker's canvas path,
//! OAuth asks the scopes the worker asks and calls back where the worker listens, the Aura
//! wrapper passes the record id to the canvas app the package defines; every enumerated
//! value is one the Metadata API documents, what may not be packaged is outside the
//! package's directory, and the namespace is the same everywhere.

use aurora_crm_worker::crm::salesforce::{SCOPES, fields};
use std::path::{Path, PathBuf};

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../salesforce")
}

fn package() -> PathBuf {
    project().join("force-app/main/default")
}

/// The global OAuth settings: outside the packaged directory.
const GLOBAL_OAUTH: &str =
    "unpackaged/extlClntAppGlobalOauthSets/Aurora_Solar_for_CRMs_glbloauth.ecaGlblOauth-meta.xml";

fn read(relative: &str) -> String {
    let path = package().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of `tag` children of the document's root element.
fn values(xml: &str, tag: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(xml).expect("well-formed XML");
    assert_eq!(document.root_element().tag_name().namespace(), Some("http://soap.sforce.com/2006/04/metadata"));
    document
        .descendants()
        .filter(|n| n.has_tag_name(tag))
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect()
}

#[test]
fn every_field_the_worker_writes_is_in_the_package_and_the_permission_set() {
    let permissions = values(&read("permissionsets/Aurora_Solar_User.permissionset-meta.xml"), "field");
    for field in fields::ALL {
        let definition = read(&format!("objects/Opportunity/fields/{field}.field-meta.xml"));
        assert_eq!(values(&definition, "fullName"), [field]);
        let kind = values(&definition, "type").pop().expect("a type");
        let expected = match field {
            fields::SYSTEM_SIZE_KW | fields::ANNUAL_PRODUCTION_KWH => "Number",
            fields::OFFSET_PERCENT => "Percent",
            fields::PROJECT_URL => "Url",
            fields::SYSTEM_PRICE => "Currency",
            _ => "Text",
        };
        assert_eq!(kind, expected, "{field}");
        assert!(permissions.contains(&format!("Opportunity.{field}")), "{field} is not in the permission set");
    }
    let defined = std::fs::read_dir(package().join("objects/Opportunity/fields")).expect("fields").count();
    assert_eq!(defined, fields::ALL.len(), "a field the worker does not write");
}

#[test]
fn the_canvas_and_oauth_settings_point_at_the_worker() {
    let canvas = read("extlClntAppCanvasSettings/Aurora_Solar_for_CRMs_canvas.ecaCanvas-meta.xml");
    assert_eq!(values(&canvas, "accessMethod"), ["Post"], "a signed request, admin pre-authorized");
    let url = values(&canvas, "canvasUrl").pop().expect("canvasUrl");
    assert!(url.starts_with("https://") && url.ends_with("/embed/salesforce"), "{url}");

    let global = std::fs::read_to_string(project().join(GLOBAL_OAUTH)).expect("the global OAuth settings");
    let callback = values(&global, "callbackUrl").pop().expect("callbackUrl");
    assert!(callback.ends_with("/install/salesforce/callback"), "{callback}");
    assert_eq!(callback.trim_end_matches("/install/salesforce/callback"), url.trim_end_matches("/embed/salesforce"));
    assert_eq!(values(&global, "isPkceRequired"), ["true"]);

    let oauth = read("extlClntAppOauthSettings/Aurora_Solar_for_CRMs_oauth.ecaOauth-meta.xml");
    let scopes = values(&oauth, "commaSeparatedOauthScopes").pop().expect("scopes");
    // Metadata names scopes in CamelCase; the authorize URL in snake case.
    let metadata: Vec<String> = scopes.split(',').map(|s| s.trim().to_owned()).collect();
    let asked: Vec<String> =
        SCOPES.split(' ').map(|s| s.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect::<String>()).collect();
    assert_eq!(metadata, asked);
    for setting in [canvas, global, oauth] {
        assert_eq!(values(&setting, "externalClientApplication"), ["Aurora_Solar_for_CRMs"]);
    }
}

#[test]
fn the_aura_wrapper_passes_the_record_id_to_the_packaged_canvas() {
    // Aura markup uses `aura:` and `force:` prefixes it never declares: not XML a parser
    // takes, so its tags are read as text.
    let component = read("aura/AuroraSolarCanvas/AuroraSolarCanvas.cmp");
    let implements = attribute(&component, "aura:component", "implements");
    assert!(implements.contains("force:hasRecordId") && implements.contains("flexipage:availableForRecordHome"));
    assert_eq!(attribute(&component, "force:canvasApp", "developerName"), "Aurora_Solar_for_CRMs");
    assert_eq!(attribute(&component, "force:canvasApp", "parameters"), "{!v.canvasParameters}");
    let controller = read("aura/AuroraSolarCanvas/AuroraSolarCanvasController.js");
    assert!(controller.contains(r#"JSON.stringify({ recordId: cmp.get("v.recordId") })"#), "{controller}");
    assert!(package().join("externalClientApps/Aurora_Solar_for_CRMs.eca-meta.xml").exists());
}

/// The value of `name` in the first `<tag ...>` of `markup`.
fn attribute(markup: &str, tag: &str, name: &str) -> String {
    let start = markup.find(&format!("<{tag}")).unwrap_or_else(|| panic!("no <{tag}>"));
    let element = &markup[start..start + markup[start..].find('>').expect("a closed tag")];
    let at = element.find(&format!(" {name}=\"")).unwrap_or_else(|| panic!("<{tag}> has no {name}")) + name.len() + 3;
    element[at..at + element[at..].find('"').expect("a closing quote")].to_owned()
}

/// The package deploys and packages as the Metadata API documents it: the local
/// Salesforce's own check (enumerated values against the documented lists, nothing
/// unpackageable in a packaged directory, the canvas wrapper's namespace), which its
/// AppExchange runs before offering the package.
#[test]
fn the_package_passes_the_checks_salesforce_makes() {
    assert_eq!(sandbox::salesforce::package::problems(&project()), Vec::<String>::new());
}

/// "These settings include private and sensitive OAuth consumer information that can't be
/// packaged and must not be added to source control" (ExtlClntAppGlobalOauthSettings): they
/// live in the project's unpackaged directory, with only the example host.
#[test]
fn the_global_oauth_settings_are_unpackaged_with_the_example_host() {
    let sfdx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project().join("sfdx-project.json")).expect("sfdx-project.json"))
            .expect("JSON");
    let directories = sfdx["packageDirectories"].as_array().expect("packageDirectories");
    let unpackaged: Vec<&str> =
        directories.iter().filter(|d| d.get("package").is_none()).filter_map(|d| d["path"].as_str()).collect();
    assert!(GLOBAL_OAUTH.starts_with(&format!("{}/", unpackaged.first().expect("an unpackaged directory"))));
    let global = std::fs::read_to_string(project().join(GLOBAL_OAUTH)).expect("the global OAuth settings");
    assert!(values(&global, "callbackUrl").iter().all(|url| url.contains("aurora-crm.example.com")), "a real host");
}

/// The worker's `SALESFORCE_NAMESPACE` takes the project's namespace (the wrapper's is
/// checked above) and prefixes the fields with it.
#[test]
fn the_worker_prefixes_the_fields_with_the_projects_namespace() {
    let sfdx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project().join("sfdx-project.json")).expect("sfdx-project.json"))
            .expect("JSON");
    let namespace = sfdx["namespace"].as_str().unwrap_or_default();
    let prefix = aurora_crm_worker::crm::salesforce::settings::field_prefix(namespace).expect("a valid namespace");
    assert_eq!(prefix, if namespace.is_empty() { String::new() } else { format!("{namespace}__") });
}
