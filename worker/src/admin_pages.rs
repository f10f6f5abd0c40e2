//! The HTML an admin sees: the installation's settings and health, and plain messages.
//! Server-rendered (no widget, no JavaScript); every value is escaped. And the same
//! settings as data ([`SettingsSummary`]), for a CRM whose settings page is its own
//! components (HubSpot's settings extension).

use crate::wording::sentence;
use crate::{
    admin_session::AdminSession,
    installations::Health,
    storage::installations::TenantLink,
    tenant_links::{
        LinkCode,
        session_rules::{Answer, SessionRules},
    },
};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

/// A page in a tab of its own follows the computer's light or dark scheme; a page in the
/// CRM's own settings surface the CRM user's theme (`<html data-theme>`); each colour keeps
/// text at 4.5:1 or more in both (WCAG 1.4.3). In the CRM's frame the page drops its own
/// margins and shadows: the CRM draws the surface around it.
const STYLE: &str = ":root{color-scheme:light dark}:root[data-theme=light]{color-scheme:light}\
:root[data-theme=dark]{color-scheme:dark}body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}\
a{color:#0b57b5}\
main{max-width:720px;margin:32px auto;padding:0 16px}section{background:#fff;border-radius:8px;padding:16px 20px;\
margin-bottom:16px;box-shadow:0 1px 2px #0002}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:0}\
label{display:block;margin:8px 0 4px}input[type=text]{font:inherit;padding:6px 8px;width:100%;box-sizing:border-box}\
button{font:inherit;background:#0b63ce;color:#fff;border:0;border-radius:6px;padding:8px 16px;cursor:pointer;margin-top:8px}\
button.danger{background:#b3261e}.ok{color:#1e7b34}.bad{color:#b3261e}.notice{background:#e8f3ec;padding:8px 12px;border-radius:6px}\
.error{background:#fdecea;padding:8px 12px;border-radius:6px}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}\
dd{margin:0}@media (prefers-color-scheme:dark){:root:not([data-theme=light]) body{background:#15181c;color:#e6e8eb}\
:root:not([data-theme=light]) section{background:#1f2328}:root:not([data-theme=light]) a{color:#7cb6ff}\
:root:not([data-theme=light]) .ok{color:#5fd08a}:root:not([data-theme=light]) .bad{color:#ff8a80}\
:root:not([data-theme=light]) .notice{background:#16321f}:root:not([data-theme=light]) .error{background:#3b1a17}\
:root:not([data-theme=light]) button.danger{background:#c7372e}}\
:root[data-theme=dark] body{background:#15181c;color:#e6e8eb}:root[data-theme=dark] section{background:#1f2328}\
:root[data-theme=dark] a{color:#7cb6ff}:root[data-theme=dark] .ok{color:#5fd08a}:root[data-theme=dark] .bad{color:#ff8a80}\
:root[data-theme=dark] .notice{background:#16321f}:root[data-theme=dark] .error{background:#3b1a17}\
:root[data-theme=dark] button.danger{background:#c7372e}\
:root[data-in-crm] main{max-width:none;margin:0;padding:0 16px}:root[data-in-crm] section{box-shadow:none;\
border:1px solid #d5d8dc;padding:12px 16px}:root[data-in-crm] button:not(.danger){background:var(--primary)}";

/// A settings page shown inside the CRM's own settings surface (Pipedrive's custom UI for
/// app settings) rather than in a tab of its own.
#[derive(Debug, Clone)]
pub struct InCrm {
    /// The CRM.
    pub crm: crate::crm::Crm,
    /// The admin session itself, which the page's forms echo: in the CRM's frame a cookie
    /// of ours is a third party's, which browsers keep from the frame.
    pub session_token: String,
    /// The frame's own query, kept on every page of the frame (the CRM's runtime id of the
    /// frame, and the user's theme), so that each page can speak to the CRM.
    pub frame_query: String,
    /// The CRM user's theme.
    pub theme: crate::crm::embed::Theme,
}

/// The path of a settings page and its forms: on a tab of its own, or in the CRM.
pub fn settings_base(crm: crate::crm::Crm, account: &str, in_crm: bool) -> String {
    let account: String = form_urlencoded::byte_serialize(account.as_bytes()).collect();
    let root = if in_crm { "/crm-settings" } else { "/settings" };
    format!("{root}/{}/{account}", crm.as_str())
}

