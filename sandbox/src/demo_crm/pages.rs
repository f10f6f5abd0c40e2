//! The demo CRM's HTML. Every value is escaped: fixture text today, user input later.

use super::fixtures::{Opportunity, Site};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}\
header{background:#2d3e50;color:#fff;padding:10px 24px;font-weight:600}\
main{display:grid;grid-template-columns:minmax(0,1fr) 380px;gap:24px;padding:24px;max-width:1200px}\
.card{background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 1px 2px #0002}\
iframe{width:100%;border:0;height:320px;display:block}a{color:#0b63ce}";

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>{} · Demo CRM</title><style>{STYLE}</style></head>\
         <body><header>Demo CRM</header>{body}</body></html>",
        text(title)
    )
}

fn site_text(site: &Site) -> String {
    match site {
        Site::Address(address) => (*address).to_owned(),
        Site::Coordinates { latitude, longitude } => format!("{latitude}, {longitude}"),
    }
}

/// All opportunities, each linking to its page.
pub fn opportunity_list(opportunities: &[Opportunity]) -> String {
    let rows: String = opportunities
        .iter()
        .map(|o| {
            format!(
                "<li><a href=\"/opportunities/{}\">{}</a> · {}</li>",
                attr(o.id),
                text(o.name),
                text(&site_text(&o.site))
            )
        })
        .collect();
    layout("Opportunities", &format!("<main><section class=card><h1>Opportunities</h1><ul>{rows}</ul></section></main>"))
}

/// Sizes the widget's iframe to the height the widget reports, as a CRM's host SDK does:
/// only messages from the widget's own origin and frame count.
const FRAME_SIZER: &str = "<script>addEventListener('message',function(e){\
var f=document.querySelector('[data-testid=aurora-widget-frame]');\
if(!f||e.source!==f.contentWindow||e.origin!==f.dataset.origin)return;\
var d=e.data;if(d&&d.type==='aurora-widget:height'&&d.height>0&&d.height<20000)f.style.height=Math.ceil(d.height)+'px';});\
</script>";

/// One opportunity, with our widget in the side panel; `worker_origin` is where the
/// widget's height messages come from.
pub fn opportunity_page(opportunity: &Opportunity, embed_url: &str, worker_origin: &str) -> String {
    let body = format!(
        "<main><section class=card><h1 data-testid=crm-opportunity-name>{name}</h1>\
         <dl><dt>Customer</dt><dd>{customer}</dd>\
         <dt>Site</dt><dd data-testid=crm-opportunity-site>{site}</dd></dl>\
         <p><a href=\"/\">All opportunities</a></p></section>\
         <aside class=card><h2>Aurora Solar</h2>\
         <iframe title=\"Aurora Solar\" data-testid=aurora-widget-frame data-origin=\"{origin}\" src=\"{src}\"></iframe>\
         </aside></main>{FRAME_SIZER}",
        name = text(opportunity.name),
        customer = text(opportunity.customer),
        site = text(&site_text(&opportunity.site)),
        src = attr(embed_url),
        origin = attr(worker_origin),
    );
    layout(opportunity.name, &body)
}

/// A missing opportunity.
pub fn not_found(id: &str) -> String {
    layout("Not found", &format!("<main><section class=card><h1>No opportunity {}</h1></section></main>", text(id)))
}
