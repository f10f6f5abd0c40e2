//! One component per file; this facade re-exports them.

mod create_project_button;
mod opportunity_panel;

pub use create_project_button::CreateProjectButton;
pub use opportunity_panel::OpportunityPanel;
