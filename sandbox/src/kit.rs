//! What every CRM stand-in does the same way, so each keeps only its vendor's own API,
//! pages and signing: HTML escaping, the sign-in form (who may sign in, the return address
//! kept across a wrong password, what was typed kept), the signed-in bar with its sign-out,
//! session cookies, the rule for where a browser may be sent back to, webhook delivery
//! with retries ([`deliver`]), the sign-in desk ([`desk`]) and the OAuth authorization
//! server ([`oauth`]), and faults switched on in their APIs ([`faults`]).

pub mod desk;
pub mod faults;
pub mod oauth;

/// A stand-in's clock: the wall clock, plus however far a test has moved it, so that a test
/// waits for a token to expire by moving the clock rather than by sleeping.
#[derive(Debug, Clone, Default)]
pub struct Clock(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl Clock {
    /// Milliseconds since the Unix epoch, on this clock.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Seconds since the Unix epoch, on this clock.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves the clock `by` ahead.
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Sends a webhook until it is answered with a 2xx: at once, then again after each wait of
/// `retries`, then gives up. `attempt(n)` makes and sends try `n` (from 1) and answers its
/// status (`None` when nothing answered): vendors build each try anew (a fresh timestamp
/// and signature, the attempt's number) and record it as they do.
pub async fn deliver<F, Fut>(retries: &[std::time::Duration], mut attempt: F)
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Option<u16>>,
{
    let waits = std::iter::once(std::time::Duration::ZERO).chain(retries.iter().copied());
    for (n, wait) in (1..).zip(waits) {
        tokio::time::sleep(wait).await;
        if attempt(n).await.is_some_and(|status| (200..300).contains(&status)) {
            return;
        }
    }
}

/// `value` as HTML text.
pub fn text(value: &str) -> String {
    html_escape::encode_text(value).into_owned()
}

/// `value` inside a double-quoted attribute.
/// A note's HTML as a CRM shows it on a timeline: its text, a paragraph or break per line,
/// tags dropped and entities read (a stand-in's display; never HTML run as HTML).
pub fn note_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else { break };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        if tag == "/p" || tag.starts_with("br") || tag == "/li" || tag == "/div" {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    if !rest.contains('>') {
        out.push_str(rest);
    }
    html_escape::decode_html_entities(out.trim_end()).into_owned()
}

pub fn attr(value: &str) -> String {
    html_escape::encode_double_quoted_attribute(value).into_owned()
}

/// Where a browser may be sent back to after signing in: a path on this origin only.
/// Browsers drop tabs and newlines from URLs (`/\t/evil.example` is `//evil.example`), so
/// control characters, whitespace, `//` and backslashes disqualify a path.
pub fn local_path(back: &str) -> Option<&str> {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(|c| c.is_control() || c.is_whitespace());
    local.then_some(back)
}

/// The `Set-Cookie` of a new browser session.
pub fn session_cookie(name: &str, id: &str) -> String {
    format!("{name}={id}; Path=/; HttpOnly; SameSite=Lax")
}

/// The `Set-Cookie` that ends a browser session.
pub fn cleared_cookie(name: &str) -> String {
    format!("{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
}

/// The answer to a sign-out: the session cookie cleared, the browser sent to `login`. The
/// stand-in forgets the session `sid` named first.
pub fn signed_out(cookie: &str, login: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::SET_COOKIE, cleared_cookie(cookie))], axum::response::Redirect::to(login)).into_response()
}

/// A stand-in's sign-in form, in its vendor's words.
pub struct SignIn<'a> {
    /// The heading (`Log in to HubSpot`).
    pub heading: &'a str,
    /// Where the form posts (`/login`).
    pub action: &'a str,
    /// The vendor's name for the return address (`loginRedirectUrl`, `startURL`).
    pub back_field: &'a str,
    /// The return address, kept across a failed attempt.
    pub back: &'a str,
    /// The vendor's name and label for the user (`email`/`Email`, `username`/`Username`).
    pub user_field: (&'a str, &'a str),
    /// What the user typed, kept across a failed attempt.
    pub typed: &'a str,
    /// Why the last attempt failed.
    pub error: Option<&'a str>,
    /// Who may sign in, with a note on each (`Super Admin`), for whoever runs the stand-in.
    pub users: Vec<(String, &'a str)>,
    /// Everyone's password.
    pub password: &'a str,
    /// The prefix of the form's test ids (`hs`: `hs-email`, `hs-password`, `hs-login`).
    pub test_ids: &'a str,
    /// The button's label.
    pub button: &'a str,
}

