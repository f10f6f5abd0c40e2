//! End-to-end tests live in `tests/`; they need the local system and a chromedriver,
//! which `cargo xtask test` starts and passes in through `E2E_*` environment variables.
