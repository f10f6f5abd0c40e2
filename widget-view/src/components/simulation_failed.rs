use super::OpenInAurora;
use leptos::prelude::*;

/// The design exists but Aurora could not simulate its production.
#[component]
pub fn SimulationFailed(
    /// The project in Aurora's app.
    aurora_url: String,
) -> impl IntoView {
    view! {
        <div class="state state-simulation-failed" data-testid="state-simulation-failed">
            <p class="status-line warning" tabindex="-1" data-focus="">"Production simulation failed"</p>
            <p>
                "The design is done, but Aurora Solar could not simulate how much energy it will produce, so there are no "
                "figures to show yet. Open the project in Aurora and run the simulation again (or ask your designer to); "
                "the summary appears here once it succeeds."
            </p>
            <OpenInAurora url=aurora_url />
        </div>
    }
}
