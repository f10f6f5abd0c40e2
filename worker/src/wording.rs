//! How text for people is put, wherever it is written: a message read on a page or in the
//! widget is a sentence, and a wait is said in the unit a person thinks in.

/// `text` as a sentence: a capital first letter and a full stop (error messages are
/// written as clauses, to be read inside other text in logs).
pub fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let Some(first) = chars.next() else { return String::new() };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
    out
}

/// A wait of `seconds`, after "try again": "in 45 seconds", "in 9 minutes" (rounded up: a
/// person who waits the minutes said is not turned away again).
pub fn wait(seconds: i64) -> String {
    let up = |n: i64, by: i64| (n + by - 1) / by;
    match seconds.max(1) {
        1 => "in a second".to_owned(),
        s if s < 60 => format!("in {s} seconds"),
        s => match up(s, 60) {
            1 => "in a minute".to_owned(),
            m if m < 120 => format!("in {m} minutes"),
            m => format!("in {} hours", up(m, 60)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_read_sentences() {
        assert_eq!(sentence("the CRM is not answering (timeout)"), "The CRM is not answering (timeout).");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn waits_are_said_in_the_unit_a_person_thinks_in() {
        assert_eq!(wait(45), "in 45 seconds");
        assert_eq!(wait(60), "in a minute");
        assert_eq!(wait(502), "in 9 minutes");
        assert_eq!(wait(0), "in a second");
        assert_eq!(wait(3 * 3600), "in 3 hours");
    }
}
