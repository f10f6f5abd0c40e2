//! The sweeper: work that was recorded but not finished (a crash after acknowledging a
//! webhook, Aurora or the CRM down) is retried from storage, with growing delays. Both
//! hosts run it: a timer on the native host, a Cron Trigger on Workers.

use crate::{AppState, automation, storage::StorageError, webhooks, write_back};

/// How many due items of each kind one sweep handles.
pub const BATCH: i64 = 50;

/// Seconds before the next attempt after `attempts` failed ones: 10 s, 20 s, 40 s ...
/// capped at an hour.
pub fn retry_delay_seconds(attempts: i64) -> i64 {
    10_i64.saturating_mul(1 << attempts.clamp(0, 9)).min(3600)
}

/// One sweep: Aurora's webhook events, the CRM's webhook events, then write-backs.
/// Returns how many items it looked at.
pub async fn sweep(state: &AppState) -> Result<usize, StorageError> {
    let aurora = webhooks::sweep(state).await?;
    let crm = automation::sweep(state, BATCH).await?;
    let writes = write_back::sweep(state, BATCH).await?;
    Ok(aurora + crm + writes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn delays_grow_and_stop_at_an_hour() {
        let delays: Vec<i64> = (0..12).map(super::retry_delay_seconds).collect();
        assert_eq!(&delays[..4], &[10, 20, 40, 80]);
        assert_eq!(delays[11], 3600);
    }
}
