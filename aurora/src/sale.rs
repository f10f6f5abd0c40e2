//! After the design: the sale as Aurora holds it. Agreements (e-signature), financings
//! and their lenders' statuses, the web proposal. `CONTRACT.md` ("After the design") has
//! the evidence for each line; in short:
//!
//! - Agreement: `GET /tenants/{t}/agreements/{id}` answers `{"agreement": {id, project_id,
//!   design_id, agreement_template_name, status, signing_provider, ...}}`; status is one of
//!   `sent viewed signed declined canceled cancel_pending error` [int: sundial-core's
//!   reference of Aurora's OpenAPI 2024.05; doc: https://docs.aurorasolar.com/v2018.01/reference/agreements
//!   names the statuses and says deliveries come duplicated and out of order]. Aurora's
//!   changelog spells `cancel-pending` with a hyphen in the webhook's filter: both read.
//! - The signed document: `POST /tenants/{t}/agreements/{id}/download_url/run` starts a
//!   job (DocuSign only, status must be `signed`); `GET .../download_url/status?job_id=`
//!   answers `{"agreement_download_url_job": {status, file_url, ...}}`, the URL good for
//!   15 minutes [int].
//! - Financings: design-scoped, `GET /tenants/{t}/designs/{d}/financings[/{id}]`, one
//!   `{"financing": {...}}` or a list `{"financings": [...]}` [int for the single one and
//!   its fields; the list's wrapper is our reading of Aurora's plural convention].
//! - Web proposal: `GET /tenants/{t}/designs/{d}/web_proposal` answers `{url, url_expired}`
//!   [doc: https://docs.aurorasolar.com/docs/retrieve-web-proposal-url], wrapper or none.
//!
//! Everything is read leniently: a wrapper or none, money as a number or text, unknown
//! fields ignored, statuses Aurora adds later kept by name.

use crate::pricing::money;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An agreement's status, Aurora's words.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    /// Sent to the homeowner.
    Sent,
    /// The homeowner opened it.
    Viewed,
    /// Signed: the sale is made.
    Signed,
    /// The homeowner declined.
    Declined,
    /// Being withdrawn.
    CancelPending,
    /// Withdrawn.
    Canceled,
    /// The signing provider failed.
    Error,
    /// A status Aurora added after this was written.
    Other(String),
}

impl AgreementStatus {
    /// Reads Aurora's word (`cancel-pending` and `cancelled` too).
    pub fn parse(word: &str) -> Self {
        match word.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "sent" => Self::Sent,
            "viewed" => Self::Viewed,
            "signed" => Self::Signed,
            "declined" => Self::Declined,
            "cancel_pending" => Self::CancelPending,
            "canceled" | "cancelled" => Self::Canceled,
            "error" => Self::Error,
            other => Self::Other(other.to_owned()),
        }
    }

    /// How far along an agreement in this status is. Deliveries come out of order, so a
    /// status read from a delivery (when the agreement itself cannot be read) replaces
    /// the one held only when it is at least as far along: a late `viewed` never undoes
    /// `signed`, while a `canceled` after `signed` is kept (a sale can be withdrawn).
    pub fn progress(&self) -> u8 {
        match self {
            Self::Other(_) => 0,
            Self::Sent => 1,
            Self::Viewed | Self::Error => 2,
            Self::Signed | Self::Declined => 3,
            Self::CancelPending => 4,
            Self::Canceled => 5,
        }
    }
}

/// An agreement sent for signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Aurora's id.
    pub id: String,
    /// The design it sells, when given.
    #[serde(default)]
    pub design_id: Option<String>,
    /// The project, when given.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Its status now.
    pub status: AgreementStatus,
    /// The template's name, e.g. "Residential PPA".
    #[serde(default)]
    pub template_name: Option<String>,
    /// `docusign` or `dropbox_sign`.
    #[serde(default)]
    pub signing_provider: Option<String>,
    /// When it was created, unix seconds (Aurora's `"YYYY-MM-DD HH:MM:SS UTC"`): of two
    /// agreements of one project, the newer is the one the sale stands on.
    #[serde(default)]
    pub created_at: Option<i64>,
}

