//! Offset and keyset paging behind one API: a [`PageRequest`] describes the list, a
//! [`Page`] carries its items and the absolute URL of the next page (the resume cursor).

use crate::base_url;
use crate::client::Client;
use crate::error::Error;
use crate::headers;
use crate::request::{Fetched, METHOD};
use futures::Stream;
use serde::de::DeserializeOwned;
use url::Url;

/// A list endpoint and how to page through it.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// Path relative to `/api/v4`, already percent-encoded, such as `/groups/acme%2Fapp/audit_events`.
    pub path: String,
    /// Filters, without paging parameters.
    pub query: Vec<(String, String)>,
    /// Offset or keyset paging.
    pub paging: Paging,
}

/// GitLab's two paging styles (doc/api/rest/_index.md, "Pagination").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// `page`/`per_page`; the next page comes from `Link rel="next"` or `x-next-page`.
    Offset { per_page: u32 },
    /// `pagination=keyset`; the next page comes only from `Link rel="next"`.
    Keyset {
        per_page: u32,
        order_by: String,
        sort: String,
    },
}

/// One page of a list.
#[derive(Debug)]
pub struct Page<T> {
    /// The decoded items, in GitLab's order.
    pub items: Vec<T>,
    /// Absolute URL of the next page, without credentials; `None` on the last page.
    pub next: Option<String>,
    /// GitLab's `X-Request-Id` for this page.
    pub request_id: Option<String>,
    /// `x-total`, when GitLab sends it (offset paging, at most 10,000 records).
    pub total: Option<u64>,
}

impl PageRequest {
    fn paging_params(&self) -> Vec<(&str, String)> {
        match &self.paging {
            Paging::Offset { per_page } => vec![("per_page", per_page.to_string())],
            Paging::Keyset {
                per_page,
                order_by,
                sort,
            } => vec![
                ("pagination", "keyset".to_string()),
                ("per_page", per_page.to_string()),
                ("order_by", order_by.clone()),
                ("sort", sort.clone()),
            ],
        }
    }
}

impl Client {
    /// One page: the first of `req`, or the page at `cursor` (a [`Page::next`] from earlier).
    pub async fn get_page<T: DeserializeOwned>(
        &self,
        req: &PageRequest,
        cursor: Option<&str>,
    ) -> Result<Page<T>, Error> {
        let outcome = async {
            let url = match cursor {
                Some(cursor) => self.cursor_url(cursor)?,
                None => self.first_page_url(req)?,
            };
            let fetched = self.fetch(&url).await?;
            let items = fetched.decode::<Vec<T>>()?;
            let next = self.next_page_url(&req.paging, &fetched)?;
            Ok(Page {
                items,
                next: next.map(String::from),
                request_id: fetched.request_id,
                total: headers::total(&fetched.headers),
            })
        }
        .await;
        self.tally(outcome)
    }

    /// Every page of `req` in order; ends after the last page or the first error.
    pub fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
        req: PageRequest,
    ) -> impl Stream<Item = Result<Page<T>, Error>> + Send {
        // `None` once finished; `Some(None)` before the first page; `Some(Some(url))` after.
        let start: Option<Option<String>> = Some(None);
        futures::stream::unfold(
            (self.clone(), req, start),
            |(client, req, cursor)| async move {
                let cursor = cursor?;
                let page = client.get_page::<T>(&req, cursor.as_deref()).await;
                let after = match &page {
                    Ok(page) => page.next.clone().map(Some),
                    Err(_) => None,
                };
                Some((page, (client, req, after)))
            },
        )
    }

    /// Every item of every page of `req`, for lists small enough to hold (keys, hooks,
    /// variables, a user's tokens).
    pub async fn all<T: DeserializeOwned + Send + 'static>(
        &self,
        req: PageRequest,
    ) -> Result<Vec<T>, Error> {
        use futures::TryStreamExt;
        let mut items = Vec::new();
        let mut pages = std::pin::pin!(self.pages::<T>(req));
        while let Some(page) = pages.try_next().await? {
            items.extend(page.items);
        }
        Ok(items)
    }

    fn first_page_url(&self, req: &PageRequest) -> Result<Url, Error> {
        let mut query: Vec<(&str, String)> = req
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        query.extend(req.paging_params());
        self.api_url(&req.path, &query)
    }

    /// A resume cursor must be a URL on this instance: the token goes wherever it points.
    fn cursor_url(&self, cursor: &str) -> Result<Url, Error> {
        let url = Url::parse(cursor).map_err(|e| Error::InvalidUrl {
            url: cursor.split('?').next().unwrap_or_default().to_string(),
            reason: format!("not a page cursor: {e}"),
        })?;
        self.on_instance(&url, &url)?;
        Ok(url)
    }

    /// The next page's URL, if there is one.
    fn next_page_url(&self, paging: &Paging, page: &Fetched) -> Result<Option<Url>, Error> {
        let next = match headers::link_next(&page.headers) {
            Some(link) => Some(page.url.join(&link).map_err(|e| Error::InvalidUrl {
                url: link.split('?').next().unwrap_or_default().to_string(),
                reason: format!("GitLab's next-page link is not a URL: {e}"),
            })?),
            // doc/api/rest/_index.md: keyset paging is followed through `Link` only; its
            // absence ends the list.
            None => match paging {
                Paging::Keyset { .. } => None,
                Paging::Offset { .. } => headers::next_page_number(&page.headers)
                    .map(|number| with_page(&page.url, number)),
            },
        };
        let Some(mut next) = next else {
            return Ok(None);
        };
        self.on_instance(&next, &page.url)?;
        base_url::strip_credentials(&mut next);
        Ok(Some(next))
    }

    fn on_instance(&self, target: &Url, from: &Url) -> Result<(), Error> {
        if base_url::same_origin(target, &self.inner.base) {
            return Ok(());
        }
        Err(Error::ForeignHost {
            method: METHOD.to_string(),
            path: base_url::shown_path(from),
            url: base_url::shown_url(target),
            expected: base_url::shown_url(&self.inner.base),
        })
    }
}

