//! The sale after the design, per opportunity (`sales`, 0017_sales.sql): what Aurora
//! reported of the agreement, the financings, the proposal and the milestones, and the
//! design as sold (write-once). Each write is one statement, so two events of one sale
//! run side by side never undo each other.

use super::{Database, SqlValue, StorageError, query_as};
use crate::ids::OpportunityKey;
use serde::Deserialize;

/// A sale as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SaleRecord {
    /// `aurora_api::Agreement` as JSON.
    pub agreement_json: Option<String>,
    /// `Vec<aurora_api::Financing>` as JSON.
    pub financings_json: Option<String>,
    /// The design those financings are of.
    pub financings_design_id: Option<String>,
    /// The web proposal's link.
    pub web_proposal_url: Option<String>,
    /// `Vec<widget_api::Milestone>` as JSON.
    pub milestones_json: String,
    /// `widget_api::SoldDesign` as JSON.
    pub sold_json: Option<String>,
}

impl SaleRecord {
    /// The sale as the rep sees it beside `design` (what changed since it was sold
    /// included).
    pub fn view(&self, design: &widget_api::DesignView) -> Result<widget_api::SaleView, StorageError> {
        fn read<T: serde::de::DeserializeOwned>(json: Option<&str>) -> Result<Option<T>, StorageError> {
            json.map(|j| serde_json::from_str(j).map_err(|e| StorageError::Decode(e.to_string()))).transpose()
        }
        let sold: Option<widget_api::SoldDesign> = read(self.sold_json.as_deref())?;
        Ok(widget_api::SaleView {
            proposal_url: self.web_proposal_url.clone(),
            agreement: read(self.agreement_json.as_deref())?,
            financings: read(self.financings_json.as_deref())?.unwrap_or_default(),
            milestones: read(Some(&self.milestones_json))?.unwrap_or_default(),
            drift: sold.as_ref().map(|s| s.changes(design)).unwrap_or_default(),
            sold,
        })
    }
}

/// The row's key and its creation with nothing in it, before any update.
const ENSURE: &str = "INSERT INTO sales (crm, account_id, opportunity_id, updated_at) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT DO NOTHING";

/// Runs `update` (whose first three parameters are the key and fourth is the time) on the
/// sale's row, creating it first, in one commit.
async fn update(
    db: &dyn Database,
    key: &OpportunityKey,
    now: i64,
    sql: &str,
    more: Vec<SqlValue>,
) -> Result<bool, StorageError> {
    let [crm, account, opportunity] = key.params();
    let keyed = vec![crm, account, opportunity, now.into()];
    let mut params = keyed.clone();
    params.extend(more);
    let together: [(&str, &[SqlValue]); 2] = [(ENSURE, &keyed), (sql, &params)];
    let changed = db.execute_together(&together).await?;
    Ok(changed.get(1).copied().unwrap_or(0) == 1)
}

const WHERE_KEY: &str = "WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3";

/// Records an agreement as Aurora reported it, unless what is held is newer: the same
/// agreement further along (`progress`: see `aurora_api::AgreementStatus::progress`), or
/// another agreement of the project created after this one (`created_at`, unix seconds;
/// unknown dates do not decide). False when it was not newer.
pub async fn record_agreement(
    db: &dyn Database,
    key: &OpportunityKey,
    agreement: &aurora_api::Agreement,
    now: i64,
) -> Result<bool, StorageError> {
    let json = serde_json::to_string(agreement).map_err(|e| StorageError::Decode(e.to_string()))?;
    let sql = format!(
        "UPDATE sales SET agreement_json = ?5, agreement_progress = ?6, updated_at = ?4 {WHERE_KEY} \
         AND (agreement_json IS NULL \
         OR (json_extract(agreement_json, '$.id') = ?7 AND agreement_progress <= ?6) \
         OR (json_extract(agreement_json, '$.id') != ?7 AND (?8 IS NULL \
             OR json_extract(agreement_json, '$.created_at') IS NULL \
             OR ?8 >= json_extract(agreement_json, '$.created_at'))))"
    );
    let progress = i64::from(agreement.status.progress());
    let params = vec![json.into(), progress.into(), agreement.id.as_str().into(), agreement.created_at.into()];
    update(db, key, now, &sql, params).await
}

