use super::CreateProjectButton;
use leptos::prelude::*;

/// The project is being created: the button stays where it was, disabled, with progress.
/// (The page's status region says so to a screen reader: see `Screen::announcement`.)
#[component]
pub fn Creating() -> impl IntoView {
    view! {
        <div class="state state-creating" data-testid="state-creating">
            <CreateProjectButton busy=true />
            <progress class="progress" aria-label="Creating the Aurora project"></progress>
            <p class="hint" tabindex="-1" data-focus="">"Creating the project in Aurora Solar…"</p>
        </div>
    }
}
