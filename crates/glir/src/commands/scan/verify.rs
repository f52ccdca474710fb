//! `--verify`: each distinct GitLab secret checked once against the configured instance.

use super::Verifications;
use crate::config::Settings;
use anyhow::{Result, bail};
use glir_gitlab::Client;
use glir_redact::Secret;
use glir_tokens::{IdentifyOptions, identify};
use glir_verify::{Connection, Verifier};
use std::collections::HashMap;
use std::time::Duration;

/// Verification requests are spaced at least this far apart on one host.
const MIN_INTERVAL: Duration = Duration::from_millis(200);

pub fn verify(
    settings: &Settings,
    client: Option<&Client>,
    runtime: &tokio::runtime::Runtime,
    secrets: &HashMap<String, Secret>,
    opts: &IdentifyOptions,
) -> Result<(Verifications, String)> {
    let Some(url) = &settings.url else {
        bail!("--verify needs the GitLab instance to ask: pass --url or set GLIR_URL");
    };
    // An administrator's own token can look leaked tokens up without presenting them.
    let admin = client.and_then(|c| {
        runtime
            .block_on(c.current_user())
            .ok()
            .filter(|u| u.body.is_admin == Some(true))
            .map(|_| c.clone())
    });
    let lookup = admin.is_some();
    let mut verifier = Verifier::new(
        Connection {
            url: url.clone(),
            ca_bundle: settings.ca_bundle.clone(),
            proxy: settings.proxy.clone(),
            user_agent: format!("glir/{}", env!("CARGO_PKG_VERSION")),
            min_interval: MIN_INTERVAL,
        },
        admin,
    )?;
    let mut ids: Vec<&String> = secrets.keys().collect();
    ids.sort();
    let mut verifications = Verifications::new();
    for finding_id in ids {
        let secret = &secrets[finding_id];
        let id = identify(secret.expose(), opts);
        let verification = runtime.block_on(verifier.verify(secret, &id));
        verifications.insert(finding_id.clone(), verification);
    }
    let note = format!(
        "verify: {} distinct GitLab secrets against {} with {} requests ({})",
        secrets.len(),
        verifier.host(),
        verifier.requests(),
        if lookup {
            "administrator lookups: the leaked tokens were not presented"
        } else {
            "each token's own side-effect-free endpoint"
        }
    );
    Ok((verifications, note))
}
