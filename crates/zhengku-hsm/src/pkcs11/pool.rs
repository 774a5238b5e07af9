//! A small pool of logged-in PKCS#11 sessions, so that signatures can run in parallel.
//!
//! A cryptoki `Session` may move between threads but not be shared (one operation at a time
//! per session, as PKCS#11 requires), so each signing call borrows a whole session and gives
//! it back when its [`PooledSession`] guard drops. Sessions are opened lazily up to the
//! configured size; when all are busy, callers wait (up to 30 s, then
//! [`HsmError::PoolExhausted`]).
//!
//! Login is per application and token in PKCS#11, not per session: the first session logs
//! in and every later one inherits it. Idle sessions stay open so the login does too. A
//! session whose handle the token no longer accepts (token removed, device error) is closed
//! instead of returned, and the next caller opens a fresh one and logs in again.

use std::cell::Cell;
use std::ops::Deref;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::slot::Slot;
use secrecy::SecretString;

use crate::HsmError;

const WAIT: Duration = Duration::from_secs(30);

/// Sessions on one token.
pub(crate) struct SessionPool {
    ctx: Pkcs11,
    slot: Slot,
    token: String,
    pin: SecretString,
    size: usize,
    state: Mutex<PoolState>,
    freed: Condvar,
}

struct PoolState {
    idle: Vec<Session>,
    /// Sessions open: idle plus lent out.
    open: usize,
}

impl SessionPool {
    pub(crate) fn new(
        ctx: Pkcs11,
        slot: Slot,
        token: String,
        pin: SecretString,
        size: usize,
    ) -> Self {
        SessionPool {
            ctx,
            slot,
            token,
            pin,
            size,
            state: Mutex::new(PoolState {
                idle: Vec::with_capacity(size),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // The state is two plain fields updated together; a panic elsewhere cannot leave
        // it half-changed, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Borrows a logged-in session, opening one if none is idle and the pool has room.
    pub(crate) fn get(&self) -> Result<PooledSession<'_>, HsmError> {
        let deadline = Instant::now() + WAIT;
        let mut state = self.lock();
        loop {
            if let Some(session) = state.idle.pop() {
                return Ok(PooledSession::new(self, session));
            }
            if state.open < self.size {
                state.open += 1;
                drop(state);
                return match self.open_session() {
                    Ok(session) => Ok(PooledSession::new(self, session)),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(HsmError::PoolExhausted {
                    size: self.size,
                    seconds: WAIT.as_secs(),
                });
            }
            state = self
                .freed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn open_session(&self) -> Result<Session, HsmError> {
        // Read-write: generating keys and creating the wrapped-key objects writes to the token.
        let session = self.ctx.open_rw_session(self.slot).map_err(|e| {
            HsmError::pkcs11(format!("opening a session on token {:?}", self.token), e)
        })?;
        self.ensure_login(&session)?;
        Ok(session)
    }

    /// Logs the token in through `session` unless it already is.
    pub(crate) fn ensure_login(&self, session: &Session) -> Result<(), HsmError> {
        let info = session.get_session_info().map_err(|e| {
            HsmError::pkcs11(format!("checking the session on token {:?}", self.token), e)
        })?;
        if matches!(
            info.session_state(),
            SessionState::RoUser | SessionState::RwUser
        ) {
            return Ok(());
        }
        match session.login(UserType::User, Some(&self.pin)) {
            // Another session of this process logged in between the check and here.
            Ok(()) | Err(CryptokiError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
            Err(CryptokiError::Pkcs11(RvError::PinIncorrect, _)) => Err(HsmError::WrongPin {
                token: self.token.clone(),
            }),
            Err(CryptokiError::Pkcs11(RvError::PinLocked, _)) => Err(HsmError::PinLocked {
                token: self.token.clone(),
            }),
            Err(e) => Err(HsmError::pkcs11(
                format!("logging in to token {:?}", self.token),
                e,
            )),
        }
    }

    fn give_back(&self, session: Session, broken: bool) {
        let mut state = self.lock();
        if broken {
            state.open -= 1;
            drop(state);
            // Closing may fail on a dead handle; the guard has nothing better to do with it.
            drop(session);
        } else {
            state.idle.push(session);
            drop(state);
        }
        self.freed.notify_one();
    }
}

/// A session lent by the pool; goes back on drop (RAII), or is closed if it broke.
pub struct PooledSession<'a> {
    pool: &'a SessionPool,
    session: Option<Session>,
    broken: Cell<bool>,
}

impl<'a> PooledSession<'a> {
    fn new(pool: &'a SessionPool, session: Session) -> Self {
        PooledSession {
            pool,
            session: Some(session),
            broken: Cell::new(false),
        }
    }

    /// Runs one PKCS#11 operation. If the token forgot the login (CKR_USER_NOT_LOGGED_IN,
    /// e.g. after every session of the process was closed), logs in again and retries once;
    /// if the session itself is dead, marks it so the pool closes it instead of reusing it.
    pub(crate) fn call<T>(
        &self,
        op: impl Fn(&Session) -> Result<T, CryptokiError>,
    ) -> Result<T, CryptokiError> {
        let result = match op(self) {
            Err(CryptokiError::Pkcs11(RvError::UserNotLoggedIn, f)) => {
                if self.pool.ensure_login(self).is_err() {
                    return Err(CryptokiError::Pkcs11(RvError::UserNotLoggedIn, f));
                }
                op(self)
            }
            other => other,
        };
        if let Err(CryptokiError::Pkcs11(rv, _)) = &result {
            if matches!(
                rv,
                RvError::SessionHandleInvalid
                    | RvError::SessionClosed
                    | RvError::DeviceRemoved
                    | RvError::DeviceError
                    | RvError::TokenNotPresent
            ) {
                self.broken.set(true);
            }
        }
        result
    }
}

impl Deref for PooledSession<'_> {
    type Target = Session;

    fn deref(&self) -> &Session {
        // `session` is Some from construction until `drop` takes it.
        match &self.session {
            Some(s) => s,
            None => unreachable!("pooled session used after drop"),
        }
    }
}

impl Drop for PooledSession<'_> {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            self.pool.give_back(session, self.broken.get());
        }
    }
}
