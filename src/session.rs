//! A rep's session with the widget: taken over from the page the worker rendered, it
//! creates the project when asked and follows the opportunity's screen while the page is
//! open, so that what changes elsewhere (a project created automatically, a design
//! arriving, a click in another tab) shows without a reload.
//!
//! Every screen is the worker's render (`GET .../screen`, or the page's templates for what
//! shows before an answer: see [`crate::page`]); the session decides when to ask for one
//! and acts on the buttons' actions ([`widget_api::Action`]).

pub mod transitions;

use crate::{
    api::{ApiError, Polled, WorkerClient},
    browser,
    page::{self, Problem, Root},
    renew::Host,
};
use std::{cell::RefCell, rc::Rc};
use transitions::AfterCreate;
// The browser's own task queue: no executor to start.
use wasm_bindgen_futures::spawn_local;
use widget_api::{Action, CREATING_TEMPLATE_ID, ScreenAnswer, SessionKeys};

/// When the token of `session`, just received, ends by the browser's clock (ms).
fn expiry(session: &SessionKeys) -> f64 {
    browser::now_ms() + session.expires_in as f64 * 1000.0
}

/// How long to wait between polls: quick at first, then slower, up to a ceiling; quick
/// again after any change.
#[derive(Debug, Clone, PartialEq)]
pub struct PollBackoff {
    next_ms: u32,
}

impl PollBackoff {
    /// The first wait.
    pub const FIRST_MS: u32 = 2_000;
    /// The longest wait.
    pub const CEILING_MS: u32 = 30_000;
    /// The shortest wait while nothing is pending: what changes then changes elsewhere (an
    /// automatic project, a click in another tab), and is seen within seconds.
    pub const SETTLED_MS: u32 = 5_000;

    /// Starts quick.
    pub fn new() -> Self {
        PollBackoff { next_ms: Self::FIRST_MS }
    }

    /// The wait before the next poll; each is half again as long as the last.
    pub fn next_wait(&mut self) -> u32 {
        let wait = self.next_ms;
        self.next_ms = (self.next_ms + self.next_ms / 2).min(Self::CEILING_MS);
        wait
    }

    /// Quick again.
    pub fn reset(&mut self) {
        self.next_ms = Self::FIRST_MS;
    }
}

impl Default for PollBackoff {
    fn default() -> Self {
        Self::new()
    }
}

/// How long a screen that says it is waiting on Aurora (creating a project) shows before
/// the widget adds that Aurora is slow to answer: creating takes a few seconds.
const SLOW_AFTER_MS: u32 = 10_000;

/// How long before its token ends a session is renewed: a poll comes at least every 30 s
/// while the page is visible, so the renewal comes before the end.
const RENEW_BEFORE_MS: f64 = 120_000.0;

/// The session; clones share it.
#[derive(Clone)]
pub struct Session(Rc<RefCell<SessionState>>);

/// What the session keeps.
struct SessionState {
    /// Where the widget's screens go.
    root: Root,
    /// What the root shows.
    shown: Shown,
    /// The ETag of the worker's screen shown (the page's, then each poll's), for the next
    /// poll; `None` while the widget shows one of its own.
    etag: Option<String>,
    /// Whether the worker will change that screen without the rep.
    pending: bool,
    /// What the status region last said.
    said: Option<String>,
    /// The opportunity the session opens.
    opportunity_id: String,
    /// The worker client of the current widget token: in memory only.
    client: Option<WorkerClient>,
    /// When that token ends, by the browser's clock (ms).
    expires_at_ms: f64,
    /// The page around the frame, which renews the session.
    host: Host,
    /// A loop following the screen is running.
    following: bool,
    /// How many times the root's screen changed: a timer set for one screen knows it is
    /// still showing.
    changes: u32,
}

/// What the root shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// The opportunity's screen, as the worker rendered it.
    Opportunity,
    /// The project is being created at the rep's request: the answer is awaited.
    Creating,
    /// The opportunity's screen, with a problem that stopped following it.
    Stopped,
    /// No session: only a problem.
    Unavailable,
}

