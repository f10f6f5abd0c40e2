use crate::screen::{Problem, Retry};
use leptos::prelude::*;

/// Something went wrong: what, and a "Try again" that repeats it when that may help.
#[component]
pub fn ProblemNotice(
    /// What went wrong.
    problem: Problem,
    /// Repeats the failed step.
    on_retry: Callback<Retry>,
) -> impl IntoView {
    let Problem { message, retry } = problem;
    view! {
        <div class="notice error" role="alert" data-testid="error">
            <p data-testid="error-message">{message}</p>
            {retry.map(|retry| view! {
                <button type="button" class="secondary" data-testid="retry" data-focus="" on:click=move |_| on_retry.run(retry)>
                    "Try again"
                </button>
            })}
        </div>
    }
}
