use crate::format;
use leptos::prelude::*;
use widget_api::Opportunity;

/// Where the system would go. The record's name is not repeated: the CRM's own page and
/// panel title name the record the widget sits on (a second title under theirs is what
/// an embedded app looks like, not a part of the CRM).
#[component]
pub fn OpportunityHeader(
    /// The opportunity the worker verified for this session.
    opportunity: Opportunity,
) -> impl IntoView {
    view! {
        <header class="opportunity">
            <p class="opportunity-site">
                <span class="site-label">"Site "</span>
                <span data-testid="opportunity-location">{format::location(&opportunity.location)}</span>
            </p>
        </header>
    }
}
