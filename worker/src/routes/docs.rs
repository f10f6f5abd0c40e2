//! `/docs`, `/docs/{crm}` and `/support`: the public setup guide and support page (see
//! `docs_pages`).

use super::{Path, SharedState};
use crate::{crm::Crm, docs_pages, error::ApiError};
use axum::{extract::State, response::Html};

/// `GET /docs`: the setup guide's first page.
pub async fn index(State(state): State<SharedState>) -> Html<String> {
    Html(docs_pages::index(&state))
}

/// `GET /docs/{crm}`: one CRM's setup guide; 404 for a CRM this deployment does not serve.
pub async fn guide(State(state): State<SharedState>, Path(crm): Path<String>) -> Result<Html<String>, ApiError> {
    let crm = Crm::parse(&crm).map_err(|_| ApiError::NotFound)?;
    if !crm.integration().is_configured(&state) {
        return Err(ApiError::NotFound);
    }
    Ok(Html(docs_pages::guide(crm)))
}

/// `GET /support`: how to get help.
pub async fn support(State(state): State<SharedState>) -> Html<String> {
    Html(docs_pages::support(&state))
}
