//! Form bodies: [`Form<T>`] reads a urlencoded body into a struct (repeated fields, such as a
//! checkbox group, into a `Vec`, which `axum::Form` cannot); [`FormFields`] keeps the fields as
//! sent, and [`FormData`] adds a multipart form's files. A struct read from a form puts
//! `#[serde(default)]` on itself (a field left out is empty, not an error) and reads its
//! checkboxes with `app::validation::checkbox`.
//!
//! Every text value arrives without control characters other than tab and line breaks: a NUL
//! or an escape sequence has no place in anything a person types, and would otherwise reach
//! the stores, the pages and the letters. One-line fields refuse line breaks where they are
//! checked (`app::validation::one_line`).

use axum::body::{Bytes, to_bytes};
use axum::extract::{FromRequest, Request};

use serde::de::DeserializeOwned;

use super::AppError;

pub struct FormFields(Vec<(String, String)>);

impl From<Vec<(String, String)>> for FormFields {
    /// Fields as a page fills a form (a saved thing shown again).
    fn from(fields: Vec<(String, String)>) -> Self {
        Self(fields)
    }
}

impl FormFields {
    /// The first value of a field, or an empty string.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The fields read into `T` (see the module's doc).
    pub fn read<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.0)
            .finish();
        serde_html_form::from_str(&encoded).map_err(|e| {
            tracing::info!(error = %e, "form fields of the wrong shape");
            AppError::BadRequest(
                "Le formulaire envoyé ne correspond pas à cette page : rechargez-la et recommencez."
                    .into(),
            )
        })
    }

    fn parse(bytes: &Bytes) -> Self {
        Self(
            url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), without_controls(&v)))
                .collect(),
        )
    }
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, AppError> {
        let bytes = to_bytes(req.into_body(), 256 * 1024).await.map_err(|_| {
            AppError::BadRequest("Le formulaire envoyé est trop volumineux.".into())
        })?;
        Ok(Self::parse(&bytes))
    }
}

/// The text with its control characters removed, tab and line breaks kept.
fn without_controls(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// A sign-in form, staff's or citizen's.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SignInForm {
    pub email: String,
    pub password: String,
    /// The page to come back to (citizens' sign-in, see `return_to`).
    #[serde(default)]
    pub retour: Option<String>,
}

/// A urlencoded form read into `T` (see the module's doc).
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        FormFields::from_request(req, state).await?.read().map(Form)
    }
}

/// A form that may carry files (`multipart/form-data`) or not (urlencoded): its text fields,
/// read like [`FormFields`], and its files.
pub struct FormData {
    pub fields: FormFields,
    pub uploads: Vec<crate::documents::Upload>,
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !is_multipart {
            return Ok(Self {
                fields: FormFields::from_request(req, state).await?,
                uploads: Vec::new(),
            });
        }
        let bad = |_| {
            AppError::BadRequest(
                "Le formulaire envoyé est illisible ou trop volumineux. Rechargez la page et recommencez."
                    .into(),
            )
        };
        // Read with `multer` itself rather than axum's `Multipart`, whose own 2 MiB default
        // refused documents the page allows: the body was already bounded, once for every
        // route, by `csrf::checked_body` (`MAX_MULTIPART_BYTES`), and each document is
        // checked against its own limit with a message at its field (`documents::check`).
        let boundary = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| multer::parse_boundary(v).ok())
            .ok_or_else(|| bad(()))?;
        let mut multipart = multer::Multipart::new(req.into_body().into_data_stream(), boundary);
        let mut fields = Vec::new();
        let mut uploads = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(|_| bad(()))? {
            let name = field.name().unwrap_or("").to_owned();
            match field.file_name().map(str::to_owned) {
                // A file input left empty still sends a part, with no name and no bytes.
                Some(filename) if !filename.is_empty() => {
                    let declared_type = field
                        .content_type()
                        .map(|m| m.essence_str().to_owned())
                        .unwrap_or_default();
                    let bytes = field.bytes().await.map_err(|_| bad(()))?;
                    uploads.push(crate::documents::Upload {
                        field: name,
                        filename,
                        declared_type,
                        bytes: bytes.to_vec(),
                    });
                }
                Some(_) => {}
                None => {
                    let text = field.text().await.map_err(|_| bad(()))?;
                    fields.push((name, without_controls(&text)));
                }
            }
        }
        Ok(Self {
            fields: FormFields(fields),
            uploads,
        })
    }
}

/// A list filter's value that is not one the list offers, refused by name.
pub fn unknown_filter(what: &str, value: &str) -> AppError {
    let value: String = value.chars().filter(|c| !c.is_control()).take(40).collect();
    AppError::BadRequest(format!(
        "« {value} » n'est pas {what} : revenez à la liste et choisissez une valeur proposée."
    ))
}

