//! The gallery: every screen of the widget from fixtures, rendered as the worker renders it,
//! as static pages at two widths (into `GALLERY_DIR`, which `cargo xtask test` sets when it
//! builds the gallery, beside a copy of `www/widget.css`). The e2e suite photographs each in
//! light and dark and checks it for accessibility. Without the variable every screen is
//! still rendered and checked for its content.

use widget_view::{format::Locale, gallery, render_html};

/// A static page of one rendered screen, `width` pixels wide, as in a CRM panel that wide.
fn page(name: &str, width: u32, screen: &str) -> String {
    let surface = gallery::surface(name).as_str();
    format!(
        "<!doctype html>\n<html lang=\"en\" data-theme=\"light\" data-surface=\"{surface}\">\n<head>\n  <meta charset=\"utf-8\">\n  \
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n  \
         <title>{name}, as the worker renders it</title>\n  \
         <link rel=\"stylesheet\" href=\"widget.css\">\n</head>\n<body>\n  \
         <main id=\"aurora-widget\" class=\"aurora-widget\" style=\"width: {width}px;\">{screen}</main>\n</body>\n</html>\n"
    )
}

/// The gallery's index: the screens' names, for the e2e suite to walk through.
fn index() -> String {
    let names = gallery::SCREENS.join(" ");
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  <title>The widget's screens</title>\n\
         </head>\n<body data-screens=\"{names}\">\n  <main><h1>The widget's screens</h1></main>\n</body>\n</html>\n"
    )
}

#[test]
fn every_gallery_screen_renders_as_a_static_page() {
    let out = std::env::var_os("GALLERY_DIR").map(std::path::PathBuf::from);
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir).expect("the gallery's folder");
        std::fs::write(dir.join("index.html"), index()).expect("writing the gallery's index");
    }
    for name in gallery::SCREENS {
        let screen = gallery::screen(name).unwrap_or_else(|| panic!("no fixture for {name}"));
        let html = widget_view::words::with_surface(gallery::surface(name), || render_html(screen, Locale::EN_US));
        assert!(html.contains("data-testid="), "{name} renders nothing a test can find: {html}");
        if let Some(dir) = &out {
            for width in [360, 720] {
                std::fs::write(dir.join(format!("{name}-{width}.html")), page(name, width, &html))
                    .unwrap_or_else(|e| panic!("writing {name}: {e}"));
            }
        }
    }
}
