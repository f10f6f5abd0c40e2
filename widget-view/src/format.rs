//! Numbers, units, dates and directions as a sales rep reads them, in the rep's locale.
//!
//! The same on both sides of the wire: the worker writes the first paint with these, and
//! the widget's own mount must read the same to the character. So no `Intl` (whose output
//! varies by browser, and whose first use stalled the first paint 13-18 ms): a small table of
//! how locales write numbers and days ([`Locale`]), chosen by the worker from the page
//! load's `Accept-Language` and handed to the widget with the page. Numbers are formatted
//! from integers, which also keeps float formatting out of the wasm.

use aurora_api::{KilowattHours, Watts};
use std::cell::Cell;
use widget_api::Location;

/// How a locale writes numbers and days: its group and decimal separators, the fewest
/// integer digits it groups (Spanish and Polish leave `2550` whole), and its date order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Locale {
    group: &'static str,
    decimal: char,
    min_grouping_digits: u8,
    days: DayStyle,
}

/// A day's order and punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DayStyle {
    /// `Jun 21, 2024` (English in the US and Canada, and English without a region).
    MonthFirst,
    /// `21 Jun 2024` (English elsewhere).
    DayFirst,
    /// `21.06.2024`
    Dotted,
    /// `21/06/2024`
    Slashed,
    /// `21-06-2024`
    Dashed,
    /// `2024-06-21`
    Iso,
    /// `2024/06/21`
    YearFirst,
}

const NBSP: &str = "\u{a0}";
const NARROW_NBSP: &str = "\u{202f}";

impl Locale {
    /// English as written in the US: what a tag we do not know reads as.
    pub const EN_US: Locale = Locale { group: ",", decimal: '.', min_grouping_digits: 1, days: DayStyle::MonthFirst };

    /// The locale a BCP 47 tag names (`de-CH`, `pt_BR`, `en`): its language, then its
    /// region where that changes how numbers or days are written.
    pub fn from_tag(tag: &str) -> Locale {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let mut subtags = tag.split('-');
        let language = subtags.next().unwrap_or_default();
        let region = subtags.find(|s| s.len() == 2 || s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()));
        let style = |group, decimal, days| Locale { group, decimal, min_grouping_digits: 1, days };
        use DayStyle::*;
        match (language, region.unwrap_or_default()) {
            ("en", "" | "us" | "ca" | "ph") => Locale::EN_US,
            ("en", _) => style(",", '.', DayFirst),
            ("ja" | "zh", _) => style(",", '.', YearFirst),
            ("ko", _) => style(",", '.', Iso),
            ("de", "ch" | "li") => style("\u{2019}", '.', Dotted),
            ("de", "at") => style(NBSP, ',', Dotted),
            ("de" | "da" | "tr" | "ro", _) => style(".", ',', Dotted),
            ("fr", "ca") => style(NBSP, ',', Iso),
            ("fr", _) => style(NARROW_NBSP, ',', Slashed),
            ("es", "mx" | "us" | "419" | "pr") => style(",", '.', Slashed),
            ("es", _) => Locale { min_grouping_digits: 2, ..style(".", ',', Slashed) },
            ("pt", "pt") => Locale { min_grouping_digits: 2, ..style(NBSP, ',', Slashed) },
            ("it" | "pt" | "el" | "id", _) => style(".", ',', Slashed),
            ("nl", _) => style(".", ',', Dashed),
            ("pl", _) => Locale { min_grouping_digits: 2, ..style(NBSP, ',', Dotted) },
            ("nb" | "no" | "nn" | "fi" | "cs" | "sk" | "ru" | "uk", _) => style(NBSP, ',', Dotted),
            ("sv" | "lt" | "hu", _) => style(NBSP, ',', Iso),
            _ => Locale::EN_US,
        }
    }
}

impl Default for Locale {
    fn default() -> Self {
        Locale::EN_US
    }
}

thread_local! {
    /// The locale of what is being drawn: set around each render on the worker (rendering
    /// is synchronous, so a thread has one at a time).
    static CURRENT: Cell<Locale> = const { Cell::new(Locale::EN_US) };
}

