//! After the design: the sale as the rep follows it beside the design. The agreement's
//! status, the financings and their lenders, the proposal link, Aurora's milestones, and
//! the design as it was sold, which later designs are compared with ("drift").

use crate::DesignView;
use aurora_api::{Agreement, Financing, KilowattHours, Watts};
use serde::{Deserialize, Serialize};

/// What Aurora reported of the sale, for the rep. Every part is absent where the tenant's
/// plan does not provide it, or before it happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SaleView {
    /// The homeowner's web proposal.
    #[serde(default)]
    pub proposal_url: Option<String>,
    /// The newest agreement sent for signature.
    #[serde(default)]
    pub agreement: Option<Agreement>,
    /// The design's financing options (the homeowner's choice first).
    #[serde(default)]
    pub financings: Vec<Financing>,
    /// Aurora's project milestones, oldest first.
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// The design as it was sold.
    #[serde(default)]
    pub sold: Option<SoldDesign>,
    /// What differs in the design shown from the one sold; empty when nothing does.
    #[serde(default)]
    pub drift: Vec<Change>,
}

impl SaleView {
    /// Where the chosen financing's lender stands, when that is news: a loan quoted and not
    /// yet sent to its lender is none.
    pub fn lender_news(&self) -> Option<aurora_api::sale::LenderStage> {
        let lender = self.financings.first()?.financier.as_ref()?;
        lender.stage().filter(|stage| *stage != aurora_api::sale::LenderStage::NotSubmitted)
    }

    /// Whether there is anything of the sale to show.
    pub fn is_empty(&self) -> bool {
        self.proposal_url.is_none()
            && self.agreement.is_none()
            && self.financings.is_empty()
            && self.milestones.is_empty()
            && self.sold.is_none()
    }
}

/// A milestone Aurora recorded for the project (`milestone_created`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    /// Aurora's word: `sold`, `installed`, or the tenant's own.
    pub stage: String,
    /// When it reached us: RFC 3339 (Aurora's delivery carries no time).
    pub recorded_at: String,
}

/// The design as it was when the sale was made: written once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoldDesign {
    /// Aurora's design id.
    pub design_id: String,
    /// When it was sold: RFC 3339.
    pub sold_at: String,
    /// DC size.
    #[serde(default)]
    pub system_size_stc: Option<Watts>,
    /// Simulated production per year.
    #[serde(default)]
    pub annual_production: Option<KilowattHours>,
    /// Offset, percent.
    #[serde(default)]
    pub offset_percent: Option<f64>,
    /// The price, storage included.
    #[serde(default)]
    pub price: Option<f64>,
    /// The main equipment and how many of each: modules, inverters, batteries.
    #[serde(default)]
    pub equipment: Vec<(String, u32)>,
}

/// One figure of the design that changed since it was sold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Change {
    /// The DC size.
    SystemSize {
        /// As sold.
        sold: Watts,
        /// Now.
        now: Watts,
    },
    /// Production per year.
    Production {
        /// As sold.
        sold: KilowattHours,
        /// Now.
        now: KilowattHours,
    },
    /// Offset, percent.
    Offset {
        /// As sold.
        sold: f64,
        /// Now.
        now: f64,
    },
    /// The price.
    Price {
        /// As sold.
        sold: f64,
        /// Now.
        now: f64,
    },
    /// A part's count (0 where the part is new or gone).
    Equipment {
        /// The part's name.
        part: String,
        /// As sold.
        sold: u32,
        /// Now.
        now: u32,
    },
}

/// The kinds of part a change order is about (mounting hardware and wiring are not).
const MAIN_EQUIPMENT: [&str; 5] = ["modules", "inverters", "microinverters", "batteries", "dc_optimizers"];

impl SoldDesign {
    /// `design` (Aurora's `design_id`) as sold at `sold_at`.
    pub fn of(design: &DesignView, design_id: &str, sold_at: &str) -> Self {
        SoldDesign {
            design_id: design_id.to_owned(),
            sold_at: sold_at.to_owned(),
            system_size_stc: design.system_size_stc,
            annual_production: design.production.as_ref().and_then(|p| p.annual),
            offset_percent: design.production.as_ref().and_then(|p| p.offset_percent),
            price: design.price.as_ref().and_then(|p| p.system_cost),
            equipment: equipment(design),
        }
    }

