//! Loading a PKCS#11 module once per process.
//!
//! PKCS#11 allows one C_Initialize per process and module; a second returns
//! CKR_CRYPTOKI_ALREADY_INITIALIZED, and C_Finalize would pull the library out from under
//! every other store using it. So modules are loaded and initialized once, kept for the life
//! of the process, and shared by every store that names them. (SoftHSM2 also reads its
//! configuration, `SOFTHSM2_CONF`, only then: one token folder per process.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CryptokiError, RvError};

use crate::HsmError;

static MODULES: Mutex<BTreeMap<PathBuf, Pkcs11>> = Mutex::new(BTreeMap::new());

/// The initialized context of the module at `path`, loading it on first use.
pub fn load(path: &Path) -> Result<Pkcs11, HsmError> {
    let load_error = |detail: String| HsmError::ModuleLoad {
        path: path.to_owned(),
        detail,
    };
    // Canonical paths so that two spellings of one library share one context.
    let canonical = path
        .canonicalize()
        .map_err(|e| load_error(format!("no such file ({e})")))?;
    let mut modules = MODULES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(ctx) = modules.get(&canonical) {
        return Ok(ctx.clone());
    }
    let ctx = Pkcs11::new(&canonical).map_err(|e| match e {
        CryptokiError::LibraryLoading(e) => load_error(e.to_string()),
        other => load_error(format!("not a PKCS#11 module: {other}")),
    })?;
    // OS locking: the module may be called from many threads at once (the session pool).
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Already initialized by other code in this process: the context is usable.
        Ok(()) | Err(CryptokiError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(HsmError::pkcs11(
                format!("initializing {}", path.display()),
                e,
            ));
        }
    }
    modules.insert(canonical, ctx.clone());
    Ok(ctx)
}