/// Runs `render` writing in `locale`, then goes back to the locale before.
pub fn with_locale<T>(locale: Locale, render: impl FnOnce() -> T) -> T {
    let before = CURRENT.replace(locale);
    let out = render();
    CURRENT.set(before);
    out
}

fn locale() -> Locale {
    CURRENT.get()
}

/// `value` in the rep's locale with at most `max_fraction_digits` decimals:
/// `number(2550.3, 0)` is `2,550` in en-US and `2.550` in de-DE.
pub fn number(value: f64, max_fraction_digits: u8) -> String {
    decimal(value, max_fraction_digits, false, true)
}

/// `value` rounded to `digits` decimals, written in the current locale: all `digits` of
/// them when `keep_zeros`, else without trailing zeros; the integer part grouped when
/// `grouped`. Formatted from integers: the rounding is to the nearest, halves away from
/// zero, as `Intl` does.
fn decimal(value: f64, digits: u8, keep_zeros: bool, grouped: bool) -> String {
    if !value.is_finite() {
        return NOT_GIVEN.to_owned();
    }
    let digits = u32::from(digits.min(6));
    let scale = 10_u64.pow(digits);
    let scaled = (value.abs() * scale as f64).round();
    // No design figure goes beyond what a u64 holds: such a value reads as not given.
    if scaled >= 1.8e19 {
        return NOT_GIVEN.to_owned();
    }
    let scaled = scaled as u64;
    let locale = locale();
    let whole = (scaled / scale).to_string();
    let mut out = String::with_capacity(whole.len() + 8);
    if value < 0.0 && scaled != 0 {
        out.push('-');
    }
    let group = grouped && whole.len() >= 4 + usize::from(locale.min_grouping_digits) - 1;
    for (i, digit) in whole.chars().enumerate() {
        if group && i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push_str(locale.group);
        }
        out.push(digit);
    }
    if digits > 0 {
        let mut fraction = format!("{:0width$}", scaled % scale, width = digits as usize);
        if !keep_zeros {
            fraction.truncate(fraction.trim_end_matches('0').len());
        }
        if !fraction.is_empty() {
            out.push(locale.decimal);
            out.push_str(&fraction);
        }
    }
    out
}

/// What the widget shows where Aurora's design left a value out.
pub const NOT_GIVEN: &str = "–";

/// `value` as `show` writes it, or [`NOT_GIVEN`].
pub fn given<T>(value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| NOT_GIVEN.to_owned(), show)
}

/// Watts as kilowatts with up to two decimals: `6.5 kW`, `5 kW`.
pub fn kilowatts(size: Watts) -> String {
    format!("{} kW", number(size.kilowatts(), 2))
}

/// Watts, whole: `300 W`.
pub fn watts(size: Watts) -> String {
    format!("{} W", number(size.0, 1))
}

/// Energy in whole kWh: `2,550 kWh`.
pub fn kilowatt_hours(energy: KilowattHours) -> String {
    format!("{} kWh", number(energy.0, 0))
}

/// A sum of money in whole units, in `currency` (ISO 4217; the US dollar where Aurora names
/// none, as its tenants' prices are): `$16,055`, `-$300`, `EUR 16.055` (a symbol only
/// where it names one currency alone).
pub fn money(amount: f64, currency: Option<&str>) -> String {
    priced(amount, currency, 0)
}

/// A price per watt, to the cent: `$2.85/W`.
pub fn per_watt(amount: f64, currency: Option<&str>) -> String {
    format!("{}/W", priced(amount, currency, 2))
}

fn priced(amount: f64, currency: Option<&str>, digits: u8) -> String {
    let figure = decimal(amount.abs(), digits, digits > 0, true);
    let sign = if amount < 0.0 && figure.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    match currency.unwrap_or("USD") {
        "USD" => format!("{sign}${figure}"),
        code => format!("{sign}{code} {figure}"),
    }
}

