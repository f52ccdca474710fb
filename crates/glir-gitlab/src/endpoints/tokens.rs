//! Token introspection.

use crate::{Client, Error, PersonalAccessToken, Response};

impl Client {
    /// `GET /personal_access_tokens/self`: the token in use, its scopes and expiry (15.5+).
    pub async fn pat_self(&self) -> Result<Response<PersonalAccessToken>, Error> {
        self.get("/personal_access_tokens/self", &[]).await
    }
}
