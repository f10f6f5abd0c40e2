use crate::format::{self, MONTHS};
use aurora_api::KilowattHours;
use leptos::prelude::*;

/// A month's production in words: "not given" where Aurora gave none.
fn said(energy: Option<KilowattHours>) -> String {
    energy.map_or_else(|| "not given".to_owned(), format::kilowatt_hours)
}

/// The chart in one line: the year's total (or the given months'), and the months with
/// the most and the least, the first of equals.
fn summary(monthly: &[Option<KilowattHours>]) -> String {
    let given: Vec<(usize, f64)> =
        monthly.iter().enumerate().filter_map(|(m, e)| e.map(|e| (m, e.0)).filter(|(_, v)| v.is_finite())).collect();
    let (Some(most), Some(least)) = (
        given.iter().copied().reduce(|a, b| if b.1 > a.1 { b } else { a }),
        given.iter().copied().reduce(|a, b| if b.1 < a.1 { b } else { a }),
    ) else {
        return "Aurora gave no monthly figures.".to_owned();
    };
    let total = format::kilowatt_hours(KilowattHours(given.iter().map(|(_, v)| v).sum()));
    let span =
        if given.len() == MONTHS.len() { "a year".to_owned() } else { format!("in the {} months given", given.len()) };
    let month = |(m, v): (usize, f64)| format!("{} ({})", MONTHS[m], format::kilowatt_hours(KilowattHours(v)));
    format!("{total} {span}; most in {}, least in {}.", month(most), month(least))
}

/// The chart's drawing box (SVG user units); it scales to the panel's width. A summary's
/// chart is shorter (`www/widget.css` gives the SVG the same proportions).
const WIDTH: u32 = 360;
const HEIGHT: u32 = 150;
const SUMMARY_HEIGHT: u32 = 80;
/// Room above the bars for the value shown on hover, and below for month letters.
const TOP: u32 = 18;
const BOTTOM: u32 = 18;
const SLOT: u32 = WIDTH / 12;
const BAR: u32 = 20;

/// Production by month as an SVG bar chart of our own, for the eye: a pointer shows a
/// bar's value. For everyone else one line says what it shows (the total, the best and the
/// worst month) and a table below gives each month; the drawing is hidden from screen
/// readers and takes no Tab stop (twelve of them in a CRM's sidebar were a trap). A month
/// Aurora did not give has no bar and reads "not given".
#[component]
pub fn ProductionChart(
    /// kWh from January, as many months as Aurora gave.
    monthly: Vec<Option<KilowattHours>>,
) -> impl IntoView {
    let monthly: Vec<Option<KilowattHours>> = (0..MONTHS.len()).map(|m| monthly.get(m).copied().flatten()).collect();
    let peak = monthly.iter().flatten().map(|m| m.0).filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
    let chart_height = if crate::words::surface() == crate::words::Surface::Summary { SUMMARY_HEIGHT } else { HEIGHT };
    let plot = f64::from(chart_height - TOP - BOTTOM);
    let bars = monthly
        .iter()
        .zip(MONTHS)
        .enumerate()
        .map(|(index, (energy, month))| {
            let value = energy.map_or(0.0, |e| if e.0.is_finite() && e.0 > 0.0 { e.0 } else { 0.0 });
            let height = if peak > 0.0 { (value / peak * plot).round() as u32 } else { 0 };
            let x = index as u32 * SLOT + (SLOT - BAR) / 2;
            let y = chart_height - BOTTOM - height;
            let center = x + BAR / 2;
            let shown = format::given(*energy, |_| format::number(value, 0));
            view! {
                <g class="bar" data-testid="chart-bar">
                    <rect x=x y=y width=BAR height=height rx="2"></rect>
                    <text class="bar-value" x=center y=y.saturating_sub(5) text-anchor="middle">{shown}</text>
                    <text class="bar-month" x=center y=chart_height - 4 text-anchor="middle">{&month[..1]}</text>
                </g>
            }
        })
        .collect_view();
    let rows = monthly
        .iter()
        .zip(MONTHS)
        .map(|(energy, month)| view! { <tr><th scope="row">{month}</th><td>{said(*energy)}</td></tr> })
        .collect_view();
    view! {
        <figure class="chart" data-testid="production-chart" aria-describedby="production-summary">
            <figcaption>"Production by month"</figcaption>
            <p class="hint" id="production-summary" data-testid="production-summary">{summary(&monthly)}</p>
            <svg viewBox=format!("0 0 {WIDTH} {chart_height}") aria-hidden="true" focusable="false">
                <line class="baseline" x1="0" x2=WIDTH y1=chart_height - BOTTOM y2=chart_height - BOTTOM></line>
                {bars}
            </svg>
            <details class="chart-table">
                <summary>"Monthly values"</summary>
                <table data-testid="production-table">
                    <thead><tr><th scope="col">"Month"</th><th scope="col">"Production"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}
