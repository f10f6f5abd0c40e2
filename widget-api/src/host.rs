//! How the widget talks to the CRM page around its frame. The worker names the adapter on
//! the embed page (`data-host-adapter`), chosen by the CRM's integration; the widget reads
//! it back with the same type, so neither side spells it as a string of its own.

/// The protocol the page around the widget's frame speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostAdapter {
    /// `aurora-widget:height` messages to the CRM origins that frame us (the demo CRM).
    FrameHeight,
    /// The Canvas SDK's `resize` envelopes (Salesforce).
    Canvas,
    /// The app extensions SDK's commands over `MessageChannel` ports (Pipedrive).
    Pipedrive,
    /// Nobody to talk to (HubSpot's modal has the size the card opened it with).
    None,
}

impl HostAdapter {
    /// Every adapter.
    pub const ALL: [HostAdapter; 4] =
        [HostAdapter::FrameHeight, HostAdapter::Canvas, HostAdapter::Pipedrive, HostAdapter::None];

    /// Its name on the embed page.
    pub const fn as_str(self) -> &'static str {
        match self {
            HostAdapter::FrameHeight => "frame-height",
            HostAdapter::Canvas => "canvas",
            HostAdapter::Pipedrive => "pipedrive",
            HostAdapter::None => "none",
        }
    }

    /// The adapter a page names; one the widget does not know talks to nobody.
    pub fn parse(name: &str) -> HostAdapter {
        HostAdapter::ALL.into_iter().find(|adapter| adapter.as_str() == name).unwrap_or(HostAdapter::None)
    }
}

#[cfg(test)]
mod tests {
    use super::HostAdapter;

    #[test]
    fn names_read_back_and_unknown_ones_talk_to_nobody() {
        for adapter in HostAdapter::ALL {
            assert_eq!(HostAdapter::parse(adapter.as_str()), adapter);
        }
        assert_eq!(HostAdapter::parse("hubspot"), HostAdapter::None);
        assert_eq!(HostAdapter::parse(""), HostAdapter::None);
    }
}
