//! The fuzz targets' bodies (`fuzz/bodies/`), on stable, over what fuzzing has found worth
//! keeping: each target's committed seeds (`fuzz/seeds/<target>/`, where a crash's input
//! goes to become a regression test), the local corpus `cargo xtask fuzz` grows
//! (`fuzz/corpus/<target>/`, git-ignored, when present), and a few thousand deterministic
//! mutations of the seeds. The long fuzzing is `cargo xtask fuzz` (nightly, libFuzzer).

use std::{fs, path::Path};

mod crm_context {
    include!("../../fuzz/bodies/crm_context.rs");
}
mod crm_webhook {
    include!("../../fuzz/bodies/crm_webhook.rs");
}
mod aurora_webhook_query {
    include!("../../fuzz/bodies/aurora_webhook_query.rs");
}
mod aurora_json {
    include!("../../fuzz/bodies/aurora_json.rs");
}
mod widget_decode {
    include!("../../fuzz/bodies/widget_decode.rs");
}
mod salesforce_signed_request {
    include!("../../fuzz/bodies/salesforce_signed_request.rs");
}
mod hubspot_request {
    include!("../../fuzz/bodies/hubspot_request.rs");
}
mod pipedrive_request {
    include!("../../fuzz/bodies/pipedrive_request.rs");
}
mod oauth_callback {
    include!("../../fuzz/bodies/oauth_callback.rs");
}

/// Mutations per seed: enough to pass the parsers' early exits, quick in a debug build.
const MUTATIONS_PER_SEED: usize = 1_000;

/// Every input of `target`'s seeds, corpus and their mutations through `run`; a panic
/// fails the test naming the input (written under `target/fuzz-replay/` to reproduce).
fn replay(target: &str, run: fn(&[u8])) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut committed = 0;
    for folder in ["seeds", "corpus"] {
        let Ok(entries) = fs::read_dir(fuzz.join(folder).join(target)) else { continue };
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
        files.sort();
        for file in files {
            let bytes = fs::read(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
            inputs.push((file.display().to_string(), bytes));
        }
        if folder == "seeds" {
            committed = inputs.len();
        }
    }
    // The mutations are of the committed seeds: a local corpus (grown by `cargo xtask
    // fuzz` to thousands of inputs) is replayed as it is.
    let seeds = committed;
    assert!(seeds > 0, "{target} has no seeds in fuzz/seeds/{target}/");
    let mut random = Xorshift(0x9e37_79b9_7f4a_7c15 ^ target.len() as u64);
    let mutations: Vec<(String, Vec<u8>)> = (0..seeds * MUTATIONS_PER_SEED)
        .map(|index| {
            let other = random.below(seeds);
            let mutated = random.mutate(&inputs[index % seeds].1, &inputs[other].1);
            (format!("mutation {index} of {}", inputs[index % seeds].0), mutated)
        })
        .collect();
    inputs.extend(mutations);
    for (name, input) in &inputs {
        if std::panic::catch_unwind(|| run(input)).is_err() {
            let saved = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-replay").join(target);
            let _ = fs::create_dir_all(&saved);
            let file = saved.join(format!("{:016x}", fnv(input)));
            let _ = fs::write(&file, input);
            panic!("{target} panicked on {name}; the input is {}", file.display());
        }
    }
}

/// A small deterministic generator: the same mutations on every run and machine.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// libFuzzer's everyday mutations: flip, set to an interesting byte, insert, erase,
    /// duplicate a run, truncate, splice with another input.
    fn mutate(&mut self, seed: &[u8], other: &[u8]) -> Vec<u8> {
        const INTERESTING: [u8; 12] = [0, 1, 0x7f, 0x80, 0xff, b'"', b'\\', b'{', b'}', b'.', b'=', b'&'];
        let mut data = seed.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(data.len() + 1);
            match self.below(7) {
                0 if at < data.len() => data[at] ^= 1 << self.below(8),
                1 if at < data.len() => data[at] = INTERESTING[self.below(INTERESTING.len())],
                2 => data.insert(at, INTERESTING[self.below(INTERESTING.len())]),
                3 if at < data.len() => {
                    data.remove(at);
                }
                4 if at < data.len() => {
                    let end = (at + 1 + self.below(16)).min(data.len());
                    let run = data[at..end].to_vec();
                    data.splice(at..at, run);
                }
                5 => data.truncate(at),
                _ => {
                    let from = self.below(other.len() + 1);
                    data.truncate(at);
                    data.extend_from_slice(&other[from..]);
                }
            }
        }
        data
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

#[test]
fn the_crm_context_reader_survives_its_corpus() {
    replay("crm_context", crm_context::run);
}

#[test]
fn the_crm_webhook_reader_survives_its_corpus() {
    replay("crm_webhook", crm_webhook::run);
}

#[test]
fn the_aurora_webhook_query_reader_survives_its_corpus() {
    replay("aurora_webhook_query", aurora_webhook_query::run);
}

#[test]
fn the_aurora_json_readers_survive_their_corpus() {
    replay("aurora_json", aurora_json::run);
}

#[test]
fn the_widgets_json_reader_survives_its_corpus() {
    replay("widget_decode", widget_decode::run);
}

/// The replay must be able to fail: a body that panics on one of the seeds is caught.
#[test]
fn the_salesforce_signed_request_reader_survives_its_corpus() {
    replay("salesforce_signed_request", salesforce_signed_request::run);
}

#[test]
fn hubspots_signature_card_query_and_webhook_readers_survive_their_corpus() {
    replay("hubspot_request", hubspot_request::run);
}

#[test]
fn pipedrives_panel_token_and_webhook_readers_survive_their_corpus() {
    replay("pipedrive_request", pipedrive_request::run);
}

#[test]
fn the_install_callbacks_state_check_survives_its_corpus() {
    replay("oauth_callback", oauth_callback::run);
}

#[test]
fn a_panicking_body_fails_the_replay() {
    fn panics_on_json(data: &[u8]) {
        assert!(!data.starts_with(b"{"), "a JSON object");
    }
    let caught = std::panic::catch_unwind(|| replay("widget_decode", panics_on_json));
    assert!(caught.is_err());
}