pub(crate) fn layout(title: &str, body: &str) -> String {
    layout_in(title, body, None)
}

/// The page, in the CRM's settings surface when `in_crm` says so: the CRM user's theme, and
/// the CRM's boot script first (Pipedrive hides a frame that has not said `initialize`).
fn layout_in(title: &str, body: &str, in_crm: Option<&InCrm>) -> String {
    let (root, boot) = match in_crm {
        Some(frame) => (
            format!(
                " data-in-crm={} data-theme={} style=\"--primary:{}\"",
                frame.crm.as_str(),
                frame.theme.as_str(),
                frame.crm.integration().primary_colour()
            ),
            frame
                .crm
                .integration()
                .frame_init_script()
                .map(|src| format!("<script src=\"{src}\"></script>"))
                .unwrap_or_default(),
        ),
        None => Default::default(),
    };
    format!(
        "<!doctype html><html lang=en{root}><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\">\
         {boot}<meta name=referrer content=no-referrer><title>{} · Aurora Solar for CRMs</title><style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>",
        text(title)
    )
}

/// A page that says one thing (errors, uninstalled).
pub fn message(title: &str, message: &str, link: Option<(&str, &str)>) -> String {
    message_in(title, message, link, None)
}

/// [`message`], in the CRM's settings surface when `in_crm` says so.
pub fn message_in(title: &str, message: &str, link: Option<(&str, &str)>, in_crm: Option<&InCrm>) -> String {
    let link =
        link.map(|(href, label)| format!("<p><a href=\"{}\">{}</a></p>", attr(href), text(label))).unwrap_or_default();
    layout_in(
        title,
        &format!(
            "<section><h1>{}</h1><p role=alert data-testid=admin-message>{}</p>{link}</section>",
            text(title),
            text(message)
        ),
        in_crm,
    )
}

