//! Pacing of every call to Aurora, per key, so that no customer can spend everyone's
//! budget on the shared application key. Aurora allows 90 requests
//! a minute per key [doc], the application key is shared by every customer, and a 429
//! costs a `Retry-After` wait of up to a minute. So the worker waits its turn instead: each
//! call reserves a slot on its key's schedule before it is sent.
//!
//! The schedule is the generic cell rate algorithm (GCRA) with its state, the theoretical
//! arrival time of the next request, in storage (`aurora_pacing`), updated in one SQL
//! statement: every request, the sweeper and every Workers isolate share one schedule per
//! key. With a limit of `L` per window `W`, a burst of [`BURST`] + 1 calls goes at once and
//! the rest one per `W / (L - BURST - 1)`, which keeps any window of `W` at or under `L`
//! (the `- 1` is slack for calls that reach Aurora in another order than they were paced).
//!
//! The schedule has a ceiling: a call whose slot would be more than [`RateLimit::ceiling_ms`]
//! (20 s for Aurora) away
//! reserves nothing and fails at once with a retryable error (`TransportError::Throttled`),
//! so no burst (an admin's button pressed a thousand times, a caller that gives up) can
//! book the shared key for minutes ahead, and nothing waits longer than a person would or
//! a job's lease allows.

use crate::storage::{Database, StorageError};
use async_trait::async_trait;
use aurora_api::{HttpTransport, TransportError};
use sha2::{Digest, Sha256};
use std::{sync::Arc, time::Duration};

/// Calls that may go at once before pacing starts.
pub const BURST: u32 = 2;

/// Aurora's rate limit, per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per window; 0 turns pacing off (a test sandbox with no limit of its own).
    pub requests: u32,
    /// The window, milliseconds.
    pub window_ms: u32,
    /// The longest a call waits for its slot, milliseconds; beyond, it is refused at once.
    pub ceiling_ms: u32,
}

impl RateLimit {
    /// Aurora's documented limit: 90 requests a minute per key.
    pub const AURORA: RateLimit = RateLimit { requests: 90, window_ms: 60_000, ceiling_ms: 20_000 };

    /// `requests` a minute, Aurora's ceiling.
    pub const fn per_minute(requests: u32) -> RateLimit {
        RateLimit { requests, ..RateLimit::AURORA }
    }

    /// Milliseconds between paced calls; `None` when pacing is off.
    fn interval_ms(self) -> Option<i64> {
        let spaced = self.requests.checked_sub(BURST + 1).filter(|n| *n > 0)?;
        Some(u64::from(self.window_ms).div_ceil(u64::from(spaced)) as i64)
    }
}

/// The answer to a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Reserved: send after this wait. Its place on the schedule (`tat_ms`, the arrival time
    /// it moved the schedule to) gives it back when the call is abandoned while it waits.
    After(Duration, Reserved),
    /// Not reserved: the schedule is booked past the ceiling for about this long.
    Full(Duration),
}

/// Where a reservation moved its key's schedule to, and by how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reserved {
    /// The schedule's arrival time after this reservation (0: nothing reserved).
    pub tat_ms: i64,
    /// The step it took.
    pub interval_ms: i64,
}

/// Reserves the next slot of `key_hash`'s schedule at `now_ms`, if it is within the
/// limit's ceiling.
pub async fn reserve(db: &dyn Database, key_hash: &str, limit: RateLimit, now_ms: i64) -> Result<Slot, StorageError> {
    let Some(interval) = limit.interval_ms() else { return Ok(Slot::After(Duration::ZERO, Reserved::default())) };
    // A slot lies `(BURST + 1) * interval` before the schedule's arrival time.
    let lead = interval + i64::from(BURST) * interval;
    let ceiling = i64::from(limit.ceiling_ms);
    let store = crate::storage::aurora_pacing::advance;
    match store(db, key_hash, now_ms, interval, now_ms + ceiling + lead).await? {
        Some(tat) => Ok(Slot::After(
            Duration::from_millis(u64::try_from(tat - lead - now_ms).unwrap_or(0)),
            Reserved { tat_ms: tat, interval_ms: interval },
        )),
        None => {
            let booked = crate::storage::aurora_pacing::standing(db, key_hash).await?.unwrap_or(now_ms);
            Ok(Slot::Full(Duration::from_millis(u64::try_from(booked - lead - now_ms - ceiling).unwrap_or(0))))
        }
    }
}

