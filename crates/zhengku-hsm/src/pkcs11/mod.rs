//! The PKCS#11 key store: keys on a token, found by CKA_LABEL.
//!
//! What is on the token for a key labelled `L`:
//!
//! | key | objects labelled `L` | who signs |
//! |---|---|---|
//! | P-256 | CKO_PRIVATE_KEY (CKK_EC, prime256v1; token, private, sensitive, never extractable, sign only) and its CKO_PUBLIC_KEY; CKA_ID = key id | the token, CKM_ECDSA on the prehash |
//! | SM2, `sm2 = "wrapped"` (default) | CKO_DATA (private, CKA_APPLICATION [`wrap::APPLICATION`]) holding the sealed key and its public key | the token decrypts (CKM_AES_GCM under the KEK), zhengku signs |
//! | SM2, `[sm2.vendor]` | as P-256, with the configured EC parameters | the token, with the vendor mechanism |
//!
//! plus one AES-256 key-encryption key per token, labelled [`wrap::KEK_LABEL`], created
//! the first time a wrapped SM2 key is generated. [`wrap`] explains that design.
//!
//! Generating and signing with vendor SM2 mechanisms is **untested here** (there is no SM2
//! token in this project's test set-up). Finding an in-token SM2 key, reading its public key
//! and reporting missing mechanisms are tested against SoftHSM2, which can make EC keys on
//! the SM2 curve but not sign with them; everything else is tested against SoftHSM2.
//!
//! Opening a store loads the module (once per process, [`module`]), finds the token by label,
//! reads the PIN and logs in, so a wrong module, token or PIN fails at start-up with an error
//! naming it. Signing borrows sessions from a small pool ([`PooledSession`]).

pub mod module;
mod objects;
mod pool;
mod signer;
pub mod wrap;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use cryptoki::context::{Function, Pkcs11};
use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::slot::Slot;
use zhengku_crypto::{Algorithm, Signer};

use crate::config::{CKM_EC_KEY_PAIR_GEN, P256_EC_PARAMS, Pkcs11Config, SM2_EC_PARAMS, Sm2Mode};
use crate::label::{KEK_LABEL, validate_label};
use crate::{HsmError, KeyInfo, KeyStore};

use objects::{bytes_attribute, public_key_from_ec_point};
pub use pool::PooledSession;
use pool::SessionPool;
pub use signer::{TokenSigner, WrappedSm2Signer};
use wrap::{APPLICATION, Sealed};

/// Keys on one PKCS#11 token.
pub struct Pkcs11KeyStore {
    inner: Arc<Inner>,
}

/// Shared by the store and every signer it hands out.
pub(crate) struct Inner {
    module: PathBuf,
    token: String,
    ctx: Pkcs11,
    slot: Slot,
    pool: SessionPool,
    sm2: Sm2Mode,
    mechanisms: Vec<MechanismType>,
    /// The KEK's handle once found or created (handles of token objects are stable for the
    /// life of the application's login).
    kek: Mutex<Option<ObjectHandle>>,
    /// Serializes `generate` in this process, so that the label check and the creation of
    /// the objects cannot interleave with another `generate` of the same label.
    generating: Mutex<()>,
}

/// How a token key signs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SignMechanism {
    /// CKM_ECDSA over the 32-byte prehash.
    Ecdsa,
    /// A vendor SM2 mechanism over e = SM3(Z_A || M).
    Vendor(MechanismType),
}

impl SignMechanism {
    fn number(self) -> MechanismType {
        match self {
            SignMechanism::Ecdsa => MechanismType::ECDSA,
            SignMechanism::Vendor(t) => t,
        }
    }
}

/// How to make and use an in-token key of one algorithm.
struct InTokenSpec {
    alg: Algorithm,
    ec_params: Vec<u8>,
    key_type: KeyType,
    keygen: MechanismType,
    sign: SignMechanism,
}

