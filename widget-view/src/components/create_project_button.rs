use leptos::prelude::*;

/// The one action the widget offers before a project exists. While `busy`, it stays in
/// place, disabled and saying so, so a second click cannot happen and nothing moves.
#[component]
pub fn CreateProjectButton(
    /// A create request is on its way.
    busy: bool,
    /// Asks for the project.
    on_create: Callback<()>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="primary"
            data-testid="create-project"
            disabled=busy
            aria-busy=busy.then_some("true")
            on:click=move |_| on_create.run(())
        >
            {if busy { "Creating Aurora Project…" } else { "Create Aurora Project" }}
        </button>
    }
}
