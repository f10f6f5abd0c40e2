//! Numbers, units, dates and directions as a sales rep reads them.
//!
//! Numbers and dates go through the browser's `Intl` (the rep's own locale, and no float
//! formatting code in our wasm); units and words are ours.

use aurora_api::{KilowattHours, Watts};
use wasm_bindgen::prelude::*;
use widget_api::Location;

#[wasm_bindgen]
extern "C" {
    /// A JavaScript number, for its `toLocaleString`.
    type LocaleNumber;
    #[wasm_bindgen(method, js_name = toLocaleString)]
    fn to_locale_string(this: &LocaleNumber, locales: &JsValue, options: &JsValue) -> String;

    /// A JavaScript `Date`, for its `toLocaleDateString`.
    #[wasm_bindgen(js_name = Date)]
    type LocaleDate;
    #[wasm_bindgen(constructor, js_class = "Date")]
    fn new(text: &JsValue) -> LocaleDate;
    #[wasm_bindgen(method, js_name = toLocaleDateString)]
    fn to_locale_date_string(this: &LocaleDate, locales: &JsValue, options: &JsValue) -> String;
}

/// `{ key: value, ... }` for `Intl`'s options.
fn options(entries: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in entries {
        // Setting a plain property on a fresh object cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// `value` in the rep's locale with at most `max_fraction_digits` decimals:
/// `number(2550.3, 0)` is `2,550` in en-US and `2.550` in de-DE.
pub fn number(value: f64, max_fraction_digits: u8) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    let n: LocaleNumber = JsValue::from_f64(value).unchecked_into();
    n.to_locale_string(&JsValue::UNDEFINED, &options(&[("maximumFractionDigits", max_fraction_digits.into())]))
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

/// A percentage with up to one decimal: `87.3%`.
pub fn percent(value: f64) -> String {
    format!("{}%", number(value, 1))
}

/// Degrees with up to one decimal: `20.3°`.
pub fn degrees(value: f64) -> String {
    format!("{}°", number(value, 1))
}

/// A day as the rep's locale writes it: `Jun 21, 2024`, from RFC 3339 text.
pub fn date(rfc3339: &str) -> String {
    let date = LocaleDate::new(&JsValue::from_str(rfc3339));
    date.to_locale_date_string(
        &JsValue::UNDEFINED,
        &options(&[("year", "numeric".into()), ("month", "short".into()), ("day", "numeric".into())]),
    )
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
    let n: LocaleNumber = JsValue::from_f64(value).unchecked_into();
    n.to_locale_string(
        &JsValue::UNDEFINED,
        &options(&[
            ("minimumFractionDigits", digits.into()),
            ("maximumFractionDigits", digits.into()),
            ("useGrouping", false.into()),
        ]),
    )
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
