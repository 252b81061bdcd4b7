//! The department's insertion settings, set by its administrator: its own names for the three
//! legal tracks (shown beside the legal name everywhere the track is), and how long an
//! invitation's booking link stays open (10 days unless set).

use app::validation::FieldErrors;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, DbErr, EntityTrait, Set};
use tenants::Tenant;

use super::orientation::Track;
use crate::entity::insertion_setting;

/// Days a booking link stays open unless the department sets it.
pub const BOOKING_DAYS: i32 = 10;
pub const BOOKING_DAYS_RANGE: std::ops::RangeInclusive<i32> = 3..=30;
pub const LABEL_MAX: usize = 80;

/// The settings in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The department's names, by `Track::ALL` order; empty: none.
    pub labels: [String; 3],
    pub booking_days: i32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            labels: Default::default(),
            booking_days: BOOKING_DAYS,
        }
    }
}

fn index(track: Track) -> usize {
    Track::ALL.iter().position(|t| *t == track).unwrap_or(0)
}

impl Settings {
    /// The department's name for `track`, if it gave one.
    pub fn own(&self, track: Track) -> Option<&str> {
        Some(self.labels[index(track)].as_str()).filter(|l| !l.is_empty())
    }

    /// How the track is named: « Cap emploi (parcours professionnel) », or the legal name
    /// alone.
    pub fn label(&self, track: Track) -> String {
        let legal = match track {
            Track::Professional => "parcours professionnel",
            Track::SocioProfessional => "parcours socio-professionnel",
            Track::Social => "parcours social",
        };
        match self.own(track) {
            Some(own) => format!("{own} ({legal})"),
            None => track.label().to_owned(),
        }
    }

    /// Checks the administrator's form; each mistake at its field.
    pub fn parse(labels: [&str; 3], booking_days: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut kept: [String; 3] = Default::default();
        for ((track, typed), slot) in Track::ALL.iter().zip(labels).zip(kept.iter_mut()) {
            let typed = typed.split_whitespace().collect::<Vec<_>>().join(" ");
            if typed.chars().count() > LABEL_MAX {
                errors.add(
                    track.id(),
                    format!("Le nom tient en {LABEL_MAX} caractères au plus."),
                );
            }
            *slot = typed;
        }
        let days = booking_days.trim().parse::<i32>().ok();
        if !days.is_some_and(|d| BOOKING_DAYS_RANGE.contains(&d)) {
            errors.add(
                "booking_days",
                format!(
                    "Indiquez un nombre de jours de {} à {} (par exemple {BOOKING_DAYS}).",
                    BOOKING_DAYS_RANGE.start(),
                    BOOKING_DAYS_RANGE.end()
                ),
            );
        }
        match days {
            Some(booking_days) if errors.is_empty() => Ok(Self {
                labels: kept,
                booking_days,
            }),
            _ => Err(errors),
        }
    }
}

/// The department's settings (the defaults until its administrator sets them).
pub async fn read(tenant: &Tenant) -> Result<Settings, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = insertion_setting::Entity::find_by_id(1).one(&txn).await?;
    txn.commit().await?;
    Ok(row.map_or_else(Settings::default, |r| Settings {
        labels: [
            r.professional_label,
            r.socio_professional_label,
            r.social_label,
        ],
        booking_days: r.booking_days,
    }))
}

/// Saves the settings, journaled in the administrator's name in the same transaction.
pub async fn save(
    tenant: &Tenant,
    settings: &Settings,
    by: &crate::staff::StaffAccount,
) -> Result<(), DbErr> {
    let txn = tenant.db().begin_write().await?;
    let exists = insertion_setting::Entity::find_by_id(1)
        .one(&txn)
        .await?
        .is_some();
    let [professional, socio_professional, social] = settings.labels.clone();
    let row = insertion_setting::ActiveModel {
        id: Set(1),
        professional_label: Set(professional),
        socio_professional_label: Set(socio_professional),
        social_label: Set(social),
        booking_days: Set(settings.booking_days),
        updated_by_name: Set(by.display_name.clone()),
        updated_at: Set(Utc::now()),
    };
    if exists {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    let entry = crate::staff::desk::event(
        by,
        "modification des réglages de l'insertion",
        "noms des parcours et délai des liens de rendez-vous",
        "",
        None,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_department_names_its_tracks_beside_the_legal_names() {
        let settings =
            Settings::parse(["  Cap emploi  ", "", "Accompagnement social"], "14").unwrap();
        assert_eq!(
            settings.label(Track::Professional),
            "Cap emploi (parcours professionnel)"
        );
        assert_eq!(
            settings.label(Track::SocioProfessional),
            "Socio-professionnelle"
        );
        assert_eq!(settings.booking_days, 14);
        let errors = Settings::parse(["x".repeat(81).as_str(), "", ""], "60").unwrap_err();
        assert!(errors.of("professional").is_some());
        assert!(errors.of("booking_days").is_some());
    }
}
