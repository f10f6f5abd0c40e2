use crate::format;
use leptos::prelude::*;
use widget_api::Opportunity;

/// The opportunity as the rep knows it: its name and where the system would go.
#[component]
pub fn OpportunityHeader(
    /// The opportunity the worker verified for this session.
    opportunity: Opportunity,
) -> impl IntoView {
    view! {
        <header class="opportunity">
            <h2 class="opportunity-name" data-testid="opportunity-name">{opportunity.name}</h2>
            <p class="opportunity-location" data-testid="opportunity-location">
                {format::location(&opportunity.location)}
            </p>
        </header>
    }
}
