use super::OpenInAurora;
use leptos::prelude::*;

/// The project exists; a designer is at work. Says what happens next.
#[component]
pub fn AwaitingDesign(
    /// The project in Aurora's app.
    aurora_url: String,
) -> impl IntoView {
    view! {
        <div class="state state-awaiting" data-testid="state-awaiting-design">
            <p class="status-line" tabindex="-1" data-focus=""><span class="pulse" aria-hidden="true"></span>"Awaiting design"</p>
            <p>
                "The project is in Aurora Solar. Once a designer finishes the design and Aurora has simulated its production, "
                "the summary appears here by itself. You can close this page meanwhile."
            </p>
            <OpenInAurora url=aurora_url />
        </div>
    }
}
