//! The public pages each marketplace's listing links to: the setup guide (`/docs`, and
//! `/docs/{crm}` for each CRM: install, configure, use, uninstall) and the support page
//! (`/support`). Public (no session), specific, server-rendered and escaped like the admin
//! pages; each CRM's own steps come from its integration (`CrmIntegration::setup_guide`),
//! its nouns from `widget_view::words`.
//!
//! HubSpot's listing rules ask for a setup guide that is public and specific, with install
//! and configure steps, and a support URL distinct from it:
//! https://developers.hubspot.com/docs/apps/developer-platform/list-apps/listing-your-app/app-marketplace-listing-requirements

use crate::{AppState, admin_pages::layout, crm::Crm, tenant_links::CODE_LIFETIME_SECONDS};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use widget_view::words::{self, Crm as Words};

/// `/docs`: what the app does, and a guide per CRM this deployment serves.
pub fn index(state: &AppState) -> String {
    let guides: String = Crm::ALL
        .into_iter()
        .filter(|crm| crm.integration().is_configured(state))
        .map(|crm| {
            let name = in_words(crm, words::crm);
            format!(
                "<li><a href=\"/docs/{}\" data-testid=docs-guide>Aurora Solar in {}</a></li>",
                attr(crm.as_str()),
                text(name)
            )
        })
        .collect();
    layout(
        "Setup guide",
        &format!(
            "<section><h1>Aurora Solar for CRMs: setup guide</h1>\
             <p>Aurora Solar for CRMs connects your CRM to your company's Aurora Solar account. Sales reps create \
             an Aurora project from the record they are working on, at its address or coordinates, in one click; \
             when your designer finishes the design and Aurora's simulation completes, the record shows the design: \
             system size, production by month, offset, arrays, equipment and storage, and its key figures are \
             written to the record's fields for your reports.</p>\
             <h2>Choose your CRM</h2><ul>{guides}</ul>\
             <p>Need help? See <a href=\"/support\">support</a>.</p></section>"
        ),
    )
}

/// `/docs/{crm}`: install, link, configure, use and uninstall, in the CRM's words.
pub fn guide(crm: Crm) -> String {
    let integration = crm.integration();
    let steps = integration.setup_guide();
    in_words(crm, || {
        let (name, record, records, admin, account) =
            (words::crm(), words::record(), words::records(), words::admin(), words::account());
        let list = |items: &[&str]| -> String {
            items.iter().map(|item| format!("<li>{}</li>", text(item))).collect::<String>()
        };
        let minutes = CODE_LIFETIME_SECONDS / 60;
        let sites = integration.site_sources();
        let site_section = if sites.is_empty() {
            format!(
                "<p>The site is the {record}'s address, or its coordinates when it has no address, as {name} holds \
                 them.</p>"
            )
        } else {
            let options: String = sites.iter().map(|site| format!("<li>{}</li>", text(site.label))).collect();
            format!(
                "<p>{name} keeps no address on the {record} itself, so the app reads the site from one of these \
                 places. In the settings, under <em>Site of {a}</em>, put them in the order you want: each {record} \
                 takes the first that has an address.</p><ol>{options}</ol>",
                a = text(words::a_record())
            )
        };
        let automatic = if integration.polls_new_opportunities() {
            format!("the app checks {name} for new {records} every few minutes and creates their projects")
        } else {
            format!("{name} tells the app about each new {record} and the app creates its project")
        };
        let per_user = if integration.installs_per_user() {
            format!("<p>In {name}, each user installs the app for themself: reps install it after the {admin} has.</p>")
        } else {
            String::new()
        };
        layout(
            &format!("Set up Aurora Solar in {name}"),
            &format!(
                "<section><h1>Set up Aurora Solar in {name}</h1>\
                 <p>You need: a{admin_article} {admin} to install the app, and an Aurora admin of your company's Aurora \
                 Solar account to link it. It takes about five minutes.</p>\
                 <h2 id=install>1. Install</h2><ol data-testid=docs-install>{install}</ol>{per_user}\
                 <h2 id=link>2. Link your Aurora account</h2><ol data-testid=docs-link>\
                 <li>In Aurora Solar, an Aurora admin opens Settings, then Apps, enables Aurora Solar for CRMs and \
                 opens it. Aurora shows a link code, which works once, for {minutes} minutes.</li>\
                 <li>In the app's settings in {name}, enter the code under <em>Aurora tenant</em> and choose \
                 <em>Link</em>. The settings say which Aurora account is linked.</li>\
                 <li>One Aurora account is linked to one {account} at a time. To move it, release it in the settings \
                 first.</li></ol>\
                 <h2 id=configure>3. Configure</h2>\
                 <h3>Where the system goes</h3>{site_section}\
                 <h3>Automatic projects</h3><p>Turn on <em>Create projects automatically</em> and {automatic}: reps \
                 then find the project already made. Off, reps create each project with one click.</p>\
                 <h3>Health</h3><p>The settings page shows whether Aurora's and {name}'s messages reach the app, \
                 work it had to give up on, and a button to send Aurora's test message.</p>\
                 <h2 id=place>4. Put it where reps work</h2><ol data-testid=docs-place>{place}</ol>\
                 <h2 id=use>5. What reps see</h2><ul>\
                 <li><em>Create Aurora Project</em> creates the project in Aurora at the {record}'s site. Pressing it \
                 again never creates a second one.</li>\
                 <li>While the designer works, the panel says the design is awaited, and shows it by itself when \
                 it is ready: no reload needed.</li>\
                 <li>The design: system size, production by month, offset, arrays, equipment and storage, with a \
                 link to the project in Aurora. {fields}</li>\
                 <li>The app follows {name}'s theme, light or dark, and the rep's language settings for numbers and \
                 dates.</li></ul>\
                 <h2 id=data>What the app reads and keeps</h2><ul>\
                 <li>From {name}: the {record}'s name and site, and who opened it. {visibility}</li>\
                 <li>From Aurora: the project and its design summary. Aurora's keys stay on the app's servers; the \
                 browser never sees them.</li></ul>\
                 <h2 id=uninstall>Uninstall</h2><ol data-testid=docs-uninstall>{uninstall}</ol>\
                 <p>Uninstalling removes the {account}'s installation, its tokens and its Aurora link from the app. \
                 Projects stay in Aurora, and the figures already written stay on the {records}.</p>\
                 <p>Need help? See <a href=\"/support\">support</a>. All guides: <a href=\"/docs\">setup guide</a>.</p>\
                 </section>",
                admin_article = if admin.starts_with(['A', 'E', 'I', 'O', 'U']) { "n" } else { "" },
                install = list(steps.install),
                place = list(steps.place),
                uninstall = list(steps.uninstall),
                fields = text(steps.fields_written),
                visibility = text(integration.record_visibility()),
            ),
        )
    })
}

