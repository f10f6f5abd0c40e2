//! Our app's marketplace listing. It lives once, in `listing/` at the repository's root,
//! and feeds both the demo CRM's marketplace and the Aurora sandbox's "Apps" page, as the
//! same listing would feed a real CRM's marketplace and Aurora's partner app directory.

use serde::Deserialize;
use std::sync::OnceLock;

/// Aurora's limit on a partner app's tagline.
pub const TAGLINE_MAX_CHARS: usize = 256;
/// Aurora shows partner logos 44 px high.
pub const LOGO_HEIGHT_PX: u32 = 44;

const LISTING_JSON: &str = include_str!("../../listing/app.json");
/// The logo, an SVG drawn 44 px high.
pub const LOGO_SVG: &str = include_str!("../../listing/logo.svg");

/// What a marketplace shows about the app.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// The app's name.
    pub name: String,
    /// One sentence, at most [`TAGLINE_MAX_CHARS`].
    pub tagline: String,
    /// What it does, for the listing page.
    pub description: String,
    /// Who makes it.
    pub developer: String,
    /// The logo's file name in `listing/`.
    pub logo: String,
    /// The height the logo is shown at.
    pub logo_height_px: u32,
    /// What the app may do in the CRM, as the consent screen lists it.
    pub scopes: Vec<Scope>,
}

/// One permission the app asks for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// As sent in the OAuth `scope` parameter.
    pub id: String,
    /// As shown to the admin.
    pub text: String,
}

impl Listing {
    /// The scopes as one OAuth `scope` value.
    pub fn scope_string(&self) -> String {
        self.scopes.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// The listing, parsed once. The tests below keep the file valid, so a broken listing
/// fails `cargo test` rather than a page.
pub fn listing() -> &'static Listing {
    static LISTING: OnceLock<Listing> = OnceLock::new();
    LISTING.get_or_init(|| match serde_json::from_str(LISTING_JSON) {
        Ok(listing) => listing,
        Err(error) => panic!("listing/app.json is invalid: {error}"),
    })
}

/// The `<img>` of the logo, 44 px high, pointing at `src`.
pub fn logo_img(src: &str) -> String {
    let listing = listing();
    format!(
        "<img class=app-logo src=\"{}\" height={} alt=\"{}\">",
        html_escape::encode_double_quoted_attribute(src),
        listing.logo_height_px,
        html_escape::encode_double_quoted_attribute(&listing.name)
    )
}

/// The value of `attribute` on the SVG's root element.
#[cfg(test)]
fn svg_root_attribute(svg: &str, attribute: &str) -> Option<String> {
    let start = svg.find("<svg")?;
    let root = &svg[start..start + svg[start..].find('>')?];
    let needle = format!(" {attribute}=\"");
    let from = root.find(&needle)? + needle.len();
    Some(root[from..from + root[from..].find('"')?].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_meets_auroras_partner_app_rules() {
        let listing = listing();
        assert!(!listing.name.trim().is_empty());
        assert!(!listing.description.trim().is_empty());
        let tagline = listing.tagline.chars().count();
        assert!(
            (1..=TAGLINE_MAX_CHARS).contains(&tagline),
            "tagline is {tagline} characters; Aurora allows {TAGLINE_MAX_CHARS}"
        );
        assert_eq!(listing.logo, "logo.svg", "the logo the pages serve is listing/logo.svg");
        assert_eq!(listing.logo_height_px, LOGO_HEIGHT_PX);
        assert!(!listing.scopes.is_empty());
    }

    #[test]
    fn the_logo_is_drawn_44_px_high() {
        assert_eq!(svg_root_attribute(LOGO_SVG, "height").as_deref(), Some("44"));
        let view_box = svg_root_attribute(LOGO_SVG, "viewBox").expect("a viewBox");
        let height: f64 = view_box.split_whitespace().nth(3).and_then(|h| h.parse().ok()).expect("viewBox height");
        assert!((height - f64::from(LOGO_HEIGHT_PX)).abs() < f64::EPSILON, "viewBox {view_box}");
        assert!(logo_img("/logo.svg").contains("height=44"));
    }
}
