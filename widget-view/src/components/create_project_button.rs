use leptos::prelude::*;
use widget_api::Action;

/// The one action the widget offers before a project exists. While `busy`, it stays in
/// place, disabled and saying so, so a second click cannot happen and nothing moves.
#[component]
pub fn CreateProjectButton(
    /// A create request is on its way.
    busy: bool,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="primary"
            data-testid="create-project"
            data-action=Action::CreateProject.as_str()
            disabled=busy
            aria-busy=busy.then_some("true")
        >
            {if busy { "Creating Aurora Project…" } else { "Create Aurora Project" }}
        </button>
    }
}
