//! Which components make each screen, once, for both sides: the widget mounts them into
//! its root in the browser, the worker writes them as HTML into the embed page. The two
//! must agree to the element (the browser replaces the worker's HTML with its own mount
//! when the wasm starts, and the rep must see no change): one dispatch serves both,
//! handing each part to a [`Painter`].

use crate::{
    components::{
        AdminTask, AwaitingDesign, Creating, DesignReady, LoadingSkeleton, NeedsAdmin, NoProject, OpportunityHeader,
        ProblemNotice, SimulationFailed,
    },
    screen::{Actions, Panel, Problem, Retry, Screen},
};
use leptos::prelude::*;
use widget_api::{Opportunity, OpportunityState};

/// What puts a screen's parts somewhere: each part is a view, in order.
///
/// A screen is two parts at most, the opportunity's header (with the last problem) and
/// its state, rather than one view of all of it: the header's code is then compiled once,
/// not once into each state's screen (it was, inlined eight times into the wasm).
pub trait Painter {
    /// Puts one part after the ones before it.
    fn paint<V: IntoView + 'static>(&mut self, part: impl FnOnce() -> V + 'static);
}

/// Hands the parts of `screen` to `painter`, in order.
pub fn draw(screen: Screen, actions: Actions, painter: &mut impl Painter) {
    let on_retry = actions.retry;
    match screen {
        Screen::Loading => painter.paint(LoadingSkeleton),
        Screen::Unavailable(problem) => painter.paint(move || view! { <ProblemNotice problem on_retry /> }),
        Screen::Opportunity(Panel { opportunity, state, creating, problem }) => {
            paint_head(painter, opportunity, problem, on_retry);
            match state {
                _ if creating => painter.paint(Creating),
                OpportunityState::Creating => painter.paint(Creating),
                OpportunityState::NoProject => {
                    let on_create = actions.create_project;
                    painter.paint(move || view! { <NoProject on_create /> })
                }
                OpportunityState::CreateFailed { message, retryable, .. } => {
                    let problem = Problem { message, retry: retryable.then_some(Retry::CreateProject) };
                    painter.paint(move || view! { <ProblemNotice problem on_retry /> })
                }
                OpportunityState::AwaitingDesign { aurora_url, .. } => {
                    painter.paint(move || view! { <AwaitingDesign aurora_url /> })
                }
                OpportunityState::DesignReady { design, aurora_url, .. } => {
                    painter.paint(move || view! { <DesignReady design=*design aurora_url /> })
                }
                OpportunityState::SimulationFailed { aurora_url, .. } => {
                    painter.paint(move || view! { <SimulationFailed aurora_url /> })
                }
                OpportunityState::NotLinked => painter.paint(|| view! { <NeedsAdmin task=AdminTask::LinkTenant /> }),
                OpportunityState::AppDisabled => painter.paint(|| view! { <NeedsAdmin task=AdminTask::EnableApp /> }),
            }
        }
    }
}

/// The opportunity's header, and the last problem if any.
#[inline(never)]
fn paint_head(
    painter: &mut impl Painter,
    opportunity: Opportunity,
    problem: Option<Problem>,
    on_retry: Callback<Retry>,
) {
    painter.paint(move || {
        view! {
            <OpportunityHeader opportunity />
            {problem.map(|problem| view! { <ProblemNotice problem on_retry /> })}
        }
    });
}

/// The HTML of `screen`'s parts, as the browser's mount of the same screen makes them, in
/// `locale` (the worker's side: its buttons do nothing until the widget mounts its own).
#[cfg(feature = "ssr")]
pub fn render_html(screen: Screen, locale: crate::format::Locale) -> String {
    struct Html(String);
    impl Painter for Html {
        fn paint<V: IntoView + 'static>(&mut self, part: impl FnOnce() -> V + 'static) {
            self.0.push_str(&part().to_html());
        }
    }
    crate::format::with_locale(locale, || {
        // Components may create reactive values: they belong to an owner dropped with it.
        let owner = Owner::new();
        owner.with(|| {
            let mut html = Html(String::new());
            draw(screen, Actions::none(), &mut html);
            html.0
        })
    })
}