fn time(unix: Option<i64>) -> String {
    unix.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// The page Aurora shows a user of a tenant who opened our app: the code to enter in the
/// CRM.
pub fn link_code(code: &LinkCode) -> String {
    let minutes = crate::tenant_links::CODE_LIFETIME_SECONDS / 60;
    layout(
        "Link your CRM",
        &format!(
            "<section><h1>Link Aurora to your CRM</h1>\
             <p>Your link code for Aurora tenant <code>{tenant}</code>:</p>\
             <p style=\"font-size:2em;letter-spacing:.15em;font-weight:600\" data-testid=link-code>{code}</p>\
             <p>In your CRM, open the settings of <strong>Aurora Solar for CRMs</strong> (you need to be an admin of \
             the CRM account) and enter this code under <em>Aurora tenant</em>. It works once, for {minutes} minutes.</p>\
             <p>A tenant is linked to one CRM account at a time: if another CRM account has it, its admin releases it \
             first (Release tenant, in that account's settings).</p>{operator}</section>",
            tenant = text(&code.tenant.to_string()),
            code = text(&code.code),
            operator = code
                .awaits_operator
                .map(|why| format!(
                    "<p data-testid=link-awaits-operator><strong>The link will wait for this service's operator to \
                     approve it</strong>: {}. Ask them to confirm it with your Aurora admin.</p>",
                    text(why)
                ))
                .unwrap_or_default(),
        ),
    )
}

/// The CRM's words (opportunity or deal) while `render` writes a page of `crm`'s.
fn in_words_of<T>(crm: crate::crm::Crm, render: impl FnOnce() -> T) -> T {
    widget_view::words::with_crm(widget_view::words::Crm::from_name(crm.as_str()), render)
}

/// The notice a settings page shows after a change, by a fixed key (never text from the
/// query string), in `crm`'s words.
pub fn notice(key: Option<&str>, crm: crate::crm::Crm) -> Option<String> {
    in_words_of(crm, || notice_text(key?))
}

fn notice_text(key: &str) -> Option<String> {
    use widget_view::words::records;
    Some(match key {
        "installed" => "The app is installed. Link your Aurora tenant to start creating projects.".to_owned(),
        "tenant" => "Aurora tenant linked, with proof from Aurora.".to_owned(),
        "tenant_awaiting_operator" => {
            "Aurora tenant linked, awaiting the operator's approval: reps create projects once the operator approves it."
                .to_owned()
        }
        "tenant_released" => "Aurora tenant released: it can now be linked to another CRM account.".to_owned(),
        "auto_create_on" => format!("Projects will be created automatically for new {}.", records()),
        "auto_create_off" => "Projects will only be created when a rep clicks Create Aurora Project.".to_owned(),
        "site_source" => "Sites are now read from the places you chose, in that order.".to_owned(),
        "amount_on" => format!("Designs' prices are now written to the {}'s amount.", widget_view::words::record()),
        "amount_off" => format!("The {}'s amount is left as people set it.", widget_view::words::record()),
        "stages" => {
            format!("{} move forward with the sale to the stages you chose.", widget_view::format::proper_name(records()))
        }
        "webhook_check_ok" => "Aurora's test webhook reached the app: finished designs will arrive.".to_owned(),
        _ => return None,
    })
}

/// The settings of one installation, on a tab of their own or in the CRM (`in_crm`).
pub fn settings(
    session: &AdminSession,
    health: &Health,
    notice: Option<&str>,
    error: Option<&str>,
    in_crm: Option<&InCrm>,
) -> String {
    in_words_of(session.crm, || settings_in_words(session, health, notice, error, in_crm))
}

fn settings_in_words(
    session: &AdminSession,
    health: &Health,
    notice: Option<&str>,
    error: Option<&str>,
    in_crm: Option<&InCrm>,
) -> String {
    use widget_view::words::records;
    let installation = &health.installation;
    // Each form's action: the settings' path and the action's, with the frame's query in
    // the CRM (`{base}/tenant{query}`).
    let base = attr(&settings_base(session.crm, &session.account_id, in_crm.is_some())).into_owned();
    let query = in_crm.map(|frame| format!("?{}", attr(&frame.frame_query))).unwrap_or_default();
    let mut csrf = format!("<input type=hidden name=csrf value=\"{}\">", attr(&session.csrf));
    if let Some(frame) = in_crm {
        csrf.push_str(&format!("<input type=hidden name=admin_session value=\"{}\">", attr(&frame.session_token)));
    }
    let notice = notice
        .map(|n| format!("<p class=notice role=status data-testid=admin-notice>{}</p>", text(n)))
        .unwrap_or_default();
    let error = error
        .map(|e| format!("<p class=error role=alert data-testid=admin-error>{}</p>", text(&sentence(e))))
        .unwrap_or_default();
    let linked = match (&installation.aurora_tenant_id, installation.app_enabled) {
        (None, _) => {
            "<span class=bad data-testid=admin-tenant-status>Not linked: reps cannot create projects yet.</span>"
                .to_owned()
        }
        (Some(t), false) => format!(
            "<span class=bad data-testid=admin-tenant-status>Linked to {}, but the app is disabled in that tenant: enable it in Aurora (Settings &gt; Apps).</span>",
            text(t)
        ),
        (Some(t), _) => {
            let how = match installation.tenant_link {
                Some(TenantLink::Proven) => format!(
                    "<span data-testid=admin-tenant-verified>(proven with Aurora, {})</span>",
                    time(installation.tenant_verified_at)
                ),
                Some(TenantLink::Operator) => {
                    "<span data-testid=admin-tenant-verified>(linked by the operator)</span>".to_owned()
                }
                Some(TenantLink::AwaitingOperator) => {
                    "<span class=bad data-testid=admin-tenant-verified>(awaiting the \
                    operator's approval: Aurora was not seen refusing forged session tokens, so a link code alone \
                    proves nothing. Reps create projects once the operator approves it.)</span>"
                        .to_owned()
                }
                None => "<span class=bad data-testid=admin-tenant-verified>(not proven: linked before links needed \
                    proof from Aurora, so reps cannot create projects. Link it again with a code from Aurora.)</span>"
                    .to_owned(),
            };
            format!(
                "<span class=ok data-testid=admin-tenant-status>Linked to {}</span> {how}\
                 <form method=post action=\"{base}/tenant/release{query}\" class=inline>{csrf}\
                 <button type=submit data-testid=admin-release-tenant>Release tenant</button></form>",
                text(t)
            )
        }
    };
    // A CRM polled for new records has no webhook to be present: it says how it is read.
    let polled = session.crm.integration().polls_new_opportunities();
    let subscriptions = match &health.webhooks_subscribed {
        Ok(true) if polled => format!("<span class=ok>Read by polling: new {} reach the app</span>", records()),
        Ok(true) => format!("<span class=ok>Present: new {} reach the app</span>", records()),
        Ok(false) => "<span class=bad>Missing: reinstall the app from the CRM's marketplace</span>".to_owned(),
        Err(e) => format!("<span class=bad>Could not check: {}</span>", text(e)),
    };
    let checked = if installation.auto_create { " checked" } else { "" };
    let amount_checked = if installation.write_amount { " checked" } else { "" };
    let site_sources = site_sources(session, installation, &format!("{base}/site-source{query}"), &csrf);
    let stages = stage_map(health, installation, &format!("{base}/stages{query}"), &csrf);
    let last_error = match (&installation.last_error, installation.last_error_at) {
        (Some(e), at) => format!("<span class=bad>{} ({})</span>", text(e), time(at)),
        (None, _) => "none".to_owned(),
    };
    let body = format!(
        "<section><h1>{heading}</h1><p>Settings for <strong>{account}</strong>, signed in as {user} (admin).</p>{notice}{error}</section>\
         <section><h2>Aurora tenant</h2><p>{linked}</p>\
         <p>To link a tenant, a user of it opens <strong>Aurora Solar for CRMs</strong> in Aurora (Settings &gt; Apps): \
         Aurora shows a link code, which works once, for 10 minutes.</p>\
         <form method=post action=\"{base}/tenant{query}\">{csrf}<label for=link-code>Link code from Aurora</label>\
         <input type=text id=link-code name=code placeholder=\"ABCD-EFGH\" autocomplete=off spellcheck=false required>\
         <button type=submit data-testid=admin-link-tenant>Link tenant</button></form></section>\
         <section><h2>Automatic projects</h2><form method=post action=\"{base}/auto-create{query}\">{csrf}\
         <label><input type=checkbox name=enabled value=on{checked} data-testid=admin-auto-create> Create the Aurora project when {a_record} is created in {crm_name}</label>\
         <button type=submit data-testid=admin-save-auto-create>Save</button></form></section>{site_sources}{stages}\
         <section><h2>Amount</h2><form method=post action=\"{base}/amount{query}\">{csrf}\
         <label><input type=checkbox name=enabled value=on{amount_checked} data-testid=admin-write-amount> Write the design's price \
         to the {record}'s amount (once sold, the price it was sold at)</label>\
         <button type=submit data-testid=admin-save-amount>Save</button></form></section>\
         <section><h2>Health</h2><dl data-testid=admin-health><dt>New {records} from {crm_name}</dt><dd data-testid=admin-webhook-status>{subscriptions}</dd>\
         <dt>Last webhook received from {crm_name}</dt><dd data-testid=admin-last-webhook>{last_webhook}</dd>\
         <dt>Last error</dt><dd data-testid=admin-last-error>{last_error}</dd>\
         <dt>Work given up on</dt><dd data-testid=admin-dead-work>{dead_work}</dd>\
         <dt>Projects to check in Aurora</dt><dd data-testid=admin-late-projects>{late_projects}</dd>\
         <dt>Who sees which record</dt><dd data-testid=admin-record-visibility>{visibility}{per_user}</dd>\
         <dt>What this deployment has seen of the CRM</dt><dd data-testid=admin-observations>{observations}</dd>\
         <dt>Aurora's session-token check</dt><dd data-testid=admin-session-rules>{session_rules}</dd></dl>\
         <form method=post action=\"{base}/check-webhooks{query}\">{csrf}<button type=submit data-testid=admin-check-webhooks>\
         Send a test webhook from Aurora</button></form></section>\
         <section><h2>Uninstall</h2><p>Removes this installation and the CRM's authorization. Projects already in Aurora stay there.</p>\
         <form method=post action=\"{base}/uninstall{query}\">{csrf}<label><input type=checkbox name=confirm value=yes required \
         data-testid=admin-uninstall-confirm> Yes, uninstall it from {account}</label>\
         <button class=danger type=submit data-testid=admin-uninstall>Uninstall</button></form></section>",
        // In the CRM, the CRM titles the surface with the app's name.
        heading = if in_crm.is_some() { "Settings" } else { "Aurora Solar for CRMs" },
        account = text(&session.account_name),
        user = text(&session.user_name),
        a_record = widget_view::words::a_record(),
        record = widget_view::words::record(),
        crm_name = widget_view::words::crm(),
        records = records(),
        last_webhook = time(installation.last_crm_webhook_at),
        dead_work = dead_work(health),
        late_projects = late_projects(health),
        observations = observations(health),
        session_rules = session_rules(&health.session_rules),
        visibility = text(session.crm.integration().record_visibility()),
        per_user = if session.crm.integration().installs_per_user() {
            " The CRM shows the app only to users who installed it: each rep installs it for themself from the \
             CRM's marketplace (their install changes nothing here)."
        } else {
            ""
        },
    );
    layout_in("Settings", &body, in_crm)
}

/// What a user who installed the app for themself reads (where the CRM shows it only to
/// users who installed it): nothing to set, the way back to their records.
pub fn installed_for_user(account: &str, user: &str) -> String {
    message(
        "Installed for you",
        &format!(
            "Aurora Solar for CRMs is installed for {user} in {account}. Open a deal in your CRM: the Aurora Solar \
             panel shows there. Its settings are your admin's."
        ),
        None,
    )
}

/// Where opportunities' sites are read from, when the CRM offers a choice.
fn site_sources(
    session: &AdminSession,
    installation: &crate::storage::installations::Installation,
    action: &str,
    csrf: &str,
) -> String {
    let sources = session.crm.integration().site_sources();
    if sources.is_empty() {
        return String::new();
    }
    let order = crate::crm::site_order(sources, installation.site_source.as_deref());
    let places: String = order
        .iter()
        .enumerate()
        .map(|(position, chosen)| {
            let options: String = sources
                .iter()
                .map(|source| {
                    let selected = if source.key == chosen.key { " selected" } else { "" };
                    format!("<option value=\"{}\"{selected}>{}</option>", attr(source.key), text(source.label))
                })
                .collect();
            let label = if position == 0 { "First".to_owned() } else { format!("Then ({})", position + 1) };
            format!(
                "<label for=site-order-{position}>{label}</label>\
                 <select id=site-order-{position} name=order data-testid=admin-site-order-{position}>{options}</select>"
            )
        })
        .collect();
    let a_record = widget_view::words::a_record();
    format!(
        "<section><h2>Site of {a_record}</h2><p>Where the project's address is read from: each record takes the \
         first of these places that has one (a record without any says so to the rep). Changing the order changes \
         no project already made.</p>\
         <form method=post action=\"{action}\">{csrf}{places}\
         <button type=submit data-testid=admin-save-site-source>Save</button></form></section>"
    )
}

/// The stage each step of the sale moves a record to, chosen among the CRM's own stages
/// (grouped by pipeline). Forward only, which the section says.
fn stage_map(
    health: &Health,
    installation: &crate::storage::installations::Installation,
    action: &str,
    csrf: &str,
) -> String {
    use crate::stages::{SaleStep, StageMap};
    use widget_view::words::{record, records};
    let (record, records) = (record(), records());
    let intro = format!(
        "<p>When a step of the sale happens in Aurora, the {record} moves to the stage you choose here: forward only.          A {record} already at that stage or further, won or lost, or in another pipeline stays where it is, so a          stage a person set is never undone.</p>"
    );
    let stages = match &health.stages {
        Ok(stages) if !stages.is_empty() => stages,
        Ok(_) => {
            return format!(
                "<section><h2>Stages</h2>{intro}<p>{} has no stages for {records}.</p></section>",
                widget_view::words::crm()
            );
        }
        Err(why) => {
            return format!(
                "<section><h2>Stages</h2>{intro}<p class=bad data-testid=admin-stages-error>Could not read the stages: {}</p></section>",
                text(why)
            );
        }
    };
    let map = StageMap::read(installation.stage_map_json.as_deref());
    let rows: String = SaleStep::ALL
        .iter()
        .map(|step| {
            let chosen = map.stage_for(*step);
            let mut options = format!(
                "<option value=\"\"{}>Leave the stage as it is</option>",
                if chosen.is_none() { " selected" } else { "" }
            );
            let mut pipelines: Vec<(&str, &str)> = Vec::new();
            for stage in stages.iter() {
                if !pipelines.iter().any(|(id, _)| *id == stage.pipeline) {
                    pipelines.push((&stage.pipeline, &stage.pipeline_label));
                }
            }
            for (pipeline, label) in pipelines {
                let mut in_order: Vec<_> = stages.iter().filter(|s| s.pipeline == pipeline).collect();
                in_order.sort_by_key(|s| s.order);
                let items: String = in_order
                    .iter()
                    .map(|s| {
                        let selected = if chosen == Some(s.id.as_str()) { " selected" } else { "" };
                        format!("<option value=\"{}\"{selected}>{}</option>", attr(&s.id), text(&s.label))
                    })
                    .collect();
                options.push_str(&format!("<optgroup label=\"{}\">{items}</optgroup>", attr(label)));
            }
            let name = step.as_str();
            format!(
                "<label for=stage-{name}>{}</label><select id=stage-{name} name={name} data-testid=admin-stage-{name}>{options}</select>",
                text(step.label())
            )
        })
        .collect();
    format!(
        "<section><h2>Stages</h2>{intro}<form method=post action=\"{action}\">{csrf}{rows}\
         <button type=submit data-testid=admin-save-stages>Save</button></form></section>"
    )
}

/// Background work that died, per kind: how many, and the newest reason. Dead work is
/// kept, never retried by itself: the admin learns here what did not reach Aurora or the CRM.
fn dead_work(health: &Health) -> String {
    if health.dead_work.is_empty() {
        return "none".to_owned();
    }
    let rows: String = health
        .dead_work
        .iter()
        .map(|(kind, dead)| {
            format!(
                "<li class=bad data-testid=admin-dead-work-item>{}: {} ({}, last {})</li>",
                text(kind.label()),
                dead.count,
                text(dead.last_error.as_deref().unwrap_or("no reason recorded")),
                time(dead.last_dead_at),
            )
        })
        .collect();
    format!("<ul>{rows}</ul>")
}

/// What Aurora answered when the worker tried session tokens it should refuse, and so how
/// tenant links are made (see [`crate::tenant_links::session_rules`]).
pub fn session_rules(rules: &SessionRules) -> String {
    let answer = |seen: Option<crate::tenant_links::session_rules::Seen>, what: &str| match seen {
        None => format!("{what}: not tried yet"),
        Some(seen) => format!(
            "{what}: {} ({})",
            match seen.answer {
                Answer::Refused => "refused",
                Answer::Accepted => "ACCEPTED",
            },
            time(Some(seen.at))
        ),
    };
    let mode = match rules.mode() {
        crate::tenant_links::session_rules::LinkMode::Proof => "Link codes prove the tenant.".to_owned(),
        crate::tenant_links::session_rules::LinkMode::OperatorApproval(why) => {
            format!("New links wait for the operator's approval: {why}.")
        }
    };
    format!(
        "{}. {}. {}",
        text(&answer(rules.forged, "A made-up session token")),
        text(&answer(rules.other_tenant, "Another tenant's session token (tried when one is held)")),
        text(&mode)
    )
}

/// What real traffic has shown of the CRM (across this deployment), when last.
fn observations(health: &Health) -> String {
    if health.observations.is_empty() {
        return "nothing yet".to_owned();
    }
    let rows: String = health
        .observations
        .iter()
        .map(|seen| {
            format!(
                "<li data-testid=admin-observation>{} (last {})</li>",
                text(&seen.observation),
                time(Some(seen.last_seen))
            )
        })
        .collect();
    format!("<ul>{rows}</ul>")
}

/// Opportunities whose creation outlived its claim: Aurora may hold a second project for
/// each, which an Aurora admin should look at (the opportunity shows the first).
fn late_projects(health: &Health) -> String {
    if health.late_projects.is_empty() {
        return "none".to_owned();
    }
    let rows: String = health
        .late_projects
        .iter()
        .map(|late| {
            format!(
                "<li class=bad data-testid=admin-late-project>Opportunity {}: Aurora may hold a second project, {} \
                 (delete it in Aurora if it is a duplicate)</li>",
                text(&late.opportunity_id),
                text(&late.aurora_project_id),
            )
        })
        .collect();
    format!("<ul>{rows}</ul>")
}

/// The settings a CRM's own settings page shows (what the HTML page shows first), in the
/// CRM's words.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SettingsSummary {
    /// The CRM account.
    pub account: String,
    /// The admin, as the CRM names them.
    pub user: String,
    /// Whether reps can create projects: a tenant linked, proven and with the app on.
    pub tenant_ready: bool,
    /// Where the tenant link stands, in a sentence.
    pub tenant: String,
    /// Whether projects are made for every new record.
    pub auto_create: bool,
    /// What "Create ... automatically" is about: "deals", "opportunities".
    pub records: String,
    /// The health section's first lines: (label, value, fine?).
    pub health: Vec<HealthLine>,
    /// What the last change did, when there was one.
    pub notice: Option<String>,
}

