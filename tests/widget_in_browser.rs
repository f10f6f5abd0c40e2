//! The widget's screens in headless Chromium (wasm-bindgen-test): each rendered from
//! fixtures as the worker renders it, put on a page with the widget's stylesheet, and
//! checked for what a rep reads and what each button asks the widget for (the widget's own
//! reading of them, `page::action_of`); then the widget's page module over the page's
//! templates, and its reader of the worker's answers.
#![cfg(target_arch = "wasm32")]

use aurora_crm_widget::{
    decode::{DecodeError, decode},
    page::{self, Root, action_of},
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use widget_api::{
    Action, CREATING_TEMPLATE_ID, DesignView, ErrorBody, Location, Opportunity, OpportunityState, ScreenAnswer,
    SessionKeys, SessionResponse,
};
use widget_view::{
    format::Locale,
    page_templates, render_html,
    screen::{Panel, Problem, Screen},
    screen_answer,
};

wasm_bindgen_test_configure!(run_in_browser);

const SEED: &str = include_str!("../aurora/tests/fixtures/design-summary.seed.json");
const STYLESHEET: &str = include_str!("../www/widget.css");
const AURORA_URL: &str = "https://v2.aurorasolar.com/projects/3fa85f64-5717-4562-b3fc-2c963f66afa6";

/// The seed's design as the worker sends it.
fn seed_design() -> DesignView {
    let seed: aurora_api::DesignSummaryResponse = serde_json::from_str(SEED).expect("the seed parses");
    DesignView::from_summary(&seed.design, seed.design.created_at.as_ref().expect("the seed is dated"))
}

fn opportunity() -> Opportunity {
    Opportunity {
        id: "opp-1".into(),
        name: "Rivera residence".into(),
        location: Location::Address { property_address: "901 Mears Ct, Stanford, CA 94305".into() },
    }
}

fn panel(state: OpportunityState) -> Screen {
    Screen::Opportunity(Panel::of(opportunity(), state))
}

fn ready(design: DesignView) -> OpportunityState {
    OpportunityState::DesignReady { project_id: "p-1".into(), aurora_url: AURORA_URL.into(), design: Box::new(design) }
}

fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

fn document() -> web_sys::Document {
    window().document().expect("a document")
}

/// A screen as the worker renders it, in a fresh element of the page, with the widget's
/// styles.
struct Mounted {
    host: web_sys::HtmlElement,
}

async fn mount(screen: Screen) -> Mounted {
    let document = document();
    if document.get_element_by_id("widget-css").is_none() {
        let style = document.create_element("style").expect("style");
        style.set_id("widget-css");
        style.set_text_content(Some(STYLESHEET));
        document.head().expect("head").append_child(&style).expect("append style");
    }
    let host: web_sys::HtmlElement = document.create_element("main").expect("main").unchecked_into();
    document.body().expect("body").append_child(&host).expect("append");
    host.set_class_name("aurora-widget");
    host.set_inner_html(&render_html(screen, Locale::EN_US));
    Mounted { host }
}

impl Mounted {
    fn find(&self, selector: &str) -> Option<web_sys::Element> {
        self.host.query_selector(selector).expect("valid selector")
    }

    fn all(&self, selector: &str) -> Vec<web_sys::Element> {
        let list = self.host.query_selector_all(selector).expect("valid selector");
        (0..list.length()).filter_map(|i| list.item(i)).map(|n| n.unchecked_into()).collect()
    }

    fn text(&self, testid: &str) -> String {
        self.find(&format!("[data-testid={testid}]"))
            .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
            .text_content()
            .unwrap_or_default()
    }

    /// A fact's value (`<dd>`) by its test id.
    /// A fact's value as a person reads it (a unit bound to its number by a no-break
    /// space reads as one space).
    fn fact(&self, testid: &str) -> String {
        self.find(&format!("[data-testid={testid}] dd"))
            .unwrap_or_else(|| panic!("no fact {testid}"))
            .text_content()
            .unwrap_or_default()
            .replace('\u{a0}', " ")
    }

    fn all_text(&self) -> String {
        self.host.text_content().unwrap_or_default()
    }
}

#[wasm_bindgen_test]
async fn no_project_shows_the_site_and_a_button_that_creates() {
    let m = mount(panel(OpportunityState::NoProject)).await;
    assert!(m.find("h1, h2").is_none(), "the CRM names the record, not the widget");
    assert_eq!(m.text("opportunity-location"), "901 Mears Ct, Stanford, CA 94305");
    let button: web_sys::HtmlButtonElement =
        m.find("button[data-testid=create-project]").expect("button").unchecked_into();
    assert_eq!(button.text_content().unwrap_or_default().trim(), "Create Aurora Project");
    assert!(!button.disabled());
    assert_eq!(button.type_(), "button", "a real button: focusable, Enter and Space press it");
    assert_eq!(action_of(&button), Some(Action::CreateProject));
}

#[wasm_bindgen_test]
async fn coordinates_are_shown_when_there_is_no_address() {
    let mut screen = panel(OpportunityState::NoProject);
    if let Screen::Opportunity(p) = &mut screen {
        p.opportunity.location = Location::Coordinates { latitude: 37.7796, longitude: -122.3953 };
    }
    let m = mount(screen).await;
    assert_eq!(m.text("opportunity-location"), "37.77960° N, 122.39530° W");
}

#[wasm_bindgen_test]
async fn creating_keeps_the_button_in_place_disabled_with_progress() {
    for screen in [panel(OpportunityState::Creating), {
        let mut s = panel(OpportunityState::NoProject);
        if let Screen::Opportunity(p) = &mut s {
            p.creating = true;
        }
        s
    }] {
        let m = mount(screen).await;
        let button: web_sys::HtmlButtonElement =
            m.find("[data-testid=create-project]").expect("button").unchecked_into();
        assert!(button.disabled());
        assert_eq!(button.text_content().unwrap_or_default(), "Creating Aurora Project…");
        assert_eq!(action_of(&button), None, "no second create");
        assert!(m.find("progress").is_some());
    }
}

#[wasm_bindgen_test]
async fn awaiting_design_says_what_happens_next_and_links_to_aurora() {
    let m = mount(panel(OpportunityState::AwaitingDesign { project_id: "p-1".into(), aurora_url: AURORA_URL.into() }))
        .await;
    assert!(m.text("state-awaiting-design").contains("the summary appears here by itself"));
    let link = m.find("a[data-testid=open-in-aurora]").expect("link");
    assert_eq!(link.get_attribute("href").as_deref(), Some(AURORA_URL));
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(link.get_attribute("rel").as_deref(), Some("noopener noreferrer"));
}

#[wasm_bindgen_test]
async fn the_seed_design_reads_in_units_a_rep_knows() {
    let m = mount(panel(ready(seed_design()))).await;
    assert_eq!(m.fact("size-stc"), "6.5 kW");
    assert_eq!(m.fact("size-ac"), "5 kW AC");
    assert_eq!(m.fact("size-ptc"), "6 kW DC");
    assert_eq!(m.fact("annual-production"), "2,550 kWh");
    assert_eq!(m.fact("offset"), "87%");

    let bars = m.all("[data-testid=chart-bar]");
    assert_eq!(bars.len(), 12);
    assert_eq!(row(&m, 0), ["January", "150 kWh"]);
    assert_eq!(row(&m, 6), ["July", "300 kWh"]);
    assert_eq!(m.text("production-summary"), "2,550 kWh a year; most in July (300 kWh), least in March (150 kWh).");
    let months: String = m.all(".bar-month").iter().map(|t| t.text_content().unwrap_or_default()).collect();
    assert_eq!(months, "JFMAMJJASOND");
    // July is the tallest bar, April shorter, by the numbers.
    let height = |i: usize| bars[i].query_selector("rect").ok().flatten().and_then(|r| r.get_attribute("height"));
    assert_eq!(height(6).as_deref(), Some("114"));
    assert_eq!(height(3).as_deref(), Some("76"));
    assert_eq!(m.all("[data-testid=production-table] tbody tr").len(), 12);

    assert_eq!(m.all("[data-testid=array]").len(), 1);
    assert_eq!(m.fact("array-azimuth"), "W (271.6°)");
    assert_eq!(m.fact("array-pitch"), "20.3°");
    assert_eq!(m.fact("array-modules"), "11 × Aurora Sample Solar Panel (300.3 W)");
    assert_eq!(m.fact("array-orientation"), "landscape");
    assert_eq!(m.fact("array-microinverters"), "11 × Aurora Sample Microinverter");
    assert_eq!(m.fact("array-optimizers"), "11 × Aurora Sample DC Optimizer");
    assert_eq!(m.fact("array-mount"), "Ground");
    assert_eq!(m.fact("array-solar-access"), "87.3%");
    assert_eq!(m.fact("array-tsrf"), "87.3%");

    assert!(m.text("string-inverters").contains("Aurora Sample String Inverter · 42 kW"));
    let storage = m.text("storage");
    assert!(storage.contains("Aurora Sample Storage Inverter · 5.8 kW"), "{storage}");
    assert!(storage.contains("Aurora Sample Battery · integrated inverter"), "{storage}");
    assert_eq!(m.fact("storage-mode"), "backup");

    let rows = m.all("[data-testid=bom-item]");
    assert_eq!(rows.len(), 1);
    let cells: Vec<String> =
        m.all("[data-testid=bom-item] td").iter().map(|c| c.text_content().unwrap_or_default()).collect();
    assert_eq!(cells, ["1", "Aurora Sample Solar PanelAurora Sample Manufacturer", "Modules", "–"]);

    assert_eq!(m.text("designed-on"), "Designed Jun 21, 2024");
    assert_eq!(
        m.find("[data-testid=open-in-aurora]").and_then(|a| a.get_attribute("href")).as_deref(),
        Some(AURORA_URL)
    );
}

/// The chart is for the eye: a screen reader gets its summary and the table, and the
/// keyboard passes it in one stop (the table's), not twelve.
#[wasm_bindgen_test]
async fn the_chart_reads_as_its_summary_and_takes_one_tab_stop() {
    let m = mount(panel(ready(seed_design()))).await;
    let chart = m.find("[data-testid=production-chart]").expect("a chart");
    assert_eq!(chart.get_attribute("aria-describedby").as_deref(), Some("production-summary"));
    let svg = chart.query_selector("svg").expect("selector").expect("the drawing");
    assert_eq!(svg.get_attribute("aria-hidden").as_deref(), Some("true"));
    let stops = chart.query_selector_all("[tabindex], a, button, summary").expect("selector").length();
    assert_eq!(stops, 1, "the table's summary only");
}

#[wasm_bindgen_test]
async fn a_design_without_production_storage_or_sku_still_reads_sensibly() {
    let mut design = seed_design();
    design.production = None;
    design.batteries.clear();
    design.storage_inverters.clear();
    design.storage_mode = None;
    design.string_inverters.clear();
    design.arrays[0].solar_access_percent = None;
    let m = mount(panel(ready(design))).await;
    assert_eq!(m.fact("annual-production"), "Not simulated yet");
    assert_eq!(m.fact("offset"), "–");
    assert!(m.find("[data-testid=production-chart]").is_none());
    assert!(m.find("[data-testid=no-production]").is_some());
    assert_eq!(m.text("storage"), "No battery storage in this design.");
    assert_eq!(m.fact("array-solar-access"), "–");
    let text = m.all_text();
    for bad in ["undefined", "null", "NaN"] {
        assert!(!text.contains(bad), "`{bad}` in: {text}");
    }
}

#[wasm_bindgen_test]
async fn what_aurora_left_out_of_a_design_reads_as_a_dash_and_the_rest_is_shown() {
    let mut design = seed_design();
    design.system_size_ptc = None;
    design.arrays[0].module_count = None;
    design.arrays[0].azimuth = None;
    design.bill_of_materials[0].quantity = None;
    design.bill_of_materials[0].kind = None;
    design.batteries[0].name = None;
    let production = design.production.as_mut().expect("production");
    production.monthly = vec![Some(aurora_api::KilowattHours(150.0)), None, Some(aurora_api::KilowattHours(300.0))];
    let m = mount(panel(ready(design))).await;
    assert_eq!(m.fact("size-stc"), "6.5 kW");
    assert_eq!(m.fact("size-ptc"), "–");
    assert_eq!(m.fact("array-modules"), "– × Aurora Sample Solar Panel (300.3 W)");
    assert_eq!(m.fact("array-azimuth"), "–");
    assert_eq!(m.fact("array-pitch"), "20.3°");
    let cells: Vec<String> =
        m.all("[data-testid=bom-item] td").iter().map(|c| c.text_content().unwrap_or_default()).collect();
    assert_eq!(cells, ["–", "Aurora Sample Solar PanelAurora Sample Manufacturer", "–", "–"]);
    assert!(m.text("storage").contains("Battery– · integrated inverter"), "{}", m.text("storage"));
    // Twelve months are drawn whatever Aurora gave; a month it did not give reads "not given".
    let bars = m.all("[data-testid=chart-bar]");
    assert_eq!(bars.len(), 12);
    assert_eq!(row(&m, 1), ["February", "not given"]);
    assert_eq!(row(&m, 2), ["March", "300 kWh"]);
    assert_eq!(row(&m, 11), ["December", "not given"]);
    assert!(m.text("production-summary").contains("months given"), "{}", m.text("production-summary"));
    let text = m.all_text();
    for bad in ["undefined", "null", "NaN"] {
        assert!(!text.contains(bad), "`{bad}` in: {text}");
    }
}

#[wasm_bindgen_test]
async fn a_design_changed_since_its_simulation_says_so() {
    let mut design = seed_design();
    design.production.as_mut().expect("production").up_to_date = false;
    let m = mount(panel(ready(design))).await;
    assert!(m.text("outdated").contains("may be out of date"));
}

#[wasm_bindgen_test]
async fn text_from_aurora_and_the_crm_is_shown_as_text_never_as_markup() {
    let script = "<script>window.__pwned = 1</script>";
    let image = "<img src=x onerror=\"window.__pwned = 1\">";
    let mut design = seed_design();
    design.arrays[0].module_name = Some(script.into());
    design.bill_of_materials[0].name = Some(image.into());
    design.batteries[0].name = Some(image.into());
    let mut screen = panel(ready(design));
    if let Screen::Opportunity(p) = &mut screen {
        p.opportunity.location = Location::Address { property_address: image.into() };
    }
    let m = mount(screen).await;
    assert!(m.find("script").is_none() && m.find("img").is_none(), "markup was created");
    assert_eq!(m.text("opportunity-location"), image);
    assert!(m.fact("array-modules").contains(script));
    let pwned = js_sys::Reflect::get(&window(), &"__pwned".into()).expect("get");
    assert!(pwned.is_undefined());
}

#[wasm_bindgen_test]
async fn only_http_links_are_links() {
    let m = mount(panel(OpportunityState::AwaitingDesign {
        project_id: "p".into(),
        aurora_url: "javascript:alert(1)".into(),
    }))
    .await;
    assert!(m.find("a").is_none());
}

#[wasm_bindgen_test]
async fn a_failed_simulation_says_what_it_means_and_where_to_fix_it() {
    let m = mount(panel(OpportunityState::SimulationFailed {
        project_id: "p".into(),
        aurora_url: AURORA_URL.into(),
        design_id: "d".into(),
    }))
    .await;
    let text = m.text("state-simulation-failed");
    assert!(text.contains("could not simulate") && text.contains("run the simulation again"), "{text}");
    assert!(m.find("[data-testid=open-in-aurora]").is_some());
}

#[wasm_bindgen_test]
async fn reps_are_told_to_ask_an_admin_and_admins_where_to_go() {
    let m = mount(panel(OpportunityState::NotLinked)).await;
    let text = m.text("state-needs-admin");
    assert!(text.contains("Ask your CRM admin") && text.contains("link your Aurora tenant"), "{text}");
    assert!(m.find("button").is_none(), "nothing for a rep to click");

    let m = mount(panel(OpportunityState::AppDisabled)).await;
    let text = m.text("state-needs-admin");
    assert!(text.contains("Ask your Aurora admin") && text.contains("Settings, then Apps"), "{text}");
}

#[wasm_bindgen_test]
async fn a_failed_create_offers_try_again_only_when_it_may_work() {
    let failed = |retryable| OpportunityState::CreateFailed {
        code: "aurora_unavailable".into(),
        message: "Aurora Solar is not answering right now.".into(),
        retryable,
    };
    let m = mount(panel(failed(true))).await;
    assert_eq!(m.text("error-message"), "Aurora Solar is not answering right now.");
    let again = m.find("button[data-testid=retry]").expect("try again");
    assert_eq!(action_of(&again), Some(Action::CreateProject));
    assert_eq!(m.text("opportunity-location"), "901 Mears Ct, Stanford, CA 94305", "the rep still sees the site");

    let m = mount(panel(failed(false))).await;
    assert!(m.find("[data-testid=retry]").is_none());
}

#[wasm_bindgen_test]
async fn the_header_a_problem_and_the_state_read_top_to_bottom() {
    let Screen::Opportunity(mut shown) = panel(OpportunityState::NoProject) else { unreachable!("a panel") };
    shown.problem = Some(Problem { message: "The CRM did not answer.".into(), retry: None });
    let m = mount(Screen::Opportunity(shown)).await;
    let order: Vec<String> = m
        .all("[data-testid=opportunity-location], [data-testid=error], [data-testid=create-project]")
        .iter()
        .filter_map(|e| e.get_attribute("data-testid"))
        .collect();
    assert_eq!(order, ["opportunity-location", "error", "create-project"]);
}

#[wasm_bindgen_test]
async fn a_session_that_could_not_open_says_why() {
    let problem = Problem { message: "This page did not finish loading.".into(), retry: None };
    let m = mount(Screen::Unavailable(problem)).await;
    assert_eq!(m.text("error-message"), "This page did not finish loading.");
    assert!(m.find("[data-testid=create-project]").is_none());
    let problem = Problem { message: "offline".into(), retry: Some(Action::OpenSession) };
    let m = mount(Screen::Unavailable(problem)).await;
    assert_eq!(action_of(&m.find("[data-testid=retry]").expect("retry")), Some(Action::OpenSession));
}

/// `value` as the worker sends it (serde_json), parsed as the browser parses it.
fn as_the_browser_gets_it<T: serde::Serialize>(value: &T) -> wasm_bindgen::JsValue {
    js_sys::JSON::parse(&serde_json::to_string(value).expect("serializes")).expect("parses")
}

#[wasm_bindgen_test]
fn what_the_worker_sends_reads_as_the_widget_needs_it() {
    // Every screen, as the poll answers it.
    let mut states = widget_api::testing::every_state(AURORA_URL, seed_design());
    states.push(OpportunityState::NoProject);
    for state in states {
        let Screen::Opportunity(panel) = panel(state) else { unreachable!("a panel") };
        let answer = screen_answer(panel, Locale::EN_US);
        assert_eq!(decode::<ScreenAnswer>(as_the_browser_gets_it(&answer)).expect("decodes"), answer);
    }
    // A renewed session: what the widget keeps of it.
    let session =
        SessionResponse { token: "t".into(), expires_in: 600, opportunity: opportunity(), state: ready(seed_design()) };
    assert_eq!(
        decode::<SessionKeys>(as_the_browser_gets_it(&session)).expect("decodes"),
        SessionKeys { token: "t".into(), expires_in: 600, opportunity_id: "opp-1".into() }
    );
    let refusal = serde_json::json!({"error": {"code": "token_expired", "message": "The session ended."}});
    assert_eq!(decode::<ErrorBody>(as_the_browser_gets_it(&refusal)).expect("decodes").error.code, "token_expired");
}

#[wasm_bindgen_test]
fn a_body_that_is_not_what_the_worker_sends_names_the_field() {
    let body = js_sys::JSON::parse(r#"{"html":"<p>x</p>","pending":"yes"}"#).expect("json");
    assert_eq!(decode::<ScreenAnswer>(body), Err(DecodeError("pending")));
    let body = js_sys::JSON::parse(r#"{"token":"t","expires_in":-1,"opportunity":{"id":"o"}}"#).expect("json");
    assert_eq!(decode::<SessionKeys>(body), Err(DecodeError("expires_in")));
    let body = js_sys::JSON::parse(r#"{"token":"t","expires_in":600,"opportunity":"o"}"#).expect("json");
    assert_eq!(decode::<SessionKeys>(body), Err(DecodeError("opportunity")));
}

/// A page as the worker serves it: the screen in the root, the templates beside it.
async fn page_with(screen: Screen) -> Mounted {
    let m = mount(screen).await;
    let templates = document().create_element("div").expect("div");
    templates.set_inner_html(&page_templates(opportunity(), Locale::EN_US));
    m.host.after_with_node_1(&templates).expect("templates on the page");
    // The first of each id is the one found: a test's own page comes first.
    m
}

#[wasm_bindgen_test]
async fn the_widget_shows_a_problem_under_the_header_and_takes_it_away() {
    let m = page_with(panel(ready(seed_design()))).await;
    let root = Root(m.host.clone());
    let problem = page::Problem {
        message: "Could not reach the Aurora Solar service.".into(),
        retry: Some(Action::FollowDesign),
    };
    root.show_problem(&problem, false);
    let order: Vec<String> = m
        .all("[data-testid=opportunity-location], [data-testid=error], [data-testid=state-design-ready]")
        .iter()
        .filter_map(|e| e.get_attribute("data-testid"))
        .collect();
    assert_eq!(order, ["opportunity-location", "error", "state-design-ready"], "the design stays readable under it");
    assert_eq!(m.text("error-message"), "Could not reach the Aurora Solar service.");
    assert_eq!(action_of(&m.find("[data-testid=retry]").expect("try again")), Some(Action::FollowDesign));
    // A second problem replaces the first; one without a way forward has no button.
    root.show_problem(&page::Problem { message: "Ended.".into(), retry: None }, false);
    assert_eq!(m.all("[data-testid=error]").len(), 1);
    assert!(m.find("[data-testid=retry]").is_none());
    root.clear_problem();
    assert!(m.find("[data-testid=error]").is_none());
    assert!(m.find("[data-testid=state-design-ready]").is_some());
}

#[wasm_bindgen_test]
async fn a_long_create_says_aurora_is_slow_and_still_trying() {
    let m = page_with(panel(OpportunityState::NoProject)).await;
    let root = Root(m.host.clone());
    root.show_template(CREATING_TEMPLATE_ID);
    let hint = m.find("[data-testid=slow-hint]").expect("the second line, hidden until then");
    assert!(hint.has_attribute("hidden"));
    let said = root.reveal_slow_hint().expect("revealed");
    assert!(said.starts_with("Aurora Solar is slow to answer. Still trying"), "{said}");
    assert!(!hint.has_attribute("hidden"));
    assert_eq!(root.reveal_slow_hint(), None, "said once");
    // A screen that waits on nothing has no such line.
    let ready = page_with(panel(ready(seed_design()))).await;
    assert_eq!(Root(ready.host.clone()).reveal_slow_hint(), None);
}

#[wasm_bindgen_test]
async fn a_click_on_create_shows_the_creating_screen_at_once_and_says_so() {
    let m = page_with(panel(OpportunityState::NoProject)).await;
    let said = Root(m.host.clone()).show_template(CREATING_TEMPLATE_ID);
    assert_eq!(said.as_deref(), Some("Creating the project in Aurora Solar…"));
    let button: web_sys::HtmlButtonElement =
        m.find("[data-testid=create-project]").expect("the button, in place").unchecked_into();
    assert!(button.disabled());
    assert_eq!(m.text("opportunity-location"), "901 Mears Ct, Stanford, CA 94305");
    // The same screen as the worker renders for a project being created.
    let creating = render_html(panel(OpportunityState::Creating), Locale::EN_US);
    let expected = document().create_element("main").expect("main");
    expected.set_inner_html(&creating);
    assert_eq!(m.host.inner_html(), expected.inner_html());
}

#[wasm_bindgen_test]
fn the_canvas_resize_message_is_the_sdk_envelope_and_carries_no_token() {
    use aurora_crm_widget::host_canvas;
    let message = host_canvas::resize_message(7, "_:Aurora_Canvas:canvas1", "https://acme.my.salesforce.com", 412);
    // A JSON string, as the Canvas SDK posts it, which the parent parses.
    let parsed: serde_json::Value = serde_json::from_str(&message).expect("JSON");
    assert_eq!(
        parsed,
        serde_json::json!({
            "seq": 7, "src": "client", "clientVersion": "41.0", "parentVersion": null,
            "body": {
                "type": "resize",
                "config": { "client": { "instanceId": "_:Aurora_Canvas:canvas1", "targetOrigin": "https://acme.my.salesforce.com" } },
                "size": { "height": "412px", "width": "" }
            },
            "targetModule": "Canvas"
        })
    );
    assert!(!message.contains("oauthToken"));
}

#[wasm_bindgen_test]
fn the_pipedrive_resize_command_is_the_sdk_message_within_the_panel_limits() {
    use aurora_crm_widget::host_pipedrive::{PANEL_LIMITS, command, resize_args};
    let as_json = |message: &js_sys::Object| -> serde_json::Value {
        serde_json::from_str(&String::from(js_sys::JSON::stringify(message).expect("JSON"))).expect("parse")
    };
    let tall = command("2f1c-runtime", "resize", &resize_args(1200, PANEL_LIMITS));
    assert_eq!(
        as_json(&tall),
        serde_json::json!({ "payload": { "command": "resize", "args": { "height": 750 }, "type": "command" }, "id": "2f1c-runtime" })
    );
    let short = command("2f1c-runtime", "resize", &resize_args(40, PANEL_LIMITS));
    assert_eq!(as_json(&short)["payload"]["args"]["height"], 100);
}

/// The chart table's row `i`: its month and value, as a screen reader reads them.
fn row(m: &Mounted, i: usize) -> Vec<String> {
    let cells = m.all("[data-testid=production-table] tbody tr")[i].query_selector_all("th, td").expect("cells");
    (0..cells.length()).filter_map(|c| cells.item(c)).map(|c| c.text_content().unwrap_or_default()).collect()
}
