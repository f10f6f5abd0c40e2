// The widget's reader of the worker's JSON (`widget_api::decode`, the same code the widget
// runs over the browser's parsed values), over any JSON: read or refused with the field it
// names, never a panic; and what it reads, written again by serde as the worker writes
// it, reads back the same.
//
// Shared by the fuzz target (`fuzz/fuzz_targets/widget_decode.rs`, nightly) and the stable replay of
// its seeds and corpus (`worker/tests/fuzz_corpora.rs`); included, so no inner attributes.

use widget_api::{ErrorBody, ScreenAnswer, SessionKeys, decode::decode};

/// One input, as the fuzzer and the stable replay give it.
pub fn run(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    if let Ok(screen) = decode::<ScreenAnswer, _>(value.clone()) {
        let again = serde_json::to_value(&screen).expect("serializes");
        assert_eq!(decode::<ScreenAnswer, _>(again).expect("reads back"), screen);
    }
    let _ = decode::<SessionKeys, _>(value.clone());
    let _ = decode::<ErrorBody, _>(value);
}
