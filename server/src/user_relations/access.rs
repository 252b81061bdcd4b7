//! User relations' part of the right of access (who the citizen is, their contacts, messages,
//! appointments and mandates); `modules::right_of_access` gathers every part's for the
//! citizen to read (a page) and take away (JSON). Everything is read through functions that
//! take the citizen's id, so nothing of anyone else's can slip in.

use sea_orm::DbErr;
use tenants::Tenant;

use super::{appointments, contacts_of, messages};
use crate::citizens::Citizen;
use crate::citizens::file::{Item, Section, Sections, date, line};
use crate::modules::{Boxed, section};

/// User relations' sections of the right of access (`modules::Part::access`).
pub fn sections<'a>(tenant: &'a Tenant, citizen: &'a Citizen) -> Boxed<'a, Sections> {
    Box::pin(async move {
        let id = citizen.id;
        Ok(vec![
            identity(tenant, citizen).await?,
            contacts(tenant, id).await?,
            messages_of(tenant, id).await?,
            appointments_of(tenant, id).await?,
            mandates_of(tenant, id).await?,
            wider_accesses_of(tenant, id).await?,
        ])
    })
}

/// Who the department knows them as, with contact details and household.
/// A place's name and code, or nothing when none was given.
fn place_or_empty(code: &str, named: fn(&str) -> String) -> String {
    if code.is_empty() {
        String::new()
    } else {
        named(code)
    }
}

async fn identity(tenant: &Tenant, citizen: &Citizen) -> Result<Section, DbErr> {
    let id = citizen.id;
    let mut identity = vec![
        line("Nom de naissance", &citizen.family_name),
        line("Prénoms", &citizen.given_name),
    ];
    if !citizen.preferred_username.is_empty() {
        identity.push(line("Nom d'usage", &citizen.preferred_username));
    }
    identity.extend([
        line(
            "Date de naissance",
            crate::http::citizen::french_date(&citizen.birthdate),
        ),
        line("Sexe", crate::http::citizen::gender_label(&citizen.gender)),
        line(
            "Commune de naissance",
            place_or_empty(&citizen.birthplace, crate::cog::commune_with_code),
        ),
        line(
            "Pays de naissance",
            place_or_empty(&citizen.birthcountry, crate::cog::country_with_code),
        ),
        line("Adresse électronique", &citizen.email),
        line(
            "Identité vérifiée par FranceConnect",
            if citizen.via_franceconnect {
                "oui"
            } else {
                "non"
            },
        ),
    ]);
    if let Some(d) = super::details::of(tenant, id).await? {
        identity.extend([
            line("Téléphone", d.phone),
            line("Adresse postale", d.postal_address),
            line("Préfère être contacté par", d.preferred.label()),
        ]);
    }
    for m in super::details::household(tenant, id).await? {
        identity.push(line(
            &format!("Foyer : {}", m.relation),
            format!(
                "{} {}{}",
                m.given_name,
                m.family_name,
                m.birth_year
                    .map(|y| format!(", née ou né en {y}"))
                    .unwrap_or_default()
            ),
        ));
    }
    Ok(Section {
        title: section::IDENTITY.into(),
        items: vec![Item {
            heading: citizen.display_name(),
            lines: identity,
        }],
    })
}

/// Their contacts with the department.
async fn contacts(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::CONTACTS.into(),
        items: contacts_of(tenant, id)
            .await?
            .into_iter()
            .map(|c| Item {
                heading: format!("{} — {}", c.day.format("%d/%m/%Y"), c.channel.label()),
                lines: vec![line("Objet", c.subject), line("Note de l'agent", c.note)],
            })
            .collect(),
    })
}

/// Their threads with the department, message by message.
async fn messages_of(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    let mut items = Vec::new();
    for thread in messages::threads_of(tenant, id).await? {
        let Some((thread, list)) = messages::read(tenant, thread.id, Some(id)).await? else {
            continue;
        };
        items.push(Item {
            heading: thread.subject,
            lines: list
                .into_iter()
                .map(|m| {
                    let who = match m.author {
                        messages::Author::Citizen => "Vous",
                        messages::Author::Staff(_) => "Le département",
                    };
                    (format!("{who}, le {}", date(m.created_at)), m.body)
                })
                .collect(),
        });
    }
    Ok(Section {
        title: section::MESSAGES.into(),
        items,
    })
}

/// Their appointments.
async fn appointments_of(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::APPOINTMENTS.into(),
        items: appointments::of_citizen(tenant, id)
            .await?
            .into_iter()
            .map(|a| Item {
                heading: a.slot.when(),
                lines: vec![
                    line("Service", a.slot.service),
                    line("Lieu", a.slot.place),
                    line("État", a.state.label()),
                ],
            })
            .collect(),
    })
}

/// The mandates they gave reception.
async fn mandates_of(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    let today = super::mandates::today();
    Ok(Section {
        title: section::MANDATES.into(),
        items: super::mandates::of_citizen(tenant, &[id])
            .await?
            .into_iter()
            .map(|m| Item {
                heading: format!("Mandat n° {} pour {}", m.id, m.scope()),
                lines: vec![
                    line(
                        "Enregistré",
                        format!("le {} par {}", m.recorded_on(), m.staff_name),
                    ),
                    line("Valable jusqu'au", m.until()),
                    line("État", m.state(today).label()),
                ],
            })
            .collect(),
    })
}

/// The wider accesses other services opened to their record, and why.
async fn wider_accesses_of(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::WIDER_ACCESSES.into(),
        items: super::wider_access::of_citizen(tenant, id)
            .await?
            .into_iter()
            .map(|g| Item {
                heading: format!("{}, le {}", g.module.label(), date(g.granted_at)),
                lines: vec![
                    line("Motif", g.reason),
                    line("Jusqu'au", date(g.until)),
                    line(
                        "Fin anticipée",
                        g.ended_at
                            .map(|at| format!("le {}", date(at)))
                            .unwrap_or_else(|| "non".into()),
                    ),
                ],
            })
            .collect(),
    })
}
