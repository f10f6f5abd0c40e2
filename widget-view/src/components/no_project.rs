use super::CreateProjectButton;
use leptos::prelude::*;

/// No project yet: the button, and what it will do.
#[component]
pub fn NoProject() -> impl IntoView {
    view! {
        <div class="state state-no-project" data-testid="state-no-project">
            <CreateProjectButton busy=false />
            <p class="hint">"Creates a project in Aurora Solar at this site. Its design will show here once a designer finishes it."</p>
        </div>
    }
}
