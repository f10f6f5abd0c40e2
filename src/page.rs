//! The widget's root on the page: the screens the worker rendered go in as they are, and
//! the few the widget shows before any answer come from the page's `<template>`s (rendered
//! by the worker too, `widget_view::page_templates`). The widget has no views of its own.
//!
//! What a screen change does for the rep beyond its HTML: focus follows them into the new
//! screen when they were in the widget (the button they pressed is about to go), and the
//! page's one status region says where things stand (WCAG 4.1.3).

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlTemplateElement};
use widget_api::{Action, PROBLEM_MESSAGE_SELECTOR, PROBLEM_RETRY_SELECTOR, PROBLEM_TEMPLATE_ID};

/// Something that went wrong on the rep's side of the worker (the worker could not be
/// reached, a session could not be renewed), for the rep: what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What happened and what to do, in words.
    pub message: String,
    /// What "Try again" repeats, when trying again may help.
    pub retry: Option<Action>,
}

/// Marks the notice of a [`Problem`] the widget put on a screen, so that it is found again.
const LOCAL_PROBLEM: &str = "data-local-problem";

/// The widget's root element, where every screen goes.
#[derive(Clone)]
pub struct Root(pub HtmlElement);

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

impl Root {
    /// Replaces what the root shows with `html` (a screen the worker rendered).
    pub fn show_html(&self, html: &str) {
        self.keeping_focus(|root| root.set_inner_html(html));
    }

    /// Replaces what the root shows with the page's `<template id="{id}">`, and answers
    /// what the template says the status region should say (`data-announcement`).
    pub fn show_template(&self, id: &str) -> Option<String> {
        let template = template(id)?;
        self.keeping_focus(|root| {
            root.set_inner_html("");
            let _ = root.append_child(&template.content().clone_node_with_deep(true).ok()?);
            Some(())
        });
        template.get_attribute("data-announcement")
    }

    /// Shows `problem` at the top of the screen, under the opportunity's header when there
    /// is one (`alone`: in place of the screen), in place of any problem shown before.
    pub fn show_problem(&self, problem: &Problem, alone: bool) {
        let Some(notice) = notice(problem) else { return };
        self.keeping_focus(|root| {
            self.clear_problem();
            let header = root.first_element_child().filter(|first| first.tag_name().eq_ignore_ascii_case("header"));
            match header {
                Some(header) if !alone => {
                    let _ = header.after_with_node_1(&notice);
                }
                _ => {
                    root.set_inner_html("");
                    let _ = root.append_child(&notice);
                }
            }
        });
    }

    /// Takes away the problem [`Root::show_problem`] showed, if any.
    pub fn clear_problem(&self) {
        if let Ok(Some(notice)) = self.0.query_selector(&format!("[{LOCAL_PROBLEM}]")) {
            notice.remove();
        }
    }

    /// Whether the screen shows a problem (the worker's or the widget's).
    pub fn shows_a_problem(&self) -> bool {
        self.0.query_selector("[data-testid=error]").ok().flatten().is_some()
    }

    /// Shows the screen's "still trying" line (`[data-slow-hint]`) if it has a hidden one,
    /// and answers its text for the status region.
    pub fn reveal_slow_hint(&self) -> Option<String> {
        let hint = self.0.query_selector("[data-slow-hint][hidden]").ok().flatten()?;
        hint.remove_attribute("hidden").ok()?;
        hint.text_content().map(|text| text.trim().to_owned())
    }

    /// What the root shows, as HTML, to put back later ([`Root::show_html`]).
    pub fn html(&self) -> String {
        self.0.inner_html()
    }

    /// Runs `change`; if the rep's focus was in the widget, it moves to the new screen's
    /// first thing to read or press (`[data-focus]`), not to the page's body.
    fn keeping_focus<T>(&self, change: impl FnOnce(&HtmlElement) -> T) -> T {
        let root = &self.0;
        let active = document().as_ref().and_then(Document::active_element);
        let had_focus = active.is_some_and(|element| root.contains(Some(&element)));
        let changed = change(root);
        if had_focus && let Ok(Some(target)) = root.query_selector("[data-focus]") {
            let _ = target.dyn_into::<HtmlElement>().map(|target| target.focus());
        }
        changed
    }
}

/// The action of the button `target` is in, when it is an enabled one.
pub fn action_of(target: &Element) -> Option<Action> {
    let button = target.closest("[data-action]").ok().flatten()?;
    if button.has_attribute("disabled") {
        return None;
    }
    Action::parse(&button.get_attribute("data-action")?)
}

/// Says `text` in the page's status region.
pub fn announce(text: &str) {
    if let Some(region) = document().and_then(|d| d.get_element_by_id("aurora-status")) {
        region.set_text_content(Some(text));
    }
}

fn template(id: &str) -> Option<HtmlTemplateElement> {
    document()?.get_element_by_id(id)?.dyn_into().ok()
}

/// The page's problem notice, filled in for `problem`.
fn notice(problem: &Problem) -> Option<Element> {
    let notice = template(PROBLEM_TEMPLATE_ID)?.content().first_element_child()?.clone_node_with_deep(true).ok()?;
    let notice: Element = notice.dyn_into().ok()?;
    let _ = notice.set_attribute(LOCAL_PROBLEM, "");
    if let Ok(Some(message)) = notice.query_selector(PROBLEM_MESSAGE_SELECTOR) {
        message.set_text_content(Some(&problem.message));
    }
    if let Ok(Some(button)) = notice.query_selector(PROBLEM_RETRY_SELECTOR) {
        match problem.retry {
            Some(action) => {
                let _ = button.set_attribute("data-action", action.as_str());
            }
            None => button.remove(),
        }
    }
    Some(notice)
}

/// The room the CRM gives the page, as the worker named it (`<html data-surface>`); a
/// panel where it names none.
pub fn surface() -> widget_api::Surface {
    let named = document().and_then(|d| d.document_element()).and_then(|root| root.get_attribute("data-surface"));
    widget_api::Surface::parse(named.as_deref().unwrap_or_default())
}