/// What a label names on the token.
enum Located {
    InToken {
        private: ObjectHandle,
        public: zhengku_crypto::PublicKey,
        sign: SignMechanism,
    },
    Wrapped(Sealed),
}

impl Pkcs11KeyStore {
    /// Loads the module, finds the token, reads the PIN and logs in.
    pub fn open(config: &Pkcs11Config) -> Result<Self, HsmError> {
        config.validate()?;
        let ctx = module::load(&config.module)?;
        let slot = find_token(&ctx, &config.module, &config.token)?;
        let pin = config.pin.read()?;
        let mechanisms = ctx.get_mechanism_list(slot).map_err(|e| {
            HsmError::pkcs11(format!("listing mechanisms of token {:?}", config.token), e)
        })?;
        let pool = SessionPool::new(
            ctx.clone(),
            slot,
            config.token.clone(),
            pin,
            config.sessions,
        );
        // Log in now, so a wrong PIN is reported when the service starts.
        drop(pool.get()?);
        Ok(Pkcs11KeyStore {
            inner: Arc::new(Inner {
                module: config.module.clone(),
                token: config.token.clone(),
                ctx,
                slot,
                pool,
                sm2: config.sm2.clone(),
                mechanisms,
                kek: Mutex::new(None),
                generating: Mutex::new(()),
            }),
        })
    }

    /// The token's label.
    pub fn token_label(&self) -> &str {
        &self.inner.token
    }

    /// The module path as configured.
    pub fn module_path(&self) -> &Path {
        &self.inner.module
    }

    /// A logged-in session from the pool, for diagnostics and tests (inspecting attributes,
    /// say). It returns to the pool when dropped; keep it briefly, signers wait for it.
    pub fn session(&self) -> Result<PooledSession<'_>, HsmError> {
        self.inner.pool.get()
    }

    fn store_name(&self) -> String {
        format!("token {:?}", self.inner.token)
    }

    fn generate_in_token(
        &self,
        session: &PooledSession<'_>,
        label: &str,
        spec: InTokenSpec,
    ) -> Result<Arc<dyn Signer>, HsmError> {
        let inner = &self.inner;
        inner.require(spec.keygen)?;
        inner.require(spec.sign.number())?;
        let label_attr = Attribute::Label(label.as_bytes().to_vec());
        let public_template = [
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(spec.key_type),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::EcParams(spec.ec_params.clone()),
            label_attr.clone(),
        ];
        let private_template = [
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(spec.key_type),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Derive(false),
            label_attr,
        ];
        let keygen = keygen_mechanism(spec.keygen);
        let (public_handle, private_handle) = session
            .call(|s| s.generate_key_pair(&keygen, &public_template, &private_template))
            .map_err(|e| match e {
                CryptokiError::Pkcs11(RvError::MechanismInvalid, f) => {
                    inner.unsupported(spec.keygen, f)
                }
                e => HsmError::pkcs11(format!("generating {} key {label:?}", spec.alg), e),
            })?;
        // From here on a failure must not leave half a key under the label.
        let finish = || -> Result<zhengku_crypto::PublicKey, HsmError> {
            let point = session
                .call(|s| bytes_attribute(s, public_handle, AttributeType::EcPoint))
                .map_err(|e| HsmError::pkcs11(format!("reading public key of {label:?}"), e))?
                .ok_or_else(|| HsmError::UnsupportedKey {
                    label: label.to_owned(),
                    detail: "the token gave the new public key no CKA_EC_POINT".into(),
                })?;
            let public = public_key_from_ec_point(spec.alg, &point).map_err(|source| {
                HsmError::InvalidPublicKey {
                    label: label.to_owned(),
                    source,
                }
            })?;
            // CKA_ID = key id pairs the two halves for other PKCS#11 tools (p11tool, pkcs11-tool).
            let id = [Attribute::Id(public.key_id().as_bytes().to_vec())];
            for handle in [public_handle, private_handle] {
                session
                    .call(|s| s.update_attributes(handle, &id))
                    .map_err(|e| HsmError::pkcs11(format!("setting CKA_ID of {label:?}"), e))?;
            }
            Ok(public)
        };
        match finish() {
            Ok(public) => Ok(Arc::new(TokenSigner {
                inner: self.inner.clone(),
                label: label.to_owned(),
                private: private_handle,
                public,
                mechanism: spec.sign,
            })),
            Err(e) => {
                for handle in [public_handle, private_handle] {
                    // Best effort: the original error is the one to report.
                    let _ = session.call(|s| s.destroy_object(handle));
                }
                Err(e)
            }
        }
    }

    fn generate_wrapped_sm2(
        &self,
        session: &PooledSession<'_>,
        label: &str,
    ) -> Result<Arc<dyn Signer>, HsmError> {
        let inner = &self.inner;
        inner.require(MechanismType::AES_GCM)?;
        let kek = inner.kek(session, true)?;
        let (d, key) = wrap::generate_sm2()?;
        let sealed = Sealed::seal(session, kek, label, &d, key.public_key())?;
        // The only copies of the scalar outside the token; both zeroize on drop.
        drop((d, key));
        let template = [
            Attribute::Class(ObjectClass::DATA),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Application(APPLICATION.to_vec()),
            Attribute::Value(sealed.encode()),
        ];
        session
            .call(|s| s.create_object(&template))
            .map_err(|e| HsmError::pkcs11(format!("storing sealed SM2 key {label:?}"), e))?;
        Ok(Arc::new(WrappedSm2Signer {
            inner: self.inner.clone(),
            label: label.to_owned(),
            kek,
            sealed,
        }))
    }
}

