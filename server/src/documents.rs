//! Citizens' documents: checked on arrival (size, and the real type read from the content, not
//! the name or the browser's label), kept in the department's files ([`crate::files`]: a
//! folder per department by default, or an object store), described in its database, and
//! re-usable in later requests. The bytes stay outside the database so backups of the store
//! stay small; the export carries the files.

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};
use tenants::{Platform, Tenant};

use crate::audit::{self, AuditEvent};
use crate::entity::document;

/// The largest document accepted (the browser warns with the same rule, `app::validation`).
pub const MAX_BYTES: usize = app::validation::MAX_DOCUMENT_BYTES;

/// The kinds of file accepted, by their real content.
const ACCEPTED: [(&str, &str, &[&str]); 3] = [
    ("application/pdf", "PDF", &["pdf"]),
    ("image/jpeg", "image JPEG", &["jpg", "jpeg"]),
    ("image/png", "image PNG", &["png"]),
];

/// A file as it arrived in a form.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    pub filename: String,
    /// What the browser said it is.
    pub declared_type: String,
    pub bytes: Vec<u8>,
}

/// A stored document.
#[derive(Clone, Debug)]
pub struct Document {
    pub id: i64,
    pub citizen_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
    storage_key: String,
}

impl Document {
    /// "avis.pdf (PDF, 120 Ko, 25/11/2026)".
    pub fn label(&self) -> String {
        let kind = ACCEPTED
            .iter()
            .find(|(mime, _, _)| *mime == self.content_type)
            .map_or("document", |(_, label, _)| label);
        format!(
            "{} ({kind}, {} Ko, {})",
            self.filename,
            (self.size + 1023) / 1024,
            self.created_at.format("%d/%m/%Y")
        )
    }
}

impl From<document::Model> for Document {
    fn from(m: document::Model) -> Self {
        Self {
            id: m.id,
            citizen_id: m.citizen_id,
            filename: m.filename,
            content_type: m.content_type,
            size: m.size,
            created_at: m.created_at,
            storage_key: m.storage_key,
        }
    }
}

/// Checks an upload; its real type, or what is wrong in French and how to fix it.
pub fn check(upload: &Upload) -> Result<&'static str, String> {
    use app::validation::{empty_file_message, file_too_large_message, file_type_message};
    if upload.bytes.is_empty() {
        return Err(empty_file_message(&upload.filename));
    }
    if upload.bytes.len() > MAX_BYTES {
        return Err(file_too_large_message(
            &upload.filename,
            upload.bytes.len() as u64,
        ));
    }
    let sniffed = infer::get(&upload.bytes).map(|t| t.mime_type());
    let Some((mime, label, extensions)) =
        ACCEPTED.iter().find(|(mime, _, _)| Some(*mime) == sniffed)
    else {
        return Err(file_type_message(&upload.filename));
    };
    let extension = upload
        .filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    let declared_ok = upload.declared_type.is_empty()
        || upload.declared_type == "application/octet-stream"
        || upload.declared_type == *mime;
    let extension_ok = extension.as_deref().is_none_or(|e| extensions.contains(&e));
    if !declared_ok || !extension_ok {
        let name = if upload.filename.is_empty() {
            "envoyé".to_owned()
        } else {
            format!("« {} »", upload.filename)
        };
        return Err(format!(
            "Le fichier {name} se présente comme un autre type de fichier mais contient un {label} : renommez-le avec la bonne extension ({}) ou envoyez le document d'origine.",
            extensions.join(", ")
        ));
    }
    Ok(mime)
}

/// Where a document's bytes are in the department's files.
pub fn key_of(storage_key: &str) -> String {
    format!("documents/{storage_key}")
}

