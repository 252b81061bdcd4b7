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
