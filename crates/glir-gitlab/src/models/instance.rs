//! `GET /version` and `GET /metadata` (doc/api/version.md, doc/api/metadata.md).

use super::boolean::null_as_false;
use serde::{Deserialize, Serialize};

/// The instance's version (`GET /version`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// Such as `18.1.1-ee`.
    pub version: String,
    /// Git revision of the build.
    pub revision: String,
    /// Enterprise Edition (15.6+; absent before).
    #[serde(default, deserialize_with = "null_as_false")]
    pub enterprise: bool,
}

/// The instance's metadata (`GET /metadata`, 15.2+).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Such as `18.1.1-ee`.
    pub version: String,
    /// Git revision of the build.
    pub revision: String,
    /// The agent server for Kubernetes.
    pub kas: Kas,
    /// Enterprise Edition.
    #[serde(default, deserialize_with = "null_as_false")]
    pub enterprise: bool,
}

/// KAS details; the URLs and version are null when KAS is disabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kas {
    /// Whether KAS is enabled.
    #[serde(default, deserialize_with = "null_as_false")]
    pub enabled: bool,
    /// URL agents connect to.
    #[serde(rename = "externalUrl", default)]
    pub external_url: Option<String>,
    /// URL of the Kubernetes API proxy.
    #[serde(rename = "externalK8sProxyUrl", default)]
    pub external_k8s_proxy_url: Option<String>,
    /// KAS version.
    #[serde(default)]
    pub version: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_from_gitlab_doc_example() {
        // doc/api/metadata.md example response.
        let m: Metadata = serde_json::from_str(
            r#"{"version":"18.1.1-ee","revision":"ceb07b24cb0","kas":{"enabled":true,"externalUrl":"grpc://gitlab.example.com:8150","externalK8sProxyUrl":"https://gitlab.example.com:8150/k8s-proxy","version":"18.1.1"},"enterprise":true}"#,
        )
        .unwrap();
        assert!(m.enterprise && m.kas.enabled);
        assert_eq!(
            m.kas.external_url.as_deref(),
            Some("grpc://gitlab.example.com:8150")
        );
        assert_eq!(m.kas.version.as_deref(), Some("18.1.1"));
    }

    #[test]
    fn disabled_kas_and_old_versions() {
        // The 15.6 MR's example: KAS disabled, its fields null, no externalK8sProxyUrl.
        let m: Metadata = serde_json::from_str(
            r#"{"version":"15.6.0-pre","revision":"e6dce752392","kas":{"enabled":false,"externalUrl":null,"version":null},"enterprise":null}"#,
        )
        .unwrap();
        assert!(!m.enterprise && !m.kas.enabled);
        assert_eq!(m.kas.external_url, None);
        let v: Version = serde_json::from_str(r#"{"version":"14.0.0","revision":"abc"}"#).unwrap();
        assert!(!v.enterprise);
    }
}
