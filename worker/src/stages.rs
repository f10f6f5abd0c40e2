//! The CRM's stage kept in step with the sale. An admin maps steps of the sale (a design
//! ready, the agreement sent, signed, the financing approved, the project sold) to their
//! CRM's own stages; when a step happens the opportunity is moved there, **forward only**:
//! never back, never out of a closed stage (won or lost), never into another pipeline, and
//! so never past what a person did. Whoever set the stage the opportunity has now (a
//! person or we), a move happens only when the step's stage comes after it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A step of the sale that may move the opportunity's stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleStep {
    /// Aurora's design is ready.
    DesignReady,
    /// The agreement was sent for signature.
    AgreementSent,
    /// The homeowner signed.
    AgreementSigned,
    /// The lender approved the loan.
    FinancingApproved,
    /// Aurora's "sold" milestone.
    Sold,
}

impl SaleStep {
    /// Every step, in the order a sale usually goes.
    pub const ALL: [SaleStep; 5] = [
        SaleStep::DesignReady,
        SaleStep::AgreementSent,
        SaleStep::AgreementSigned,
        SaleStep::FinancingApproved,
        SaleStep::Sold,
    ];

    /// Its name in storage and in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            SaleStep::DesignReady => "design_ready",
            SaleStep::AgreementSent => "agreement_sent",
            SaleStep::AgreementSigned => "agreement_signed",
            SaleStep::FinancingApproved => "financing_approved",
            SaleStep::Sold => "sold",
        }
    }

    /// The step called `name`.
    pub fn parse(name: &str) -> Option<SaleStep> {
        SaleStep::ALL.into_iter().find(|step| step.as_str() == name)
    }

    /// As the admin reads it.
    pub fn label(self) -> &'static str {
        match self {
            SaleStep::DesignReady => "The design is ready",
            SaleStep::AgreementSent => "The agreement is sent for signature",
            SaleStep::AgreementSigned => "The agreement is signed",
            SaleStep::FinancingApproved => "The lender approves the financing",
            SaleStep::Sold => "Aurora marks the project sold",
        }
    }
}

/// The admin's choice: the CRM stage (its id) each step moves an opportunity to; a step
/// not in it moves nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageMap(pub BTreeMap<SaleStep, String>);

impl StageMap {
    /// The map stored as `json`; none when nothing was chosen (or it does not read).
    pub fn read(json: Option<&str>) -> StageMap {
        json.and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
    }

    /// The stage `step` moves to, if the admin chose one.
    pub fn stage_for(&self, step: SaleStep) -> Option<&str> {
        self.0.get(&step).map(String::as_str)
    }
}

/// One of the CRM's stages for opportunities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmStage {
    /// The CRM's id for it (what is written to the opportunity).
    pub id: String,
    /// Its name in the CRM.
    pub label: String,
    /// The pipeline it belongs to (its id), for CRMs with several.
    pub pipeline: String,
    /// The pipeline's name.
    pub pipeline_label: String,
    /// Its place in the pipeline: later stages have larger numbers.
    pub order: i64,
    /// A stage that ends the opportunity (won or lost).
    pub closed: bool,
}

/// Where an opportunity is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentStage {
    /// Its stage's id.
    pub stage_id: String,
    /// Closed by its status besides its stage (Pipedrive's won and lost deals).
    pub closed: bool,
}

/// Whether an opportunity moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// To this stage.
    Move(CrmStage),
    /// It is there already, or further along: left where it is.
    AlreadyThereOrBeyond,
    /// Won or lost: left alone.
    Closed,
    /// Its stage is in another pipeline than the step's stage: a person put it there.
    OtherPipeline,
    /// The step's stage, or the opportunity's, is not among the CRM's stages now (removed
    /// since the admin chose it).
    UnknownStage,
}

/// Where an opportunity at `current` goes for a step whose stage is `target`, given the
/// CRM's `stages`.
pub fn decide(stages: &[CrmStage], current: &CurrentStage, target: &str) -> Decision {
    let (Some(now), Some(wanted)) =
        (stages.iter().find(|s| s.id == current.stage_id), stages.iter().find(|s| s.id == target))
    else {
        return Decision::UnknownStage;
    };
    if current.closed || now.closed {
        Decision::Closed
    } else if now.pipeline != wanted.pipeline {
        Decision::OtherPipeline
    } else if wanted.order <= now.order {
        Decision::AlreadyThereOrBeyond
    } else {
        Decision::Move(wanted.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages() -> Vec<CrmStage> {
        let stage = |id: &str, pipeline: &str, order: i64, closed: bool| CrmStage {
            id: id.into(),
            label: id.into(),
            pipeline: pipeline.into(),
            pipeline_label: pipeline.into(),
            order,
            closed,
        };
        vec![
            stage("qualified", "sales", 1, false),
            stage("proposal", "sales", 2, false),
            stage("contract", "sales", 3, false),
            stage("won", "sales", 4, true),
            stage("lost", "sales", 5, true),
            stage("install", "projects", 1, false),
        ]
    }

    fn at(stage: &str) -> CurrentStage {
        CurrentStage { stage_id: stage.into(), closed: false }
    }

    #[test]
    fn an_opportunity_moves_forward_only() {
        assert!(matches!(decide(&stages(), &at("qualified"), "contract"), Decision::Move(s) if s.id == "contract"));
        assert_eq!(decide(&stages(), &at("contract"), "proposal"), Decision::AlreadyThereOrBeyond, "never back");
        assert_eq!(decide(&stages(), &at("contract"), "contract"), Decision::AlreadyThereOrBeyond);
    }

    #[test]
    fn a_persons_stage_is_never_overridden() {
        // A person moved it past the step's stage, closed it, or put it in another pipeline.
        assert_eq!(decide(&stages(), &at("contract"), "proposal"), Decision::AlreadyThereOrBeyond);
        assert_eq!(decide(&stages(), &at("lost"), "contract"), Decision::Closed);
        assert_eq!(
            decide(&stages(), &CurrentStage { stage_id: "proposal".into(), closed: true }, "contract"),
            Decision::Closed
        );
        assert_eq!(decide(&stages(), &at("install"), "contract"), Decision::OtherPipeline);
        assert_eq!(decide(&stages(), &at("qualified"), "gone"), Decision::UnknownStage);
    }

    #[test]
    fn the_map_reads_what_it_wrote_and_nothing_from_nothing() {
        let mut map = StageMap::default();
        map.0.insert(SaleStep::AgreementSigned, "contract".into());
        let json = serde_json::to_string(&map).expect("json");
        assert_eq!(json, r#"{"agreement_signed":"contract"}"#);
        assert_eq!(StageMap::read(Some(&json)).stage_for(SaleStep::AgreementSigned), Some("contract"));
        assert_eq!(StageMap::read(None), StageMap::default());
        assert_eq!(StageMap::read(Some("not json")), StageMap::default());
        assert_eq!(SaleStep::parse("financing_approved"), Some(SaleStep::FinancingApproved));
    }
}
