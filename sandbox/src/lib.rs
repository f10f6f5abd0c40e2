//! Local stand-ins of the outside world, so the product runs and is tested on one machine
//! with no internet: [`aurora`] (Aurora's partner API, a simulated designer, faults) and
//! [`demo_crm`] (a CRM whose opportunity pages embed our widget).

// Handler helpers return `Result<_, Response>` so handlers can use `?`; the large error
// variant is an HTTP answer on its way out, not a hot path.
#![allow(clippy::result_large_err)]

pub mod aurora;
pub mod demo_crm;
