//! Citizens' pages: sign-in and their own space.

use leptos::prelude::*;

use crate::layout::{Document, PageContext};

/// The FranceConnect button, after the state's published design: the button itself says who
/// signs the person in, and a link explains what FranceConnect is.
#[component]
pub fn FranceConnectButton(href: String) -> impl IntoView {
    view! {
        <div class="franceconnect">
            <a class="franceconnect-button" href=href>
                <span class="franceconnect-login">"S'identifier avec"</span>
                " "
                <span class="franceconnect-brand">"FranceConnect"</span>
            </a>
            <p>
                <a
                    href="https://franceconnect.gouv.fr/"
                    target="_blank"
                    rel="noopener"
                    title="Qu'est-ce que FranceConnect ? - nouvelle fenêtre"
                >
                    "Qu'est-ce que FranceConnect ?"
                </a>
            </p>
        </div>
    }
}

/// How a citizen signs in to the department.
#[component]
pub fn CitizenLoginPage(
    ctx: PageContext,
    error: Option<String>,
    franceconnect: bool,
) -> impl IntoView {
    let fc_href = ctx.href("/connexion/franceconnect");
    view! {
        <Document ctx title="Connexion".into()>
            <div class="narrow">
                <h1>"Accéder à mon espace"</h1>
                {error.map(|e| view! { <div class="alert error" role="alert"><p>{e}</p></div> })}
                <p>"Votre espace vous permet de faire une demande d'aide, de la suivre et de recevoir les réponses du département."</p>
                {if franceconnect {
                    view! {
                        <h2>"Avec FranceConnect"</h2>
                        <p>"FranceConnect est la solution proposée par l'État pour sécuriser et simplifier la connexion aux services en ligne, avec un compte que vous avez déjà (impots.gouv.fr, ameli.fr, l'Identité Numérique La Poste…)."</p>
                        <FranceConnectButton href=fc_href />
                    }
                        .into_any()
                } else {
                    view! { <p>"La connexion avec FranceConnect n'est pas disponible sur ce service."</p> }.into_any()
                }}
            </div>
        </Document>
    }
}

/// One line of the citizen's identity.
#[derive(Clone, Debug)]
pub struct IdentityLine {
    pub label: String,
    pub value: String,
}

/// The citizen's own space.
#[component]
pub fn CitizenSpacePage(
    ctx: PageContext,
    greeting_name: String,
    identity: Vec<IdentityLine>,
    via_franceconnect: bool,
) -> impl IntoView {
    view! {
        <Document ctx title="Mon espace".into()>
            <h1>{format!("Bonjour {greeting_name}")}</h1>
            <h2>"Mes demandes"</h2>
            <p>"Vous n'avez pas encore de demande en cours."</p>
            <h2>"Mon identité"</h2>
            {via_franceconnect.then(|| view! {
                <p>"Ces informations viennent de FranceConnect : pour les corriger, adressez-vous à l'organisme qui vous a fourni votre compte."</p>
            })}
            <dl class="identity">
                {identity.into_iter().map(|line| view! {
                    <dt>{line.label}</dt>
                    <dd>{line.value}</dd>
                }).collect_view()}
            </dl>
        </Document>
    }
}

/// After signing out.
#[component]
pub fn SignedOutPage(ctx: PageContext) -> impl IntoView {
    let login = ctx.href("/connexion");
    view! {
        <Document ctx title="Déconnexion".into()>
            <h1>"Vous êtes déconnecté"</h1>
            <p>"Vous avez bien quitté votre espace. Pensez à fermer votre navigateur si vous êtes sur un ordinateur partagé."</p>
            <p><a href=login>"Se reconnecter"</a></p>
        </Document>
    }
}
