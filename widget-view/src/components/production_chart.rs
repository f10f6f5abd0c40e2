use crate::format::{self, MONTHS};
use aurora_api::KilowattHours;
use leptos::prelude::*;

/// The chart's drawing box (SVG user units); it scales to the panel's width.
const WIDTH: u32 = 360;
const HEIGHT: u32 = 150;
/// Room above the bars for the value shown on hover or focus, and below for month letters.
const TOP: u32 = 18;
const BOTTOM: u32 = 18;
const SLOT: u32 = WIDTH / 12;
const BAR: u32 = 20;

/// Production by month as an SVG bar chart of our own. Each bar can be focused (and
/// hovered) to show its value; a table below says the same in words. A month Aurora did
/// not give has no bar and reads as a dash.
#[component]
pub fn ProductionChart(
    /// kWh from January, as many months as Aurora gave.
    monthly: Vec<Option<KilowattHours>>,
) -> impl IntoView {
    let monthly: Vec<Option<KilowattHours>> = (0..MONTHS.len()).map(|m| monthly.get(m).copied().flatten()).collect();
    let peak = monthly.iter().flatten().map(|m| m.0).filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
    let plot = f64::from(HEIGHT - TOP - BOTTOM);
    let bars = monthly
        .iter()
        .zip(MONTHS)
        .enumerate()
        .map(|(index, (energy, month))| {
            let value = energy.map_or(0.0, |e| if e.0.is_finite() && e.0 > 0.0 { e.0 } else { 0.0 });
            let height = if peak > 0.0 { (value / peak * plot).round() as u32 } else { 0 };
            let x = index as u32 * SLOT + (SLOT - BAR) / 2;
            let y = HEIGHT - BOTTOM - height;
            let center = x + BAR / 2;
            let amount = format::given(*energy, format::kilowatt_hours);
            let shown = format::given(*energy, |_| format::number(value, 0));
            view! {
                <g class="bar" tabindex="0" role="img" aria-label=format!("{month}: {amount}") data-testid="chart-bar">
                    <rect x=x y=y width=BAR height=height rx="2"></rect>
                    <text class="bar-value" x=center y=y.saturating_sub(5) text-anchor="middle">{shown}</text>
                    <text class="bar-month" x=center y=HEIGHT - 4 text-anchor="middle">{&month[..1]}</text>
                </g>
            }
        })
        .collect_view();
    let rows = monthly
        .iter()
        .zip(MONTHS)
        .map(
            |(energy, month)| view! { <tr><th scope="row">{month}</th><td>{format::given(*energy, format::kilowatt_hours)}</td></tr> },
        )
        .collect_view();
    view! {
        <figure class="chart" data-testid="production-chart">
            <figcaption>"Production by month"</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="group" aria-label="Production by month, kWh" focusable="false">
                <line class="baseline" x1="0" x2=WIDTH y1=HEIGHT - BOTTOM y2=HEIGHT - BOTTOM></line>
                {bars}
            </svg>
            <details class="chart-table">
                <summary>"Production by month as a table"</summary>
                <table data-testid="production-table">
                    <thead><tr><th scope="col">"Month"</th><th scope="col">"Production"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}
