//! Group commit for issuing ([`GroupCommit`]): one task per server stores the licences of
//! many concurrent issue calls in one transaction.
//!
//! Every issue ends in an audited transaction, and audited transactions are serialised by
//! the audit head (see `zhengku_store::store`). Run one per call and concurrent calls queue
//! on that lock: on SQLite a blocked writer sleeps in SQLite's busy handler (a millisecond
//! or more each time), on PostgreSQL it waits on the row lock while the holder's statements
//! make their round trips. Here calls queue in memory instead, and the task takes every
//! call waiting at that moment (up to [`MAX_GROUP`]) into one transaction: one audit head
//! update and one commit for all. Each call's licences keep their own audit entries, actor
//! and request id.
//!
//! If a shared transaction fails, the task stores each call alone and gives each its own
//! answer, so one call's conflict (a reused idempotency key) never fails another's.

use tokio::sync::{mpsc, oneshot};
use zhengku_model::SignedLicence;
use zhengku_store::{IdempotencyRecord, IssueGroup, Store, StoreError};

/// Most calls in one transaction. Large enough to amortise the commit, small enough that
/// one transaction stays short.
pub const MAX_GROUP: usize = 64;

/// One issue call's licences, waiting for a commit.
pub struct CommitJob {
    /// The signed licences.
    pub licences: Vec<SignedLicence>,
    /// The idempotency record to store with them.
    pub idempotency: Option<IdempotencyRecord>,
    /// Who.
    pub actor: String,
    /// The request.
    pub request_id: String,
    /// Where the outcome goes, with the licences handed back (so the caller can answer
    /// with them without a copy).
    pub reply: oneshot::Sender<(Vec<SignedLicence>, Result<(), StoreError>)>,
}

/// The handle issue calls use to reach the group-commit task.
#[derive(Clone)]
pub struct GroupCommit {
    tx: mpsc::Sender<CommitJob>,
}

impl GroupCommit {
    /// Starts the group-commit task on the current runtime.
    pub fn spawn(store: Store) -> GroupCommit {
        let (tx, rx) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(run(store, rx));
        GroupCommit { tx }
    }

    /// Stores the licences (all or none), with their audit entries, in the next group.
    pub async fn commit(
        &self,
        licences: Vec<SignedLicence>,
        idempotency: Option<IdempotencyRecord>,
        actor: String,
        request_id: String,
    ) -> Result<Vec<SignedLicence>, CommitError> {
        let (reply, answer) = oneshot::channel();
        let job = CommitJob {
            licences,
            idempotency,
            actor,
            request_id,
            reply,
        };
        self.tx.send(job).await.map_err(|_| CommitError::Stopped)?;
        match answer.await {
            Ok((licences, Ok(()))) => Ok(licences),
            Ok((_, Err(e))) => Err(CommitError::Store(e)),
            Err(_) => Err(CommitError::Stopped),
        }
    }
}

/// Why a commit failed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The store refused or failed.
    #[error(transparent)]
    Store(StoreError),
    /// The group-commit task is gone (the server is shutting down).
    #[error("the group-commit task stopped")]
    Stopped,
}

async fn run(store: Store, mut rx: mpsc::Receiver<CommitJob>) {
    let mut jobs = Vec::with_capacity(MAX_GROUP);
    while let Some(first) = rx.recv().await {
        jobs.push(first);
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let shared = {
            let groups: Vec<IssueGroup<'_>> = jobs.iter().map(group_of).collect();
            store.insert_licence_groups(&groups).await
        };
        match shared {
            Ok(()) => {
                for job in jobs.drain(..) {
                    let _ = job.reply.send((job.licences, Ok(())));
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some(job) = jobs.pop() {
                    let _ = job.reply.send((job.licences, Err(e)));
                }
            }
            // Someone's write failed the whole transaction: find out whose, one by one.
            Err(_) => {
                for job in jobs.drain(..) {
                    let alone = store.insert_licence_groups(&[group_of(&job)]).await;
                    let _ = job.reply.send((job.licences, alone));
                }
            }
        }
    }
}

fn group_of(job: &CommitJob) -> IssueGroup<'_> {
    IssueGroup {
        licences: &job.licences,
        idempotency: job.idempotency.as_ref(),
        actor: &job.actor,
        request_id: &job.request_id,
    }
}
