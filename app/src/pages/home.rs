use leptos::prelude::*;

use crate::components::{Row, Table};
use crate::layout::{Document, PageContext};

/// One link of a staff member's home: where it leads and what is done there.
#[derive(Clone, Debug)]
pub struct HomeLink {
    pub href: String,
    pub label: String,
    pub description: Option<String>,
}

/// A part of the staff home: a module open to the staff member (with their role in it) or the
/// department's administration, with the links into it.
#[derive(Clone, Debug)]
pub struct HomeSection {
    pub heading: String,
    /// « Votre rôle : … », for a module.
    pub role: Option<String>,
    pub links: Vec<HomeLink>,
}

/// Links as cards, each with what is done there.
#[component]
fn LinkCards(links: Vec<HomeLink>) -> impl IntoView {
    (!links.is_empty()).then(|| {
        view! {
            <ul class="cards">
                {links.into_iter().map(|link| view! {
                    <li class="card">
                        <a href=link.href>{link.label}</a>
                        {link.description.map(|d| view! { <p>{d}</p> })}
                    </li>
                }).collect_view()}
            </ul>
        }
    })
}

/// The staff member's home inside their department: what they can open, by module and role,
/// and nothing they cannot.
#[component]
pub fn DashboardPage(
    ctx: PageContext,
    greeting_name: String,
    sections: Vec<HomeSection>,
    /// Modules the staff member has a role in that are not in service yet.
    coming: Vec<String>,
) -> impl IntoView {
    let account = vec![
        HomeLink {
            href: ctx.href("/agents/securite/double-facteur"),
            label: "Double authentification".into(),
            description: Some("Protéger votre compte par un code de votre téléphone.".into()),
        },
        HomeLink {
            href: ctx.href("/agents/securite/mot-de-passe"),
            label: "Changer votre mot de passe".into(),
            description: None,
        },
    ];
    let nothing = sections.is_empty() && coming.is_empty();
    view! {
        <Document ctx title="Accueil".into()>
            <h1>{format!("Bonjour {greeting_name}")}</h1>
            {nothing.then(|| view! {
                <p>"Aucun module ne vous est encore ouvert. Demandez à l'administrateur de votre département de vous attribuer un rôle."</p>
            })}
            {sections.into_iter().map(|section| view! {
                <section class="home-section">
                    <h2>{section.heading}</h2>
                    {section.role.map(|role| view! { <p class="hint">{format!("Votre rôle : {role}")}</p> })}
                    <LinkCards links=section.links />
                </section>
            }).collect_view()}
            {(!coming.is_empty()).then(|| view! {
                <p>{format!(
                    "Vous avez aussi un rôle dans un module qui n'est pas encore en service : {}. Il apparaîtra ici dès qu'il le sera.",
                    coming.join(", ")
                )}</p>
            })}
            <h2>"Votre compte"</h2>
            <LinkCards links=account />
        </Document>
    }
}

/// A module's figures page: counts, never names or contents, and the ways into its work.
#[component]
pub fn ModulePage(
    ctx: PageContext,
    label: String,
    role: String,
    summary: String,
    /// (what, how many): figures, never names or contents.
    figures: Vec<(String, String)>,
    /// The module's own pages open to this staff member.
    links: Vec<HomeLink>,
) -> impl IntoView {
    view! {
        <Document ctx title=label.clone()>
            <h1>{label}</h1>
            <p>{format!("Vous travaillez ici en tant que : {role}.")}</p>
            <p>{summary}</p>
            <LinkCards links />
            {(!figures.is_empty()).then(|| view! {
                <Table
                    caption="En chiffres"
                    headers=vec!["Indicateur", "Nombre"]
                    rows=figures.into_iter().map(|(what, count)| Row::text([what, count])).collect()
                    empty=""
                />
            })}
        </Document>
    }
}

/// The platform's own home page (no department).
#[component]
pub fn PlatformHomePage(ctx: PageContext, departments: Vec<(String, String)>) -> impl IntoView {
    view! {
        <Document ctx title="Accueil".into()>
            <h1>"Guichet — services sociaux en ligne des départements"</h1>
            {if departments.is_empty() {
                view! { <p>"Aucun département n'est encore ouvert sur cette plateforme."</p> }.into_any()
            } else {
                view! {
                    <h2>"Choisissez votre département"</h2>
                    <ul>
                        {departments.into_iter().map(|(name, href)| view! { <li><a href=href>{name}</a></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </Document>
    }
}

/// A department's public home page.
#[component]
pub fn DepartmentHomePage(ctx: PageContext, name: String, aids: bool) -> impl IntoView {
    let staff_href = ctx.href("/agents/");
    let catalogue_href = ctx.href("/aides");
    let citizen_href = if ctx.citizen.is_some() {
        ctx.href("/mon-espace")
    } else {
        ctx.href("/connexion")
    };
    view! {
        <Document ctx title="Accueil".into()>
            <h1>{format!("Services sociaux en ligne — {name}")}</h1>
            <p>"Ce guichet en ligne permet de faire vos demandes auprès du département et de suivre leur avancement."</p>
            <p><a class="button" href=citizen_href>"Accéder à mon espace"</a></p>
            {aids.then(|| view! { <p><a href=catalogue_href>"Voir les aides du département"</a></p> })}
            <h2>"Vous travaillez au département ?"</h2>
            <p><a href=staff_href>"Accéder à l'espace des agents"</a></p>
        </Document>
    }
}
