//! The right of access: everything the department holds on a citizen, gathered for them to
//! read (a page) and to take away (JSON). Everything is read through functions that take the
//! citizen's id, so nothing of anyone else's can slip in.

use chrono::Utc;
use sea_orm::DbErr;
use serde::Serialize;
use tenants::Tenant;

use super::{appointments, contacts_of, messages};
use crate::aid_requests::{catalogue, filing};
use crate::citizens::Citizen;
use crate::modules::section;
use crate::national::{consent, pull};
use crate::{audit, documents};

/// One part of the file: "Vos demandes", "Vos messages"…
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub title: String,
    pub items: Vec<Item>,
}

/// One thing held, with its facts as label and value.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub heading: String,
    pub lines: Vec<(String, String)>,
}

fn line(label: &str, value: impl Into<String>) -> (String, String) {
    (label.to_owned(), value.into())
}

fn date(at: chrono::DateTime<Utc>) -> String {
    at.format("%d/%m/%Y %H:%M").to_string()
}

/// The citizen's whole file, part by part.
pub async fn gather(tenant: &Tenant, citizen: &Citizen) -> Result<Vec<Section>, DbErr> {
    let id = citizen.id;
    Ok(vec![
        identity(tenant, citizen).await?,
        aid_requests(tenant, id).await?,
        documents_of(tenant, id).await?,
        consents(tenant, id).await?,
        facts(tenant, id).await?,
        contacts(tenant, id).await?,
        messages_of(tenant, id).await?,
        appointments_of(tenant, id).await?,
        mandates_of(tenant, id).await?,
        journal(tenant, id).await?,
        calls(tenant, id).await?,
    ])
}

/// Who the department knows them as, with contact details and household.
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
        line("Date de naissance", &citizen.birthdate),
        line("Sexe", &citizen.gender),
        line("Commune de naissance (code INSEE)", &citizen.birthplace),
        line("Pays de naissance (code INSEE)", &citizen.birthcountry),
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

/// Their requests, each with its answers.
async fn aid_requests(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    let mut items = Vec::new();
    for (request, title) in filing::list_for_citizen(tenant, id).await? {
        let form = catalogue::form(tenant, request.aid_id, request.form_version)
            .await?
            .unwrap_or_default();
        let mut lines = vec![line("État", request.status.label())];
        if let Some(at) = request.submitted_at {
            lines.push(line("Déposée le", date(at)));
        }
        for (key, answer) in &request.answers {
            let label = form
                .fields
                .iter()
                .find(|f| &f.key == key)
                .map_or_else(|| key.clone(), |f| f.label.clone());
            lines.push((label, answer.display()));
        }
        items.push(Item {
            heading: match request.reference {
                Some(reference) => format!("{title} — demande {reference}"),
                None => format!("{title} — brouillon"),
            },
            lines,
        });
    }
    Ok(Section {
        title: section::AID_REQUESTS.into(),
        items,
    })
}

/// The documents they sent.
async fn documents_of(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::DOCUMENTS.into(),
        items: documents::list_for_citizen(tenant, id)
            .await?
            .into_iter()
            .map(|d| Item {
                heading: d.label(),
                lines: vec![line("Type", &d.content_type)],
            })
            .collect(),
    })
}

/// Their consents to national data.
async fn consents(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    let now = Utc::now();
    Ok(Section {
        title: section::CONSENTS.into(),
        items: consent::list_for_citizen(tenant, id)
            .await?
            .into_iter()
            .map(|c| Item {
                heading: c.source.label().to_owned(),
                lines: vec![
                    line("Donné le", date(c.given_at)),
                    line("Comment", c.how()),
                    line("État", c.state(now)),
                ],
            })
            .collect(),
    })
}

/// What the administrations sent, with its provenance.
async fn facts(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::FACTS.into(),
        items: pull::for_citizen(tenant, id)
            .await?
            .into_iter()
            .filter_map(|(p, fact)| fact.map(|f| (p, f)))
            .map(|(_, fact)| Item {
                heading: fact.source.label().to_owned(),
                lines: vec![
                    line("Source", fact.provenance()),
                    line("Contenu", fact.data.to_string()),
                ],
            })
            .collect(),
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

/// Every staff read or change of their file.
async fn journal(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::JOURNAL.into(),
        items: audit::for_citizen(tenant, id, 10_000)
            .await?
            .into_iter()
            .map(|e| Item {
                heading: date(e.at),
                lines: vec![
                    line(
                        "Service",
                        tenants::Module::parse(&e.module).map_or("Département", |m| m.label()),
                    ),
                    line(
                        "Rôle",
                        e.actor_role
                            .split(',')
                            .filter_map(|r| crate::staff::Role::parse(r).ok())
                            .map(crate::staff::Role::label)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    line("Ce qui a été fait", super::sentence(&e.action)),
                    line("Motif", super::sentence(&e.reason)),
                ],
            })
            .collect(),
    })
}

/// The calls made in their name to the administrations.
async fn calls(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::CALLS.into(),
        items: pull::calls_for_citizen(tenant, id)
            .await?
            .into_iter()
            .map(|c| Item {
                heading: date(c.at),
                lines: vec![
                    line("Information", c.source.label()),
                    line("Pourquoi", c.requested_by.label()),
                    line("Résultat", c.outcome),
                ],
            })
            .collect(),
    })
}
