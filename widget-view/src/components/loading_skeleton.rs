use leptos::prelude::*;

/// Grey bars where the opportunity's name, location and button will be, the same size,
/// so nothing moves when the session arrives.
#[component]
pub fn LoadingSkeleton() -> impl IntoView {
    view! {
        <div class="skeleton" data-testid="loading" aria-busy="true">
            <span class="visually-hidden" role="status">"Loading Aurora Solar…"</span>
            <div class="bone bone-title"></div>
            <div class="bone bone-line"></div>
            <div class="bone bone-button"></div>
        </div>
    }
}