/// The key a request is paced under: a hash of its `Authorization` header (never the key).
fn key_of(request: &http::Request<Vec<u8>>) -> String {
    let authorization = request.headers().get(http::header::AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or_default();
    hex::encode(&Sha256::digest(authorization)[..12])
}

/// An [`HttpTransport`] that paces each request on its key's schedule before sending it.
pub struct PacedTransport {
    inner: Arc<dyn HttpTransport>,
    db: Arc<dyn Database>,
    limit: RateLimit,
    background: Arc<dyn crate::Background>,
}

impl PacedTransport {
    /// Paces `inner`'s requests under `limit`, with the schedule in `db`; `background`
    /// gives back the slots of calls abandoned while they wait.
    pub fn new(
        inner: Arc<dyn HttpTransport>,
        db: Arc<dyn Database>,
        limit: RateLimit,
        background: Arc<dyn crate::Background>,
    ) -> Self {
        PacedTransport { inner, db, limit, background }
    }
}

/// A slot reserved by a call still waiting for it: dropped while armed (the caller gave up:
/// a browser closed, an isolate cut off), it gives the slot back, if no later call has
/// reserved after it, so abandoned calls leave no debt on the shared schedule.
struct Waiting {
    db: Arc<dyn Database>,
    background: Arc<dyn crate::Background>,
    key_hash: String,
    reserved: Reserved,
    armed: bool,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (db, key_hash, reserved) = (self.db.clone(), std::mem::take(&mut self.key_hash), self.reserved);
        self.background.spawn(Box::pin(async move {
            let given =
                crate::storage::aurora_pacing::give_back(db.as_ref(), &key_hash, reserved.tat_ms, reserved.interval_ms);
            if let Err(error) = given.await {
                tracing::warn!(%error, "could not give back an abandoned slot on Aurora's schedule");
            }
        }));
    }
}

#[async_trait]
impl HttpTransport for PacedTransport {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let key_hash = key_of(&request);
        match reserve(self.db.as_ref(), &key_hash, self.limit, self.inner.now_ms()).await {
            Ok(Slot::After(wait, reserved)) if !wait.is_zero() => {
                let mut waiting = Waiting {
                    db: self.db.clone(),
                    background: self.background.clone(),
                    key_hash,
                    reserved,
                    armed: true,
                };
                self.inner.sleep(wait).await;
                waiting.armed = false;
            }
            Ok(Slot::After(..)) => {}
            Ok(Slot::Full(booked)) => return Err(TransportError::Throttled(booked.as_secs().max(1))),
            // Storage trouble must not stop calls to Aurora: unpaced, Aurora's 429s and
            // their Retry-After still hold the line.
            Err(error) => tracing::warn!(%error, "could not pace a call to Aurora; sending it unpaced"),
        }
        self.inner.send(request, timeout).await
    }

    async fn sleep(&self, duration: Duration) {
        self.inner.sleep(duration).await;
    }

    fn now_ms(&self) -> i64 {
        self.inner.now_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auroras_limit_leaves_slack_and_zero_turns_pacing_off() {
        // 90 a minute: 3 at once, then one every 690 ms (87 more in a minute): 90.
        assert_eq!(RateLimit::AURORA.interval_ms(), Some(690));
        assert_eq!(RateLimit::per_minute(0).interval_ms(), None);
        assert_eq!(RateLimit::per_minute(3).interval_ms(), None);
    }
}
