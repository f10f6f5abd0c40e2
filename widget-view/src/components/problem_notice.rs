use crate::screen::Problem;
use leptos::prelude::*;

/// Something went wrong: what, and a "Try again" that repeats it when that may help.
#[component]
pub fn ProblemNotice(
    /// What went wrong.
    problem: Problem,
) -> impl IntoView {
    let Problem { message, retry } = problem;
    view! {
        <div class="notice error" role="alert" data-testid="error">
            <p data-testid="error-message">{message}</p>
            {retry.map(|retry| view! {
                <button type="button" class="secondary" data-testid="retry" data-action=retry.as_str() data-focus="">
                    "Try again"
                </button>
            })}
        </div>
    }
}
