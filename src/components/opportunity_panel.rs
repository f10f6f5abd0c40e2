use super::CreateProjectButton;
use leptos::prelude::*;
use widget_api::Opportunity;

/// The opportunity as the rep knows it, with what they can do next.
#[component]
pub fn OpportunityPanel(
    /// The opportunity the worker verified for this session.
    opportunity: Opportunity,
) -> impl IntoView {
    view! {
        <div class="opportunity">
            <h2 class="opportunity-name" data-testid="opportunity-name">{opportunity.name}</h2>
            <p class="opportunity-location" data-testid="opportunity-location">
                {opportunity.location.display()}
            </p>
            <CreateProjectButton />
        </div>
    }
}
