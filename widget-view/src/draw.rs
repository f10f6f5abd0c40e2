//! Which components make each screen, and the screen as HTML: the worker renders every
//! screen the widget shows (the embed page's first paint, each poll's new screen, and the
//! page's templates for the screens the widget shows before any answer). The widget's wasm
//! carries no views: it puts this HTML on the page and acts on its buttons.

use crate::{
    components::{
        AdminTask, AppTurnedOff, AwaitingDesign, Creating, DesignReady, NeedsAdmin, NoProject, OpportunityHeader,
        ProblemNotice, SimulationFailed,
    },
    format::{Locale, with_locale},
    screen::{Action, Panel, Problem, Screen},
};
use leptos::prelude::*;
use widget_api::{CREATING_TEMPLATE_ID, Opportunity, OpportunityState, PROBLEM_TEMPLATE_ID, ScreenAnswer};

/// The HTML of `screen`, in `locale` (and the CRM's words, when the caller set them with
/// `words::with_crm`).
pub fn render_html(screen: Screen, locale: Locale) -> String {
    rendering(locale, || match screen {
        Screen::Unavailable(problem) => view! { <ProblemNotice problem /> }.to_html(),
        Screen::Opportunity(panel) => panel_html(panel),
    })
}

/// `panel` as the widget's poll receives it: its HTML, what the status region says on
/// coming to it, and whether the worker will change it on its own.
pub fn screen_answer(panel: Panel, locale: Locale) -> ScreenAnswer {
    let pending = panel.is_pending();
    let screen = Screen::Opportunity(panel);
    let announcement = screen.announcement().map(str::to_owned);
    ScreenAnswer { html: render_html(screen, locale), announcement, pending }
}

/// The embed page's `<template>`s: the screens the widget shows before the worker answers
/// (the rep's Create click, a problem reaching the worker), rendered here like every other
/// screen so that the widget needs no view of its own.
pub fn page_templates(opportunity: Opportunity, locale: Locale) -> String {
    let creating = Screen::Opportunity(Panel { creating: true, ..Panel::of(opportunity, OpportunityState::NoProject) });
    // What the status region says when the template shows (our own words: no markup).
    let said = creating.announcement().unwrap_or_default().replace('"', "&quot;");
    let creating = render_html(creating, locale);
    // The widget writes the message and names the button's action, or removes it.
    let problem = render_html(
        Screen::Unavailable(Problem { message: String::new(), retry: Some(Action::CreateProject) }),
        locale,
    );
    format!(
        "<template id=\"{CREATING_TEMPLATE_ID}\" data-announcement=\"{said}\">{creating}</template>\
         <template id=\"{PROBLEM_TEMPLATE_ID}\">{problem}</template>"
    )
}

/// Renders in `locale`, under an owner: components may create reactive values, which
/// belong to an owner dropped with it.
fn rendering(locale: Locale, render: impl FnOnce() -> String) -> String {
    with_locale(locale, || Owner::new().with(render))
}

/// The opportunity's header, the last problem if any, then its state.
fn panel_html(Panel { opportunity, state, creating, problem, app_disabled }: Panel) -> String {
    let head = view! {
        <OpportunityHeader opportunity />
        {problem.map(|problem| view! { <ProblemNotice problem /> })}
    };
    let mut html = head.to_html();
    if app_disabled && matches!(state, OpportunityState::DesignReady { .. }) {
        html.push_str(&AppTurnedOff().to_html());
    }
    html.push_str(&match state {
        _ if creating => Creating().to_html(),
        OpportunityState::Creating => Creating().to_html(),
        OpportunityState::NoProject => NoProject().to_html(),
        OpportunityState::CreateFailed { message, retryable, .. } => {
            let problem = Problem { message, retry: retryable.then_some(Action::CreateProject) };
            view! { <ProblemNotice problem /> }.to_html()
        }
        OpportunityState::AwaitingDesign { aurora_url, .. } => view! { <AwaitingDesign aurora_url /> }.to_html(),
        OpportunityState::DesignReady { design, aurora_url, .. } => {
            view! { <DesignReady design=*design aurora_url /> }.to_html()
        }
        OpportunityState::SimulationFailed { aurora_url, .. } => view! { <SimulationFailed aurora_url /> }.to_html(),
        OpportunityState::NotLinked => view! { <NeedsAdmin task=AdminTask::LinkTenant /> }.to_html(),
        OpportunityState::AppDisabled => view! { <NeedsAdmin task=AdminTask::EnableApp /> }.to_html(),
    });
    html
}