impl KeyStore for Pkcs11KeyStore {
    fn generate(&self, label: &str, alg: Algorithm) -> Result<Arc<dyn Signer>, HsmError> {
        validate_label(label)?;
        let _one_at_a_time = self
            .inner
            .generating
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let session = self.inner.pool.get()?;
        let taken = session
            .call(|s| s.find_objects(&[Attribute::Label(label.as_bytes().to_vec())]))
            .map_err(|e| HsmError::pkcs11(format!("checking whether {label:?} is taken"), e))?;
        if !taken.is_empty() {
            return Err(HsmError::LabelTaken {
                label: label.to_owned(),
                store: self.store_name(),
            });
        }
        match (alg, &self.inner.sm2) {
            (Algorithm::EcdsaP256Sha256, _) => self.generate_in_token(&session, label, p256_spec()),
            (Algorithm::Sm2Sm3, Sm2Mode::Wrapped) => self.generate_wrapped_sm2(&session, label),
            (Algorithm::Sm2Sm3, Sm2Mode::Vendor(v)) => {
                let spec = vendor_spec(v)?;
                self.generate_in_token(&session, label, spec)
            }
            (other, _) => Err(HsmError::Config(format!(
                "the PKCS#11 store cannot generate {other} keys"
            ))),
        }
    }

    fn signer(&self, label: &str) -> Result<Arc<dyn Signer>, HsmError> {
        validate_label(label)?;
        let session = self.inner.pool.get()?;
        match self.inner.locate(&session, label)? {
            None => Err(HsmError::KeyNotFound {
                label: label.to_owned(),
                store: self.store_name(),
            }),
            Some(Located::InToken {
                private,
                public,
                sign,
            }) => Ok(Arc::new(TokenSigner {
                inner: self.inner.clone(),
                label: label.to_owned(),
                private,
                public,
                mechanism: sign,
            })),
            Some(Located::Wrapped(sealed)) => {
                let kek = self.inner.kek(&session, false)?;
                // Unseal once now: a blob moved from another label or token is refused
                // here, when the signer is asked for, not at its first signature.
                drop(sealed.open_checked(&session, kek, label)?);
                Ok(Arc::new(WrappedSm2Signer {
                    inner: self.inner.clone(),
                    label: label.to_owned(),
                    kek,
                    sealed,
                }))
            }
        }
    }