/// `/support`: how to get help, and what the messages a rep or admin may read mean.
pub fn support(state: &AppState) -> String {
    let contact = match &state.config.support_email {
        Some(email) => format!(
            "<p>Write to <a href=\"mailto:{}\" data-testid=support-email>{}</a>. We answer on working days.</p>",
            attr(email),
            text(email)
        ),
        None => "<p>Ask the admin who installed the app in your CRM: they reach the team that runs it.</p>".to_owned(),
    };
    layout(
        "Support",
        &format!(
            "<section><h1>Aurora Solar for CRMs: support</h1>{contact}\
             <p>To help us help you quickly, say which CRM you use, your company's name there, the record you were \
             on (its link), what you did, and the message you read.</p>\
             <h2>Messages and what to do</h2><dl data-testid=support-messages>\
             <dt>Aurora Solar is not set up yet</dt><dd>Your CRM account is not linked to an Aurora account yet: an \
             admin links it in the app's settings (see the <a href=\"/docs\">setup guide</a>).</dd>\
             <dt>Aurora Solar app is turned off</dt><dd>Your company's Aurora account turned the app off: an Aurora \
             admin turns it on again in Aurora, under Settings, then Apps. Designs already shown stay readable.</dd>\
             <dt>Aurora Solar is slow to answer. Still trying</dt><dd>Aurora is busy or briefly unavailable. The \
             project is still created: you can leave the page and come back.</dd>\
             <dt>This page was opened a while ago and has expired</dt><dd>Reload the record in your CRM.</dd>\
             <dt>Aurora Solar is not installed</dt><dd>An admin of your CRM installs the app from its \
             marketplace.</dd>\
             <dt>The project could not be created</dt><dd>The message says why (an address Aurora cannot place, \
             say). Fix it in your CRM, then choose Try again: it never creates a second project.</dd></dl>\
             <p>Setting up: see the <a href=\"/docs\">setup guide</a>.</p></section>"
        ),
    )
}

fn in_words<T>(crm: Crm, render: impl FnOnce() -> T) -> T {
    words::with_crm(Words::from_name(crm.as_str()), render)
}