/// A percentage with up to one decimal: `87.3%`.
pub fn percent(value: f64) -> String {
    format!("{}%", number(value, 1))
}

/// Degrees with up to one decimal: `20.3°`.
pub fn degrees(value: f64) -> String {
    format!("{}°", number(value, 1))
}

/// A day as the rep's locale writes it, from RFC 3339 text: `Jun 21, 2024` in en-US,
/// `21.06.2024` in de-DE. The day is the one written in the text (Aurora's, in UTC), not
/// moved to the rep's time zone: the worker, which draws it first, does not know that.
pub fn date(rfc3339: &str) -> String {
    let number = |range: std::ops::Range<usize>| rfc3339.get(range).and_then(|s| s.parse::<u32>().ok());
    let (Some(year), Some(month @ 1..=12), Some(day @ 1..=31)) = (number(0..4), number(5..7), number(8..10)) else {
        return NOT_GIVEN.to_owned();
    };
    if rfc3339.get(4..5) != Some("-") || rfc3339.get(7..8) != Some("-") {
        return NOT_GIVEN.to_owned();
    }
    let short_month = &MONTHS[month as usize - 1][..3];
    match locale().days {
        DayStyle::MonthFirst => format!("{short_month} {day}, {year}"),
        DayStyle::DayFirst => format!("{day} {short_month} {year}"),
        DayStyle::Dotted => format!("{day:02}.{month:02}.{year}"),
        DayStyle::Slashed => format!("{day:02}/{month:02}/{year}"),
        DayStyle::Dashed => format!("{day:02}-{month:02}-{year}"),
        DayStyle::Iso => format!("{year}-{month:02}-{day:02}"),
        DayStyle::YearFirst => format!("{year}/{month:02}/{day:02}"),
    }
}

/// A location as a rep reads it: the address, or `37.77960° N, 122.39530° W`.
pub fn location(location: &Location) -> String {
    match location {
        Location::Address { property_address } => property_address.clone(),
        Location::Coordinates { latitude, longitude } => {
            let ns = if *latitude < 0.0 { 'S' } else { 'N' };
            let ew = if *longitude < 0.0 { 'W' } else { 'E' };
            format!("{}° {ns}, {}° {ew}", fixed(latitude.abs(), 5), fixed(longitude.abs(), 5))
        }
    }
}

/// `value` with exactly `digits` decimals and no grouping, in the rep's locale.
fn fixed(value: f64, digits: u8) -> String {
    decimal(value, digits, true, false)
}

/// The sixteen compass points, clockwise from north.
const COMPASS_POINTS: [&str; 16] =
    ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"];

/// The compass point an azimuth faces (degrees clockwise from north): 271.6 -> `W`.
pub fn compass_point(azimuth: f64) -> &'static str {
    if !azimuth.is_finite() {
        return "?";
    }
    let sector = (azimuth.rem_euclid(360.0) / 22.5).round() as usize % COMPASS_POINTS.len();
    COMPASS_POINTS[sector]
}

/// English month names, January first.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Aurora's snake_case words as words: `self_consumption` -> `self consumption`. The
/// stylesheet capitalizes the first letter (`.label::first-letter`), which keeps Unicode
/// case tables out of the wasm.
pub fn label(snake: &str) -> String {
    snake.trim().replace('_', " ")
}

