//! The demo CRM's HTML. Every value is escaped: opportunities are typed in by users.

use super::state::{Account, CUSTOM_FIELDS, Installation, Opportunity, Role, Site, User};
use crate::listing::{self, Listing};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}\
.timeline{padding-left:18px}.timeline pre{white-space:pre-wrap;font:inherit;margin:2px 0 8px}.muted{color:#555}\
header{background:#2d3e50;color:#fff;padding:10px 24px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}\
header a,header button{color:#fff;font:inherit;background:none;border:0;padding:0;cursor:pointer;text-decoration:underline}\
header strong{margin-right:auto}header form{margin:0}\
main{display:grid;grid-template-columns:minmax(0,1fr) 380px;gap:24px;padding:24px;max-width:1200px}\
main.single{grid-template-columns:minmax(0,720px)}\
.card{background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 1px 2px #0002}\
iframe{width:100%;border:0;height:320px;display:block}a{color:#0b63ce}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dd{margin:0}\
label{display:block;margin:10px 0 4px}input{font:inherit;padding:6px 8px;width:100%;box-sizing:border-box}\
.button{display:inline-block;background:#0b63ce;color:#fff;border:0;border-radius:6px;padding:8px 16px;font:inherit;\
text-decoration:none;cursor:pointer}.button.secondary{background:#e4e7eb;color:#1b1f24}\
.notice{background:#fff6e0;border-left:4px solid #f5a623;padding:8px 12px}.error{color:#b3261e}\
.app-logo{display:block;margin-bottom:8px}.muted{color:#5b6470}";

/// Who is signed in, for the header.
pub struct Viewer<'a> {
    pub user: &'a User,
    pub account: &'a Account,
    pub csrf: &'a str,
}

fn layout(title: &str, viewer: Option<&Viewer<'_>>, body: &str) -> String {
    let nav = match viewer {
        Some(v) => format!(
            "<strong>Demo CRM · {account}</strong><a href=\"/\">Opportunities</a><a href=\"/marketplace\">Marketplace</a>\
             <span data-testid=crm-signed-in-as>{name} ({role})</span>\
             <form method=post action=\"/logout\"><input type=hidden name=csrf value=\"{csrf}\"><button>Sign out</button></form>",
            account = text(&v.account.name),
            name = text(&v.user.name),
            role = role_name(v.user.role),
            csrf = attr(v.csrf),
        ),
        None => "<strong>Demo CRM</strong>".to_owned(),
    };
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>{} · Demo CRM</title><style>{STYLE}</style></head>\
         <body><header>{nav}</header>{body}</body></html>",
        text(title)
    )
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Rep => "rep",
    }
}

fn site_text(site: &Site) -> String {
    match site {
        Site::Address(address) => address.clone(),
        Site::Coordinates { latitude, longitude } => format!("{latitude}, {longitude}"),
    }
}

/// The sign-in form, listing the fixture logins (this CRM only runs locally).
pub fn login(next: &str, typed: &str, error: Option<&str>, users: &[User], password: &str) -> String {
    let logins: String =
        users.iter().map(|u| format!("<li><code>{}</code> ({})</li>", text(&u.email), role_name(u.role))).collect();
    let error = error.map(|e| format!("<p class=error role=alert>{}</p>", text(e))).unwrap_or_default();
    layout(
        "Sign in",
        None,
        &format!(
            "<main class=single><section class=card><h1>Sign in</h1>{error}\
             <form method=post action=\"/login\"><input type=hidden name=next value=\"{next}\">\
             <label for=email>Email</label><input id=email name=email type=email value=\"{typed}\" autocomplete=username required>\
             <label for=password>Password</label><input id=password name=password type=password required>\
             <p><button class=button type=submit>Sign in</button></p></form>\
             <p class=muted>Fixture logins, password <code>{password}</code>:</p><ul>{logins}</ul></section></main>",
            next = attr(next),
            typed = attr(typed),
            password = text(password),
        ),
    )
}

/// The account's opportunities.
pub fn opportunity_list(viewer: &Viewer<'_>, opportunities: &[&Opportunity]) -> String {
    let rows: String = opportunities
        .iter()
        .map(|o| {
            format!(
                "<li><a href=\"/opportunities/{}\">{}</a> · {}</li>",
                attr(&o.id),
                text(&o.name),
                text(&site_text(&o.site))
            )
        })
        .collect();
    layout(
        "Opportunities",
        Some(viewer),
        &format!(
            "<main class=single><section class=card><h1>Opportunities</h1><ul data-testid=crm-opportunities>{rows}</ul>\
             <p><a class=button href=\"/opportunities/new\">New opportunity</a></p></section></main>"
        ),
    )
}

/// The form for a new opportunity.
/// What the New opportunity form held, kept across an error.
#[derive(Debug, Default)]
pub struct Typed<'a> {
    pub name: &'a str,
    pub customer: &'a str,
    pub address: &'a str,
    pub latitude: &'a str,
    pub longitude: &'a str,
}

pub fn new_opportunity(viewer: &Viewer<'_>, typed: &Typed<'_>, error: Option<&str>) -> String {
    let error = error.map(|e| format!("<p class=error role=alert>{}</p>", text(e))).unwrap_or_default();
    layout(
        "New opportunity",
        Some(viewer),
        &format!(
            "<main class=single><section class=card><h1>New opportunity</h1>{error}\
             <form method=post action=\"/opportunities\"><input type=hidden name=csrf value=\"{csrf}\">\
             <label for=name>Name</label><input id=name name=name value=\"{name}\" required maxlength=200>\
             <label for=customer>Customer</label><input id=customer name=customer value=\"{customer}\" required maxlength=200>\
             <label for=address>Address</label><input id=address name=address value=\"{address}\" maxlength=300>\
             <p class=muted>…or coordinates, for a site without an address:</p>\
             <label for=latitude>Latitude</label><input id=latitude name=latitude value=\"{latitude}\" inputmode=decimal>\
             <label for=longitude>Longitude</label><input id=longitude name=longitude value=\"{longitude}\" inputmode=decimal>\
             <p><button class=button type=submit>Create opportunity</button></p></form></section></main>",
            csrf = attr(viewer.csrf),
            name = attr(typed.name),
            customer = attr(typed.customer),
            address = attr(typed.address),
            latitude = attr(typed.latitude),
            longitude = attr(typed.longitude),
        ),
    )
}

/// The page's side of the widget's protocol, as a CRM's host SDK would play it: sizes the
/// iframe to the height the widget reports, and answers a widget renewing its session
/// (`aurora-widget:renew`) with its URL signed afresh (`aurora-widget:renewed`, `url`), or
/// why not (`error`: signed out, say). Only messages from the widget's own origin and
/// frame count, and answers go to that origin only.
const FRAME_HOST: &str = "<script>addEventListener('message',function(e){\
var f=document.querySelector('[data-testid=aurora-widget-frame]');\
if(!f||e.source!==f.contentWindow||e.origin!==f.dataset.origin)return;\
var d=e.data;if(d&&d.type==='aurora-widget:height'&&d.height>0&&d.height<20000)f.style.height=Math.ceil(d.height)+'px';\
if(d&&d.type==='aurora-widget:renew'){var o=f.dataset.origin,w=f.contentWindow;\
fetch(f.dataset.renewUrl,{credentials:'same-origin',redirect:'error'}).then(function(r){return r.json();})\
.then(function(j){f.dataset.renewals=String((+f.dataset.renewals||0)+1);\
w.postMessage({type:'aurora-widget:renewed',url:j.url,error:j.error},o);})\
.catch(function(){w.postMessage({type:'aurora-widget:renewed',error:'signed out'},o);});}});\
</script>";

/// What the side panel holds: our widget when the account installed the app.
pub enum Panel<'a> {
    /// The iframe's URL (with the signed context) and the widget's origin.
    Widget { embed_url: &'a str, worker_origin: &'a str, renew_url: &'a str },
    /// Not installed: where to get it.
    NotInstalled,
}

/// A number field's value as CRMs show theirs (and as the widget shows the same figures):
/// grouped thousands, at most two decimals, no trailing zeros ("14,779", "150", "6.59").
fn as_a_crm_shows(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let fixed = format!("{:.2}", rounded.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let fraction = fraction.trim_end_matches('0');
    let sign = if rounded < 0.0 { "-" } else { "" };
    if fraction.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{fraction}") }
}

/// One opportunity, with its fields (ours included) and the side panel.
pub fn opportunity(viewer: &Viewer<'_>, opportunity: &Opportunity, owner: &str, panel: Panel<'_>) -> String {
    let fields: String = CUSTOM_FIELDS
        .iter()
        .map(|field| {
            let value = match opportunity.fields.get(field.name) {
                Some(serde_json::Value::String(url)) if url.starts_with("https://") || url.starts_with("http://") => {
                    format!("<a href=\"{}\" target=_blank rel=\"noopener noreferrer\">Open in Aurora</a>", attr(url))
                }
                Some(serde_json::Value::Number(n)) => n.as_f64().map_or_else(|| n.to_string(), as_a_crm_shows),
                Some(serde_json::Value::String(s)) => text(s).into_owned(),
                _ => "–".to_owned(),
            };
            format!("<dt>{}</dt><dd data-testid=\"crm-field-{}\">{value}</dd>", text(field.label), attr(field.name))
        })
        .collect();
    let options: String = super::state::STAGES
        .iter()
        .map(|s| {
            let selected = if s.id == opportunity.stage { " selected" } else { "" };
            format!("<option value=\"{}\"{selected}>{}</option>", attr(s.id), text(s.label))
        })
        .collect();
    let stage = format!(
        "<form method=post action=\"/opportunities/{id}/stage\" class=inline><input type=hidden name=csrf value=\"{csrf}\">\
         <select name=stage aria-label=Stage data-testid=crm-stage>{options}</select> \
         <button type=submit data-testid=crm-save-stage>Set stage</button></form>",
        id = attr(&opportunity.id),
        csrf = attr(viewer.csrf),
    );
    let timeline: String = opportunity
        .activities
        .iter()
        .rev()
        .map(|a| format!("<li data-testid=crm-activity><b>{}</b><pre>{}</pre></li>", text(&a.subject), text(&a.body)))
        .collect();
    let timeline = if timeline.is_empty() {
        "<p class=muted>Nothing yet.</p>".to_owned()
    } else {
        format!("<ol class=timeline>{timeline}</ol>")
    };
    let files: String = opportunity
        .attachments
        .iter()
        .map(|(name, size)| format!("<li data-testid=crm-attachment>{} ({size} bytes)</li>", text(name)))
        .collect();
    let files = if files.is_empty() { String::new() } else { format!("<h2>Files</h2><ul>{files}</ul>") };
    let panel = match panel {
        Panel::Widget { embed_url, worker_origin, renew_url } => format!(
            "<iframe title=\"Aurora Solar\" data-testid=aurora-widget-frame data-origin=\"{}\" data-renew-url=\"{}\" src=\"{}\"></iframe>",
            attr(worker_origin),
            attr(renew_url),
            attr(embed_url)
        ),
        Panel::NotInstalled => "<p data-testid=crm-app-not-installed>Aurora Solar is not installed for this account. \
             An admin can install it from the <a href=\"/marketplace\">Marketplace</a>.</p>"
            .to_owned(),
    };
    let body = format!(
        "<main><section class=card><h1 data-testid=crm-opportunity-name>{name}</h1>\
         <dl><dt>Customer</dt><dd>{customer}</dd><dt>Owner</dt><dd>{owner}</dd>\
         <dt>Stage</dt><dd>{stage}</dd><dt>Amount</dt><dd data-testid=crm-amount>{amount}</dd>\
         <dt>Site</dt><dd data-testid=crm-opportunity-site>{site}</dd>{fields}</dl>\
         {files}<h2>Activity</h2>{timeline}\
         <p><a href=\"/\">All opportunities</a></p></section>\
         <aside class=card><h2>Aurora Solar</h2>{panel}</aside></main>{FRAME_HOST}",
        name = text(&opportunity.name),
        customer = text(&opportunity.customer),
        owner = text(owner),
        site = text(&site_text(&opportunity.site)),
        amount = opportunity.amount.map_or_else(|| "–".to_owned(), |a| format!("${}", as_a_crm_shows(a))),
    );
    layout(&opportunity.name, Some(viewer), &body)
}

/// The marketplace: our app's listing, and installing or opening it.
pub fn marketplace(viewer: &Viewer<'_>, installed: Option<(&Installation, &str)>, install_url: &str) -> String {
    let listing: &Listing = listing::listing();
    let action = match (installed, viewer.user.role) {
        (Some((installation, by)), _) => format!(
            "<p data-testid=crm-app-installed>Installed by {} on {}.</p>\
             <p><a class=button data-testid=crm-app-settings href=\"{}\">Open settings</a></p>",
            text(by),
            chrono::DateTime::from_timestamp(installation.installed_at, 0)
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            attr(install_url)
        ),
        (None, Role::Admin) => {
            format!("<p><a class=button data-testid=crm-app-install href=\"{}\">Install</a></p>", attr(install_url))
        }
        (None, Role::Rep) => "<p class=notice>Only an admin of your account can install apps.</p>".to_owned(),
    };
    let body = format!(
        "<main class=single><section class=card><h1>Marketplace</h1><article data-testid=crm-listing>{logo}\
         <h2>{name}</h2><p><strong>{tagline}</strong></p><p>{description}</p><p class=muted>By {developer}</p>{action}\
         </article></section></main>",
        logo = listing::logo_img("/marketplace/aurora-solar/logo.svg"),
        name = text(&listing.name),
        tagline = text(&listing.tagline),
        description = text(&listing.description),
        developer = text(&listing.developer),
    );
    layout("Marketplace", Some(viewer), &body)
}

/// The OAuth consent screen.
pub fn consent(viewer: &Viewer<'_>, fields: &str) -> String {
    let listing = listing::listing();
    let scopes: String = listing.scopes.iter().map(|s| format!("<li>{}</li>", text(&s.text))).collect();
    let body = format!(
        "<main class=single><section class=card>{logo}<h1>Install {name} for {account}?</h1>\
         <p>{name} will be able to:</p><ul>{scopes}</ul>\
         <form method=post action=\"/oauth/authorize\">{fields}\
         <button class=button name=decision value=allow data-testid=crm-consent-allow>Allow and install</button> \
         <button class=\"button secondary\" name=decision value=deny>Cancel</button></form></section></main>",
        logo = listing::logo_img("/marketplace/aurora-solar/logo.svg"),
        name = text(&listing.name),
        account = text(&viewer.account.name),
    );
    layout("Install an app", Some(viewer), &body)
}

/// A page that only says something went wrong (never echoes a redirect URI as a link).
pub fn message(viewer: Option<&Viewer<'_>>, title: &str, message: &str) -> String {
    layout(
        title,
        viewer,
        &format!(
            "<main class=single><section class=card><h1>{}</h1><p role=alert>{}</p></section></main>",
            text(title),
            text(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::as_a_crm_shows;

    #[test]
    fn number_fields_read_as_the_widget_writes_the_same_figures() {
        assert_eq!(as_a_crm_shows(14779.0), "14,779");
        assert_eq!(as_a_crm_shows(150.0), "150");
        assert_eq!(as_a_crm_shows(6.5), "6.5");
        assert_eq!(as_a_crm_shows(1234567.891), "1,234,567.89");
        assert_eq!(as_a_crm_shows(-2.0), "-2");
    }
}
