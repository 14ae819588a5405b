//! The portal: the configured webhook, or the bundled sandbox in-process.

use std::sync::Arc;

use bitrix_client::{Client, Webhook};
use bitrix_sandbox::{Limits, RunningSandbox, Sandbox, Seed};

use crate::config::Settings;
use crate::failure::Failure;
use crate::output::Ui;

/// A connected portal; keeps the in-process sandbox alive while it is used.
pub struct Portal {
    /// The client every call goes through.
    pub client: Arc<Client>,
    /// The webhook's token, for scrubbing logs.
    pub token: String,
    /// The bundled sandbox, when no webhook is configured.
    pub sandbox: Option<RunningSandbox>,
}

impl Portal {
    /// Connects to the configured portal, or starts the bundled sandbox and says so on stderr.
    pub async fn connect(settings: &Settings, ui: &Ui) -> Result<Self, Failure> {
        let (webhook, sandbox) = match &settings.webhook_url {
            Some(url) => {
                let webhook = Webhook::parse(url.expose())
                    .map_err(|e| Failure::config(format!("BITRIX_WEBHOOK_URL: {e}")))?;
                if webhook.is_plain_http_off_loopback() {
                    ui.warn(&format!(
                        "BITRIX_WEBHOOK_URL uses plain http to {}: the token crosses the network unencrypted; use https unless this is a trusted intranet. / Вебхук без https: токен передаётся открытым текстом.",
                        webhook.portal()
                    ));
                }
                (webhook, None)
            }
            None => {
                let sandbox = start_sandbox(settings).await?;
                ui.notice(&format!(
                    "Песочница: BITRIX_WEBHOOK_URL не задан, работаю с локальным демо-порталом ({}). Чтобы подключить свой портал, задайте BITRIX_WEBHOOK_URL=https://ваш-портал/rest/ID/КЛЮЧ/ в окружении или в .env.\nSandbox: BITRIX_WEBHOOK_URL is not set, using the bundled demo portal ({}). To connect your portal, set BITRIX_WEBHOOK_URL=https://your-portal/rest/ID/TOKEN/ in the environment or .env.",
                    settings.sandbox_data.display(),
                    settings.sandbox_data.display()
                ));
                let webhook = Webhook::parse(sandbox.webhook_url().expose())
                    .map_err(|e| Failure::internal(format!("the sandbox's webhook: {e}")))?;
                (webhook, Some(sandbox))
            }
        };
        let token = webhook.token().expose().to_owned();
        let mut builder = Client::builder(webhook);
        if let Some(path) = &settings.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                Failure::config(format!(
                    "BITRIX_CA_CERT: cannot read {}: {e}",
                    path.display()
                ))
            })?;
            builder = builder.add_root_certificates_pem(pem);
        }
        let client = builder
            .build()
            .map_err(|e| Failure::config(format!("BITRIX_WEBHOOK_URL: {e}")))?;
        Ok(Self {
            client: Arc::new(client),
            token,
            sandbox,
        })
    }

    /// Stops the sandbox, if one runs.
    pub async fn close(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
    }
}

async fn start_sandbox(settings: &Settings) -> Result<RunningSandbox, Failure> {
    if let Some(dir) = settings
        .sandbox_data
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::internal(format!("cannot create {}: {e}", dir.display())))?;
    }
    Sandbox::builder()
        .seed(Seed::Demo)
        .limits(Limits::Cloud)
        .data_file(&settings.sandbox_data)
        .data_lock_wait(settings.lock_timeout)
        .start("127.0.0.1:0")
        .await
        .map_err(|e| {
            if e.is_data_file_in_use() {
                Failure::busy(e)
            } else {
                Failure::config(format!("B24_SANDBOX_DATA: {e}"))
            }
        })
}