    /// What differs in `design` from this one, in the order a rep reads a design: size,
    /// production, offset, price, then each part. Differences below what the widget shows
    /// (a watt, a kWh, half a point of offset, a dollar) are none.
    pub fn changes(&self, design: &DesignView) -> Vec<Change> {
        let now = SoldDesign::of(design, &self.design_id, &self.sold_at);
        let mut changes = Vec::new();
        let moved = |a: f64, b: f64, least: f64| (a - b).abs() >= least;
        if let (Some(sold), Some(now)) = (self.system_size_stc, now.system_size_stc)
            && moved(sold.0, now.0, 1.0)
        {
            changes.push(Change::SystemSize { sold, now });
        }
        if let (Some(sold), Some(now)) = (self.annual_production, now.annual_production)
            && moved(sold.0, now.0, 1.0)
        {
            changes.push(Change::Production { sold, now });
        }
        if let (Some(sold), Some(now)) = (self.offset_percent, now.offset_percent)
            && moved(sold, now, 0.5)
        {
            changes.push(Change::Offset { sold, now });
        }
        if let (Some(sold), Some(now)) = (self.price, now.price)
            && moved(sold, now, 1.0)
        {
            changes.push(Change::Price { sold, now });
        }
        let count = |list: &[(String, u32)], part: &str| list.iter().find(|(p, _)| p == part).map_or(0, |(_, n)| *n);
        let mut parts: Vec<&String> = Vec::new();
        for (part, _) in self.equipment.iter().chain(now.equipment.iter()) {
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        for part in parts {
            let (sold, now) = (count(&self.equipment, part), count(&now.equipment, part));
            if sold != now {
                changes.push(Change::Equipment { part: part.clone(), sold, now });
            }
        }
        changes
    }
}

/// The main equipment of a design, by name, counted.
fn equipment(design: &DesignView) -> Vec<(String, u32)> {
    let mut parts: Vec<(String, u32)> = Vec::new();
    for part in &design.bill_of_materials {
        let main = part.kind.as_deref().is_some_and(|k| MAIN_EQUIPMENT.contains(&k));
        let (Some(name), Some(quantity)) = (part.name.as_deref(), part.quantity) else { continue };
        if !(main && quantity.is_finite() && quantity > 0.0) {
            continue;
        }
        let quantity = quantity.round().min(f64::from(u32::MAX)) as u32;
        match parts.iter_mut().find(|(n, _)| n == name) {
            Some((_, n)) => *n = n.saturating_add(quantity),
            None => parts.push((name.to_owned(), quantity)),
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PartView, ProductionView};

    fn design(size: f64, modules: f64, price: f64) -> DesignView {
        DesignView {
            system_size_stc: Some(Watts(size)),
            production: Some(ProductionView {
                up_to_date: true,
                annual: Some(KilowattHours(size * 1.4)),
                offset_percent: Some(90.0),
                monthly: vec![],
            }),
            bill_of_materials: vec![
                PartView {
                    kind: Some("modules".into()),
                    name: Some("Q.PEAK 400".into()),
                    manufacturer: None,
                    sku: None,
                    quantity: Some(modules),
                },
                PartView {
                    kind: Some("racking_components".into()),
                    name: Some("Rail".into()),
                    manufacturer: None,
                    sku: None,
                    quantity: Some(modules * 2.0),
                },
            ],
            price: Some(aurora_api::DesignPricing {
                system_cost: Some(price),
                price_per_watt: None,
                currency: None,
                components: vec![],
                storage_components: vec![],
            }),
            ..DesignView::default()
        }
    }

    #[test]
    fn the_same_design_has_not_drifted() {
        let sold = SoldDesign::of(&design(8000.0, 20.0, 22800.0), "d1", "2026-12-01T00:00:00Z");
        assert_eq!(sold.changes(&design(8000.4, 20.0, 22800.2)), vec![], "below what the widget shows");
    }

    #[test]
    fn a_smaller_system_shows_each_figure_that_moved() {
        let sold = SoldDesign::of(&design(8000.0, 20.0, 22800.0), "d1", "2026-12-01T00:00:00Z");
        let changes = sold.changes(&design(7200.0, 18.0, 20520.0));
        assert_eq!(
            changes,
            vec![
                Change::SystemSize { sold: Watts(8000.0), now: Watts(7200.0) },
                Change::Production { sold: KilowattHours(11200.0), now: KilowattHours(10080.0) },
                Change::Price { sold: 22800.0, now: 20520.0 },
                Change::Equipment { part: "Q.PEAK 400".into(), sold: 20, now: 18 },
            ],
            "the racking is no change order"
        );
    }

    #[test]
    fn a_part_swapped_for_another_is_two_changes() {
        let sold = SoldDesign::of(&design(8000.0, 20.0, 22800.0), "d1", "t");
        let mut now = design(8000.0, 20.0, 22800.0);
        now.bill_of_materials[0].name = Some("REC Alpha 400".into());
        let changes = sold.changes(&now);
        assert_eq!(
            changes,
            vec![
                Change::Equipment { part: "Q.PEAK 400".into(), sold: 20, now: 0 },
                Change::Equipment { part: "REC Alpha 400".into(), sold: 0, now: 20 },
            ]
        );
    }
}