impl SignIn<'_> {
    /// The form, as a page section.
    pub fn html(&self) -> String {
        let error = self.error.map(|e| format!("<p role=alert data-testid={}-error>{}</p>", self.test_ids, text(e)));
        let users: String = self
            .users
            .iter()
            .map(|(user, note)| {
                let note = if note.is_empty() { String::new() } else { format!(" ({})", text(note)) };
                format!("<li><code>{}</code>{note}</li>", text(user))
            })
            .collect();
        let (field, label) = self.user_field;
        format!(
            "<section><h1>{heading}</h1>{error}<form method=post action=\"{action}\">\
             <input type=hidden name={back_field} value=\"{back}\">\
             <label>{label} <input name={field} value=\"{typed}\" autocomplete=username data-testid={ids}-{field}></label> \
             <label>Password <input name=password type=password autocomplete=current-password data-testid={ids}-password></label> \
             <button data-testid={ids}-login>{button}</button></form>\
             <p>Password <code>{password}</code> for:</p><ul>{users}</ul></section>",
            heading = text(self.heading),
            error = error.unwrap_or_default(),
            action = attr(self.action),
            back_field = self.back_field,
            back = attr(self.back),
            typed = attr(self.typed),
            ids = self.test_ids,
            button = text(self.button),
            password = text(self.password),
        )
    }
}

/// `page` (a stand-in's whole page) with [`signed_in_bar`] in its `<header>`.
pub fn with_signed_in_bar(
    page: axum::response::Html<String>,
    who: &str,
    sign_out: &str,
    test_ids: &str,
) -> axum::response::Html<String> {
    let axum::response::Html(page) = page;
    axum::response::Html(page.replacen("</header>", &format!("{}</header>", signed_in_bar(who, sign_out, test_ids)), 1))
}

/// Who is signed in, and the way out: every page a signed-in user sees starts with it, so
/// that switching from the admin to the rep is one click.
pub fn signed_in_bar(who: &str, sign_out: &str, test_ids: &str) -> String {
    format!(
        "<p class=signed-in>Signed in as <strong data-testid={test_ids}-user>{}</strong> \
         <form method=post action=\"{}\" style=display:inline><button data-testid={test_ids}-sign-out>Sign out</button></form></p>",
        text(who),
        attr(sign_out)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_notes_html_reads_as_its_text() {
        assert_eq!(
            super::note_text(
                "<p><b>Aurora: agreement signed</b></p><p>Price $1,000 &amp; more</p><p><a href=\"x\">Open</a></p>"
            ),
            "Aurora: agreement signed\nPrice $1,000 & more\nOpen"
        );
        assert_eq!(super::note_text("plain"), "plain");
    }

    use super::*;

    #[test]
    fn only_local_paths_are_return_addresses() {
        assert_eq!(local_path("/deal/1?x=2"), Some("/deal/1?x=2"));
        for outside in ["//evil.example", "https://evil.example", "/\t/evil.example", "/\\evil", "", "deal/1"] {
            assert_eq!(local_path(outside), None, "{outside:?}");
        }
    }

    #[test]
    fn a_failed_sign_in_keeps_the_return_address_and_what_was_typed_escaped() {
        let form = SignIn {
            heading: "Log in",
            action: "/login",
            back_field: "next",
            back: "/oauth/authorize?client_id=a&state=\"x\"",
            user_field: ("email", "Email"),
            typed: "ana@<x>.example",
            error: Some("Wrong email or password."),
            users: vec![("ana@x.example".into(), "admin")],
            password: "demo",
            test_ids: "t",
            button: "Log in",
        }
        .html();
        assert!(form.contains("value=\"/oauth/authorize?client_id=a&amp;state=&quot;x&quot;\""), "{form}");
        assert!(form.contains("value=\"ana@&lt;x&gt;.example\""), "{form}");
        assert!(form.contains("role=alert") && form.contains("(admin)"), "{form}");
    }
}
