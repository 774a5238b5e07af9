//! The command line: every subcommand and flag, in one place, so `--help` and this file
//! read the same.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use zhengku_crypto::Algorithm;

/// zhengku (证库): electronic licences and seals signed with SM2/SM3 and ECDSA P-256.
///
/// Exit status: 0 valid / ok, 1 verification failed or invalid, 2 usage or input error.
#[derive(Debug, Parser)]
#[command(name = "zhengku", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a key pair (PKCS#8 private key, mode 0600; SPKI public key).
    Keygen(KeygenArgs),
    /// Sign files and verify signatures (DER, SM2-with-SM3 or ECDSA-SHA256).
    #[command(subcommand)]
    Sig(SigCommand),
    /// Check identifiers: licence identifiers (GB/T 36904), USCC (GB 32100), citizen IDs (GB 11643).
    #[command(subcommand)]
    Id(IdCommand),
    /// Make, verify and show signed licence records (the canonical signed form).
    #[command(subcommand)]
    Licence(LicenceCommand),
    /// Certificate authorities: SM2 and P-256 root and issuing CAs, certificates, CRLs.
    Pki(PkiArgs),
    /// Keys in the configured key store (file store or PKCS#11 token).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The hash-chained audit log: export it for auditors, verify it.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Run the licence library service (HTTP API). See README for a first run.
    Serve(Box<ServeArgs>),
    /// Print the service's OpenAPI 3.1 document (what api/openapi.json holds).
    Openapi,
    /// Electronic seals (电子印章, GB/T 38540): draw a picture, make a seal, stamp a
    /// document, inspect and verify seals and signatures. Offline: files in, text out.
    #[command(subcommand)]
    Seal(SealCommand),
    /// Verify licences: a PDF or OFD, a photo or scan of the QR code (PNG, JPEG), a QR payload or
    /// URL given literally, a signed licence record, a seal or a signature. Offline by
    /// default. Exit 0 valid, 1 invalid / suspended / revoked / expired, 2 could not verify.
    Verify(VerifyInputArgs),
    /// Offline verifier bundles for `zhengku verify --trust BUNDLE`: the region's signed
    /// trust list, signer list, status lists and CRLs (--from); or, for licences issued
    /// before status lists, the unsigned legacy export from the database.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// The region's signed trust list and signer list (信任列表): make and sign the next
    /// pair with the region's list key, show one, verify one against a pinned certificate.
    #[command(subcommand, name = "trust-list")]
    TrustList(TrustListCommand),
    /// Bring an offline verifier's trust folder up to date from a library: the trust list
    /// and signer list (checked against the pinned certificate; rollback and equivocation
    /// refused), the status-list manifest, the changed status lists and the CRLs. The
    /// folder keeps the last good snapshot whatever happens; `zhengku verify --trust DIR`
    /// reads it.
    Sync(SyncArgs),
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The library's base URL (its trust list's base_url).
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The region's list-signer certificate, obtained out of band (PEM or DER).
    #[arg(long, value_name = "CERT")]
    pub pin: PathBuf,
    /// The trust folder (created on the first sync).
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum TrustListCommand {
    /// Make and sign the next trust list and signer list into DIR (trust-list.cwt,
    /// signers.cwt): seq one past the list already there, next_update --validity-hours on.
    Make(TrustListMakeArgs),
    /// Print a trust list's fields and certificates (signature not checked: use verify).
    Show(TrustListShowArgs),
    /// Verify the pair in DIR against the pinned list-signer certificate: signatures, the
    /// signer list named by hash, and currency. Exit 0 good, 1 refused.
    Verify(TrustListVerifyArgs),
}

