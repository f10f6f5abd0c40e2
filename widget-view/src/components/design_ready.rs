use super::{ArrayList, BillOfMaterials, DesignFigures, Equipment, OpenInAurora, ProductionChart};
use crate::format;
use leptos::{either::Either, prelude::*};
use widget_api::DesignView;

/// The finished design, as a rep reads it at a glance: figures first, then production by
/// month, arrays, equipment and parts.
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
    } = design;
    let chart = match &production {
        Some(production) => Either::Left(view! { <ProductionChart monthly=production.monthly.clone() /> }),
        None => Either::Right(
            view! { <p class="hint" data-testid="no-production">"Production has not been simulated for this design yet."</p> },
        ),
    };
    let outdated = production.as_ref().is_some_and(|p| !p.up_to_date).then(|| {
        view! { <p class="notice" data-testid="outdated">"The design changed after its last simulation: production figures may be out of date."</p> }
    });
    view! {
        <article class="state state-design-ready" data-testid="state-design-ready">
            <p class="status-line ready" tabindex="-1" data-focus="">"Design ready"</p>
            <DesignFigures size_stc=system_size_stc size_ac=system_size_ac size_ptc=system_size_ptc production />
            {outdated}
            {chart}
            <h3>"Arrays"</h3>
            <ArrayList arrays />
            <Equipment string_inverters storage_inverters batteries storage_mode />
            <h3>"Bill of materials"</h3>
            <BillOfMaterials items=bill_of_materials />
            <footer class="design-footer">
                <span data-testid="designed-on">"Designed "{format::date(&designed_at)}</span>
                <OpenInAurora url=aurora_url />
            </footer>
        </article>
    }
}