/// `url` with its `page` parameter set to `number`, other parameters unchanged.
fn with_page(url: &Url, number: u64) -> Url {
    let mut next = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    next.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("page", &number.to_string());
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn client() -> Client {
        Client::builder("https://gitlab.example.com")
            .unwrap()
            .build()
            .unwrap()
    }

    fn page(url: &str, headers: &[(&'static str, &str)]) -> Fetched {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        Fetched {
            method: reqwest::Method::GET,
            status: 200,
            headers: map,
            body: b"[]".to_vec(),
            request_id: None,
            url: Url::parse(url).unwrap(),
        }
    }

    const OFFSET: Paging = Paging::Offset { per_page: 20 };

    fn keyset() -> Paging {
        Paging::Keyset {
            per_page: 20,
            order_by: "id".into(),
            sort: "desc".into(),
        }
    }

    #[test]
    fn link_header_wins_for_both_styles() {
        let fetched = page(
            "https://gitlab.example.com/api/v4/audit_events?pagination=keyset",
            &[(
                "link",
                r#"<https://gitlab.example.com/api/v4/audit_events?id_after=80&pagination=keyset>; rel="next""#,
            )],
        );
        for paging in [OFFSET, keyset()] {
            let next = client().next_page_url(&paging, &fetched).unwrap().unwrap();
            assert_eq!(
                next.as_str(),
                "https://gitlab.example.com/api/v4/audit_events?id_after=80&pagination=keyset"
            );
        }
    }

    #[test]
    fn x_next_page_serves_offset_paging_only() {
        let fetched = page(
            "https://gitlab.example.com/api/v4/users?per_page=20",
            &[("x-next-page", "2")],
        );
        let next = client().next_page_url(&OFFSET, &fetched).unwrap().unwrap();
        assert_eq!(
            next.as_str(),
            "https://gitlab.example.com/api/v4/users?per_page=20&page=2"
        );
        // doc/api/rest/_index.md: keyset lists end when the Link header is missing.
        assert!(
            client()
                .next_page_url(&keyset(), &fetched)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn last_page_has_no_next() {
        let fetched = page(
            "https://gitlab.example.com/api/v4/users?page=3",
            &[("x-next-page", "")],
        );
        assert!(client().next_page_url(&OFFSET, &fetched).unwrap().is_none());
    }

    #[test]
    fn next_link_to_another_host_is_refused() {
        let fetched = page(
            "https://gitlab.example.com/api/v4/users",
            &[(
                "link",
                r#"<https://evil.example/api/v4/users?page=2>; rel="next""#,
            )],
        );
        let err = client().next_page_url(&OFFSET, &fetched).unwrap_err();
        assert!(matches!(err, Error::ForeignHost { .. }), "{err}");
        assert!(err.to_string().contains("evil.example"), "{err}");
    }

    #[test]
    fn relative_links_resolve_and_credentials_are_stripped() {
        let fetched = page(
            "https://gitlab.example.com/api/v4/users?page=1",
            &[(
                "link",
                r#"</api/v4/users?page=2&private_token=glpat-leaked>; rel="next""#,
            )],
        );
        let next = client().next_page_url(&OFFSET, &fetched).unwrap().unwrap();
        assert_eq!(
            next.as_str(),
            "https://gitlab.example.com/api/v4/users?page=2"
        );
    }

    #[test]
    fn cursors_must_point_at_the_instance() {
        let c = client();
        assert!(
            c.cursor_url("https://gitlab.example.com/api/v4/users?page=2")
                .is_ok()
        );
        assert!(matches!(
            c.cursor_url("https://elsewhere.example/api/v4/users?page=2"),
            Err(Error::ForeignHost { .. })
        ));
        assert!(matches!(
            c.cursor_url("page=2"),
            Err(Error::InvalidUrl { .. })
        ));
    }

    #[test]
    fn first_page_carries_filters_then_paging() {
        let req = PageRequest {
            path: "/groups/acme/audit_events".into(),
            query: vec![("created_after".into(), "2025-03-01T00:00:00Z".into())],
            paging: keyset(),
        };
        let url = client().first_page_url(&req).unwrap();
        assert_eq!(
            url.as_str(),
            "https://gitlab.example.com/api/v4/groups/acme/audit_events?created_after=2025-03-01T00%3A00%3A00Z&pagination=keyset&per_page=20&order_by=id&sort=desc"
        );
    }

    #[test]
    fn with_page_replaces_only_the_page() {
        let url = Url::parse("https://h/api/v4/users?active=true&page=2&per_page=50").unwrap();
        assert_eq!(
            with_page(&url, 3).as_str(),
            "https://h/api/v4/users?active=true&per_page=50&page=3"
        );
        let first = Url::parse("https://h/api/v4/users?per_page=50").unwrap();
        assert_eq!(
            with_page(&first, 2).as_str(),
            "https://h/api/v4/users?per_page=50&page=2"
        );
    }

    #[test]
    fn keyset_params_follow_gitlab_names() {
        let req = PageRequest {
            path: "/audit_events".into(),
            query: vec![],
            paging: Paging::Keyset {
                per_page: 100,
                order_by: "id".into(),
                sort: "desc".into(),
            },
        };
        let params = req.paging_params();
        assert_eq!(
            params,
            [
                ("pagination", "keyset".to_string()),
                ("per_page", "100".to_string()),
                ("order_by", "id".to_string()),
                ("sort", "desc".to_string()),
            ]
        );
    }
}