/// A financing option of a design, and its lender's part.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Financing {
    /// Aurora's id.
    pub id: String,
    /// Its name in Aurora, e.g. "GoodLeap 25 yr 3.99%".
    #[serde(default)]
    pub name: Option<String>,
    /// `cash`, `loans`, `lease`, `ppa`, `levelized_ppa`, or a kind added later.
    #[serde(default)]
    pub option: Option<String>,
    /// Chosen in Sales Mode (the one the homeowner picked).
    #[serde(default)]
    pub selected: bool,
    /// What the customer pays in all.
    #[serde(default)]
    pub system_price: Option<f64>,
    /// A loan's term, months.
    #[serde(default)]
    pub term_months: Option<u32>,
    /// The payment per month (a loan's first month, a lease's or PPA's).
    #[serde(default)]
    pub monthly_payment: Option<f64>,
    /// A loan's down payment.
    #[serde(default)]
    pub down_payment: Option<f64>,
    /// The lender, when the financing has one.
    #[serde(default)]
    pub financier: Option<Financier>,
}

/// A financing's lender and where its application stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Financier {
    /// The lender ("mosaic", "sungage", or a custom financier's name).
    #[serde(default)]
    pub provider: Option<String>,
    /// Aurora's status of an integrated lender's application: `created quoted submitted
    /// pre_approved rejected canceled failed_to_be_quoted`.
    #[serde(default)]
    pub status: Option<String>,
    /// The lender's own word (`financier_contract_status_changed`'s
    /// `<EXTERNAL_PROVIDER_STATUS>`), e.g. "Approved", "Stips Pending", "Funded".
    #[serde(default)]
    pub provider_status: Option<String>,
    /// What the lender approved.
    #[serde(default)]
    pub approved_amount: Option<f64>,
}

/// Where a lender's application stands, in the words a rep and a stage mapping use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LenderStage {
    /// Nothing sent to the lender yet (created, quoted).
    NotSubmitted,
    /// With the lender.
    Submitted,
    /// Approved (pre-approved included).
    Approved,
    /// Approved with conditions (stipulations) to clear.
    Stipulations,
    /// The loan is paid out.
    Funded,
    /// Declined, canceled or failed.
    Declined,
}

impl Financier {
    /// The stage of the application: the lender's own word when it names one (it is the
    /// newer: Aurora passes it through as it changes), else Aurora's status.
    pub fn stage(&self) -> Option<LenderStage> {
        let word = |w: &str| -> Option<LenderStage> {
            let w = w.to_ascii_lowercase();
            let has = |needle: &str| w.contains(needle);
            Some(if has("fund") {
                LenderStage::Funded
            } else if has("stip") || has("condition") {
                LenderStage::Stipulations
            } else if has("declin") || has("reject") || has("cancel") || has("fail") || has("denied") {
                LenderStage::Declined
            } else if has("approv") {
                LenderStage::Approved
            } else if has("submit") || has("review") || has("pending") {
                LenderStage::Submitted
            } else if has("created") || has("quoted") {
                LenderStage::NotSubmitted
            } else {
                return None;
            })
        };
        self.provider_status.as_deref().and_then(word).or_else(|| self.status.as_deref().and_then(word))
    }
}

/// A design's web proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebProposal {
    /// The homeowner's link to the proposal.
    pub url: String,
    /// Aurora says the link has expired (a new one is generated on request).
    #[serde(default)]
    pub url_expired: bool,
}

/// Where the job making a signed agreement's download link stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DownloadJob {
    /// Still running.
    Running,
    /// Done: the document's URL, good for 15 minutes.
    Ready(String),
    /// Aurora could not make it.
    Failed(String),
}

/// Why an answer does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

/// `answer[key]` when it is an object, else the answer itself.
fn unwrapped<'a>(answer: &'a Value, key: &str) -> &'a Value {
    answer.get(key).filter(|v| v.is_object()).unwrap_or(answer)
}

