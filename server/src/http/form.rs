//! A urlencoded form body with repeated fields (checkbox groups), which `axum::Form` cannot
//! read into a `Vec`.

use axum::body::{Bytes, to_bytes};
use axum::extract::{FromRequest, Request};

use super::AppError;

pub struct FormFields(Vec<(String, String)>);

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

    fn parse(bytes: &Bytes) -> Self {
        Self(
            url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
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
        let mut multipart = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|_| bad(()))?;
        let mut fields = Vec::new();
        let mut uploads = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(|_| bad(()))? {
            let name = field.name().unwrap_or("").to_owned();
            match field.file_name().map(str::to_owned) {
                // A file input left empty still sends a part, with no name and no bytes.
                Some(filename) if !filename.is_empty() => {
                    let declared_type = field.content_type().unwrap_or("").to_owned();
                    let bytes = field.bytes().await.map_err(|_| bad(()))?;
                    uploads.push(crate::documents::Upload {
                        field: name,
                        filename,
                        declared_type,
                        bytes: bytes.to_vec(),
                    });
                }
                Some(_) => {}
                None => fields.push((name, field.text().await.map_err(|_| bad(()))?)),
            }
        }
        Ok(Self {
            fields: FormFields(fields),
            uploads,
        })
    }
}
