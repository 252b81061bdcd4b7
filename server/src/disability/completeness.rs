//! Reception checks that a filed file is complete (« recevabilité »): it looks at each piece
//! (accepted, or refused with a reason the person reads), then either acknowledges the file —
//! the completeness date starts the 4-month clock after which the committee's silence means
//! refusal (R241-33 CASF) — or asks for what is missing with a deadline. Past the deadline,
//! with pieces still missing, reception declares the file « irrecevable » with a letter.
//! Each step is journaled in the person's access journal and told to them by mail.

use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};

use super::Desk;
use super::files::{File, Status};
use super::pieces::{self, PieceKind, PieceStatus};
use crate::entity::{disability_file, disability_piece, disability_request};
use crate::listing::{self, PageAt};
use crate::mail::{self, OutgoingMail};

/// The months after completeness when the committee's silence means refusal.
pub const DECISION_MONTHS: u32 = 4;
/// The longest deadline reception may give for missing pieces.
pub const LONGEST_DEADLINE_MONTHS: u32 = 3;
/// The longest reason for refusing a piece, or message with a request for pieces.
pub const TEXT_MAX: usize = 1000;
/// Files per page of reception's list.
pub const LIST_PAGE: u64 = 50;

pub use super::Refused;

fn step(message: impl Into<String>) -> Refused {
    Refused::Step(message.into())
}

/// A filed file of the department (a draft is the person's own: not found).
pub async fn find(desk: &Desk<'_>, id: i64) -> Result<Option<File>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let row = disability_file::Entity::find_by_id(id)
        .filter(disability_file::Column::Status.ne(Status::Draft.id()))
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(row.map(File::from_row))
}

/// Reads the file for a change, in the change's transaction.
async fn file_in(txn: &DatabaseTransaction, id: i64) -> Result<File, Refused> {
    disability_file::Entity::find_by_id(id)
        .filter(disability_file::Column::Status.ne(Status::Draft.id()))
        .one(txn)
        .await?
        .map(File::from_row)
        .ok_or_else(|| step("Ce dossier n'existe pas dans ce département."))
}

fn waiting_for_reception(file: &File) -> Result<(), Refused> {
    match file.status() {
        Status::Filed | Status::WaitingPieces => Ok(()),
        Status::Complete => Err(step(
            "Ce dossier est déjà complet : sa recevabilité n'est plus à vérifier.",
        )),
        Status::Irrecevable => Err(step("Ce dossier a été déclaré irrecevable.")),
        Status::Decided => Err(step("La commission a déjà décidé sur ce dossier.")),
        Status::Draft => Err(step("Ce dossier n'est pas déposé.")),
    }
}

/// Reception's verdict on a piece.
pub enum Verdict {
    Accept,
    Reject(String),
}

/// Reads a refusal's reason: required, bounded.
pub fn read_reason(reason: &str) -> Result<String, Refused> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Refused::Field(
            "motif",
            "Dites pourquoi la pièce est refusée : la personne lira ce motif pour envoyer la bonne pièce.".into(),
        ));
    }
    if reason.chars().count() > TEXT_MAX {
        return Err(Refused::Field(
            "motif",
            format!("Le motif tient en {TEXT_MAX} caractères au plus."),
        ));
    }
    Ok(reason.to_owned())
}

/// Accepts or refuses a piece of a file waiting for reception.
pub async fn review(desk: &Desk<'_>, piece_id: i64, verdict: Verdict) -> Result<(), Refused> {
    let txn = desk.tenant().db().begin_write().await?;
    let piece = disability_piece::Entity::find_by_id(piece_id)
        .one(&txn)
        .await?
        .ok_or_else(|| step("Cette pièce n'existe pas dans ce département."))?;
    let file = file_in(&txn, piece.file_id).await?;
    waiting_for_reception(&file)?;
    let kind = PieceKind::parse(&piece.kind).map_or("pièce", PieceKind::label);
    let (status, reason, action) = match verdict {
        Verdict::Accept => (PieceStatus::Accepted, None, "pièce acceptée"),
        Verdict::Reject(reason) => (PieceStatus::Rejected, Some(reason), "pièce refusée"),
    };
    let entry = desk.file_event(
        piece.citizen_id,
        action,
        &format!(
            "{kind} (pièce n° {}) du dossier {}",
            piece.id,
            file.reference()
        ),
        super::RECEPTION_REASON,
    );
    let mut active = piece.into_active_model();
    active.status = Set(status.id().into());
    active.reason = Set(reason);
    active.reviewed_by_name = Set(Some(desk.account().display_name.clone()));
    active.reviewed_at = Set(Some(Utc::now()));
    active.update(&txn).await?;
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(())
}