/// Stores a checked upload as the citizen's document; `journal` is the entry of a staff
/// member adding it for the citizen, written with the document's row.
pub async fn save(
    platform: &Platform,
    tenant: &Tenant,
    citizen_id: i64,
    upload: &Upload,
    mime: &str,
    journal: Option<AuditEvent>,
) -> Result<Document, DbErr> {
    let key: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    crate::files::write(platform, tenant.slug(), &key_of(&key), upload.bytes.clone())
        .await
        .map_err(|e| DbErr::Custom(format!("document write: {e}")))?;
    let filename: String = upload
        .filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("document")
        .chars()
        .filter(|c| !c.is_control())
        .take(150)
        .collect();
    let row = async {
        let txn = tenant.db().begin_write().await?;
        let row = document::ActiveModel {
            citizen_id: Set(citizen_id),
            filename: Set(if filename.is_empty() {
                "document".into()
            } else {
                filename
            }),
            content_type: Set(mime.to_owned()),
            size: Set(upload.bytes.len() as i64),
            sha256: Set(hex::encode(Sha256::digest(&upload.bytes))),
            storage_key: Set(key.clone()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append_in(&txn, journal.as_slice()).await?;
        txn.commit().await?;
        Ok::<_, DbErr>(row)
    }
    .await;
    match row {
        Ok(row) => Ok(row.into()),
        Err(e) => {
            // Nothing half-written: no file without its row.
            let _ = crate::files::delete(platform, tenant.slug(), &key_of(&key)).await;
            Err(e)
        }
    }
}

/// The citizen's documents, newest first.
pub async fn list_for_citizen(tenant: &Tenant, citizen_id: i64) -> Result<Vec<Document>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = document::Entity::find()
        .filter(document::Column::CitizenId.eq(citizen_id))
        .order_by_desc(document::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(Document::from).collect())
}

/// The citizen's documents described ("avis.pdf (PDF, 12 Ko, …)"), by id.
pub async fn labels_for_citizen(
    tenant: &Tenant,
    citizen_id: i64,
) -> Result<std::collections::HashMap<i64, String>, DbErr> {
    Ok(list_for_citizen(tenant, citizen_id)
        .await?
        .into_iter()
        .map(|d| (d.id, d.label()))
        .collect())
}

/// One document, whoever it belongs to (callers check the right to see it).
pub async fn find(tenant: &Tenant, id: i64) -> Result<Option<Document>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = document::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    Ok(row.map(Document::from))
}

/// A document's bytes.
pub async fn read(platform: &Platform, tenant: &Tenant, doc: &Document) -> Result<Vec<u8>, DbErr> {
    crate::files::read(platform, tenant.slug(), &key_of(&doc.storage_key))
        .await
        .map_err(|e| DbErr::Custom(format!("document read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(name: &str, declared: &str, bytes: &[u8]) -> Upload {
        Upload {
            field: "f1".into(),
            filename: name.into(),
            declared_type: declared.into(),
            bytes: bytes.to_vec(),
        }
    }

    const PDF: &[u8] = b"%PDF-1.4\n%test\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn real_types_are_accepted() {
        assert_eq!(
            check(&upload("avis.pdf", "application/pdf", PDF)),
            Ok("application/pdf")
        );
        assert_eq!(
            check(&upload("photo.PNG", "image/png", PNG)),
            Ok("image/png")
        );
        assert_eq!(
            check(&upload("sans-extension", "", PDF)),
            Ok("application/pdf")
        );
    }

    #[test]
    fn mislabelled_empty_oversized_and_foreign_files_are_refused() {
        assert!(
            check(&upload("avis.pdf", "image/png", PDF))
                .unwrap_err()
                .contains("contient un PDF")
        );
        assert!(
            check(&upload("photo.jpg", "image/jpeg", PNG))
                .unwrap_err()
                .contains("contient un image PNG")
        );
        assert!(
            check(&upload("vide.pdf", "application/pdf", b""))
                .unwrap_err()
                .contains("vide")
        );
        assert!(
            check(&upload("script.pdf", "application/pdf", b"#!/bin/sh\necho"))
                .unwrap_err()
                .contains("ni un PDF")
        );
        let mut big = PDF.to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        assert!(
            check(&upload("gros.pdf", "application/pdf", &big))
                .unwrap_err()
                .contains("5 Mo au plus")
        );
    }

    /// The browser holds back a file only where this check refuses it, with the same words.
    #[test]
    fn the_browser_refuses_only_what_the_server_refuses() {
        let mut big = PDF.to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        let cases: [(&str, &str, &[u8]); 7] = [
            ("avis.pdf", "application/pdf", PDF),
            ("scan", "", PNG),
            ("photo.png", "application/octet-stream", PNG),
            ("vide.pdf", "application/pdf", b""),
            ("gros.pdf", "application/pdf", &big),
            ("notes.txt", "text/plain", b"des notes"),
            ("page.html", "text/html", b"<html></html>"),
        ];
        for (name, declared, bytes) in cases {
            let early = app::validation::check_file(name, declared, bytes.len() as u64);
            match (early, check(&upload(name, declared, bytes))) {
                (Some(early), Err(server)) => assert_eq!(early, server, "{name}"),
                (Some(early), Ok(_)) => {
                    panic!("{name}: the browser refuses ({early}), not the server")
                }
                (None, _) => {}
            }
        }
    }
}