    fn list(&self) -> Result<Vec<KeyInfo>, HsmError> {
        let session = self.inner.pool.get()?;
        let what = "listing keys";
        let mut handles = session
            .call(|s| s.find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)]))
            .map_err(|e| HsmError::pkcs11(what, e))?;
        handles.extend(
            session
                .call(|s| {
                    s.find_objects(&[
                        Attribute::Class(ObjectClass::DATA),
                        Attribute::Application(APPLICATION.to_vec()),
                    ])
                })
                .map_err(|e| HsmError::pkcs11(what, e))?,
        );
        let mut labels = BTreeSet::new();
        for handle in handles {
            let label = session
                .call(|s| bytes_attribute(s, handle, AttributeType::Label))
                .map_err(|e| HsmError::pkcs11(what, e))?;
            // Objects other tools put on the token with labels outside our rule are not
            // keys this store can hand out, so they are not listed.
            if let Some(label) = label.and_then(|l| String::from_utf8(l).ok()) {
                if validate_label(&label).is_ok() {
                    labels.insert(label);
                }
            }
        }
        let mut keys = Vec::with_capacity(labels.len());
        for label in labels {
            let public = match self.inner.locate(&session, &label) {
                Ok(Some(Located::InToken { public, .. })) => public,
                Ok(Some(Located::Wrapped(sealed))) => sealed.public,
                // Not ours to use (an RSA key, another curve): not listed.
                Ok(None) | Err(HsmError::UnsupportedKey { .. }) => continue,
                Err(e) => return Err(e),
            };
            keys.push(KeyInfo {
                label,
                algorithm: public.algorithm(),
                key_id: public.key_id(),
            });
        }
        Ok(keys)
    }

    fn health(&self) -> Result<(), HsmError> {
        let inner = &self.inner;
        let info = inner
            .ctx
            .get_token_info(inner.slot)
            .map_err(|e| HsmError::pkcs11(format!("checking token {:?}", inner.token), e))?;
        if info.user_pin_locked() {
            return Err(HsmError::PinLocked {
                token: inner.token.clone(),
            });
        }
        let session = inner.pool.get()?;
        inner.pool.ensure_login(&session)
    }
}

impl Inner {
    /// Errors unless the token lists `mechanism`.
    fn require(&self, mechanism: MechanismType) -> Result<(), HsmError> {
        if self.mechanisms.contains(&mechanism) {
            Ok(())
        } else {
            Err(self.unsupported(mechanism, Function::GetMechanismList))
        }
    }

    fn unsupported(&self, mechanism: MechanismType, function: Function) -> HsmError {
        let number: u64 = *mechanism;
        let name = if number >= crate::config::CKM_VENDOR_DEFINED {
            format!("vendor mechanism {number:#x}")
        } else {
            format!("{mechanism} ({number:#x})")
        };
        HsmError::MechanismNotSupported {
            token: self.token.clone(),
            mechanism: name,
            function,
            hint: "check the token's documentation, the `sm2` setting, or use another token",
        }
    }

