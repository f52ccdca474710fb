//! CI/CD variables of projects, groups and the instance (doc/api/project_level_variables.md,
//! group_level_variables.md, instance_level_ci_variables.md). A value is read only to be
//! fingerprinted (`sha256:` and 16 hex digits): two runs tell a changed value apart, and no
//! output holds it.

use super::{Ctx, Harvest, Listing, source};
use crate::Error;
use crate::kind::Kind;
use crate::record::{Draft, Owner};
use crate::scope::Place;
use glir_gitlab::{PageRequest, Paging, Variable};

/// `GET /projects/:id/variables` (Maintainer+).
pub(crate) async fn project(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    let req = ctx.client.project_variables(&place.id.to_string());
    let owner = Owner::project(place.id, &place.path);
    let who_sees = format!("a Maintainer of {owner}");
    variables(ctx, req, owner, who_sees, harvest).await
}

/// `GET /groups/:id/variables` (Maintainer+).
pub(crate) async fn group(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    let req = ctx.client.group_variables(&place.id.to_string());
    let owner = Owner::group(place.id, &place.path);
    let who_sees = format!("a Maintainer of {owner}");
    variables(ctx, req, owner, who_sees, harvest).await
}

/// `GET /admin/ci/variables` (administrators).
pub(crate) async fn instance(ctx: &Ctx<'_>, harvest: &mut Harvest) -> Result<(), Error> {
    let req = PageRequest {
        path: "/admin/ci/variables".to_string(),
        query: Vec::new(),
        paging: Paging::Offset { per_page: 100 },
    };
    let who_sees = "an administrator".to_string();
    variables(ctx, req, Owner::instance(), who_sees, harvest).await
}

async fn variables(
    ctx: &Ctx<'_>,
    req: PageRequest,
    owner: Owner,
    who_sees: String,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    if !ctx.wants(Kind::CiVariable) {
        return Ok(());
    }
    let scope = owner.to_string();
    let from = source(&req);
    let listing = Listing {
        kinds: &[Kind::CiVariable],
        scope: &scope,
        who_sees,
    };
    let items: Vec<Variable> = listing.fetch(ctx, req, harvest).await?;
    for v in &items {
        // Keys repeat across environments; the scope makes each one distinct.
        let id = match &v.environment_scope {
            Some(env) => format!("{}@{env}", v.key),
            None => v.key.clone(),
        };
        let mut d =
            Draft::new(Kind::CiVariable, id, owner.clone(), from.clone()).named(Some(&v.key));
        d.fact("variable_type", v.variable_type.clone());
        d.fact("environment_scope", v.environment_scope.clone());
        d.fact("masked", v.masked);
        d.fact("protected", v.protected);
        d.fact("hidden", v.hidden.unwrap_or(false));
        d.fact("raw", v.raw);
        if let Some(text) = v.description.as_deref().filter(|t| !t.is_empty()) {
            d.fact("description", glir_redact::scrub(text).into_owned());
        }
        // A hidden variable's value is never returned (`value: null`, 17.4+).
        d.fact(
            "value_fingerprint",
            v.value.as_ref().map(|s| s.fingerprint()),
        );
        harvest.credentials.push(d.finish());
    }
    Ok(())
}
