// Aurora's JSON answers as the client reads them: the design summary (lenient, field by
// field), a temporary key, a project, a page of projects, the partner webhooks list. Any
// bytes are read or refused, never a panic; a summary that is read keeps its two ids.
//
// Shared by the fuzz target (`fuzz/fuzz_targets/aurora_json.rs`, nightly) and the stable replay of
// its seeds and corpus (`worker/tests/fuzz_corpora.rs`); included, so no inner attributes.

use aurora_api::{
    CreateTokenResponse, Project, designs::reading, projects::ProjectPage, webhooks::PartnerWebhookList,
};

/// One input, as the fuzzer and the stable replay give it.
pub fn run(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(read) = reading::summary(&value) {
            // Paths only: what was found is named by its JSON type, never quoted.
            for path in &read.unread {
                assert!(path.starts_with("design"), "{path}");
            }
        }
        let _ = aurora_api::shape::of(&value);
    }
    let _ = serde_json::from_slice::<CreateTokenResponse>(data);
    let _ = serde_json::from_slice::<Project>(data);
    let _ = serde_json::from_slice::<ProjectPage>(data);
    let _ = serde_json::from_slice::<PartnerWebhookList>(data);
}