/// Records a design's financings (replacing those of any design before).
pub async fn record_financings(
    db: &dyn Database,
    key: &OpportunityKey,
    design_id: &str,
    financings_json: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let sql = format!("UPDATE sales SET financings_json = ?5, financings_design_id = ?6, updated_at = ?4 {WHERE_KEY}");
    update(db, key, now, &sql, vec![financings_json.into(), design_id.into()]).await
}

/// Records the web proposal's link (`None`: Aurora has none now).
pub async fn record_web_proposal(
    db: &dyn Database,
    key: &OpportunityKey,
    url: Option<&str>,
    now: i64,
) -> Result<bool, StorageError> {
    let sql = format!("UPDATE sales SET web_proposal_url = ?5, updated_at = ?4 {WHERE_KEY}");
    update(db, key, now, &sql, vec![url.into()]).await
}

/// Adds a milestone (`widget_api::Milestone` as JSON) unless one of its stage is there:
/// Aurora repeats deliveries. False when it was there.
pub async fn add_milestone(
    db: &dyn Database,
    key: &OpportunityKey,
    stage: &str,
    milestone_json: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let sql = format!(
        "UPDATE sales SET milestones_json = json_insert(milestones_json, '$[#]', json(?5)), updated_at = ?4 \
         {WHERE_KEY} AND NOT EXISTS (SELECT 1 FROM json_each(milestones_json) m \
         WHERE json_extract(m.value, '$.stage') = ?6)"
    );
    update(db, key, now, &sql, vec![milestone_json.into(), stage.into()]).await
}

/// Keeps the design as sold (`widget_api::SoldDesign` as JSON), once: false when a sold
/// design is kept already (it is never replaced).
pub async fn keep_sold(
    db: &dyn Database,
    key: &OpportunityKey,
    sold_json: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let sql = format!("UPDATE sales SET sold_json = ?5, updated_at = ?4 {WHERE_KEY} AND sold_json IS NULL");
    update(db, key, now, &sql, vec![sold_json.into()]).await
}

/// The sale of an opportunity, if anything of it was reported.
pub async fn find(db: &dyn Database, key: &OpportunityKey) -> Result<Option<SaleRecord>, StorageError> {
    let rows = query_as(
        db,
        &format!(
            "SELECT agreement_json, financings_json, financings_design_id, web_proposal_url, milestones_json, \
             sold_json FROM sales {WHERE_KEY}"
        ),
        &key.params(),
    )
    .await?;
    Ok(rows.into_iter().next())
}

/// The opportunity whose stored design (or sold design) is `design_id`, for events that
/// name only a design (a lender's status).
pub async fn opportunity_of_design(
    db: &dyn Database,
    tenant: &str,
    design_id: &str,
) -> Result<Option<OpportunityKey>, StorageError> {
    let rows: Vec<OpportunityKey> = query_as(
        db,
        "SELECT d.crm, d.account_id, d.opportunity_id FROM designs d \
         JOIN projects p ON p.crm = d.crm AND p.account_id = d.account_id AND p.opportunity_id = d.opportunity_id \
         WHERE p.aurora_tenant_id = ?1 AND d.aurora_design_id = ?2 \
         UNION SELECT s.crm, s.account_id, s.opportunity_id FROM sales s \
         JOIN projects p ON p.crm = s.crm AND p.account_id = s.account_id AND p.opportunity_id = s.opportunity_id \
         WHERE p.aurora_tenant_id = ?1 AND (json_extract(s.sold_json, '$.design_id') = ?2 OR s.financings_design_id = ?2) \
         LIMIT 1",
        &[tenant.into(), design_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}