/// A list's page number (`?page=`), 1 when absent.
pub fn page_number(raw: Option<&str>) -> Result<u64, AppError> {
    match raw.filter(|p| !p.is_empty()) {
        Some(p) => Ok(p
            .parse::<u64>()
            .map_err(|_| unknown_filter("un numéro de page", p))?
            .max(1)),
        None => Ok(1),
    }
}

/// Which page of a list read by position: `?apres=` or `?avant=` carry a row's position as
/// the list wrote it (`parse` reads it back); one the list did not write is refused by name.
pub fn page_at<K>(
    after: Option<&str>,
    before: Option<&str>,
    parse: impl Fn(&str) -> Option<K>,
) -> Result<crate::listing::PageAt<K>, AppError> {
    use crate::listing::PageAt;
    let position =
        |raw: &str| parse(raw).ok_or_else(|| unknown_filter("une position dans la liste", raw));
    Ok(
        match (
            after.filter(|a| !a.is_empty()),
            before.filter(|b| !b.is_empty()),
        ) {
            (Some(after), _) => PageAt::After(position(after)?),
            (None, Some(before)) => PageAt::Before(position(before)?),
            (None, None) => PageAt::First,
        },
    )
}

impl From<crate::listing::Total> for app::components::ListTotal {
    fn from(total: crate::listing::Total) -> Self {
        match total {
            crate::listing::Total::Exact(n) => Self::Exact(n),
            crate::listing::Total::AtLeast(n) => Self::MoreThan(n),
        }
    }
}

/// The links around a page of a list read by position: back to the first page, to the page
/// before and to the page after; each `base` with the list's filters (`pairs`) and a position.
#[derive(Clone, Debug, Default)]
pub struct PageHrefs {
    pub first: Option<String>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl PageHrefs {
    pub fn new<K>(
        base: &str,
        pairs: &[(&str, &str)],
        previous: Option<&K>,
        next: Option<&K>,
        encode: impl Fn(&K) -> String,
    ) -> Self {
        let link = |position: Option<(&str, String)>| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for (key, value) in pairs {
                query.append_pair(key, value);
            }
            if let Some((side, key)) = &position {
                query.append_pair(side, key);
            }
            match query.finish() {
                query if query.is_empty() => base.to_owned(),
                query => format!("{base}?{query}"),
            }
        };
        Self {
            first: previous.is_some().then(|| link(None)),
            previous: previous.map(|key| link(Some(("avant", encode(key))))),
            next: next.map(|key| link(Some(("apres", encode(key))))),
        }
    }
}