#[derive(Debug, Args)]
pub struct TrustListMakeArgs {
    /// The region's settings (TOML: region, division, base_url, signing_label, [operator],
    /// [certs] by role; paths relative to the file). Development: keys-dev/trust-list.toml.
    #[arg(long, default_value = "keys-dev/trust-list.toml")]
    pub config: PathBuf,
    /// The folder of the lists in force; the new pair replaces them.
    #[arg(long)]
    pub out: PathBuf,
    /// Department certificates for the signer list (PEM or DER, several blocks allowed).
    /// Repeatable.
    #[arg(long = "signer-cert", value_name = "FILE")]
    pub signer_certs: Vec<PathBuf>,
    /// Also every department certificate registered in this library's database.
    #[arg(long, env = "ZHENGKU_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// How long verifiers may rely on the new list (at most 72).
    #[arg(long, default_value_t = 72)]
    pub validity_hours: u64,
    #[command(flatten)]
    pub keystore: KeystoreArgs,
}

#[derive(Debug, Args)]
pub struct TrustListShowArgs {
    /// A trust list (trust-list.cwt), or the folder holding one.
    pub list: PathBuf,
}

#[derive(Debug, Args)]
pub struct TrustListVerifyArgs {
    /// The folder holding trust-list.cwt and signers.cwt.
    pub dir: PathBuf,
    /// The region's list-signer certificate, obtained out of band.
    #[arg(long, value_name = "CERT")]
    pub pin: PathBuf,
    /// Judge at this time (RFC 3339) instead of now.
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyInputArgs {
    /// What to verify: a file (PDF, OFD, PNG or JPEG with the QR code, signed licence record,
    /// .esl seal, SES_Signature; `-` for standard input), or a payload or URL given as it is
    /// (an argument starting with ZK1:, http:// or https://).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Trust material: a folder (a verifier bundle from `zhengku bundle export`, or a PKI
    /// folder like keys-dev/pki: self-signed CA certificates are anchors, other CAs
    /// intermediates, *.crl CRLs, other certificates the departments' signing certificates,
    /// status.json the status list) or a certificate / CRL file (PEM or DER; a CA
    /// certificate is trusted directly). Repeatable. Without it no issuer can be
    /// established: nothing is 有效, and the exit status is 2 at best.
    #[arg(long)]
    pub trust: Vec<PathBuf>,
    /// Ask this library for the live status (GET URL/v1/licences/{id}/status; plain HTTP).
    #[arg(long, value_name = "URL")]
    pub online: Option<String>,
    /// Judge at this time (RFC 3339) instead of now.
    #[arg(long)]
    pub at: Option<String>,
    /// Print the verification result as JSON (one object; an array for several inputs).
    #[arg(long)]
    pub json: bool,
    /// The oldest status accepted, in hours (a bundle's export time, an online answer):
    /// older is stale, and a stale status is 无法核验.
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    pub max_status_age: u32,
    /// Also print what trust material was loaded (counts per kind).
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Write an offline verifier bundle. With --from URL --pin CERT: the signed artefacts a
    /// sync fetches, checked, flat in --out (trust-list.cwt, signers.cwt, manifest.cwt,
    /// sl/<n>.cwt, crls.pem). With --database-url (legacy, for licences issued before status
    /// lists): anchors/, intermediates/, crls/ (from --trust), signers/ and an unsigned
    /// status.json.
    Export(BundleExportArgs),
}

#[derive(Debug, Args)]
pub struct BundleExportArgs {
    /// The folder to write (created; must be empty or absent unless --force).
    #[arg(long)]
    pub out: PathBuf,
    /// The library to export from: its base URL (the signed artefacts, checked against
    /// --pin).
    #[arg(long, value_name = "URL", requires = "pin", conflicts_with_all = ["database_url", "trust"])]
    pub from: Option<String>,
    /// The region's list-signer certificate (with --from).
    #[arg(long, value_name = "CERT")]
    pub pin: Option<PathBuf>,
    /// Legacy: the library's database (`sqlite://FILE` or `postgres://…`), for an unsigned
    /// status.json.
    #[arg(long, env = "ZHENGKU_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Legacy: trust folder to copy anchors, intermediates and CRLs from (the service's
    /// trust folder, e.g. keys-dev/pki). Without it the bundle has no anchors.
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// Write into a folder that is not empty (files of the same name are replaced).
    #[arg(long)]
    pub force: bool,
}

/// Where PKI state lives and which key store holds the CA keys.
#[derive(Debug, Args)]
pub struct PkiArgs {
    /// Folder of the CA certificates, CRLs and issuance records (one subfolder per algorithm).
    #[arg(
        long,
        global = true,
        env = "ZHENGKU_PKI_DIR",
        default_value = "keys-dev/pki"
    )]
    pub dir: PathBuf,
    #[command(flatten)]
    pub keystore: KeystoreArgs,
    #[command(subcommand)]
    pub command: PkiCommand,
}

