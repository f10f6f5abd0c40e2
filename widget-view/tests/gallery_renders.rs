//! The worker's render of every gallery screen, as static pages at the gallery's two widths
//! (into `GALLERY_SERVER_DIR`, which `cargo xtask test` sets when it builds the gallery):
//! the e2e suite holds each beside the browser's mount of the same screen and asserts they
//! agree to the element and the pixel. Without the variable every screen is still rendered
//! and checked for its content.

use widget_view::{format::Locale, gallery, render_html};

/// A static page of one rendered screen, `width` pixels wide, as the gallery's page is.
fn page(name: &str, width: u32, screen: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  \
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n  \
         <meta name=\"color-scheme\" content=\"light dark\">\n  <title>{name}, as the worker renders it</title>\n  \
         <link rel=\"stylesheet\" href=\"../widget.css\">\n</head>\n<body>\n  \
         <main id=\"aurora-widget\" class=\"aurora-widget\" style=\"width: {width}px;\">{screen}</main>\n</body>\n</html>\n"
    )
}

#[test]
fn every_gallery_screen_renders_as_a_static_page() {
    let out = std::env::var_os("GALLERY_SERVER_DIR").map(std::path::PathBuf::from);
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir).expect("the server renders' folder");
    }
    for name in gallery::SCREENS {
        let screen = gallery::screen(name).unwrap_or_else(|| panic!("no fixture for {name}"));
        let html = render_html(screen, Locale::EN_US);
        assert!(html.contains("data-testid="), "{name} renders nothing a test can find: {html}");
        if let Some(dir) = &out {
            for width in [360, 720] {
                std::fs::write(dir.join(format!("{name}-{width}.html")), page(name, width, &html))
                    .unwrap_or_else(|e| panic!("writing {name}: {e}"));
            }
        }
    }
}
