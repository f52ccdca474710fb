//! Runs the probes: one request per distinct (fingerprint, host), paced per host, with the
//! verdict of every probe kept so a repeat costs nothing.

use crate::matrix::{Probe, probe_for};
use crate::{Verdict, Verification, from_error};
use glir_gitlab::{Auth, Client, Error, RetryPolicy, TokenDetails};
use glir_redact::Secret;
use glir_tokens::Identification;
use jiff::Timestamp;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How to reach the host: what a per-token client needs besides the token.
#[derive(Debug, Clone)]
pub struct Connection {
    pub url: String,
    pub ca_bundle: Option<std::path::PathBuf>,
    pub proxy: Option<String>,
    pub user_agent: String,
    /// At least this long between two verification requests to the host.
    pub min_interval: Duration,
}

/// Verifies tokens against one host.
pub struct Verifier {
    connection: Connection,
    host: String,
    /// The responder's own client when it is an administrator's: then tokens are looked up,
    /// never presented.
    admin: Option<Client>,
    cache: HashMap<String, Verification>,
    last_request: Option<Instant>,
    requests: u64,
}

impl Verifier {
    pub fn new(connection: Connection, admin: Option<Client>) -> Result<Verifier, Error> {
        let host = Client::builder(&connection.url)?.build()?.host();
        Ok(Verifier {
            connection,
            host,
            admin,
            cache: HashMap::new(),
            last_request: None,
            requests: 0,
        })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// HTTP requests made so far (cache hits and offline verdicts make none).
    pub fn requests(&self) -> u64 {
        self.requests
    }

    pub async fn verify(&mut self, secret: &Secret, id: &Identification) -> Verification {
        if let Some(hit) = self.cache.get(&id.fingerprint) {
            return Verification {
                cached: true,
                ..hit.clone()
            };
        }
        let probe = probe_for(id, self.admin.is_some(), Timestamp::now().as_second());
        let verification = self.run(&probe, secret).await;
        self.cache
            .insert(id.fingerprint.clone(), verification.clone());
        verification
    }

    async fn run(&mut self, probe: &Probe, secret: &Secret) -> Verification {
        let host = self.host.clone();
        let done = |verdict, probe: &str, status, reason: String, request_id| Verification {
            verdict,
            host: host.clone(),
            probe: probe.to_string(),
            status,
            reason,
            request_id,
            cached: false,
        };
        match probe {
            Probe::Offline(verdict, why) => done(*verdict, "offline", None, (*why).into(), None),
            Probe::NotVerifiable(why) => {
                done(Verdict::NotVerifiable, "none", None, (*why).into(), None)
            }
            Probe::AdminLookup => {
                let label = "POST /api/v4/admin/token (administrator's token)";
                self.pace().await;
                let Some(admin) = self.admin.clone() else {
                    unreachable!("AdminLookup is only chosen with an admin client")
                };
                match admin.admin_token_lookup(secret).await {
                    Ok(answer) => {
                        let (verdict, reason) = from_lookup(&answer.body.details);
                        done(verdict, label, Some(answer.status), reason, answer.request_id)
                    }
                    Err(e) if e.status() == Some(404) => done(
                        Verdict::RevokedOrInvalid,
                        label,
                        Some(404),
                        "GitLab does not know this token: revoked and deleted, reset, or from another instance".into(),
                        e.request_id().map(str::to_string),
                    ),
                    Err(e) if e.status() == Some(422) => done(
                        Verdict::NotVerifiable,
                        label,
                        Some(422),
                        "this GitLab version cannot look up tokens of this family".into(),
                        e.request_id().map(str::to_string),
                    ),
                    Err(e) => {
                        let (verdict, reason) = from_error(&e);
                        done(verdict, label, e.status(), reason, e.request_id().map(str::to_string))
                    }
                }
            }
            Probe::PatSelf => {
                let label = "GET /api/v4/personal_access_tokens/self (the leaked token; updates its last-used time)";
                self.pace().await;
                let client = match self.client_for(Auth::PrivateToken(secret.clone())) {
                    Ok(client) => client,
                    Err(e) => return done(Verdict::Unknown, label, None, e.to_string(), None),
                };
                match client.personal_access_token_self().await {
                    Ok(answer) => {
                        let pat = &answer.body;
                        let reason = format!(
                            "GitLab accepts it: token {} \"{}\" of user {}, scopes {}{}",
                            pat.id,
                            pat.name,
                            pat.user_id,
                            pat.scopes.join(","),
                            pat.expires_at
                                .map(|d| format!(", expires {d}"))
                                .unwrap_or_default()
                        );
                        done(
                            Verdict::Valid,
                            label,
                            Some(answer.status),
                            reason,
                            answer.request_id,
                        )
                    }
                    // GitLab before 15.5 has no /self: fall back to GET /user, which needs
                    // read_user, read_api or api, so a narrower live token answers 403 there.
                    Err(e) if e.status() == Some(404) => {
                        let label = "GET /api/v4/user (the leaked token; GitLab before 15.5 has no /personal_access_tokens/self)";
                        match client.current_user().await {
                            Ok(answer) => done(
                                Verdict::Valid,
                                label,
                                Some(answer.status),
                                format!(
                                    "GitLab accepts it: the token of user {}",
                                    answer.body.username
                                ),
                                answer.request_id,
                            ),
                            Err(e) => {
                                let (verdict, reason) = from_error(&e);
                                done(
                                    verdict,
                                    label,
                                    e.status(),
                                    reason,
                                    e.request_id().map(str::to_string),
                                )
                            }
                        }
                    }
                    Err(e) => {
                        let (verdict, reason) = from_error(&e);
                        done(
                            verdict,
                            label,
                            e.status(),
                            reason,
                            e.request_id().map(str::to_string),
                        )
                    }
                }
            }
            Probe::JobSelf => {
                let label = "GET /api/v4/job (JOB-TOKEN)";
                self.pace().await;
                let client = match self.client_for(Auth::JobToken(secret.clone())) {
                    Ok(client) => client,
                    Err(e) => return done(Verdict::Unknown, label, None, e.to_string(), None),
                };
                match client.current_job().await {
                    Ok(answer) => {
                        let job = &answer.body;
                        let reason = format!(
                            "the job is still running: job {} ({}), status {}",
                            job.id, job.name, job.status
                        );
                        done(
                            Verdict::Valid,
                            label,
                            Some(answer.status),
                            reason,
                            answer.request_id,
                        )
                    }
                    Err(e) => {
                        let (verdict, mut reason) = from_error(&e);
                        if e.status() == Some(401) {
                            reason = "GitLab does not accept it (401): job tokens die when their job ends".into();
                        }
                        done(
                            verdict,
                            label,
                            e.status(),
                            reason,
                            e.request_id().map(str::to_string),
                        )
                    }
                }
            }
        }
    }

    /// A client presenting the token under test: few retries, so a 429 becomes `unknown` fast
    /// instead of hammering the host with someone else's credential.
    fn client_for(&self, auth: Auth) -> Result<Client, Error> {
        let c = &self.connection;
        let mut builder = Client::builder(&c.url)?
            .auth(auth)
            .user_agent(c.user_agent.clone())
            .timeout(Duration::from_secs(20))
            .retry(RetryPolicy {
                max_retries: 1,
                base_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(2),
                max_rate_limit_wait: Duration::from_secs(5),
                deadline: Duration::from_secs(60),
            });
        if let Some(ca) = &c.ca_bundle {
            builder = builder.ca_bundle(ca.clone());
        }
        if let Some(proxy) = &c.proxy {
            builder = builder.proxy(proxy.clone());
        }
        builder.build()
    }

    async fn pace(&mut self) {
        if let Some(last) = self.last_request {
            let since = last.elapsed();
            if since < self.connection.min_interval {
                tokio::time::sleep(self.connection.min_interval - since).await;
            }
        }
        self.last_request = Some(Instant::now());
        self.requests += 1;
    }
}

/// What the admin lookup's entity says about the token's state.
fn from_lookup(details: &TokenDetails) -> (Verdict, String) {
    let today = Timestamp::now();
    match details {
        TokenDetails::PersonalAccessToken(pat) => {
            let expired = pat.expires_at.is_some_and(|d| {
                d.to_zoned(jiff::tz::TimeZone::UTC)
                    .is_ok_and(|z| z.timestamp() <= today)
            });
            if pat.revoked {
                (
                    Verdict::RevokedOrInvalid,
                    format!("token {} \"{}\" is revoked", pat.id, pat.name),
                )
            } else if expired {
                (
                    Verdict::Expired,
                    format!("token {} \"{}\" has expired", pat.id, pat.name),
                )
            } else {
                (
                    Verdict::Valid,
                    format!(
                        "token {} \"{}\" of user {} is active, scopes {}",
                        pat.id,
                        pat.name,
                        pat.user_id,
                        pat.scopes.join(",")
                    ),
                )
            }
        }
        TokenDetails::DeployToken(dt) if dt.revoked => (
            Verdict::RevokedOrInvalid,
            format!("deploy token {} is revoked", dt.id),
        ),
        TokenDetails::DeployToken(dt) if dt.expired => (
            Verdict::Expired,
            format!("deploy token {} has expired", dt.id),
        ),
        TokenDetails::DeployToken(dt) => (
            Verdict::Valid,
            format!(
                "deploy token {} ({}) is active, scopes {}",
                dt.id,
                dt.username,
                dt.scopes.join(",")
            ),
        ),
        TokenDetails::Trigger(t) if t.expires_at.is_some_and(|e| e <= today) => {
            (Verdict::Expired, format!("trigger {} has expired", t.id))
        }
        TokenDetails::Trigger(t) => (
            Verdict::Valid,
            format!("pipeline trigger {} is active", t.id),
        ),
        TokenDetails::Runner(r) if r.token_expires_at.is_some_and(|e| e <= today) => (
            Verdict::Expired,
            format!("runner {}'s authentication token has expired", r.id),
        ),
        TokenDetails::Runner(r) => (
            Verdict::Valid,
            format!(
                "runner {} ({}) authenticates with it{}",
                r.id,
                r.runner_type.as_deref().unwrap_or("runner"),
                if r.paused == Some(true) {
                    ", paused"
                } else {
                    ""
                }
            ),
        ),
        TokenDetails::Job(job) => (
            if job.status == "running" {
                Verdict::Valid
            } else {
                Verdict::RevokedOrInvalid
            },
            format!("job {} is {}", job.id, job.status),
        ),
        TokenDetails::Application(app) => (
            Verdict::Valid,
            format!(
                "secret of OAuth application {} \"{}\"",
                app.id, app.application_name
            ),
        ),
        TokenDetails::User(user) => (
            if user.state.as_deref() == Some("blocked") {
                Verdict::Blocked
            } else {
                Verdict::Valid
            },
            format!("session of user {}", user.username),
        ),
        TokenDetails::Other => (Verdict::Valid, "GitLab knows this token".into()),
    }
}
