use super::{Fact, fact_list};
use crate::format;
use aurora_api::{Agreement, AgreementStatus, Financing, sale::LenderStage};
use leptos::prelude::*;
use widget_api::{Change, SaleView};

/// An agreement's status as a rep says it.
pub fn agreement_words(status: &AgreementStatus) -> String {
    match status {
        AgreementStatus::Sent => "Sent for signature".to_owned(),
        AgreementStatus::Viewed => "Viewed by the homeowner".to_owned(),
        AgreementStatus::Signed => "Signed".to_owned(),
        AgreementStatus::Declined => "Declined by the homeowner".to_owned(),
        AgreementStatus::CancelPending => "Being canceled".to_owned(),
        AgreementStatus::Canceled => "Canceled".to_owned(),
        AgreementStatus::Error => "The signing service failed".to_owned(),
        AgreementStatus::Other(word) => format::label(word),
    }
}

/// A lender's stage as a rep says it.
pub fn lender_words(stage: LenderStage) -> &'static str {
    match stage {
        LenderStage::NotSubmitted => "Not submitted",
        LenderStage::Submitted => "With the lender",
        LenderStage::Approved => "Approved",
        LenderStage::Stipulations => "Approved with stipulations",
        LenderStage::Funded => "Funded",
        LenderStage::Declined => "Declined",
    }
}

/// A financing's kind as a rep says it.
fn option_words(option: &str) -> String {
    match option {
        "cash" => "Cash".to_owned(),
        "loans" | "loan" => "Loan".to_owned(),
        "lease" => "Lease".to_owned(),
        "ppa" => "PPA".to_owned(),
        "levelized_ppa" => "Levelized PPA".to_owned(),
        other => format::label(other),
    }
}

/// Where the sale stands, in one line beside the design's figures (a sidebar has room for
/// one): "Agreement signed · financing approved".
pub fn sale_line(sale: &SaleView) -> Option<impl IntoView + use<>> {
    let mut parts = Vec::new();
    if let Some(agreement) = &sale.agreement {
        parts.push(format!("Agreement {}", agreement_words(&agreement.status).to_lowercase()));
    }
    if let Some(stage) = sale.lender_news() {
        parts.push(format!("financing {}", lender_words(stage).to_lowercase()));
    }
    let line = format::proper_name(&parts.join(" · "));
    (!parts.is_empty()).then(|| fact_list("facts facts-inline", vec![Fact::new("sale-status", "Sale", line)]))
}

/// One change as a rep reads it: "System size", "8.00 kW → 7.20 kW".
pub fn change_words(change: &Change, currency: Option<&str>) -> (String, String) {
    let arrow = |sold: String, now: String| format!("{sold} → {now}");
    match change {
        Change::SystemSize { sold, now } => {
            ("System size".to_owned(), arrow(format::kilowatts(*sold), format::kilowatts(*now)))
        }
        Change::Production { sold, now } => {
            ("Production".to_owned(), arrow(format::kilowatt_hours(*sold), format::kilowatt_hours(*now)))
        }
        Change::Offset { sold, now } => ("Offset".to_owned(), arrow(format::percent(*sold), format::percent(*now))),
        Change::Price { sold, now } => {
            ("Price".to_owned(), arrow(format::money(*sold, currency), format::money(*now, currency)))
        }
        Change::Equipment { part, sold, now } => {
            (part.clone(), arrow(format::number(f64::from(*sold), 0), format::number(f64::from(*now), 0)))
        }
    }
}

/// The alert when the design shown is not the design sold: what changed, from what to
/// what. A change order to settle before install day.
pub fn drift_notice(sale: &SaleView, currency: Option<&str>) -> Option<impl IntoView + use<>> {
    let sold = sale.sold.as_ref().filter(|_| !sale.drift.is_empty())?;
    let rows = sale
        .drift
        .iter()
        .map(|change| {
            let (what, moved) = change_words(change, currency);
            view! { <li data-testid="drift-change"><span class="drift-what">{what}</span>": "{moved}</li> }
        })
        .collect_view();
    Some(view! {
        <div class="notice drift" role="status" data-testid="drift">
            <p class="drift-title">"Changed since it was sold on "{format::date(&sold.sold_at)}</p>
            <ul class="drift-changes">{rows}</ul>
        </div>
    })
}

fn agreement_facts(agreement: &Agreement) -> Vec<Fact> {
    let mut facts = vec![Fact::new("agreement", "Agreement", agreement_words(&agreement.status))];
    if let Some(template) = &agreement.template_name {
        facts.push(Fact::new("agreement-template", "Template", template.clone()));
    }
    facts
}

fn financing_row(financing: &Financing) -> impl IntoView + use<> {
    let name = financing.name.clone().or_else(|| financing.option.as_deref().map(option_words)).unwrap_or_default();
    let kind = financing.option.as_deref().map(option_words).unwrap_or_default();
    let lender = financing.financier.as_ref();
    let provider = lender.and_then(|l| l.provider.as_deref()).map(format::proper_name);
    // "Loan · Sunlight"; a cash option called "Cash" says it once.
    let kind = [Some(kind).filter(|k| !k.is_empty() && *k != name), provider]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let status = lender
        .and_then(|l| l.stage())
        .map(lender_words)
        .map(str::to_owned)
        .or_else(|| lender.and_then(|l| l.provider_status.clone()))
        .unwrap_or_else(|| "—".to_owned());
    let term = financing.term_months.map(|m| format!("{} yr", format::number(f64::from(m) / 12.0, 1)));
    let payment = financing.monthly_payment.map(|p| format!("{}/mo", format::money(p, None)));
    let terms = [term, payment].into_iter().flatten().collect::<Vec<_>>().join(", ");
    let chosen = financing.selected.then_some(" (chosen)");
    view! {
        <tr data-testid="financing">
            <th scope="row">{name}{chosen}<span class="maker">{kind}</span></th>
            <td>{terms}</td>
            <td data-testid="financing-status">{status}</td>
        </tr>
    }
}

/// The sale in full: proposal, agreement, financings, milestones.
#[component]
pub fn SaleDetails(
    /// The sale.
    sale: SaleView,
) -> impl IntoView {
    let mut facts = sale.agreement.as_ref().map(agreement_facts).unwrap_or_default();
    if let Some(sold) = &sale.sold {
        facts.push(Fact::new("sold-on", "Sold", format::date(&sold.sold_at)));
    }
    let proposal = sale.proposal_url.clone().map(|url| {
        view! { <p><a class="aurora-link" href=url target="_blank" rel="noopener" data-testid="proposal-link">"Open the proposal"</a></p> }
    });
    let financings = (!sale.financings.is_empty()).then(|| {
        let rows = sale.financings.iter().map(financing_row).collect_view();
        view! {
            <h4 class="subsection">"Financing"</h4>
            <div class="table-scroll"><table class="financings" data-testid="financings">
                <thead><tr><th scope="col">"Option"</th><th scope="col">"Terms"</th><th scope="col">"Lender status"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
        }
    });
    let milestones = (!sale.milestones.is_empty()).then(|| {
        let items = sale
            .milestones
            .iter()
            .map(|m| view! { <li data-testid="milestone">{format::proper_name(&m.stage)}" · "{format::date(&m.recorded_at)}</li> })
            .collect_view();
        view! { <h4 class="subsection">"Milestones"</h4><ol class="milestones">{items}</ol> }
    });
    view! {
        <div class="sale" data-testid="sale">
            {proposal}
            {(!facts.is_empty()).then(|| fact_list("facts", facts))}
            {financings}
            {milestones}
        </div>
    }
}