/// How to reach the key store.
#[derive(Debug, Args)]
pub struct KeystoreArgs {
    /// Key store configuration (TOML; see hsm/README.md). Default: the development file
    /// store in keys-dev/keys.
    #[arg(long, global = true, env = "ZHENGKU_KEYSTORE")]
    pub keystore: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the keys held: label, algorithm, key id.
    List(KeystoreArgs),
}

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Create a root CA and an issuing CA (keys in the key store) for each algorithm.
    Init(PkiInitArgs),
    /// Issue a certificate from the issuing CA.
    Issue(PkiIssueArgs),
    /// Revoke a certificate by serial number and publish a new CRL.
    Revoke(PkiRevokeArgs),
    /// Publish fresh CRLs (new CRL number, new thisUpdate/nextUpdate).
    Crl(PkiCrlArgs),
    /// Validate a certificate against this PKI's roots, issuing CAs and CRLs.
    Verify(PkiVerifyArgs),
}

#[derive(Debug, Args)]
pub struct PkiInitArgs {
    /// Algorithms to set up (default: both).
    #[arg(long = "alg", value_enum)]
    pub algs: Vec<AlgArg>,
    /// Base URL under which CRLs are published (`<url>/<alg>/issuing.crl`).
    #[arg(long, default_value = "http://127.0.0.1:8080/pki")]
    pub crl_base_url: String,
    /// Organisation name in the CA certificates.
    #[arg(long, default_value = "证库")]
    pub organisation: String,
    /// Replace an existing PKI in --dir (new CA keys under new labels).
    #[arg(long)]
    pub force: bool,
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CertKindArg {
    /// An issuing department's licence-signing certificate.
    Department,
    /// A seal-making authority (制章者).
    SealMaker,
    /// A seal holder's stamping certificate (签章者).
    Seal,
    /// A library's status-list signer (状态列表签发者).
    StatusSigner,
    /// A region's trust-list signer (信任列表签发者): verifiers pin it.
    ListSigner,
    /// A TLS server.
    Server,
}

#[derive(Debug, Args)]
pub struct PkiIssueArgs {
    /// Which hierarchy issues it.
    #[arg(long, value_enum)]
    pub alg: AlgArg,
    /// What the certificate is for.
    #[arg(long, value_enum)]
    pub kind: CertKindArg,
    /// Subject name (department, seal or host name).
    #[arg(long)]
    pub name: String,
    /// The organisation's unified social credit code (departments, seal makers, seals).
    #[arg(long)]
    pub uscc: Option<String>,
    /// DNS names (servers).
    #[arg(long = "dns")]
    pub dns_names: Vec<String>,
    /// IP addresses (servers).
    #[arg(long = "ip")]
    pub ip_addresses: Vec<std::net::IpAddr>,
    /// Generate the key in the key store under this label.
    #[arg(long, conflicts_with = "public_key")]
    pub label: Option<String>,
    /// Certify an existing public key (PEM) instead.
    #[arg(long)]
    pub public_key: Option<PathBuf>,
    /// Validity in days.
    #[arg(long, default_value_t = 1095)]
    pub days: i64,
    /// Also write the certificate (PEM) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PkiRevokeArgs {
    /// Serial number (hex, as printed by `pki issue` and `openssl x509 -serial`).
    pub serial: String,
    /// RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged,
    /// superseded, cessationOfOperation, certificateHold.
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct PkiCrlArgs {
    /// Algorithms (default: every one initialised).
    #[arg(long = "alg", value_enum)]
    pub algs: Vec<AlgArg>,
    /// How many days each CRL is current (nextUpdate); kept for later CRLs of this PKI.
    /// Default: as set before, else 30.
    #[arg(long)]
    pub days: Option<i64>,
}

/// What a certificate is validated for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PurposeArg {
    /// Licence signing (departments).
    Licence,
    /// Seal making.
    SealMaker,
    /// Seal stamping.
    Seal,
    /// Status-list signing.
    StatusSigner,
    /// Trust-list signing.
    ListSigner,
    /// TLS server.
    Server,
}

#[derive(Debug, Args)]
pub struct PkiVerifyArgs {
    /// The certificate (PEM or DER).
    pub cert: PathBuf,
    /// What it is to be used for.
    #[arg(long, value_enum, default_value = "licence")]
    pub purpose: PurposeArg,
    /// Validate at this time (RFC 3339) instead of now.
    #[arg(long)]
    pub at: Option<String>,
    /// Fail unless a current CRL covers every certificate in the path.
    #[arg(long)]
    pub require_crl: bool,
}

/// Key algorithm on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AlgArg {
    /// SM2 with SM3 (GM/T 0003).
    Sm2,
    /// ECDSA P-256 with SHA-256.
    P256,
}

