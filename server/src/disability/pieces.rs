//! The pieces of a file: the four the law requires (the medical certificate CERFA 15695*01
//! under one year old, an identity document, a proof of address, and the court's decision
//! under legal protection) and any other useful one. The certificate and the other medical
//! pieces go to the medical compartment only, sealed (`medical`); the others are the person's
//! documents, re-usable elsewhere. Staff never delete a piece; a rejected one keeps its reason.

use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use tenants::{Platform, Tenant};

use super::files::{DraftError, File, FiledBy, Status};
use super::medical::{self, Vault};
use crate::documents::{self, Upload};
use crate::entity::disability_piece;
use crate::staff::second_factor::SealKey;

/// What a piece is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PieceKind {
    Certificate,
    Identity,
    Address,
    CourtDecision,
    Medical,
    Other,
}

impl PieceKind {
    pub const ALL: [PieceKind; 6] = [
        PieceKind::Certificate,
        PieceKind::Identity,
        PieceKind::Address,
        PieceKind::CourtDecision,
        PieceKind::Medical,
        PieceKind::Other,
    ];

    pub fn id(self) -> &'static str {
        match self {
            PieceKind::Certificate => "certificate",
            PieceKind::Identity => "identity",
            PieceKind::Address => "address",
            PieceKind::CourtDecision => "court_decision",
            PieceKind::Medical => "medical",
            PieceKind::Other => "other",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        PieceKind::ALL.into_iter().find(|k| k.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            PieceKind::Certificate => "Certificat médical (CERFA 15695*01) de moins d'un an",
            PieceKind::Identity => {
                "Pièce d'identité recto verso (de la personne et de son représentant)"
            }
            PieceKind::Address => "Justificatif de domicile de moins de 3 mois",
            PieceKind::CourtDecision => "Jugement de la mesure de protection juridique",
            PieceKind::Medical => "Autre pièce médicale (compte rendu, bilan, audiogramme…)",
            PieceKind::Other => "Autre pièce utile",
        }
    }

    /// Sent « sous pli confidentiel »: to the medical compartment only.
    pub fn is_medical(self) -> bool {
        matches!(self, PieceKind::Certificate | PieceKind::Medical)
    }
}

/// A piece's state after reception looked at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PieceStatus {
    Received,
    Accepted,
    Rejected,
}

impl PieceStatus {
    pub fn id(self) -> &'static str {
        match self {
            PieceStatus::Received => "received",
            PieceStatus::Accepted => "accepted",
            PieceStatus::Rejected => "rejected",
        }
    }

    pub fn parse(id: &str) -> Self {
        match id {
            "accepted" => PieceStatus::Accepted,
            "rejected" => PieceStatus::Rejected,
            _ => PieceStatus::Received,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PieceStatus::Received => "Reçue, à vérifier",
            PieceStatus::Accepted => "Acceptée",
            PieceStatus::Rejected => "Refusée",
        }
    }
}

/// The medical certificate's own details, as typed on sending it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub dated: NaiveDate,
    pub rpps: String,
}

/// The longest a certificate may be on the day it is received (R146-26 CASF).
pub const CERTIFICATE_MONTHS: u32 = 12;

/// Whether a certificate of `dated` is under one year old on `day`.
pub fn certificate_valid_on(dated: NaiveDate, day: NaiveDate) -> bool {
    dated <= day
        && day
            .checked_sub_months(Months::new(CERTIFICATE_MONTHS))
            .is_some_and(|limit| dated > limit)
}

