use leptos::prelude::*;

/// What an admin has to do before reps can create projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminTask {
    /// Link the CRM account to an Aurora tenant (a CRM admin, in the app's settings).
    LinkTenant,
    /// Enable the app in the Aurora tenant (an Aurora admin).
    EnableApp,
}

/// Nothing a rep can do here: who to ask, and where an admin goes.
#[component]
pub fn NeedsAdmin(
    /// The missing step.
    task: AdminTask,
) -> impl IntoView {
    use crate::words;
    let (title, for_reps, for_admins) = match task {
        AdminTask::LinkTenant => (
            "Aurora Solar is not set up yet",
            format!(
                "Your {} is not linked to an Aurora Solar account yet. Ask your {} to finish setting up the Aurora Solar app.",
                words::account(),
                words::admin()
            ),
            format!(
                "Admins: install Aurora Solar again from {} to reach its settings, and link your Aurora tenant there.",
                words::marketplace()
            ),
        ),
        AdminTask::EnableApp => (
            "Aurora Solar app is turned off",
            format!(
                "Your company's Aurora Solar account has turned this app off, so new projects cannot be created from this {}. Ask your Aurora admin to turn it back on.",
                words::record()
            ),
            "Aurora admins: in Aurora Solar, open Settings, then Apps, and enable this app.".to_owned(),
        ),
    };
    view! {
        <div class="state state-needs-admin notice" data-testid="state-needs-admin" role="note">
            <p class="status-line">{title}</p>
            <p>{for_reps}</p>
            <p class="hint">{for_admins}</p>
        </div>
    }
}

/// Above a design already fetched when the Aurora tenant has turned the app off: the
/// design stays readable, and the rep learns why nothing new can be created.
#[component]
pub fn AppTurnedOff() -> impl IntoView {
    let text = format!(
        "Aurora Solar is turned off for your company's Aurora account, so new projects cannot be created from this \
         {}. This design stays as it was. Ask your Aurora admin to turn the app back on.",
        crate::words::record()
    );
    view! { <p class="notice" role="note" data-testid="app-turned-off">{text}</p> }
}