/// Acknowledges a complete file: every mandatory piece there and accepted. The 4-month
/// clock of each request starts on `now`'s day.
pub async fn acknowledge(
    desk: &Desk<'_>,
    id: i64,
    now: DateTime<Utc>,
    to: Option<&str>,
) -> Result<NaiveDate, Refused> {
    let txn = desk.tenant().db().begin_write().await?;
    let file = file_in(&txn, id).await?;
    waiting_for_reception(&file)?;
    let pieces = pieces_in(&txn, id).await?;
    let missing = pieces::missing(&file, &pieces);
    if !missing.is_empty() {
        return Err(step(format!(
            "Il manque encore : {}. Demandez ces pièces à la personne.",
            names(&missing)
        )));
    }
    if pieces
        .iter()
        .any(|p| PieceStatus::parse(&p.status) == PieceStatus::Received)
    {
        return Err(step(
            "Examinez d'abord chaque pièce reçue : acceptez-la ou refusez-la avec un motif.",
        ));
    }
    let complete_on = crate::dates::day_of(now);
    let due_on = complete_on + Months::new(DECISION_MONTHS);
    disability_request::Entity::update_many()
        .col_expr(
            disability_request::Column::DueOn,
            sea_orm::sea_query::Expr::value(due_on),
        )
        .col_expr(
            disability_request::Column::Status,
            sea_orm::sea_query::Expr::value("evaluation"),
        )
        .filter(disability_request::Column::FileId.eq(id))
        .exec(&txn)
        .await?;
    let reference = file.reference();
    let citizen_id = file.row.citizen_id;
    let mut active = file.row.into_active_model();
    active.status = Set(Status::Complete.id().into());
    active.complete_on = Set(Some(complete_on));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let entry = desk.file_event(
        citizen_id,
        "accusé de réception : dossier complet",
        &format!("dossier {reference}"),
        super::RECEPTION_REASON,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    if let Some(to) = to {
        let text = format!(
            "Votre demande {reference} à la maison départementale des personnes handicapées est complète depuis le {}.\n\nL'équipe d'évaluation l'étudie maintenant. La commission des droits et de l'autonomie (CDAPH) doit se prononcer au plus tard le {} ; sans décision à cette date, son silence vaut refus de votre demande, que vous pourrez alors contester.\n\nVous suivez votre demande dans votre espace, rubrique « Mes demandes à la MDPH ».",
            crate::dates::on(complete_on),
            crate::dates::on(due_on),
        );
        queue(
            &txn,
            desk,
            to,
            "Votre demande à la MDPH est complète",
            &text,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(due_on)
}

/// Asks the person for what is missing or was refused, by `deadline`.
pub async fn ask_for_pieces(
    desk: &Desk<'_>,
    id: i64,
    (deadline, message): (NaiveDate, &str),
    now: DateTime<Utc>,
    to: Option<&str>,
) -> Result<(), Refused> {
    let today = crate::dates::day_of(now);
    if deadline <= today {
        return Err(Refused::Field(
            "echeance",
            "La date limite doit être après aujourd'hui : laissez à la personne le temps d'envoyer ses pièces.".into(),
        ));
    }
    if today
        .checked_add_months(Months::new(LONGEST_DEADLINE_MONTHS))
        .is_some_and(|longest| deadline > longest)
    {
        return Err(Refused::Field(
            "echeance",
            format!("La date limite tient dans les {LONGEST_DEADLINE_MONTHS} mois qui viennent."),
        ));
    }
    let message = message.trim();
    if message.chars().count() > TEXT_MAX {
        return Err(Refused::Field(
            "message",
            format!("Le message tient en {TEXT_MAX} caractères au plus."),
        ));
    }
    let txn = desk.tenant().db().begin_write().await?;
    let file = file_in(&txn, id).await?;
    waiting_for_reception(&file)?;
    let pieces = pieces_in(&txn, id).await?;
    let missing = pieces::missing(&file, &pieces);
    let refused: Vec<String> = pieces
        .iter()
        .filter(|p| PieceStatus::parse(&p.status) == PieceStatus::Rejected)
        .map(|p| {
            format!(
                "{} — refusée : {}",
                PieceKind::parse(&p.kind).map_or("Pièce", PieceKind::label),
                p.reason.as_deref().unwrap_or_default()
            )
        })
        .collect();
    if missing.is_empty() && message.is_empty() {
        return Err(step(
            "Aucune pièce obligatoire ne manque : accusez réception du dossier complet, ou écrivez à la personne ce qu'il faut envoyer.",
        ));
    }
    let reference = file.reference();
    let citizen_id = file.row.citizen_id;
    let mut active = file.row.into_active_model();
    active.status = Set(Status::WaitingPieces.id().into());
    active.pieces_asked_at = Set(Some(now));
    active.pieces_deadline = Set(Some(deadline));
    active.pieces_message = Set((!message.is_empty()).then(|| message.to_owned()));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let entry = desk.file_event(
        citizen_id,
        "demande de pièces",
        &format!(
            "dossier {reference}, avant le {}",
            crate::dates::on(deadline)
        ),
        super::RECEPTION_REASON,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    if let Some(to) = to {
        let mut list: Vec<String> = missing.iter().map(|k| format!("- {}", k.label())).collect();
        list.extend(refused.into_iter().map(|r| format!("- {r}")));
        let text = format!(
            "Pour étudier votre demande {reference}, la maison départementale des personnes handicapées a besoin de ces pièces :\n{}\n{}\nEnvoyez-les avant le {} depuis votre espace, rubrique « Mes demandes à la MDPH ». Si vous ne pouvez pas envoyer une pièce, expliquez-le au même endroit. Sans ces pièces à cette date, votre demande sera déclarée irrecevable.",
            list.join("\n"),
            if message.is_empty() {
                String::new()
            } else {
                format!("\n{message}\n")
            },
            crate::dates::on(deadline),
        );
        queue(
            &txn,
            desk,
            to,
            "Votre demande à la MDPH : des pièces manquent",
            &text,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Declares a file irrecevable once its deadline has passed with pieces still missing.
/// Returns the letter (PDF) sent to the person.
pub async fn declare_irrecevable(
    desk: &Desk<'_>,
    id: i64,
    now: DateTime<Utc>,
    to: Option<&str>,
) -> Result<Vec<u8>, Refused> {
    let letterhead = crate::letters::Letterhead::of(desk.tenant()).await?;
    let txn = desk.tenant().db().begin_write().await?;
    let file = file_in(&txn, id).await?;
    let today = crate::dates::day_of(now);
    let deadline = match (file.status(), file.row.pieces_deadline) {
        (Status::WaitingPieces, Some(deadline)) if deadline < today => deadline,
        (Status::WaitingPieces, Some(deadline)) => {
            return Err(step(format!(
                "La personne a jusqu'au {} pour envoyer ses pièces : attendez cette date.",
                crate::dates::on(deadline)
            )));
        }
        _ => {
            return Err(step(
                "Seul un dossier en attente de pièces, dont la date limite est passée, peut être déclaré irrecevable.",
            ));
        }
    };
    let pieces = pieces_in(&txn, id).await?;
    let missing = pieces::missing(&file, &pieces);
    if missing.is_empty() {
        return Err(step(
            "Les pièces obligatoires sont arrivées : examinez-les et accusez réception du dossier complet.",
        ));
    }
    let reference = file.reference();
    let name = file.facts().name;
    let citizen_id = file.row.citizen_id;
    let text = format!(
        "Votre demande {reference}, déposée à la maison départementale des personnes handicapées, est irrecevable : les pièces obligatoires suivantes n'ont pas été reçues avant le {} : {}.\nVous pouvez déposer une nouvelle demande complète à tout moment depuis votre espace.\nSi vous contestez cette décision, vous pouvez former un recours administratif préalable auprès de la maison départementale des personnes handicapées dans les deux mois suivant sa réception.",
        crate::dates::on(deadline),
        names(&missing),
    );
    let pdf = crate::letters::notice_pdf(
        &letterhead,
        &name,
        &crate::dates::on(today),
        &format!("Demande {reference} : irrecevable"),
        &text,
    );
    let mut active = file.row.into_active_model();
    active.status = Set(Status::Irrecevable.id().into());
    active.irrecevable_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    disability_request::Entity::update_many()
        .col_expr(
            disability_request::Column::Status,
            sea_orm::sea_query::Expr::value("irrecevable"),
        )
        .filter(disability_request::Column::FileId.eq(id))
        .exec(&txn)
        .await?;
    let entry = desk.file_event(
        citizen_id,
        "dossier déclaré irrecevable",
        &format!("dossier {reference}"),
        super::RECEPTION_REASON,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    if let Some(to) = to {
        let mail = OutgoingMail {
            to: to.to_owned(),
            subject: "Votre demande à la MDPH est irrecevable".into(),
            text: format!(
                "Bonjour,\n\n{text}\n\nLe courrier est joint à ce message.\n\n{}\n",
                desk.tenant().name()
            ),
            attachments: vec![mail::MailAttachment::new(
                &format!("irrecevabilite-{reference}.pdf"),
                "application/pdf",
                &pdf,
            )],
        };
        mail::queue(&txn, mail).await?;
    }
    txn.commit().await?;
    Ok(pdf)
}

async fn pieces_in(
    txn: &DatabaseTransaction,
    file_id: i64,
) -> Result<Vec<disability_piece::Model>, DbErr> {
    disability_piece::Entity::find()
        .filter(disability_piece::Column::FileId.eq(file_id))
        .order_by_asc(disability_piece::Column::Id)
        .all(txn)
        .await
}

fn names(kinds: &[PieceKind]) -> String {
    kinds
        .iter()
        .map(|k| k.label().to_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn queue(
    txn: &DatabaseTransaction,
    desk: &Desk<'_>,
    to: &str,
    subject: &str,
    text: &str,
) -> Result<(), DbErr> {
    mail::queue(
        txn,
        OutgoingMail {
            to: to.to_owned(),
            subject: subject.to_owned(),
            text: format!("Bonjour,\n\n{text}\n\n{}\n", desk.tenant().name()),
            attachments: vec![],
        },
    )
    .await
    .map(|_| ())
}

/// The person explains why a piece cannot be sent; kept on the file for reception.
pub async fn explain(
    tenant: &tenants::Tenant,
    file: &File,
    text: &str,
) -> Result<Result<(), String>, DbErr> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Err("Écrivez votre explication avant de l'envoyer.".into()));
    }
    if text.chars().count() > TEXT_MAX {
        return Ok(Err(format!(
            "L'explication tient en {TEXT_MAX} caractères au plus."
        )));
    }
    if !matches!(file.status(), Status::Filed | Status::WaitingPieces) {
        return Ok(Err(
            "Ce dossier n'attend plus de pièce : il n'y a rien à expliquer.".into(),
        ));
    }
    let txn = tenant.db().begin_write().await?;
    let row = disability_file::Entity::find_by_id(file.id())
        .one(&txn)
        .await?;
    if let Some(row) = row {
        let mut active = row.into_active_model();
        active.citizen_explanation = Set(Some(text.to_owned()));
        active.updated_at = Set(Utc::now());
        active.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(Ok(()))
}

/// Which team's files a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Team<'a> {
    Any,
    Named(&'a str),
    /// Files no sector matched.
    Without,
}

/// Where a file stands in reception's list: filed first, first; the id where times tie.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FiledKey(pub DateTime<Utc>, pub i64);

impl FiledKey {
    /// As an address carries it.
    pub fn encode(&self) -> String {
        format!(
            "{}~{}",
            self.0.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            self.1
        )
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let (at, id) = raw.rsplit_once('~')?;
        let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
        Some(Self(at, id.parse().ok()?))
    }
}

impl listing::Position for FiledKey {
    fn columns_and_values(&self) -> (Vec<Expr>, Vec<Expr>) {
        (
            vec![
                Expr::col(disability_file::Column::FiledAt),
                Expr::col(disability_file::Column::Id),
            ],
            vec![Expr::value(self.0), Expr::value(self.1)],
        )
    }

    fn ascending(&self) -> bool {
        true
    }
}

/// A page of one stage's files (and team's), the first filed first, from `at`.
pub async fn queue_of(
    desk: &Desk<'_>,
    (status, team): (Status, Team<'_>),
    at: &PageAt<FiledKey>,
) -> Result<listing::Page<File, FiledKey>, DbErr> {
    use disability_file::Column as C;
    let txn = desk.tenant().db().begin().await?;
    let query = disability_file::Entity::find()
        .filter(C::Status.eq(status.id()))
        .filter(C::FiledAt.is_not_null());
    let query = match team {
        Team::Any => query,
        Team::Named(name) => query.filter(C::Sector.eq(name)),
        Team::Without => query.filter(C::Sector.is_null()),
    };
    let page = listing::read(
        &txn,
        vec![query],
        |query, order| {
            query
                .order_by(C::FiledAt, order.clone())
                .order_by(C::Id, order)
        },
        |row: &disability_file::Model| FiledKey(row.filed_at.unwrap_or_default(), row.id),
        at,
        LIST_PAGE,
    )
    .await?;
    txn.commit().await?;
    Ok(listing::Page {
        rows: page.rows.into_iter().map(File::from_row).collect(),
        previous: page.previous,
        next: page.next,
    })
}
