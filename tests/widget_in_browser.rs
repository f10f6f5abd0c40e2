//! The widget's components, mounted in headless Chromium (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use aurora_crm_widget::components::OpportunityPanel;
use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use widget_api::{Location, Opportunity};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element in the page for one test to mount into.
fn test_host() -> web_sys::HtmlElement {
    let document = document();
    let host = document.create_element("section").expect("create section");
    document.body().expect("body").append_child(&host).expect("append");
    host.unchecked_into()
}

fn text_of(host: &web_sys::HtmlElement, testid: &str) -> String {
    host.query_selector(&format!("[data-testid={testid}]"))
        .expect("valid selector")
        .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn shows_the_address_and_the_create_button() {
    let host = test_host();
    let opportunity = Opportunity {
        id: "opp-1".into(),
        name: "Rivera residence".into(),
        location: Location::Address { property_address: "901 Mears Ct, Stanford, CA 94305".into() },
    };
    let _mounted = mount_to(host.clone(), move || view! { <OpportunityPanel opportunity /> });
    tick().await;

    assert_eq!(text_of(&host, "opportunity-name"), "Rivera residence");
    assert_eq!(text_of(&host, "opportunity-location"), "901 Mears Ct, Stanford, CA 94305");
    let button = host
        .query_selector("button[data-testid=create-project]")
        .expect("valid selector")
        .expect("the create button is rendered");
    assert_eq!(button.text_content().unwrap_or_default().trim(), "Create Aurora Project");
}

#[wasm_bindgen_test]
async fn shows_coordinates_when_the_opportunity_has_no_address() {
    let host = test_host();
    let opportunity = Opportunity {
        id: "opp-2".into(),
        name: "Ranch lot 7".into(),
        location: Location::Coordinates { latitude: 37.7796, longitude: -122.3953 },
    };
    let _mounted = mount_to(host.clone(), move || view! { <OpportunityPanel opportunity /> });
    tick().await;

    assert_eq!(text_of(&host, "opportunity-location"), "37.77960° N, 122.39530° W");
}