impl Session {
    /// Takes over `root`, which holds the screen the worker rendered from `session` (its
    /// ETag and whether it is pending on the root: `data-screen-etag`, `data-pending`), and follows the opportunity from there. The
    /// rendered screen stays as it is, and its buttons act from now on. A page without a
    /// session that reads says so.
    pub fn start(root: web_sys::HtmlElement, session: Option<SessionKeys>, host: Host) -> Self {
        let etag = root.get_attribute("data-screen-etag").filter(|etag| !etag.is_empty());
        let pending = root.get_attribute("data-pending").as_deref() == Some("true");
        let this = Session(Rc::new(RefCell::new(SessionState {
            root: Root(root.clone()),
            shown: Shown::Opportunity,
            etag,
            pending,
            said: None,
            opportunity_id: session.as_ref().map(|s| s.opportunity_id.clone()).unwrap_or_default(),
            client: session.as_ref().map(WorkerClient::new),
            expires_at_ms: session.as_ref().map_or(0.0, expiry),
            host,
            following: false,
            changes: 0,
        })));
        this.listen_for_clicks(&root);
        this.changed();
        if session.is_none() {
            this.stop(transitions::unavailable(), Shown::Unavailable);
        }
        this.follow();
        this
    }

    /// One listener on the root for every button of every screen: each names its action.
    fn listen_for_clicks(&self, root: &web_sys::HtmlElement) {
        use wasm_bindgen::{JsCast, closure::Closure};
        let this = self.clone();
        let on_click = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            let target = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            match target.as_ref().and_then(page::action_of) {
                Some(Action::CreateProject) => this.create_project(),
                Some(Action::OpenSession) => this.recover(),
                Some(Action::FollowDesign) => {
                    this.resume();
                    this.follow();
                }
                Some(Action::ViewDesign) => this.view_design(),
                None => {}
            }
        });
        let _ = root.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
        // The root lives as long as the page, and so does its listener.
        on_click.forget();
    }

    fn with<T>(&self, read: impl FnOnce(&SessionState) -> T) -> T {
        read(&self.0.borrow())
    }

    fn root(&self) -> Root {
        self.with(|s| s.root.clone())
    }

    /// Shows the worker's `screen` (tagged `etag`) unless it is already showing.
    fn show(&self, screen: ScreenAnswer, etag: Option<String>) {
        let unchanged = self.with(|s| s.shown == Shown::Opportunity && s.etag.is_some() && s.etag == etag);
        if !unchanged {
            self.root().show_html(&screen.html);
            self.changed();
        }
        self.0.borrow_mut().shown = Shown::Opportunity;
        self.0.borrow_mut().etag = etag;
        self.0.borrow_mut().pending = screen.pending;
        self.say(screen.announcement);
    }

    /// The root's screen changed. If it waits on Aurora and still shows after a while,
    /// the rep is told Aurora is slow and the widget is still trying.
    fn changed(&self) {
        let change = {
            let mut state = self.0.borrow_mut();
            state.changes = state.changes.wrapping_add(1);
            state.changes
        };
        let this = self.clone();
        spawn_local(async move {
            browser::sleep(SLOW_AFTER_MS).await;
            if this.with(|s| s.changes == change)
                && let Some(hint) = this.root().reveal_slow_hint()
            {
                this.say(Some(hint));
            }
        });
    }

    /// Says `announcement` in the status region when it differs from what it last said.
    fn say(&self, announcement: Option<String>) {
        if announcement.is_some() && self.with(|s| s.said != announcement) {
            page::announce(announcement.as_deref().unwrap_or_default());
            self.0.borrow_mut().said = announcement;
        }
    }

    /// Shows `problem`, which stops the widget (`shown`) until the rep acts on it.
    fn stop(&self, problem: Problem, shown: Shown) {
        self.root().show_problem(&problem, shown == Shown::Unavailable);
        self.0.borrow_mut().shown = shown;
    }

    /// The rep resumes after a problem that stopped following: it goes.
    fn resume(&self) {
        if self.with(|s| s.shown == Shown::Stopped) {
            self.root().clear_problem();
            self.0.borrow_mut().shown = Shown::Opportunity;
        }
    }

    /// Whether the opportunity's screen is showing and may be followed.
    fn watching(&self) -> bool {
        self.with(|s| s.shown == Shown::Opportunity)
    }

    /// Opens the whole design in the CRM's larger surface; a refusal is shown over the
    /// summary.
    fn view_design(&self) {
        let (host, opportunity_id) = self.with(|s| (s.host.clone(), s.opportunity_id.clone()));
        let this = self.clone();
        spawn_local(async move {
            if let Err(refusal) = host.view_design(&opportunity_id).await {
                this.root().show_problem(&transitions::design_not_opened(&refusal), false);
            }
        });
    }

    fn create_project(&self) {
        if self.with(|s| s.shown == Shown::Creating || s.shown == Shown::Unavailable || s.client.is_none()) {
            return;
        }
        let root = self.root();
        let before = root.html();
        let announcement = root.show_template(CREATING_TEMPLATE_ID);
        self.0.borrow_mut().shown = Shown::Creating;
        self.changed();
        self.say(announcement);
        let this = self.clone();
        spawn_local(async move {
            let mut answer = match this.usable_client(false).await {
                Ok(client) => client.create_project().await,
                Err(problem) => return this.create_stopped(&before, problem),
            };
            // The worker refused the token after all: renewed once, asked again.
            if answer.as_ref().is_err_and(ApiError::needs_new_session) {
                answer = match this.usable_client(true).await {
                    Ok(client) => client.create_project().await,
                    Err(problem) => return this.create_stopped(&before, problem),
                };
            }
            if answer.as_ref().is_ok_and(|exists| *exists) {
                this.with(|s| s.host.clone()).confirm("Aurora project created");
            }
            match transitions::created(&answer) {
                AfterCreate::Screen => this.refresh(None).await,
                AfterCreate::ScreenWith(problem) => this.refresh(Some(problem)).await,
                AfterCreate::Before(problem) => this.create_stopped(&before, problem),
            }
            this.follow();
        });
    }

    /// A create that could not be asked, or not answered: the screen from before the
    /// click, with the problem (Try again asks again).
    fn create_stopped(&self, before: &str, problem: Problem) {
        let root = self.root();
        root.show_html(before);
        root.show_problem(&problem, false);
        self.0.borrow_mut().shown = Shown::Opportunity;
        self.changed();
    }

    /// Shows the opportunity's screen as the worker renders it now, with `problem` over
    /// it unless it shows one of its own. Unreachable, the problem of that is shown over
    /// the screen from before.
    async fn refresh(&self, problem: Option<Problem>) {
        let polled = match self.usable_client(false).await {
            Ok(client) => client.poll_screen(None).await,
            Err(problem) => return self.stop(problem, Shown::Stopped),
        };
        match polled {
            Ok(Polled::Changed { screen, etag }) => {
                self.0.borrow_mut().etag = None;
                self.show(screen, etag);
                if let Some(problem) = problem.filter(|_| !self.root().shows_a_problem()) {
                    self.root().show_problem(&problem, false);
                }
            }
            Ok(Polled::Unchanged) => {}
            Err(error) => {
                let problem =
                    problem.unwrap_or(Problem { message: error.to_string(), retry: Some(Action::FollowDesign) });
                self.stop(problem, Shown::Stopped);
            }
        }
    }

    /// The worker client, its session renewed through the CRM first when its token is
    /// about to end, or when the worker refused it (`refused`). A token that still works
    /// is used while a renewal fails (the next call tries again); where the CRM cannot
    /// renew (HubSpot's modal), the token is used until the worker refuses it. The problem
    /// is what the rep reads when there is no token left to use.
    async fn usable_client(&self, refused: bool) -> Result<WorkerClient, Problem> {
        let (client, expires_at, host) = self.with(|s| (s.client.clone(), s.expires_at_ms, s.host.clone()));
        if !refused
            && browser::now_ms() + RENEW_BEFORE_MS < expires_at
            && let Some(client) = client.clone()
        {
            return Ok(client);
        }
        // Where the CRM cannot renew (HubSpot's modal), this answers at once.
        match host.renew().await {
            Ok(session) => {
                let client = WorkerClient::new(&session);
                let mut state = self.0.borrow_mut();
                state.client = Some(client.clone());
                state.expires_at_ms = expiry(&session);
                Ok(client)
            }
            Err(error) => {
                client.filter(|_| !refused && browser::now_ms() < expires_at).ok_or_else(|| host.problem(&error))
            }
        }
    }

    /// "Try again" when the session could not be renewed, or the page held none: the
    /// CRM vouches for the rep again (Salesforce by POSTing the canvas anew).
    fn recover(&self) {
        if self.with(|s| s.host.recover_by_reloading()) {
            return;
        }
        let this = self.clone();
        spawn_local(async move {
            let unavailable = this.with(|s| s.shown == Shown::Unavailable);
            match this.usable_client(true).await {
                Ok(_) => {
                    this.resume();
                    if unavailable {
                        this.0.borrow_mut().shown = Shown::Opportunity;
                        this.refresh(None).await;
                    }
                    this.follow();
                }
                Err(problem) => {
                    let shown = if unavailable { Shown::Unavailable } else { Shown::Stopped };
                    this.stop(problem, shown);
                }
            }
        });
    }

    /// Polls the screen while it shows and the page is visible, one loop at a time: quick
    /// while the worker is changing it (a project being created, a design awaited),
    /// backing off to a ceiling otherwise, and quick again after any change or when the rep
    /// comes back to the page. Each poll is a 304 while nothing changed.
    fn follow(&self) {
        if !self.watching() || self.with(|s| s.following) {
            return;
        }
        self.0.borrow_mut().following = true;
        let this = self.clone();
        spawn_local(async move {
            this.follow_while_watching().await;
            this.0.borrow_mut().following = false;
        });
    }

    async fn follow_while_watching(&self) {
        let mut backoff = PollBackoff::new();
        while self.watching() {
            let wait = backoff.next_wait();
            browser::sleep(if self.with(|s| s.pending) { wait } else { wait.max(PollBackoff::SETTLED_MS) }).await;
            if !browser::page_is_visible() {
                // Nobody is looking: no polls until someone is, then one at once.
                browser::page_visible().await;
                backoff.reset();
            }
            // A click may have changed the screen while this loop slept.
            if !self.watching() {
                return;
            }
            let etag = self.with(|s| s.etag.clone());
            let mut polled = match self.usable_client(false).await {
                Ok(client) => client.poll_screen(etag.as_deref()).await,
                Err(problem) => return self.stop(problem, Shown::Stopped),
            };
            if polled.as_ref().is_err_and(ApiError::needs_new_session) {
                polled = match self.usable_client(true).await {
                    Ok(client) => client.poll_screen(etag.as_deref()).await,
                    Err(problem) => return self.stop(problem, Shown::Stopped),
                };
            }
            // The rep may have clicked while the poll was out: their screen wins.
            if !self.watching() {
                return;
            }
            match polled {
                Ok(Polled::Changed { screen, etag }) => {
                    backoff.reset();
                    self.show(screen, etag);
                }
                Ok(Polled::Unchanged) => {}
                Err(error) => {
                    if let Some(problem) = transitions::follow_failed(&error) {
                        return self.stop(problem, Shown::Stopped);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_back_off_to_a_ceiling_and_reset() {
        let mut backoff = PollBackoff::new();
        let waits: Vec<u32> = (0..10).map(|_| backoff.next_wait()).collect();
        assert_eq!(waits[..4], [2_000, 3_000, 4_500, 6_750]);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
        assert_eq!(*waits.last().expect("ten waits"), PollBackoff::CEILING_MS);
        backoff.reset();
        assert_eq!(backoff.next_wait(), PollBackoff::FIRST_MS);
    }
}
