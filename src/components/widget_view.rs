use super::{
    AdminTask, AwaitingDesign, Creating, DesignReady, LoadingSkeleton, NeedsAdmin, NoProject, OpportunityHeader,
    ProblemNotice, SimulationFailed,
};
use crate::screen::{Actions, Panel, Problem, Retry, Screen};
use leptos::{mount::mount_to, prelude::*};
use std::any::Any;
use widget_api::{Opportunity, OpportunityState};

/// A screen on the page; dropping it unmounts it (and disposes of what its components own).
pub struct MountedScreen(#[allow(dead_code)] Box<dyn Any>);

/// Mounts the components for `screen` into `root`.
///
/// The session calls this afresh whenever the screen changes, rather than the usual
/// `{move || match screen.get() { ... }.into_any()}` over a signal: type-erased views carry
/// code to patch every screen into every other, and signals and effects their machinery,
/// which together made the widget half as large again. A screen here is built once and
/// never patched (nothing on it changes while it shows), so plain mounting is all it needs.
pub fn mount_screen(root: web_sys::HtmlElement, screen: Screen, actions: Actions) -> MountedScreen {
    let _ = root.class_list().add_1("aurora-widget");
    MountedScreen(show(root, screen, actions))
}

fn show(root: web_sys::HtmlElement, screen: Screen, actions: Actions) -> Box<dyn Any> {
    let on_retry = actions.retry;
    match screen {
        Screen::Loading => Box::new(mount_to(root, LoadingSkeleton)),
        Screen::Unavailable(problem) => Box::new(mount_to(root, move || view! { <ProblemNotice problem on_retry /> })),
        Screen::Opportunity(Panel { opportunity, state, creating, problem }) => {
            let panel = PanelParts { root, opportunity, problem, on_retry };
            match state {
                _ if creating => panel.mount(Creating),
                OpportunityState::Creating => panel.mount(Creating),
                OpportunityState::NoProject => {
                    let on_create = actions.create_project;
                    panel.mount(move || view! { <NoProject on_create /> })
                }
                OpportunityState::CreateFailed { message, retryable, .. } => {
                    let problem = Problem { message, retry: retryable.then_some(Retry::CreateProject) };
                    panel.mount(move || view! { <ProblemNotice problem on_retry /> })
                }
                OpportunityState::AwaitingDesign { aurora_url, .. } => {
                    panel.mount(move || view! { <AwaitingDesign aurora_url /> })
                }
                OpportunityState::DesignReady { design, aurora_url, .. } => {
                    panel.mount(move || view! { <DesignReady design=*design aurora_url /> })
                }
                OpportunityState::SimulationFailed { aurora_url, .. } => {
                    panel.mount(move || view! { <SimulationFailed aurora_url /> })
                }
                OpportunityState::NotLinked => panel.mount(|| view! { <NeedsAdmin task=AdminTask::LinkTenant /> }),
                OpportunityState::AppDisabled => panel.mount(|| view! { <NeedsAdmin task=AdminTask::EnableApp /> }),
            }
        }
    }
}

/// What every opportunity screen shows above its state.
struct PanelParts {
    root: web_sys::HtmlElement,
    opportunity: Opportunity,
    problem: Option<Problem>,
    on_retry: Callback<Retry>,
}

impl PanelParts {
    /// Mounts the header and the problem if any, then the state's component after them.
    /// Two mounts rather than one view of all three: the header's and the problem's code is
    /// then compiled once, not once into each state's screen (it was, inlined eight times).
    fn mount<V: IntoView + 'static>(self, state: impl FnOnce() -> V + 'static) -> Box<dyn Any> {
        let root = self.root.clone();
        let head = self.mount_head();
        Box::new((head, mount_to(root, state)))
    }

    #[inline(never)]
    fn mount_head(self) -> Box<dyn Any> {
        let PanelParts { root, opportunity, problem, on_retry } = self;
        Box::new(mount_to(root, move || {
            view! {
                <OpportunityHeader opportunity />
                {problem.map(|problem| view! { <ProblemNotice problem on_retry /> })}
            }
        }))
    }
}
