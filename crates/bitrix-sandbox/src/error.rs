//! Errors of starting and running the sandbox (not the REST errors it answers with).

use std::path::PathBuf;

/// Why the sandbox could not start or save its data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The data file exists but cannot be read as sandbox data; it is left untouched.
    #[error(
        "the data file {path} is damaged: {reason}. It was left untouched: fix it, or move it \
         away to start a new portal / файл данных {path} повреждён: {reason}. Файл не изменён: \
         исправьте его или переместите, чтобы начать с новым порталом"
    )]
    DamagedDataFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Another sandbox (in this or another process) holds the data file's lock.
    #[error(
        "the data file {path} is in use by another sandbox (another b24-agent or b24-sandbox \
         run); wait for it to finish, or serve it once with `b24-agent sandbox` and point \
         BITRIX_WEBHOOK_URL at it / файл данных {path} занят другой песочницей (другим запуском \
         b24-agent или b24-sandbox); дождитесь его завершения или запустите `b24-agent sandbox` \
         и укажите его адрес в BITRIX_WEBHOOK_URL"
    )]
    DataFileInUse {
        /// The data file.
        path: PathBuf,
    },
    /// The data file could not be read.
    #[error("cannot read the data file {path}: {source}")]
    ReadDataFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The data file could not be written.
    #[error("cannot write the data file {path}: {source}")]
    WriteDataFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The listen address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The listen address is not an address.
    #[error("invalid listen address `{0}` (expected IP:PORT, e.g. 127.0.0.1:0)")]
    InvalidAddress(String),
    /// The TLS certificate could not be made or used.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The certificate could not be written out.
    #[error("cannot write the certificate to {path}: {source}")]
    WriteCertificate {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl SandboxError {
    /// Whether the data file was refused as damaged (and left as it was).
    pub fn is_damaged_data_file(&self) -> bool {
        matches!(self, SandboxError::DamagedDataFile { .. })
    }

    /// Whether another sandbox holds the data file.
    pub fn is_data_file_in_use(&self) -> bool {
        matches!(self, SandboxError::DataFileInUse { .. })
    }

    /// Whether the listen address could not be used.
    pub fn is_bind(&self) -> bool {
        matches!(
            self,
            SandboxError::Bind { .. } | SandboxError::InvalidAddress(_)
        )
    }
}