    /// The KEK, created if `create` and there is none.
    fn kek(&self, session: &PooledSession<'_>, create: bool) -> Result<ObjectHandle, HsmError> {
        let mut cached = self.kek.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(handle) = *cached {
            return Ok(handle);
        }
        let found = session
            .call(|s| {
                s.find_objects(&[
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::Label(KEK_LABEL.as_bytes().to_vec()),
                ])
            })
            .map_err(|e| HsmError::pkcs11("looking up the key-encryption key", e))?;
        let handle = match found.as_slice() {
            [handle] => *handle,
            [] if create => {
                self.require(MechanismType::AES_KEY_GEN)?;
                session
                    .call(|s| s.generate_key(&Mechanism::AesKeyGen, &wrap::kek_template()))
                    .map_err(|e| HsmError::pkcs11("creating the key-encryption key", e))?
            }
            [] => {
                return Err(HsmError::UnsupportedKey {
                    label: KEK_LABEL.to_owned(),
                    detail: format!(
                        "token {:?} holds wrapped SM2 keys but no key-encryption key labelled {KEK_LABEL:?}; \
                         it was deleted, or the keys were copied from another token without it",
                        self.token
                    ),
                });
            }
            many => {
                return Err(HsmError::KekAmbiguous {
                    label: KEK_LABEL,
                    token: self.token.clone(),
                    count: many.len(),
                });
            }
        };
        *cached = Some(handle);
        Ok(handle)
    }

    /// What `label` names, if anything.
    fn locate(
        &self,
        session: &PooledSession<'_>,
        label: &str,
    ) -> Result<Option<Located>, HsmError> {
        let what = || format!("looking up key {label:?}");
        let label_attr = Attribute::Label(label.as_bytes().to_vec());
        let find = |class: ObjectClass| {
            session
                .call(|s| s.find_objects(&[Attribute::Class(class), label_attr.clone()]))
                .map_err(|e| HsmError::pkcs11(what(), e))
        };
        let privates = find(ObjectClass::PRIVATE_KEY)?;
        let datas: Vec<ObjectHandle> = session
            .call(|s| {
                s.find_objects(&[
                    Attribute::Class(ObjectClass::DATA),
                    Attribute::Application(APPLICATION.to_vec()),
                    label_attr.clone(),
                ])
            })
            .map_err(|e| HsmError::pkcs11(what(), e))?;
        let unsupported = |detail: String| HsmError::UnsupportedKey {
            label: label.to_owned(),
            detail,
        };
        match (privates.as_slice(), datas.as_slice()) {
            ([], []) => Ok(None),
            ([], [data]) => {
                let value = session
                    .call(|s| bytes_attribute(s, *data, AttributeType::Value))
                    .map_err(|e| HsmError::pkcs11(what(), e))?
                    .unwrap_or_default();
                Ok(Some(Located::Wrapped(Sealed::decode(label, &value)?)))
            }
            ([private], []) => {
                let params = session
                    .call(|s| bytes_attribute(s, *private, AttributeType::EcParams))
                    .map_err(|e| HsmError::pkcs11(what(), e))?
                    .ok_or_else(|| unsupported("not an elliptic-curve key".into()))?;
                let (alg, sign) = self.classify(&params).map_err(unsupported)?;
                let publics = find(ObjectClass::PUBLIC_KEY)?;
                let [public] = publics.as_slice() else {
                    return Err(unsupported(format!(
                        "expected one public key object with this label, found {}",
                        publics.len()
                    )));
                };
                let point = session
                    .call(|s| bytes_attribute(s, *public, AttributeType::EcPoint))
                    .map_err(|e| HsmError::pkcs11(what(), e))?
                    .ok_or_else(|| unsupported("its public key has no CKA_EC_POINT".into()))?;
                let public = public_key_from_ec_point(alg, &point).map_err(|source| {
                    HsmError::InvalidPublicKey {
                        label: label.to_owned(),
                        source,
                    }
                })?;
                Ok(Some(Located::InToken {
                    private: *private,
                    public,
                    sign,
                }))
            }
            (p, d) => Err(unsupported(format!(
                "{} private keys and {} wrapped keys share the label; labels must be unique",
                p.len(),
                d.len()
            ))),
        }
    }