/// A query string read into `T` like a form: a repeated parameter (`?statut=a&statut=b`) fills
/// a `Vec` (« any of » for list filters), and a query of the wrong shape gets a French page
/// instead of the framework's English one.
pub struct ListQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ListQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or("");
        serde_html_form::from_str(query).map(ListQuery).map_err(|e| {
            tracing::info!(error = %e, "query string of the wrong shape");
            AppError::BadRequest(
                "L'adresse de cette page contient des filtres illisibles : revenez à la liste et choisissez-les de nouveau."
                    .into(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default)]
    struct Sample {
        name: String,
        roles: Vec<String>,
        #[serde(rename = "ouverte", deserialize_with = "app::validation::checkbox")]
        open: bool,
    }

    #[test]
    fn repeated_fields_fill_a_vec_and_absent_ones_are_empty() {
        let fields = FormFields::parse(&Bytes::from_static(
            b"csrf=t&roles=reception&name=Jos%C3%A9+Dupont&roles=aid_instructor&ouverte=on",
        ));
        let read: Sample = fields.read().unwrap();
        assert_eq!(read.name, "José Dupont");
        assert_eq!(read.roles, ["reception", "aid_instructor"]);
        assert!(read.open);

        let read: Sample = FormFields::parse(&Bytes::from_static(b"csrf=t"))
            .read()
            .unwrap();
        assert!(read.name.is_empty() && read.roles.is_empty() && !read.open);
    }

    #[test]
    fn control_characters_never_reach_a_handler() {
        let fields = FormFields::parse(&Bytes::from_static(
            b"name=Ana%00%1B%5B31mis&note=line%0D%0Anext%09tab%7F",
        ));
        assert_eq!(fields.get("name"), "Ana[31mis");
        assert_eq!(fields.get("note"), "line\r\nnext\ttab");
    }

    #[test]
    fn a_form_of_the_wrong_shape_is_told_in_french() {
        #[derive(Debug, serde::Deserialize)]
        struct Counted {
            #[expect(dead_code, reason = "only its parse failing matters")]
            count: u32,
        }
        let fields = FormFields::parse(&Bytes::from_static(b"count=beaucoup"));
        match fields.read::<Counted>() {
            Err(AppError::BadRequest(message)) => assert!(message.contains("rechargez")),
            other => panic!("{other:?}"),
        }
    }
}

/// The form token a streamed upload's body must start with (`csrf::STREAMED_SUFFIX`), put
/// there by the token's middleware.
#[derive(Clone)]
pub struct ExpectedToken(pub(super) String);

/// A large file sent with a form, read as it arrives rather than held in memory: the form's
/// token comes first and is checked before anything else is read.
pub struct StreamedUpload {
    multipart: multer::Multipart<'static>,
    /// The short text fields met before the file (a choice that goes with it).
    fields: Vec<(String, String)>,
}

/// A file written to disk as it arrived.
#[derive(Debug)]
pub struct SavedFile {
    pub file_name: String,
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// Why a streamed file was not kept; whatever was written is removed.
#[derive(Debug, PartialEq, Eq)]
pub enum UploadRefusal {
    /// No file was chosen.
    Missing,
    Empty,
    TooLarge,
    /// The body broke off or is not a form.
    Broken,
}

impl<S: Send + Sync> FromRequest<S> for StreamedUpload {
    type Rejection = AppError;

    async fn from_request(req: Request, _: &S) -> Result<Self, AppError> {
        let expected = req
            .extensions()
            .get::<ExpectedToken>()
            .cloned()
            .ok_or(AppError::CsrfMismatch)?;
        let boundary = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| multer::parse_boundary(v).ok())
            .ok_or(AppError::CsrfMismatch)?;
        let mut multipart = multer::Multipart::new(req.into_body().into_data_stream(), boundary);
        let first = multipart
            .next_field()
            .await
            .map_err(|_| AppError::CsrfMismatch)?
            .ok_or(AppError::CsrfMismatch)?;
        if first.name() != Some("csrf") || first.file_name().is_some() {
            return Err(AppError::CsrfMismatch);
        }
        let sent = first.text().await.map_err(|_| AppError::CsrfMismatch)?;
        if !super::csrf::constant_time_eq(sent.as_bytes(), expected.0.as_bytes()) {
            return Err(AppError::CsrfMismatch);
        }
        Ok(Self {
            multipart,
            fields: Vec::new(),
        })
    }
}

/// The longest text field kept beside a streamed file.
const FIELD_KEPT: usize = 200;

impl StreamedUpload {
    /// A text field sent before the file (empty when absent).
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Writes the file of field `field` to `path` as it arrives, `limit` bytes at most,
    /// hashing it on the way; any other field is skipped.
    pub async fn save(
        &mut self,
        field: &str,
        path: &std::path::Path,
        limit: u64,
    ) -> Result<SavedFile, UploadRefusal> {
        use sha2::Digest as _;
        use tokio::io::AsyncWriteExt as _;
        loop {
            let Some(mut part) = self
                .multipart
                .next_field()
                .await
                .map_err(|_| UploadRefusal::Broken)?
            else {
                return Err(UploadRefusal::Missing);
            };
            let file_name = match part.file_name() {
                Some(name) if part.name() == Some(field) && !name.is_empty() => {
                    without_controls(name)
                }
                Some(_) => continue,
                None => {
                    // A text field: kept if short (a select's value), read to its end anyway.
                    let name = part.name().unwrap_or_default().to_owned();
                    let mut text = Vec::new();
                    while let Some(chunk) = part.chunk().await.map_err(|_| UploadRefusal::Broken)? {
                        if text.len() + chunk.len() <= FIELD_KEPT && self.fields.len() < 20 {
                            text.extend_from_slice(&chunk);
                        }
                    }
                    self.fields
                        .push((name, String::from_utf8_lossy(&text).into_owned()));
                    continue;
                }
            };
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|_| UploadRefusal::Broken)?;
            }
            let mut out = tokio::fs::File::create(path)
                .await
                .map_err(|_| UploadRefusal::Broken)?;
            let mut hash = sha2::Sha256::new();
            let mut size = 0u64;
            let copied: Result<(), UploadRefusal> = async {
                while let Some(chunk) = part.chunk().await.map_err(|_| UploadRefusal::Broken)? {
                    size += chunk.len() as u64;
                    if size > limit {
                        return Err(UploadRefusal::TooLarge);
                    }
                    hash.update(&chunk);
                    out.write_all(&chunk)
                        .await
                        .map_err(|_| UploadRefusal::Broken)?;
                }
                out.sync_all().await.map_err(|_| UploadRefusal::Broken)?;
                if size == 0 {
                    return Err(UploadRefusal::Empty);
                }
                Ok(())
            }
            .await;
            drop(out);
            if let Err(refusal) = copied {
                let _ = tokio::fs::remove_file(path).await;
                if refusal == UploadRefusal::TooLarge {
                    // Read to its end (and dropped) so the browser, still sending, gets the
                    // page that says why rather than a broken connection.
                    while let Ok(Some(_)) = part.chunk().await {}
                }
                return Err(refusal);
            }
            return Ok(SavedFile {
                file_name: file_name.chars().take(200).collect(),
                size,
                sha256: hex::encode(hash.finalize()),
            });
        }
    }
}
