//! The widget's poll, made cheap. Each open widget asks for its opportunity's screen every
//! few seconds and almost always gets "unchanged". The screen is rendered (the stored
//! summary parsed, the components rendered to HTML in the rep's locale, the JSON written,
//! its ETag hashed) once per version of the rows it is made of, and kept: a poll then costs
//! one indexed read and a comparison of rows, and a 304 or the kept body follows without
//! building anything. Where the storage host can tell that nothing was written since (its
//! generation, see `Database::generation`), the read is skipped too. The state as JSON
//! (`GET /v1/opportunities/{id}`, for API clients) is kept the same way.
//!
//! The ETag stays the hash of the body itself, so it is the same in every process and
//! isolate that renders the same state, and changes whenever what the widget receives does
//! (a new summary, a new deploy that renders differently).

use crate::{AppState, ids::OpportunityKey, projects, storage::opportunity_views::OpportunityView};
use axum::{body::Bytes, http::HeaderValue};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};
use widget_view::{
    format::Locale,
    screen::Panel,
    words::{self, Surface},
};

/// How many opportunities' states are kept. A full cache is emptied and fills again with
/// what is being watched: bounded memory (a design's state is about 2 KB), no bookkeeping.
const CAPACITY: usize = 2048;

/// What is rendered of an opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rendering {
    /// `widget_api::OpportunityState`, as JSON.
    State,
    /// The widget's screen (`widget_api::ScreenAnswer`) in a locale and in the words of
    /// the opportunity's CRM, for the room the CRM gives it. Keyed by how the locale writes
    /// (not by the tag the browser sent), so `en-US`, `en-us` and `en` share one rendering.
    Screen {
        /// The rep's locale.
        locale: Locale,
        /// Where the CRM shows it.
        surface: Surface,
    },
}

/// One rendering: its JSON and that JSON's strong ETag.
#[derive(Debug, Clone)]
pub struct RenderedState {
    /// `"<24 hex digits>"`: the first 96 bits of the body's SHA-256.
    pub etag: HeaderValue,
    /// The rendering, as JSON.
    pub body: Bytes,
}

impl RenderedState {
    /// Whether an `If-None-Match` header value names this state (or is `*`). The
    /// comparison is weak, as RFC 9110 has it for `If-None-Match`: `W/"x"` names `"x"`.
    pub fn matches(&self, if_none_match: &[u8]) -> bool {
        let etag = self.etag.as_bytes();
        if_none_match.split(|b| *b == b',').map(<[u8]>::trim_ascii).any(|tag| {
            let opaque = tag.strip_prefix(b"W/").unwrap_or(tag);
            opaque == etag || tag == b"*"
        })
    }
}

/// A rendering, the rows it was made from, and the storage generation they were read at.
struct Kept {
    view: OpportunityView,
    read_at: Option<u64>,
    rendered: RenderedState,
}

/// The states rendered lately, by opportunity.
#[derive(Default)]
pub struct RenderedStates {
    entries: Mutex<HashMap<(OpportunityKey, Rendering), Kept>>,
}

impl RenderedStates {
    /// The kept rendering of `key` when nothing was written since its rows were read.
    fn unwritten_since(&self, key: &(OpportunityKey, Rendering), generation: Option<u64>) -> Option<RenderedState> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = entries.get(key)?;
        (generation.is_some() && kept.read_at == generation).then(|| kept.rendered.clone())
    }

    /// The kept rendering of `key` when it was made from rows equal to `view`, now known
    /// to hold at `read_at`.
    fn made_from(
        &self,
        key: &(OpportunityKey, Rendering),
        view: &OpportunityView,
        read_at: Option<u64>,
    ) -> Option<RenderedState> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = entries.get_mut(key).filter(|kept| kept.view == *view)?;
        kept.read_at = read_at;
        Some(kept.rendered.clone())
    }

    fn keep(&self, key: (OpportunityKey, Rendering), kept: Kept) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, kept);
    }
}

/// The opportunity's state or screen, rendered only when its rows changed.
pub async fn current(
    state: &AppState,
    key: &OpportunityKey,
    rendering: Rendering,
) -> Result<RenderedState, projects::ProjectError> {
    let cache = &state.caches.rendered_states;
    let kept_as = (key.clone(), rendering);
    let key = &kept_as;
    // Taken before the read: a write committed during it leaves the rows marked older
    // than they may be, and the next poll reads again.
    let read_at = state.db().generation();
    if let Some(rendered) = cache.unwritten_since(key, read_at) {
        return Ok(rendered);
    }
    let view = projects::view(state, &key.0).await?;
    if let Some(rendered) = cache.made_from(key, &view, read_at) {
        return Ok(rendered);
    }
    let body = render(state, key, &view)?;
    let rendered = RenderedState { etag: etag_of(&body), body: Bytes::from(body) };
    cache.keep(kept_as, Kept { view, read_at, rendered: rendered.clone() });
    Ok(rendered)
}

/// The strong ETag of a rendering's `body`: the same wherever the same body is rendered
/// (the embed page tags its screen with it, so the widget's first poll is a 304).
pub fn etag_of(body: &[u8]) -> HeaderValue {
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(body)[..12]));
    HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""))
}

/// `rendering` of the opportunity `view` shows, as JSON.
fn render(
    state: &AppState,
    (key, rendering): &(OpportunityKey, Rendering),
    view: &OpportunityView,
) -> Result<Vec<u8>, projects::ProjectError> {
    let opportunity_state = projects::state_of(state, view)?;
    let json = match rendering {
        Rendering::State => serde_json::to_vec(&opportunity_state),
        Rendering::Screen { locale, surface } => {
            let opportunity =
                view.opportunity(&key.opportunity_id).ok_or(projects::ProjectError::UnknownOpportunity)?;
            let panel = Panel { app_disabled: !view.app_enabled, ..Panel::of(opportunity, opportunity_state) };
            let answer = words::with_crm(words::Crm::from_name(key.crm.as_str()), || {
                words::with_surface(*surface, || widget_view::screen_answer(panel, *locale))
            });
            serde_json::to_vec(&answer)
        }
    };
    json.map_err(|e| crate::storage::StorageError::Decode(e.to_string()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_are_read_as_http_says() {
        let rendered = RenderedState { etag: HeaderValue::from_static("\"abc\""), body: Bytes::from_static(b"{}") };
        assert!(rendered.matches(b"\"abc\""));
        assert!(rendered.matches(b"\"x\", \"abc\""));
        assert!(rendered.matches(b"*"));
        assert!(!rendered.matches(b"\"abcd\""));
        assert!(rendered.matches(b"W/\"abc\""), "weak comparison");
        assert!(!rendered.matches(b"\"ab\", W/\"abcd\""));
        assert!(!rendered.matches(b""));
    }
}
