use super::{
    ArrayList, BillOfMaterials, DesignFigures, Equipment, OpenInAurora, PriceBreakdown, ProductionChart, SaleDetails,
    drift_notice, price_line, sale_line,
};
use crate::{format, words::Surface};
use leptos::{either::Either, prelude::*};
use widget_api::{Action, DesignView};

/// The finished design, as a rep reads it at a glance: figures first, then production by
/// month; arrays, equipment and parts in sections that start closed in a record page's
/// panel (a click away, the panel stays short) and open in a CRM's large surface. A panel
/// whose CRM has that larger surface shows the summary only, and a button to open the rest
/// there (see [`Surface`]).
#[component]
pub fn DesignReady(
    design: DesignView,
    /// The project in Aurora's app.
    aurora_url: String,
) -> impl IntoView {
    let DesignView {
        designed_at,
        system_size_stc,
        system_size_ac,
        system_size_ptc,
        production,
        arrays,
        string_inverters,
        storage_inverters,
        batteries,
        storage_mode,
        bill_of_materials,
        price,
        sale,
    } = design;
    let chart = match &production {
        Some(production) => Either::Left(view! { <ProductionChart monthly=production.monthly.clone() /> }),
        None => Either::Right(
            view! { <p class="hint" data-testid="no-production">"Production has not been simulated for this design yet."</p> },
        ),
    };
    let surface = crate::words::surface();
    let open = surface == Surface::Full;
    let arrays_count = count(arrays.len(), "array", "arrays");
    let pieces = string_inverters.len() + storage_inverters.len() + batteries.len();
    let equipment_count = count(pieces, "piece", "pieces");
    let parts_count = count(bill_of_materials.len(), "line", "lines");
    let outdated = production.as_ref().is_some_and(|p| !p.up_to_date).then(|| {
        view! { <p class="notice" data-testid="outdated">"The design changed after its last simulation: production figures may be out of date."</p> }
    });
    view! {
        <article class="state state-design-ready" data-testid="state-design-ready">
            <div class="design-main">
                <p class="status-line ready" tabindex="-1" data-focus="">"Design ready"</p>
                {drift_notice(&sale, price.as_ref().and_then(|p| p.currency.as_deref()))}
                <DesignFigures size_stc=system_size_stc size_ac=system_size_ac size_ptc=system_size_ptc production />
                {price.as_ref().map(price_line)}
                {sale_line(&sale)}
                {outdated}
                {chart}
            </div>
            {(surface == Surface::Summary).then(|| view! {
                <button type="button" class="secondary view-design" data-testid="view-design" data-action=Action::ViewDesign.as_str()>
                    "View design"
                </button>
            })}
            {(surface != Surface::Summary).then(|| view! {
            <div class="design-details">
                {(!sale.is_empty()).then(|| view! {
                    <details class="design-section" data-testid="section-sale" open=true>
                        <summary><span class="section-title">"Sale"</span></summary>
                        <SaleDetails sale=sale.clone() />
                    </details>
                })}
                {price.map(|price| view! {
                    <details class="design-section" data-testid="section-price" open=open>
                        <summary><span class="section-title">"Price"</span></summary>
                        <PriceBreakdown price />
                    </details>
                })}
                <details class="design-section" data-testid="section-arrays" open=open>
                    <summary><span class="section-title">"Arrays"</span><span class="section-count">{arrays_count}</span></summary>
                    <ArrayList arrays />
                </details>
                <details class="design-section" data-testid="section-equipment" open=open>
                    <summary><span class="section-title">"Equipment"</span><span class="section-count">{equipment_count}</span></summary>
                    <Equipment string_inverters storage_inverters batteries storage_mode />
                </details>
                <details class="design-section" data-testid="section-parts" open=open>
                    <summary><span class="section-title">"Bill of materials"</span><span class="section-count">{parts_count}</span></summary>
                    <BillOfMaterials items=bill_of_materials />
                </details>
            </div>
            })}
            <footer class="design-footer">
                <span data-testid="designed-on">"Designed "{format::date(&designed_at)}</span>
                <OpenInAurora url=aurora_url />
            </footer>
        </article>
    }
}

/// "1 array", "3 arrays", "none".
fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => "none".to_owned(),
        1 => format!("1 {one}"),
        n => format!("{} {many}", crate::format::number(n as f64, 0)),
    }
}