fn text(value: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match value.get(*k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn amount(value: &Value, keys: &[&str]) -> Option<f64> {
    keys.iter().find_map(|k| value.get(*k).and_then(money))
}

/// The agreement in an answer of Retrieve Agreement.
pub fn read_agreement(answer: &Value) -> Result<Agreement, Unreadable> {
    let agreement = unwrapped(answer, "agreement");
    let id = text(agreement, &["id"]).ok_or_else(|| Unreadable("the agreement has no `id`".into()))?;
    let status = text(agreement, &["status"]).ok_or_else(|| Unreadable("the agreement has no `status`".into()))?;
    Ok(Agreement {
        id,
        design_id: text(agreement, &["design_id"]),
        project_id: text(agreement, &["project_id"]),
        status: AgreementStatus::parse(&status),
        template_name: text(agreement, &["agreement_template_name", "template_name", "name"]),
        signing_provider: text(agreement, &["signing_provider"]),
        created_at: text(agreement, &["created_at"])
            .and_then(|t| crate::Timestamp::parse(&t).ok())
            .map(|t| t.unix_seconds()),
    })
}

/// One financing object.
fn financing(value: &Value) -> Option<Financing> {
    let financier = value.get("financier").filter(|f| f.is_object()).map(|f| {
        let external = f.get("external").cloned().unwrap_or(Value::Null);
        Financier {
            provider: text(f, &["provider", "name"]),
            status: text(f, &["status"]),
            provider_status: text(&external, &["provider_status"]).or_else(|| text(f, &["provider_status"])),
            approved_amount: amount(f, &["approved_loan_amount", "approved_amount"]),
        }
    });
    let loan = value.get("loans").and_then(Value::as_array).and_then(|l| l.first()).cloned().unwrap_or(Value::Null);
    Some(Financing {
        id: text(value, &["id"])?,
        name: text(value, &["name"]),
        option: text(value, &["financing_option", "option", "type"]),
        selected: value.get("selected_in_sales_mode").and_then(Value::as_bool).unwrap_or(false),
        system_price: amount(value, &["system_price"]),
        term_months: loan
            .get("duration_months")
            .or_else(|| value.get("term_months"))
            .and_then(|m| m.as_u64().or_else(|| m.as_f64().map(|f| f as u64)))
            .and_then(|m| u32::try_from(m).ok()),
        monthly_payment: amount(value, &["monthly_payment_first_month", "monthly_payment"]),
        down_payment: amount(value, &["down_payment"]),
        financier,
    })
}

/// The financings in an answer of List Financings (or of Retrieve Financing).
pub fn read_financings(answer: &Value) -> Result<Vec<Financing>, Unreadable> {
    let list = ["financings", "data"].iter().find_map(|k| answer.get(*k)?.as_array()).or_else(|| answer.as_array());
    match list {
        Some(items) => Ok(items.iter().filter_map(financing).collect()),
        None => financing(unwrapped(answer, "financing"))
            .map(|f| vec![f])
            .ok_or_else(|| Unreadable("neither a list of financings nor a financing with an `id`".into())),
    }
}

/// The web proposal in an answer of Retrieve Web Proposal URL; `None` when Aurora has
/// none for the design yet (no URL, or an empty one).
pub fn read_web_proposal(answer: &Value) -> Option<WebProposal> {
    let proposal = unwrapped(answer, "web_proposal");
    let url = text(proposal, &["url", "web_proposal_url", "proposal_link"])?;
    (url.starts_with("https://") || url.starts_with("http://")).then(|| WebProposal {
        url,
        url_expired: proposal.get("url_expired").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// The job in an answer of the download URL's run or status.
pub fn read_download_job(answer: &Value) -> Result<DownloadJob, Unreadable> {
    let job = unwrapped(answer, "agreement_download_url_job");
    match text(job, &["status"]).as_deref() {
        Some("succeeded") => text(job, &["file_url", "url"])
            .map(DownloadJob::Ready)
            .ok_or_else(|| Unreadable("a succeeded job without a `file_url`".into())),
        Some("failed") => Ok(DownloadJob::Failed(text(job, &["error", "message"]).unwrap_or_else(|| "failed".into()))),
        Some(_) => Ok(DownloadJob::Running),
        None => Err(Unreadable("the job has no `status`".into())),
    }
}

/// The job's id in the answer of the download URL's run.
pub fn download_job_id(answer: &Value) -> Option<String> {
    text(unwrapped(answer, "agreement_download_url_job"), &["job_id", "id"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_agreement_reads_wrapped_or_bare_in_any_spelling_of_its_status() {
        let wrapped = json!({"agreement": {"id": "a1", "design_id": "d1", "status": "signed",
            "agreement_template_name": "Residential cash", "signing_provider": "docusign", "sent_at": null,
            "created_at": "2023-07-29 04:30:46 UTC"}});
        let read = read_agreement(&wrapped).expect("reads");
        assert_eq!(read.created_at, Some(1_690_605_046));
        assert_eq!(read.status, AgreementStatus::Signed);
        assert_eq!(read.template_name.as_deref(), Some("Residential cash"));
        assert_eq!(
            read_agreement(&json!({"id": "a1", "status": "cancel-pending"})).expect("bare").status,
            AgreementStatus::CancelPending
        );
        assert_eq!(AgreementStatus::parse("Cancelled"), AgreementStatus::Canceled);
        assert_eq!(AgreementStatus::parse("expired"), AgreementStatus::Other("expired".into()));
        assert!(read_agreement(&json!({"agreement": {"status": "sent"}})).is_err(), "no id");
    }

    #[test]
    fn a_late_viewed_never_undoes_signed_but_a_cancel_does() {
        let signed = AgreementStatus::Signed.progress();
        assert!(AgreementStatus::Viewed.progress() < signed);
        assert!(AgreementStatus::Sent.progress() < signed);
        assert!(AgreementStatus::Canceled.progress() > signed);
    }

    #[test]
    fn financings_read_as_a_list_or_one_with_the_lenders_word_first() {
        let list = json!({"financings": [
            {"id": "f1", "name": "GoodLeap 25", "financing_option": "loans", "selected_in_sales_mode": true,
             "system_price": "24,882.00", "monthly_payment_first_month": 118.4, "down_payment": 0,
             "loans": [{"duration_months": 300}],
             "financier": {"type": "integrated", "provider": "goodleap", "status": "submitted",
                           "approved_loan_amount": null, "external": {"provider_status": "Stips Pending"}}},
            {"id": "f2", "financing_option": "cash", "system_price": 24882},
            {"name": "no id: left out"}
        ]});
        let read = read_financings(&list).expect("reads");
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].term_months, Some(300));
        assert_eq!(read[0].system_price, Some(24882.0));
        let lender = read[0].financier.as_ref().expect("a lender");
        assert_eq!(lender.stage(), Some(LenderStage::Stipulations), "the lender's word wins over Aurora's `submitted`");
        assert!(read[1].financier.is_none());
        let one = json!({"financing": {"id": "f3", "financier": {"status": "pre_approved"}}});
        let read = read_financings(&one).expect("reads");
        assert_eq!(read[0].financier.as_ref().and_then(Financier::stage), Some(LenderStage::Approved));
        assert!(read_financings(&json!({"oops": 1})).is_err());
        assert_eq!(read_financings(&json!([])).expect("an empty list"), vec![]);
    }

    #[test]
    fn lender_words_map_to_stages() {
        let stage = |w: &str| {
            Financier { provider: None, status: None, provider_status: Some(w.into()), approved_amount: None }.stage()
        };
        assert_eq!(stage("Funded"), Some(LenderStage::Funded));
        assert_eq!(stage("APPROVED"), Some(LenderStage::Approved));
        assert_eq!(stage("Declined"), Some(LenderStage::Declined));
        assert_eq!(stage("In Review"), Some(LenderStage::Submitted));
        assert_eq!(stage("zzz"), None);
    }

    #[test]
    fn a_web_proposal_reads_when_it_has_a_link() {
        let read = read_web_proposal(&json!({"url": "https://v2.aurorasolar.com/e-proposal/x", "url_expired": true}));
        assert_eq!(read.map(|p| p.url_expired), Some(true));
        assert_eq!(read_web_proposal(&json!({"web_proposal": {"url": null}})), None);
        assert_eq!(read_web_proposal(&json!({"url": "javascript:alert(1)"})), None, "only web links");
    }

    #[test]
    fn a_download_job_reads_in_each_state() {
        let job = |status: &str| json!({"agreement_download_url_job": {"job_id": "j", "status": status, "file_url": "https://x/doc.pdf"}});
        assert_eq!(read_download_job(&job("in-progress")), Ok(DownloadJob::Running));
        assert_eq!(read_download_job(&job("succeeded")), Ok(DownloadJob::Ready("https://x/doc.pdf".into())));
        assert!(matches!(read_download_job(&job("failed")), Ok(DownloadJob::Failed(_))));
        assert_eq!(download_job_id(&job("in-progress")).as_deref(), Some("j"));
    }
}