/// One line of the health section.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HealthLine {
    /// What it is about.
    pub label: String,
    /// Where it stands.
    pub value: String,
    /// Nothing to do about it.
    pub fine: bool,
}

/// [`SettingsSummary`] of an installation.
pub fn settings_summary(session: &AdminSession, health: &Health, notice: Option<String>) -> SettingsSummary {
    in_words_of(session.crm, || {
        use widget_view::words::{crm, records};
        let installation = &health.installation;
        let (tenant_ready, tenant) = match (&installation.aurora_tenant_id, installation.app_enabled) {
            (None, _) => (false, "Not linked: reps cannot create projects yet.".to_owned()),
            (Some(t), false) => (
                false,
                format!(
                    "Linked to {t}, but the app is turned off in that tenant: turn it on in Aurora (Settings > Apps)."
                ),
            ),
            (Some(t), true) => match installation.tenant_link {
                Some(TenantLink::Proven) => {
                    (true, format!("Linked to {t}, proven with Aurora ({}).", time(installation.tenant_verified_at)))
                }
                Some(TenantLink::Operator) => (true, format!("Linked to {t} by the operator.")),
                Some(TenantLink::AwaitingOperator) => (
                    false,
                    format!(
                        "Linked to {t}, awaiting the operator's approval: reps create projects once they approve it."
                    ),
                ),
                None => (false, format!("Linked to {t}, but not proven: link it again with a code from Aurora.")),
            },
        };
        let polled = session.crm.integration().polls_new_opportunities();
        let listening = match &health.webhooks_subscribed {
            Ok(true) if polled => ("Read by polling".to_owned(), true),
            Ok(true) => ("Present".to_owned(), true),
            Ok(false) => ("Missing: reinstall the app from the marketplace".to_owned(), false),
            Err(e) => (format!("Could not check: {e}"), false),
        };
        let dead: i64 = health.dead_work.iter().map(|(_, dead)| dead.count).sum();
        let mut lines = vec![HealthLine {
            label: format!("New {} from {}", records(), crm()),
            value: listening.0,
            fine: listening.1,
        }];
        lines.push(match (&installation.last_error, installation.last_error_at) {
            (Some(e), at) => {
                HealthLine { label: "Last error".into(), value: format!("{e} ({})", time(at)), fine: false }
            }
            (None, _) => HealthLine { label: "Last error".into(), value: "none".into(), fine: true },
        });
        lines.push(HealthLine {
            label: "Work given up on".into(),
            value: if dead == 0 { "none".into() } else { format!("{dead}: see all settings") },
            fine: dead == 0,
        });
        SettingsSummary {
            account: session.account_name.clone(),
            user: session.user_name.clone(),
            tenant_ready,
            tenant,
            auto_create: installation.auto_create,
            records: records().to_owned(),
            health: lines,
            notice,
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(super::time(Some(1_795_000_000)), "2026-11-18 11:06 UTC");
        assert_eq!(super::time(None), "never");
    }
}
