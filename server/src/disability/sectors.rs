//! The teams files are routed to: each team takes the postcodes (or their beginnings) of its
//! sector, for the children's pole, the adults' or both. The department's administrator
//! writes them one per line; filing routes the file to the team whose postcode matches
//! longest (a team of the file's own pole before one for both), and reception's list filters
//! by team.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use tenants::Tenant;

use super::files::Status;
use super::rights::Pole;
use crate::entity::{disability_file, disability_sector};

/// At most this many teams.
pub const MAX_SECTORS: usize = 200;

/// A team and what it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sector {
    pub name: String,
    /// `None`: both poles.
    pub pole: Option<Pole>,
    pub prefixes: Vec<String>,
}

fn pole_word(pole: Option<Pole>) -> &'static str {
    match pole {
        Some(Pole::Child) => "enfants",
        Some(Pole::Adult) => "adultes",
        None => "tous",
    }
}

/// The sectors as the administrator writes them: one per line, « name ; pole ; postcodes ».
pub fn write(sectors: &[Sector]) -> String {
    sectors
        .iter()
        .map(|s| {
            format!(
                "{} ; {} ; {}",
                s.name,
                pole_word(s.pole),
                s.prefixes.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the lines; the first wrong one is named, with what to write.
pub fn parse(text: &str) -> Result<Vec<Sector>, String> {
    let mut sectors: Vec<Sector> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = n + 1;
        let parts: Vec<&str> = line.split(';').map(str::trim).collect();
        let [name, pole, postcodes] = parts[..] else {
            return Err(format!(
                "Ligne {at} : écrivez le nom de l'équipe, le pôle et les codes postaux, séparés par des points-virgules, comme « Équipe Nîmes ; adultes ; 30000, 301 »."
            ));
        };
        if name.is_empty() || name.chars().count() > 80 {
            return Err(format!(
                "Ligne {at} : le nom de l'équipe tient en 1 à 80 caractères."
            ));
        }
        let pole = match pole.to_lowercase().as_str() {
            "enfants" => Some(Pole::Child),
            "adultes" => Some(Pole::Adult),
            "tous" => None,
            _ => {
                return Err(format!(
                    "Ligne {at} : le pôle s'écrit « enfants », « adultes » ou « tous »."
                ));
            }
        };
        let prefixes: Vec<String> = postcodes
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if prefixes.is_empty() {
            return Err(format!(
                "Ligne {at} : indiquez au moins un code postal ou son début (2 à 5 chiffres)."
            ));
        }
        if let Some(wrong) = prefixes
            .iter()
            .find(|p| !(2..=5).contains(&p.len()) || !p.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(format!(
                "Ligne {at} : « {wrong} » n'est pas un code postal ni son début : écrivez de 2 à 5 chiffres."
            ));
        }
        for prefix in &prefixes {
            if let Some(other) = sectors
                .iter()
                .find(|s| s.pole == pole && s.prefixes.contains(prefix))
            {
                return Err(format!(
                    "Ligne {at} : le code {prefix} ({}) est déjà pris par « {} » : un code va à une seule équipe par pôle.",
                    pole_word(pole),
                    other.name
                ));
            }
        }
        sectors.push(Sector {
            name: name.to_owned(),
            pole,
            prefixes,
        });
    }
    if sectors.len() > MAX_SECTORS {
        return Err(format!(
            "{MAX_SECTORS} équipes au plus : regroupez des secteurs."
        ));
    }
    Ok(sectors)
}

/// The team a file of this postcode and pole goes to: the longest matching beginning, a team
/// of the pole itself before one for both.
pub fn route<'a>(sectors: &'a [Sector], postcode: &str, pole: Pole) -> Option<&'a str> {
    sectors
        .iter()
        .filter(|s| s.pole.is_none_or(|p| p == pole))
        .flat_map(|s| {
            s.prefixes
                .iter()
                .filter(|p| postcode.starts_with(p.as_str()))
                .map(move |p| ((p.len(), s.pole.is_some()), s.name.as_str()))
        })
        .max_by_key(|(rank, _)| *rank)
        .map(|(_, name)| name)
}

fn from_row(row: disability_sector::Model) -> Sector {
    Sector {
        name: row.name,
        pole: Pole::parse(&row.pole),
        prefixes: row
            .postcodes
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

/// The sectors, in the order written.
pub async fn read_in(db: &impl ConnectionTrait) -> Result<Vec<Sector>, DbErr> {
    Ok(disability_sector::Entity::find()
        .order_by_asc(disability_sector::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect())
}

pub async fn read(tenant: &Tenant) -> Result<Vec<Sector>, DbErr> {
    let txn = tenant.db().begin().await?;
    let sectors = read_in(&txn).await?;
    txn.commit().await?;
    Ok(sectors)
}

/// Replaces the sectors, journaled in the administrator's name; open files without a team
/// are routed by the new ones. Returns how many were routed.
pub async fn save(
    tenant: &Tenant,
    sectors: &[Sector],
    by: &crate::staff::StaffAccount,
) -> Result<usize, DbErr> {
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    disability_sector::Entity::delete_many().exec(&txn).await?;
    for s in sectors {
        disability_sector::ActiveModel {
            name: Set(s.name.clone()),
            pole: Set(s.pole.map_or("any", Pole::id).into()),
            postcodes: Set(s.prefixes.join(",")),
            updated_by_name: Set(by.display_name.clone()),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let unrouted = disability_file::Entity::find()
        .filter(disability_file::Column::Sector.is_null())
        .filter(disability_file::Column::Status.is_in([
            Status::Filed.id(),
            Status::WaitingPieces.id(),
            Status::Complete.id(),
        ]))
        .all(&txn)
        .await?;
    let mut routed = 0;
    for row in unrouted {
        let file = super::files::File::from_row(row);
        let Some(team) = team_of(sectors, &file) else {
            continue;
        };
        disability_file::Entity::update_many()
            .col_expr(
                disability_file::Column::Sector,
                sea_orm::sea_query::Expr::value(team),
            )
            .filter(disability_file::Column::Id.eq(file.id()))
            .exec(&txn)
            .await?;
        routed += 1;
    }
    let entry = crate::staff::desk::event(
        by,
        "modification des secteurs de la MDPH",
        &format!(
            "{} équipe(s), {routed} dossier(s) orienté(s)",
            sectors.len()
        ),
        "",
        None,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(routed)
}

/// The team a filed file goes to, from its postcode and pole.
pub fn team_of(sectors: &[Sector], file: &super::files::File) -> Option<String> {
    let postcode = file.facts().postcode?;
    let pole = file.row.pole.as_deref().and_then(Pole::parse)?;
    route(sectors, &postcode, pole).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_and_wrong_ones_named() {
        let sectors = parse(
            "Équipe Nîmes ; adultes ; 30000, 30900\n\nÉquipe enfance ; enfants ; 30\nÉquipe Alès ; tous ; 301, 305",
        )
        .unwrap();
        assert_eq!(sectors.len(), 3);
        assert_eq!(parse(&write(&sectors)).unwrap(), sectors);
        let wrong = |text: &str| parse(text).unwrap_err();
        assert!(wrong("Nîmes ; adultes").contains("Ligne 1"));
        assert!(wrong("A ; jeunes ; 30").contains("« enfants »"));
        assert!(wrong("A ; tous ; 3").contains("« 3 »"));
        assert!(wrong("A ; tous ; 30a00").contains("30a00"));
        assert!(wrong("A ; adultes ; 30\nB ; adultes ; 30").contains("Ligne 2"));
        assert!(parse("A ; adultes ; 30\nB ; enfants ; 30").is_ok());
    }

    #[test]
    fn the_longest_beginning_of_the_pole_wins() {
        let sectors = parse(
            "Gard adultes ; adultes ; 30\nAlès ; tous ; 301\nAlès enfants ; enfants ; 301\nNîmes centre ; adultes ; 30000",
        )
        .unwrap();
        assert_eq!(route(&sectors, "30000", Pole::Adult), Some("Nîmes centre"));
        assert_eq!(route(&sectors, "30100", Pole::Adult), Some("Alès"));
        assert_eq!(route(&sectors, "30100", Pole::Child), Some("Alès enfants"));
        assert_eq!(route(&sectors, "30900", Pole::Adult), Some("Gard adultes"));
        assert_eq!(route(&sectors, "30900", Pole::Child), None);
        assert_eq!(route(&sectors, "34000", Pole::Adult), None);
    }
}