/// A name Aurora gives in lower case (`sunlight`, `goodleap`) as a proper name: its
/// first letter capital (names it gives capitalized stay as they are).
pub fn proper_name(word: &str) -> String {
    let word = label(word);
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// A bill-of-materials kind as a heading: `dc_optimizers` -> `DC optimizers`.
pub fn part_kind(kind: &str) -> String {
    match kind {
        "modules" => "Modules".into(),
        "inverters" => "Inverters".into(),
        "microinverters" => "Microinverters".into(),
        "dc_optimizers" => "DC optimizers".into(),
        "batteries" => "Batteries".into(),
        other => label(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_locale(tag: &str, write: impl FnOnce() -> String) -> String {
        with_locale(Locale::from_tag(tag), write)
    }

    #[test]
    fn numbers_read_as_each_locale_writes_them() {
        assert_eq!(in_locale("en-US", || number(2550.3, 0)), "2,550");
        assert_eq!(in_locale("en-US", || number(1234567.891, 2)), "1,234,567.89");
        assert_eq!(in_locale("en", || number(6.5, 2)), "6.5");
        assert_eq!(in_locale("en", || number(5.0, 2)), "5");
        assert_eq!(in_locale("en", || number(0.004, 2)), "0");
        assert_eq!(in_locale("en", || number(-12.25, 1)), "-12.3");
        assert_eq!(in_locale("en", || number(-0.01, 0)), "0");
        assert_eq!(in_locale("de-DE", || number(2550.3, 1)), "2.550,3");
        assert_eq!(in_locale("de-CH", || number(12550.5, 1)), "12\u{2019}550.5");
        assert_eq!(in_locale("fr-FR", || number(12550.5, 1)), "12\u{202f}550,5");
        assert_eq!(in_locale("sv_SE", || number(2550.0, 0)), "2\u{a0}550");
        assert_eq!(in_locale("es-ES", || number(2550.0, 0)), "2550");
        assert_eq!(in_locale("es-ES", || number(12550.0, 0)), "12.550");
        assert_eq!(in_locale("es-MX", || number(2550.0, 0)), "2,550");
        assert_eq!(in_locale("xx-YY", || number(2550.0, 0)), "2,550");
        assert_eq!(in_locale("en", || number(f64::NAN, 0)), NOT_GIVEN);
        assert_eq!(in_locale("en", || number(f64::MAX, 0)), NOT_GIVEN);
    }

    #[test]
    fn coordinates_keep_every_decimal_and_no_grouping() {
        let at = Location::Coordinates { latitude: 37.7796, longitude: -122.3953 };
        assert_eq!(in_locale("en-US", || location(&at)), "37.77960° N, 122.39530° W");
        assert_eq!(in_locale("de-DE", || location(&at)), "37,77960° N, 122,39530° W");
    }

    #[test]
    fn days_read_as_each_locale_writes_them() {
        let day = "2024-06-21T17:03:00Z";
        assert_eq!(in_locale("en-US", || date(day)), "Jun 21, 2024");
        assert_eq!(in_locale("en-GB", || date(day)), "21 Jun 2024");
        assert_eq!(in_locale("de", || date(day)), "21.06.2024");
        assert_eq!(in_locale("fr-FR", || date(day)), "21/06/2024");
        assert_eq!(in_locale("nl-NL", || date(day)), "21-06-2024");
        assert_eq!(in_locale("sv-SE", || date(day)), "2024-06-21");
        assert_eq!(in_locale("ja-JP", || date(day)), "2024/06/21");
        assert_eq!(in_locale("en", || date("21 June")), NOT_GIVEN);
        assert_eq!(in_locale("en", || date("2024-13-01")), NOT_GIVEN);
    }

    #[test]
    fn a_render_in_one_locale_leaves_the_next_in_its_own() {
        let german = in_locale("de-DE", || {
            assert_eq!(in_locale("en-US", || number(2550.0, 0)), "2,550");
            number(2550.0, 0)
        });
        assert_eq!(german, "2.550");
        assert_eq!(number(2550.0, 0), "2,550");
    }

    #[test]
    fn azimuths_read_as_compass_points() {
        assert_eq!(compass_point(0.0), "N");
        assert_eq!(compass_point(180.0), "S");
        assert_eq!(compass_point(271.61), "W");
        assert_eq!(compass_point(348.8), "N");
        assert_eq!(compass_point(348.7), "NNW");
        assert_eq!(compass_point(-90.0), "W");
        assert_eq!(compass_point(135.0), "SE");
        assert_eq!(compass_point(f64::NAN), "?");
    }

    #[test]
    fn snake_case_words_read_as_labels() {
        assert_eq!(label("self_consumption"), "self consumption");
        assert_eq!(label("dc_optimizers"), "dc optimizers");
        assert_eq!(label(""), "");
    }
}