impl Certificate {
    /// The date and RPPS number as typed, checked on `today`: (field, message) when wrong.
    pub fn read(
        dated: &str,
        rpps: &str,
        today: NaiveDate,
    ) -> Result<Self, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let dated = match crate::dates::parse_day(dated) {
            Some(d) if d > today => {
                errors.push((
                    "date_certificat",
                    "La date du certificat est dans l'avenir : recopiez la date écrite par le médecin.".into(),
                ));
                None
            }
            Some(d) if !certificate_valid_on(d, today) => {
                errors.push((
                    "date_certificat",
                    format!(
                        "Ce certificat date du {} : il a plus d'un an. Demandez à votre médecin un certificat récent (CERFA 15695*01).",
                        crate::dates::on(d)
                    ),
                ));
                None
            }
            Some(d) => Some(d),
            None => {
                errors.push((
                    "date_certificat",
                    "Indiquez la date du certificat, écrite par le médecin en dernière page (par exemple 14/09/2026).".into(),
                ));
                None
            }
        };
        let rpps: String = rpps.chars().filter(|c| !c.is_whitespace()).collect();
        if rpps.len() != 11 || !rpps.chars().all(|c| c.is_ascii_digit()) {
            errors.push((
                "rpps",
                "Le numéro RPPS du médecin compte 11 chiffres : il figure près de sa signature ou sur son ordonnance.".into(),
            ));
        }
        match (dated, errors.is_empty()) {
            (Some(dated), true) => Ok(Self { dated, rpps }),
            _ => Err(errors),
        }
    }
}