    /// Which algorithm an in-token key with these EC parameters signs, and how.
    fn classify(&self, ec_params: &[u8]) -> Result<(Algorithm, SignMechanism), String> {
        if ec_params == P256_EC_PARAMS {
            return Ok((Algorithm::EcdsaP256Sha256, SignMechanism::Ecdsa));
        }
        match &self.sm2 {
            Sm2Mode::Vendor(v) if v.ec_params == ec_params => {
                let spec = vendor_spec(v).map_err(|e| e.to_string())?;
                Ok((Algorithm::Sm2Sm3, spec.sign))
            }
            _ if ec_params == SM2_EC_PARAMS => Err(
                "an SM2 key held inside the token needs the token's vendor mechanisms \
                 ([sm2.vendor] in the configuration)"
                    .into(),
            ),
            _ => Err(format!(
                "EC parameters {} are neither prime256v1 nor the configured SM2 curve",
                hex::encode(ec_params)
            )),
        }
    }
}

fn p256_spec() -> InTokenSpec {
    InTokenSpec {
        alg: Algorithm::EcdsaP256Sha256,
        ec_params: P256_EC_PARAMS.to_vec(),
        key_type: KeyType::EC,
        keygen: MechanismType::ECC_KEY_PAIR_GEN,
        sign: SignMechanism::Ecdsa,
    }
}

fn vendor_spec(v: &crate::VendorSm2) -> Result<InTokenSpec, HsmError> {
    let bad =
        |what: &str, n: u64| HsmError::Config(format!("sm2.vendor.{what} = {n:#x} is not usable"));
    let keygen = if v.keygen_mechanism == CKM_EC_KEY_PAIR_GEN {
        MechanismType::ECC_KEY_PAIR_GEN
    } else {
        MechanismType::new_vendor_defined(v.keygen_mechanism)
            .map_err(|_| bad("keygen_mechanism", v.keygen_mechanism))?
    };
    let sign = MechanismType::new_vendor_defined(v.sign_mechanism)
        .map_err(|_| bad("sign_mechanism", v.sign_mechanism))?;
    let key_type = KeyType::try_from(v.key_type)
        .or_else(|_| KeyType::new_vendor_defined(v.key_type))
        .map_err(|_| bad("key_type", v.key_type))?;
    Ok(InTokenSpec {
        alg: Algorithm::Sm2Sm3,
        ec_params: v.ec_params.clone(),
        key_type,
        keygen,
        sign: SignMechanism::Vendor(sign),
    })
}

fn keygen_mechanism(t: MechanismType) -> Mechanism<'static> {
    if t == MechanismType::ECC_KEY_PAIR_GEN {
        Mechanism::EccKeyPairGen
    } else {
        Mechanism::VendorDefined(
            cryptoki::mechanism::vendor_defined::VendorDefinedMechanism::new::<()>(t, None),
        )
    }
}

/// The slot whose token has `label`.
fn find_token(ctx: &Pkcs11, module: &Path, label: &str) -> Result<Slot, HsmError> {
    let slots = ctx
        .get_slots_with_token()
        .map_err(|e| HsmError::pkcs11("listing slots", e))?;
    let mut available = Vec::new();
    let mut matching = Vec::new();
    for slot in slots {
        let info = ctx
            .get_token_info(slot)
            .map_err(|e| HsmError::pkcs11("reading token information", e))?;
        if info.label() == label {
            matching.push(slot);
        }
        if info.token_initialized() {
            available.push(info.label().to_owned());
        }
    }
    match matching.as_slice() {
        [slot] => Ok(*slot),
        [] => Err(HsmError::TokenNotFound {
            label: label.to_owned(),
            module: module.to_owned(),
            available,
        }),
        many => Err(HsmError::TokenAmbiguous {
            label: label.to_owned(),
            count: many.len(),
        }),
    }
}

impl fmt::Debug for Pkcs11KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Deliberately field by field: the PIN (inside the pool) is never printed.
        f.debug_struct("Pkcs11KeyStore")
            .field("module", &self.inner.module)
            .field("token", &self.inner.token)
            .field("slot", &self.inner.slot.id())
            .field("sessions", &self.inner.pool.size())
            .field("sm2", &self.inner.sm2)
            .finish()
    }
}
