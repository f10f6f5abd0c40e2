use super::{Fact, fact_list};
use crate::format;
use leptos::{either::Either, prelude::*};
use widget_api::{ArrayView, PartCount};

/// The design's module arrays: size, direction, pitch, modules, what converts their power,
/// and how much sun they get.
#[component]
pub fn ArrayList(arrays: Vec<ArrayView>) -> impl IntoView {
    if arrays.is_empty() {
        return Either::Left(view! { <p class="hint">"No arrays in this design."</p> });
    }
    let items = arrays
        .into_iter()
        .enumerate()
        .map(|(index, array)| {
            let title = format!("Array {}", index + 1);
            let size = format::given(array.size, format::kilowatts);
            view! {
                <li class="array" data-testid="array">
                    <h4>{title}<span class="array-size">{size}</span></h4>
                    {fact_list("facts", array_facts(array))}
                </li>
            }
        })
        .collect_view();
    Either::Right(view! { <ol class="arrays">{items}</ol> })
}

fn parts(part: PartCount) -> String {
    let count = format::given(part.count, |c| c.to_string());
    format!("{count} × {}", part.name.as_deref().unwrap_or(format::NOT_GIVEN))
}

/// What a rep (or the customer) asks about an array; absent facts are left out, what
/// Aurora left out of a fact reads as a dash.
fn array_facts(array: ArrayView) -> Vec<Fact> {
    let facing = format::given(array.azimuth, |a| format!("{} ({})", format::compass_point(a), format::degrees(a)));
    let modules = format!(
        "{} ({})",
        parts(PartCount { name: array.module_name, count: array.module_count }),
        format::given(array.module_rating, format::watts)
    );
    let mount = match (array.ground_mounted, array.roof_face) {
        (true, _) => "Ground".to_owned(),
        (false, Some(face)) => format!("Roof face {face}"),
        (false, None) => "Roof".to_owned(),
    };
    let or_dash = |percent: Option<f64>| format::given(percent, format::percent);
    let mut facts = vec![
        Fact::new("array-azimuth", "Faces", facing),
        Fact::new("array-pitch", "Pitch", format::given(array.pitch, format::degrees)),
        Fact::new("array-modules", "Modules", modules),
    ];
    facts.extend(array.orientation.map(|o| Fact::new("array-orientation", "Orientation", format::label(&o))));
    facts.extend(array.microinverters.map(|m| Fact::new("array-microinverters", "Microinverters", parts(m))));
    facts.extend(array.dc_optimizers.map(|o| Fact::new("array-optimizers", "DC optimizers", parts(o))));
    facts.extend(array.configuration.map(|c| Fact::new("array-configuration", "Configuration", format::label(&c))));
    facts.push(Fact::new("array-mount", "Mount", mount));
    facts.push(Fact::new("array-solar-access", "Solar access", or_dash(array.solar_access_percent)));
    facts.push(Fact::new("array-tsrf", "TSRF", or_dash(array.tsrf_percent)));
    facts
}
