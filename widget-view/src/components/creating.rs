use super::CreateProjectButton;
use leptos::prelude::*;

/// The project is being created: the button stays where it was, disabled, with progress.
/// (The page's status region says so to a screen reader: see `Screen::announcement`.)
/// Creating takes a few seconds; when Aurora is slow or failing it takes longer, and the
/// widget then shows the second line (`data-slow-hint`, revealed by the widget after a
/// while on this screen) so the rep knows it is still trying.
#[component]
pub fn Creating() -> impl IntoView {
    view! {
        <div class="state state-creating" data-testid="state-creating">
            <CreateProjectButton busy=true />
            <progress class="progress" aria-label="Creating the Aurora project"></progress>
            <p class="hint" tabindex="-1" data-focus="">"Creating the project in Aurora Solar…"</p>
            <p class="hint" data-testid="slow-hint" data-slow-hint="" hidden="">
                "Aurora Solar is slow to answer. Still trying: you can leave this page, the project will still be created."
            </p>
        </div>
    }
}
