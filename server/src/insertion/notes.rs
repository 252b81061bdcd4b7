//! Follow-up notes: what a referent or officer writes down about a person they follow. Only the
//! module's pages show them (reception and the other modules learn that the person is followed,
//! nothing more); the person reads them in their right of access.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use super::Desk;
use crate::entity::{insertion_note, insertion_person};

/// The longest note kept.
pub const NOTE_MAX: usize = 4000;

/// A note as typed: trimmed, or what is wrong with it in French.
pub fn parse(body: &str) -> Result<String, String> {
    let body = body.trim();
    if body.is_empty() {
        return Err("Écrivez la note avant de l'enregistrer.".into());
    }
    if body.chars().count() > NOTE_MAX {
        return Err(format!(
            "La note tient en {NOTE_MAX} caractères au plus : découpez-la en plusieurs notes."
        ));
    }
    Ok(body.to_owned())
}

/// A person's notes, newest first.
pub async fn of_person(
    desk: &Desk<'_>,
    person_id: i64,
) -> Result<Vec<insertion_note::Model>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let rows = insertion_note::Entity::find()
        .filter(insertion_note::Column::PersonId.eq(person_id))
        .order_by_desc(insertion_note::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// Writes a checked note, journaled in the person's access journal.
pub async fn write(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    body: &str,
) -> Result<i64, DbErr> {
    let txn = desk.tenant().db().begin_write().await?;
    let row = insertion_note::ActiveModel {
        person_id: Set(person.id),
        citizen_id: Set(person.citizen_id),
        body: Set(body.to_owned()),
        author_id: Set(desk.account().id),
        author_name: Set(desk.account().display_name.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = desk.file_event(
        person.citizen_id,
        "note de suivi",
        &format!("personne suivie n° {}", person.id),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(row.id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_note_is_said_and_bounded() {
        assert_eq!(super::parse("  Vu ce jour. ").unwrap(), "Vu ce jour.");
        assert!(super::parse("   ").is_err());
        assert!(super::parse(&"x".repeat(super::NOTE_MAX + 1)).is_err());
    }
}
