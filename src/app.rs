//! The root component: one session round trip, then the opportunity panel.

use crate::{api, components::OpportunityPanel};
use leptos::prelude::*;

/// The widget as mounted by the embed page.
#[component]
pub fn App(
    /// Which CRM embedded the widget (`demo`, ...).
    crm: String,
    /// The CRM's signed context, passed through to the worker untouched.
    context: String,
) -> impl IntoView {
    // One request before first paint: the session answer carries the opportunity.
    let session = LocalResource::new(move || {
        let (crm, context) = (crm.clone(), context.clone());
        async move { api::create_session(&crm, &context).await }
    });

    view! {
        <section class="aurora-widget" aria-live="polite">
            <Suspense fallback=|| view! { <p class="loading" data-testid="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match session.await {
                        Ok(session) => view! { <OpportunityPanel opportunity=session.opportunity /> }.into_any(),
                        Err(error) => view! {
                            <p class="error" role="alert" data-testid="error">{error.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
