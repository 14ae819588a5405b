//! The model: an OpenAI-compatible client, probed at start-up.

use std::sync::Arc;
use std::time::Duration;

use agent_core::ModelAccess;
use llm_client::{Availability, OpenAiClient, OpenAiConfig};

use crate::config::{DEFAULT_API_BASE, ModelSettings};
use crate::failure::Failure;

/// How long the start-up probe may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Builds the client and probes it; an unusable model means degraded mode, not an error.
///
/// Without a key, the official API is not even tried; a custom `OPENAI_API_BASE` is probed
/// without one, since self-hosted servers often need none.
pub async fn connect(settings: &ModelSettings) -> Result<ModelAccess, Failure> {
    // The official API always needs a key; a self-hosted server (Ollama, vLLM) may not.
    let custom_base = settings.api_base.trim_end_matches('/') != DEFAULT_API_BASE;
    if settings.api_key.is_none() && !custom_base {
        return Ok(ModelAccess::Unavailable(Availability::NoKey));
    }
    let mut config = OpenAiConfig::new(settings.model.clone())
        .with_api_base(settings.api_base.clone())
        .with_key_required(!custom_base)
        .with_request_timeout(settings.timeout)
        .with_probe_timeout(PROBE_TIMEOUT)
        .with_connect_timeout(PROBE_TIMEOUT);
    if let Some(key) = &settings.api_key {
        config = config.with_api_key(key.expose());
    }
    let client =
        OpenAiClient::new(config).map_err(|e| Failure::config(format!("OPENAI_API_BASE: {e}")))?;
    let availability = client.probe().await;
    Ok(ModelAccess::from_probe(Arc::new(client), availability))
}
