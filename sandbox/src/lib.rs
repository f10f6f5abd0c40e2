//! Local stand-ins of the outside world, so the product runs and is tested on one machine
//! with no internet: [`aurora`] (Aurora's partner API, a simulated designer, faults) and
//! [`demo_crm`] (a CRM whose opportunity pages embed our widget).

pub mod aurora;
pub mod demo_crm;