/// The pieces of a file, oldest first.
pub async fn of_file(tenant: &Tenant, file_id: i64) -> Result<Vec<disability_piece::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = disability_piece::Entity::find()
        .filter(disability_piece::Column::FileId.eq(file_id))
        .order_by_asc(disability_piece::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// The mandatory kinds of piece a file still lacks: none sent, only refused ones, or a
/// certificate that was over a year old when it came.
pub fn missing(file: &File, pieces: &[disability_piece::Model]) -> Vec<PieceKind> {
    let mut required = vec![
        PieceKind::Certificate,
        PieceKind::Identity,
        PieceKind::Address,
    ];
    if file.facts().protected {
        required.push(PieceKind::CourtDecision);
    }
    required
        .into_iter()
        .filter(|kind| {
            !pieces.iter().any(|p| {
                p.kind == kind.id()
                    && PieceStatus::parse(&p.status) != PieceStatus::Rejected
                    && (*kind != PieceKind::Certificate
                        || p.certificate_date.is_some_and(|d| {
                            certificate_valid_on(d, crate::dates::day_of(p.created_at))
                        }))
            })
        })
        .collect()
}

/// Why a piece was not kept: (field, message in French).
pub type Refusal = (&'static str, String);

/// Keeps a piece the person (or reception under a mandate) sends for the file: sealed in the
/// medical compartment for a medical one, among the person's documents otherwise.
pub async fn add(
    (platform, seal): (&Platform, &SealKey),
    tenant: &Tenant,
    (file, by): (&File, FiledBy<'_>),
    (kind, certificate): (PieceKind, Option<Certificate>),
    upload: &Upload,
    now: DateTime<Utc>,
) -> Result<Result<i64, Refusal>, DraftError> {
    if !matches!(
        file.status(),
        Status::Draft | Status::Filed | Status::WaitingPieces
    ) {
        return Ok(Err((
            "fichier",
            "Ce dossier n'attend plus de pièce : pour une situation nouvelle, faites une nouvelle demande.".into(),
        )));
    }
    let mime = match documents::check(upload) {
        Ok(mime) => mime,
        Err(message) => return Ok(Err(("fichier", message))),
    };
    let row = disability_piece::ActiveModel {
        file_id: Set(file.id()),
        citizen_id: Set(file.row.citizen_id),
        kind: Set(kind.id().into()),
        medical: Set(kind.is_medical()),
        content_type: Set(mime.to_owned()),
        size: Set(upload.bytes.len() as i64),
        certificate_date: Set(certificate.as_ref().map(|c| c.dated)),
        rpps: Set(certificate.map(|c| c.rpps)),
        status: Set(PieceStatus::Received.id().into()),
        created_at: Set(now),
        ..Default::default()
    };
    if !kind.is_medical() {
        let document =
            documents::save(platform, tenant, file.row.citizen_id, upload, mime, None).await?;
        let txn = tenant.db().begin_write().await?;
        // A mandate revoked since the page was read: the document stays the person's own,
        // unattached (as aid requests' uploads), and the piece is not written.
        by.hold(&txn, file.row.citizen_id).await?;
        let row = disability_piece::ActiveModel {
            document_id: Set(Some(document.id)),
            ..row
        }
        .insert(&txn)
        .await?;
        by.journal_in(&txn, &received(kind), file).await?;
        txn.commit().await?;
        return Ok(Ok(row.id));
    }
    let vault = Vault::of(seal, tenant).await?;
    let key = medical::put(platform, tenant, &vault, &upload.bytes).await?;
    let written = async {
        let txn = tenant.db().begin_write().await?;
        by.hold(&txn, file.row.citizen_id).await?;
        let row = disability_piece::ActiveModel {
            sealed_name: Set(Some(vault.seal_text(&upload.filename, &name_context(&key)))),
            sealed_key: Set(Some(key.clone())),
            ..row
        }
        .insert(&txn)
        .await?;
        by.journal_in(&txn, &received(kind), file).await?;
        txn.commit().await?;
        Ok::<_, DraftError>(row.id)
    }
    .await;
    match written {
        Ok(id) => Ok(Ok(id)),
        Err(e) => {
            // Nothing half-written: no sealed bytes without their row.
            medical::discard(platform, tenant, &key).await;
            Err(e)
        }
    }
}

/// The journal's words for a piece sent under a mandate.
fn received(kind: PieceKind) -> String {
    format!("envoi d'une pièce — {}", kind.label())
}

/// What binds a sealed piece's name to its bytes' key.
pub fn name_context(key: &str) -> String {
    format!("{key}:name")
}

/// A piece as the whole team sees it: never a medical piece's name or content.
pub fn describe(piece: &disability_piece::Model, document_label: Option<&str>) -> String {
    let size = (piece.size + 1023) / 1024;
    if piece.medical {
        let kind = if piece.content_type == "application/pdf" {
            "PDF"
        } else {
            "image"
        };
        format!("Sous pli confidentiel ({kind}, {size} Ko)")
    } else {
        document_label.map_or_else(|| format!("Document ({size} Ko)"), str::to_owned)
    }
}

/// A medical piece, opened.
pub struct OpenedPiece {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Opens a medical piece for a physician of the team: journaled in the person's access journal
/// as the team's physician's read.
pub async fn open_medical(
    desk: &medical::MedicalDesk<'_, '_>,
    (platform, seal): (&Platform, &SealKey),
    piece: &disability_piece::Model,
) -> Result<OpenedPiece, DbErr> {
    let tenant = desk.desk().tenant();
    let key = piece
        .sealed_key
        .as_deref()
        .ok_or_else(|| DbErr::Custom("a medical piece without sealed bytes".into()))?;
    let vault = Vault::of(seal, tenant).await?;
    let sealed = medical::get_sealed(platform, tenant, key).await?;
    let bytes = vault
        .open(&sealed, key)
        .ok_or_else(|| DbErr::Custom(format!("medical piece {} does not open", piece.id)))?;
    let name = piece
        .sealed_name
        .as_deref()
        .and_then(|n| vault.open_text(n, &name_context(key)))
        .unwrap_or_else(|| "piece-medicale".into());
    let txn = tenant.db().begin_write().await?;
    let entry = desk.event(
        piece.citizen_id,
        "lecture d'une pièce médicale",
        &format!("pièce n° {} du dossier MDPH n° {}", piece.id, piece.file_id),
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(OpenedPiece {
        name,
        content_type: piece.content_type.clone(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_certificate_is_good_for_one_year() {
        let today = day(2026, 12, 4);
        assert!(certificate_valid_on(day(2026, 9, 5), today));
        assert!(certificate_valid_on(day(2025, 12, 5), today));
        assert!(!certificate_valid_on(day(2025, 12, 4), today));
        assert!(!certificate_valid_on(day(2026, 12, 5), today));
    }

    #[test]
    fn an_old_certificate_or_a_short_rpps_is_said() {
        let today = day(2026, 12, 4);
        assert_eq!(
            Certificate::read("2026-09-05", "100 000 000 00", today),
            Ok(Certificate {
                dated: day(2026, 9, 5),
                rpps: "10000000000".into()
            })
        );
        let errors = Certificate::read("04/11/2025", "1234", today).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors[0].1.contains("plus d'un an"), "{errors:?}");
        assert!(errors[1].1.contains("11 chiffres"));
        assert!(Certificate::read("", "10000000000", today).is_err());
    }
}
