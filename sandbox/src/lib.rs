//! Local stand-ins of the outside world, so the product runs and is tested on one machine
//! with no internet: [`aurora`] (Aurora's partner API, a simulated designer, faults, the
//! tenant's "Apps" page) and [`demo_crm`] (a CRM with a marketplace, OAuth install, an
//! API, signed webhooks, and opportunity pages that embed our widget). [`listing`] is
//! our app's marketplace listing, which both show.

// Handler helpers return `Result<_, Response>` so handlers can use `?`; the large error
// variant is an HTTP answer on its way out, not a hot path.
#![allow(clippy::result_large_err)]

pub mod aurora;
pub mod demo_crm;
pub mod listing;
