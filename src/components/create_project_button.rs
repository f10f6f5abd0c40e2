use leptos::prelude::*;

/// The one action the widget offers before a project exists.
#[component]
pub fn CreateProjectButton() -> impl IntoView {
    view! {
        <button type="button" class="primary" data-testid="create-project">
            "Create Aurora Project"
        </button>
    }
}
