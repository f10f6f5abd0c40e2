//! Units Aurora reports in. Sizes are watts and stay watts in our types [seed, int];
//! conversions to what a rep reads (kW) are explicit method calls.

use serde::{Deserialize, Serialize};

/// Power in watts (system sizes, array sizes, inverter ratings).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Watts(pub f64);

impl Watts {
    /// The same power in kilowatts.
    pub fn kilowatts(self) -> f64 {
        self.0 / 1000.0
    }
}

/// Energy in kilowatt-hours (annual and monthly production).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KilowattHours(pub f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watts_convert_explicitly() {
        assert_eq!(Watts(6500.0).kilowatts(), 6.5);
        let w: Watts = serde_json::from_str("5000").expect("number");
        assert_eq!(w, Watts(5000.0));
    }
}