impl From<AlgArg> for Algorithm {
    fn from(a: AlgArg) -> Self {
        match a {
            AlgArg::Sm2 => Algorithm::Sm2Sm3,
            AlgArg::P256 => Algorithm::EcdsaP256Sha256,
        }
    }
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Key algorithm.
    #[arg(long, value_enum)]
    pub alg: AlgArg,
    /// Where to write the private key (PEM PKCS#8). Created with mode 0600.
    #[arg(long)]
    pub out: PathBuf,
    /// Where to write the public key (PEM SubjectPublicKeyInfo).
    #[arg(long)]
    pub pub_out: Option<PathBuf>,
    /// Replace existing files instead of refusing.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum SigCommand {
    /// Sign a file; writes a DER signature.
    Sign(SignArgs),
    /// Verify a DER (or raw 64-byte r||s) signature over a file; the algorithm comes from the key.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// Private key (PEM PKCS#8 or SEC1).
    #[arg(long)]
    pub key: PathBuf,
    /// File to sign (`-` for standard input).
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Where to write the DER signature.
    #[arg(long)]
    pub out: PathBuf,
    /// SM2 distinguishing ID (default 1234567812345678).
    #[arg(long)]
    pub distid: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Public key (PEM SubjectPublicKeyInfo).
    #[arg(long = "pub")]
    pub public: PathBuf,
    /// The signed file (`-` for standard input).
    #[arg(long = "in")]
    pub input: PathBuf,
    /// The signature file.
    #[arg(long)]
    pub sig: PathBuf,
    /// SM2 distinguishing ID (default 1234567812345678).
    #[arg(long)]
    pub distid: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum IdCommand {
    /// Say what each value is and whether it is valid (and if not, why).
    Check(IdCheckArgs),
}

#[derive(Debug, Args)]
pub struct IdCheckArgs {
    /// Values: licence identifiers, unified social credit codes, citizen ID numbers.
    #[arg(required = true)]
    pub values: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum LicenceCommand {
    /// Validate an issue request against its licence type, assign the identifier, sign.
    Sign(LicenceSignArgs),
    /// Verify a signed licence file with the issuer's public key.
    Verify(LicenceVerifyArgs),
    /// Print a signed licence file's contents (does not verify; use `licence verify`).
    Show(LicenceShowArgs),
    /// Lay a signed licence out on its type's page and seal it: a PDF (PAdES, any
    /// department) or an OFD (GB/T 36905, SM2 seals only), the same face either way.
    Render(LicenceRenderArgs),
}

/// Which licence file to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentFormat {
    /// PDF with a PAdES signature and the seal signature inside.
    Pdf,
    /// OFD sealed with a GB/T 38540 seal signature (SM2 only).
    Ofd,
}

#[derive(Debug, Args)]
pub struct LicenceRenderArgs {
    /// The signed licence file.
    pub file: PathBuf,
    /// The issuing department's seal (.esl, v4).
    #[arg(long)]
    pub seal: PathBuf,
    /// The seal holder's key (PEM): makes the seal signature (and the PDF's CMS).
    #[arg(long)]
    pub holder_key: PathBuf,
    /// The holder's certificate (PEM or DER); must be in the seal's certificate list.
    #[arg(long)]
    pub holder_cert: PathBuf,
    /// Intermediate certificates to send along with the holder's (PEM or DER), in order.
    #[arg(long)]
    pub chain: Vec<PathBuf>,
    /// The issuing department's licence key (PEM), which signed the licence: signs the QR
    /// code's payload.
    #[arg(long)]
    pub licence_key: PathBuf,
    /// The department's licence-signing certificate, carried in the file so that a verifier
    /// holding only the trust anchors can check the record.
    #[arg(long)]
    pub issuer_cert: Option<PathBuf>,
    /// The verification site the QR code points at.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub base_url: String,
    /// Folder of licence types and their layouts.
    #[arg(long, default_value = "templates")]
    pub templates: PathBuf,
    /// A CJK font file (default: the system's Noto CJK or WenQuanYi).
    #[arg(long)]
    pub font: Option<PathBuf>,
    /// The file to make [default: from --out's extension, .pdf or .ofd].
    #[arg(long, value_enum)]
    pub format: Option<DocumentFormat>,
    /// Where to write it.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct LicenceSignArgs {
    /// The issue request (JSON; see templates/*/example-request.json).
    #[arg(long)]
    pub request: PathBuf,
    /// The issuing department's private key (PEM).
    #[arg(long)]
    pub key: PathBuf,
    /// 证照颁发机构: the issuing department's name.
    #[arg(long)]
    pub issuer_name: String,
    /// 证照颁发机构代码: the issuing department's unified social credit code.
    #[arg(long)]
    pub issuer_code: String,
    /// Sequence number for the identifier's serial (year + 7-digit sequence).
    #[arg(long)]
    pub sequence: u32,
    /// Year for the identifier's serial (default: the year of issue_date).
    #[arg(long)]
    pub year: Option<u16>,
    /// Folder of licence type definitions.
    #[arg(long, default_value = "templates")]
    pub templates: PathBuf,
    /// SM2 distinguishing ID (default 1234567812345678).
    #[arg(long)]
    pub distid: Option<String>,
    /// Where to write the signed licence.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct LicenceVerifyArgs {
    /// The issuer's public key (PEM).
    #[arg(long = "pub")]
    pub public: PathBuf,
    /// SM2 distinguishing ID (default 1234567812345678).
    #[arg(long)]
    pub distid: Option<String>,
    /// The signed licence file.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct LicenceShowArgs {
    /// The signed licence file.
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write the audit log, up to its recorded head, as JSON Lines (one entry per line).
    Export(AuditExportArgs),
    /// Check the audit log's hash chain, in the database (also against its recorded head)
    /// or in an exported file.
    Verify(AuditVerifyArgs),
}

#[derive(Debug, Args)]
pub struct AuditExportArgs {
    /// The database (`sqlite://FILE` or `postgres://…`).
    #[arg(long, env = "ZHENGKU_DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// Write the export here (atomically; replaces the file) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// The database to check (`sqlite://FILE` or `postgres://…`); default: the
    /// ZHENGKU_DATABASE_URL environment variable, when --file is not given.
    // Read from the environment by the command, not by clap: clap would count the variable
    // as given and refuse it next to --file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// An export to check instead (`-` for standard input).
    #[arg(long, conflicts_with = "database_url")]
    pub file: Option<PathBuf>,
    /// With --file: the head the export must end at, `SEQ:HASH` as `audit export` printed
    /// it, so entries cut from the end of the file are found too.
    #[arg(long, requires = "file", value_name = "SEQ:HASH")]
    pub head: Option<String>,
}

/// `zhengku serve`: each flag also reads a `ZHENGKU_*` variable; flags and variables
/// override the configuration file, which overrides the defaults.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file (TOML; same keys as these flags, with underscores).
    #[arg(long, env = "ZHENGKU_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "ZHENGKU_LISTEN")]
    pub listen: Option<std::net::SocketAddr>,
    /// Folder for the SQLite database [default: ./data].
    #[arg(long, env = "ZHENGKU_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database: sqlite://FILE?mode=rwc or postgres://USER@HOST/DB [default: a SQLite file
    /// in the data folder].
    #[arg(long, env = "ZHENGKU_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// development (keys-dev/ allowed; an empty database gets the development departments)
    /// or production (needs --keystore) [default: production].
    #[arg(long, env = "ZHENGKU_MODE")]
    pub mode: Option<String>,
    /// Shorthand for --mode development.
    #[arg(long, conflicts_with = "mode")]
    pub dev: bool,
    /// Licence type definitions [default: templates].
    #[arg(long, env = "ZHENGKU_TEMPLATES")]
    pub templates: Option<PathBuf>,
    /// Development keys and certificates [default: keys-dev].
    #[arg(long, env = "ZHENGKU_KEYS_DEV")]
    pub keys_dev: Option<PathBuf>,
    /// Key store configuration (TOML, hsm/README.md); required in production.
    #[arg(long, env = "ZHENGKU_KEYSTORE")]
    pub keystore: Option<PathBuf>,
    /// Log format: text or json [default: text]. RUST_LOG filters (default info).
    #[arg(long, env = "ZHENGKU_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Largest request body in bytes [default: 1048576].
    #[arg(long, env = "ZHENGKU_BODY_LIMIT")]
    pub body_limit: Option<usize>,
    /// The verification site's base URL that licence QR codes point to, e.g.
    /// https://verify.example.gov.cn [default: http://<listen>].
    #[arg(long, env = "ZHENGKU_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
    /// CJK font file for licence PDFs [default: the system's fonts-noto-cjk].
    #[arg(long, env = "ZHENGKU_FONT")]
    pub font: Option<PathBuf>,
    /// Trust folder for verification: one subfolder per CA with root.crt (an anchor),
    /// issuing.crt and its *.crl. Required in production [development default:
    /// <keys-dev>/pki]. Re-read when its files change and on SIGHUP.
    #[arg(long, env = "ZHENGKU_TRUST_DIR")]
    pub trust: Option<PathBuf>,
    /// Most verification requests (/v1/verify*, /V/, /verify) served at once; more are
    /// answered 503 [default: 64].
    #[arg(long, env = "ZHENGKU_VERIFY_CONCURRENCY")]
    pub verify_concurrency: Option<usize>,
    /// The longest a verification request may take, milliseconds; longer is answered 504
    /// [default: 10000].
    #[arg(long, env = "ZHENGKU_VERIFY_TIMEOUT_MS")]
    pub verify_timeout_ms: Option<u64>,
    /// Memory for prepared verifying keys, MiB: keys met more than once verify several
    /// times faster; least recently used dropped past it; 0 turns it off [default: 64].
    #[arg(long, env = "ZHENGKU_VERIFY_KEY_BUDGET_MIB")]
    pub verify_key_budget_mib: Option<usize>,
    /// How long a signed status-list token is served before a fresh one is made, seconds:
    /// the longest a status change takes to reach verifiers that fetch lists (1 to 3600)
    /// [default: 300].
    #[arg(long, env = "ZHENGKU_STATUS_REFRESH_SECS")]
    pub status_refresh_secs: Option<u64>,
    /// The status-list tokens' ttl, seconds: how long a verifier may keep one before
    /// fetching again (60 to 86400) [default: 3600].
    #[arg(long, env = "ZHENGKU_STATUS_TTL_SECS")]
    pub status_ttl_secs: Option<u64>,
    /// The status-list tokens' lifetime (exp - iat), seconds: past it an offline verifier
    /// answers 无法核验 (more than the ttl, at most 2592000) [default: 259200].
    #[arg(long, env = "ZHENGKU_STATUS_EXP_SECS")]
    pub status_exp_secs: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum SealCommand {
    /// Draw the red round picture of a development seal (SVG).
    Draw(SealDrawArgs),
    /// Make a GB/T 38540 v4 seal (SESeal, `.esl`), signed by the seal maker (制章者).
    Make(SealMakeArgs),
    /// Stamp a document with a seal (盖章): writes an SES_Signature (DER) over its SM3 hash.
    Stamp(SealStampArgs),
    /// Show what a seal (.esl) or a signature says, for people. Does NOT verify.
    Inspect(SealInspectArgs),
    /// Verify a signature (or a seal on its own): every check, then a verdict.
    /// Exit 0 valid, 1 a check failed, 2 unreadable input.
    Verify(SealVerifyArgs),
}

#[derive(Debug, Args)]
pub struct SealDrawArgs {
    /// The name along the upper arc (e.g. the department's name).
    #[arg(long)]
    pub name: String,
    /// The line under the star.
    #[arg(long, default_value = "证照专用章")]
    pub bottom: String,
    /// Diameter, mm.
    #[arg(long, default_value_t = 42)]
    pub size_mm: u32,
    /// The SVG file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SealMakeArgs {
    /// The seal maker's private key (PEM).
    #[arg(long)]
    pub maker_key: PathBuf,
    /// The seal maker's certificate (PEM or DER).
    #[arg(long)]
    pub maker_cert: PathBuf,
    /// A seal holder's certificate (PEM or DER); repeat for several holders.
    #[arg(long, required = true)]
    pub holder_cert: Vec<PathBuf>,
    /// The seal picture: .svg or .png (checked strictly).
    #[arg(long)]
    pub picture: PathBuf,
    /// Printed width, mm.
    #[arg(long, default_value_t = 42)]
    pub width_mm: u32,
    /// Printed height, mm.
    #[arg(long, default_value_t = 42)]
    pub height_mm: u32,
    /// The seal's name (印章名称), e.g. 杭州市西湖区市场监督管理局证照专用章.
    #[arg(long)]
    pub name: String,
    /// The seal's code (印章编码, esID), e.g. 3301060100000001.
    #[arg(long)]
    pub esid: String,
    /// Seal type (印章类型): 1 unit seal (单位印章), 2 personal seal (个人印章).
    #[arg(long = "type", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=2))]
    pub seal_type: u32,
    /// Days of validity, from now.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=36600))]
    pub days: u32,
    /// The seal file to write (DER).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SealStampArgs {
    /// The seal (.esl, v4).
    #[arg(long)]
    pub seal: PathBuf,
    /// The holder's seal key (PEM).
    #[arg(long)]
    pub holder_key: PathBuf,
    /// The holder's certificate (PEM or DER); must be in the seal's certificate list.
    #[arg(long)]
    pub holder_cert: PathBuf,
    /// The document to stamp (its SM3 hash is signed).
    #[arg(long)]
    pub data: PathBuf,
    /// What is stamped (原文属性), printable ASCII [default: the document's file name].
    #[arg(long)]
    pub property_info: Option<String>,
    /// The signature file to write (SES_Signature, DER).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SealInspectArgs {
    /// A seal (.esl, SESeal) or a signature (SES_Signature), v4 or v1, DER.
    pub file: PathBuf,
    /// Print JSON (an object of dotted field names to values) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write the seal picture to this file.
    #[arg(long)]
    pub picture_out: Option<PathBuf>,
    /// Replace --picture-out if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SealVerifyArgs {
    /// A signature (SES_Signature) or a seal (.esl), v4 or v1, DER.
    pub file: PathBuf,
    /// The signed document (without it the hash check is skipped).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Trust anchors: PEM (every CERTIFICATE in the file) or DER. Repeatable. Without any,
    /// certificate chains are not checked.
    #[arg(long)]
    pub trust: Vec<PathBuf>,
    /// Certificates that may complete a chain (PEM or DER). Repeatable.
    #[arg(long)]
    pub intermediate: Vec<PathBuf>,
    /// CRLs (PEM or DER). Repeatable.
    #[arg(long)]
    pub crl: Vec<PathBuf>,
    /// A PKI folder laid out as keys-dev/pki: DIR/{sm2,p256}/root.crt as anchors,
    /// issuing.crt as intermediates, root.crl and issuing.crl.
    #[arg(long)]
    pub pki_dir: Option<PathBuf>,
    /// Judge at this time (RFC 3339) instead of now.
    #[arg(long)]
    pub at: Option<String>,
}
