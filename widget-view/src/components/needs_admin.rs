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
    let (title, for_reps, for_admins) = match task {
        AdminTask::LinkTenant => (
            "Aurora Solar is not set up yet",
            "Your CRM account is not linked to an Aurora Solar account yet. Ask your CRM admin to finish setting up the Aurora Solar app.",
            "Admins: open the Aurora Solar app's settings from your CRM's marketplace and link your Aurora tenant.",
        ),
        AdminTask::EnableApp => (
            "Aurora Solar app is turned off",
            "Your company's Aurora Solar account has turned this app off, so new projects cannot be created from the CRM. Ask your Aurora admin to turn it back on.",
            "Aurora admins: in Aurora Solar, open Settings, then Apps, and enable this app.",
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
