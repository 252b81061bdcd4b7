use leptos::prelude::*;

use crate::layout::{Document, PageContext};

/// A module the signed-in staff member may open.
#[derive(Clone, Debug)]
pub struct ModuleCard {
    pub href: String,
    pub label: String,
    pub role: String,
}

/// The staff member's home inside their department.
#[component]
pub fn DashboardPage(
    ctx: PageContext,
    greeting_name: String,
    modules: Vec<ModuleCard>,
) -> impl IntoView {
    let security = ctx.href("/agents/securite/double-facteur");
    let password = ctx.href("/agents/securite/mot-de-passe");
    view! {
        <Document ctx title="Accueil".into()>
            <h1>{format!("Bonjour {greeting_name}")}</h1>
            {if modules.is_empty() {
                view! { <p>"Aucun module ne vous est encore ouvert. Demandez à l'administrateur de votre département de vous attribuer un rôle."</p> }.into_any()
            } else {
                view! {
                    <h2>"Vos espaces de travail"</h2>
                    <ul class="cards">
                        {modules.into_iter().map(|m| view! {
                            <li class="card">
                                <a href=m.href>{m.label}</a>
                                <p>{format!("Votre rôle : {}", m.role)}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h2>"Votre compte"</h2>
            <p><a href=security>"Double authentification : protéger votre compte par un code de votre téléphone"</a></p>
            <p><a href=password>"Changer votre mot de passe"</a></p>
        </Document>
    }
}

/// A module's entry page. The module's work lists arrive with the module's own issue.
#[component]
pub fn ModulePage(
    ctx: PageContext,
    label: String,
    role: String,
    summary: String,
    /// (what, how many): figures, never names or contents.
    figures: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <Document ctx title=label.clone()>
            <h1>{label}</h1>
            <p>{format!("Vous travaillez ici en tant que : {role}.")}</p>
            <p>{summary}</p>
            {(!figures.is_empty()).then(|| view! {
                <table>
                    <caption>"En chiffres"</caption>
                    <tbody>
                        {figures.into_iter().map(|(what, count)| view! { <tr><th scope="row">{what}</th><td>{count}</td></tr> }).collect_view()}
                    </tbody>
                </table>
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
