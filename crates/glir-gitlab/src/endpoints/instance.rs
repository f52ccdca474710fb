//! Instance-wide facts: version and metadata.

use crate::{Client, Error, Metadata, Response, Version};

impl Client {
    /// `GET /version`: the GitLab version (any authenticated user).
    pub async fn version(&self) -> Result<Response<Version>, Error> {
        self.get("/version", &[]).await
    }

    /// `GET /metadata`: version, edition and KAS details (15.2+).
    pub async fn metadata(&self) -> Result<Response<Metadata>, Error> {
        self.get("/metadata", &[]).await
    }
}
