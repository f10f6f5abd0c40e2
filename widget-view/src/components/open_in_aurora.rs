use leptos::prelude::*;

/// A link to the project in Aurora's app, in a new tab. Rendered only for an http(s) URL,
/// so nothing else can become a link.
#[component]
pub fn OpenInAurora(
    /// The project's page in Aurora.
    url: String,
) -> impl IntoView {
    let safe = url.starts_with("https://") || url.starts_with("http://");
    safe.then(|| {
        view! {
            <a class="aurora-link" data-testid="open-in-aurora" href=url target="_blank" rel="noopener noreferrer">
                "Open in Aurora"
                <span class="visually-hidden">" (opens in a new tab)"</span>
                <span aria-hidden="true">" ↗"</span>
            </a>
        }
    })
}
