//! `/composants`: every page component with made-up content, in the department's own look: what
//! a developer picks from when building a page, and what a reviewer checks at 320 px.

use leptos::prelude::*;

use crate::components::{
    Attachment, Badge, Choice, Choices, FieldWidth, FilterBar, FilterOption, FilterSelect,
    MessageThread, Notice, NoticeKind, Pagination, Preview, Row, SearchField, SummaryList,
    SummaryRow, Table, TextField, ThreadMessage, Tone,
};

/// The catalogue's sample document to preview: a small drawing, inline.
const SAMPLE_IMAGE: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='240' height='120'%3E%3Crect width='240' height='120' fill='%23eeeeee'/%3E%3Ctext x='20' y='65' font-size='20' fill='%23333333'%3EQuittance%3C/text%3E%3C/svg%3E";
use crate::layout::{Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

fn choice(value: &str, label: &str, checked: bool) -> Choice {
    Choice {
        value: value.into(),
        label: label.into(),
        checked,
    }
}

fn filter_option(value: &str, label: &str) -> FilterOption {
    FilterOption {
        value: value.into(),
        label: label.into(),
        selected: value.is_empty(),
    }
}

#[component]
pub fn ComponentsPage(ctx: PageContext) -> impl IntoView {
    let here = ctx.href("/composants");
    let mut errors = FieldErrors::new();
    errors.add(
        "loyer",
        "Le loyer s'écrit en chiffres, par exemple 450 ou 450,50.".to_owned(),
    );
    errors.add(
        "logement-0",
        "Indiquez votre situation de logement.".to_owned(),
    );
    let sample_rows = vec![
        Row::new(vec![
            view! { <a href="#tableaux">"AID-2026-000042"</a> }.into_any(),
            "DIALLO Fatou".to_owned().into_any(),
            view! { <Badge text="À instruire" tone=Tone::Info /> }.into_any(),
            "12/12/2026".to_owned().into_any(),
        ]),
        Row::new(vec![
            view! { <a href="#tableaux">"AID-2026-000043"</a> }.into_any(),
            "NGUYEN Lucas".to_owned().into_any(),
            view! { <Badge text="En attente de l'usager" tone=Tone::Warning /> " " <Badge text="L'usager a répondu" tone=Tone::Success /> }.into_any(),
            view! { "01/12/2026 " <Badge text="dépassée" tone=Tone::Error /> }.into_any(),
        ])
        .marked("overdue"),
    ];
    view! {
        <Document ctx title="Composants des pages".into()>
            <h1>"Composants des pages"</h1>
            <p>"Chaque page de Guichet est faite de ces éléments. Les contenus sont fictifs."</p>
            <nav aria-label="Sommaire des composants">
                <ul>
                    <li><a href="#formulaires">"Questions et champs"</a></li>
                    <li><a href="#tableaux">"Tableaux, étiquettes et pages"</a></li>
                    <li><a href="#resumes">"Résumés et messages"</a></li>
                </ul>
            </nav>

            <h2 id="formulaires">"Questions et champs"</h2>
            <p>"Un formulaire renvoyé avec des erreurs : le résumé reçoit le focus, chaque erreur mène à son champ, le champ dit la sienne."</p>
            <ErrorSummary errors=errors.clone() />
            <form method="get" action=here.clone() novalidate=true>
                <TextField name="nom" label="Nom de naissance" value="Diallo".into() autocomplete="family-name" maxlength=100 error=None />
                <TextField name="code-postal" label="Code postal" value=String::new() width=FieldWidth::Chars5 inputmode="numeric" maxlength=5 error=None />
                <TextField name="loyer" label="Loyer mensuel" value="850 euros".into() width=FieldWidth::Chars10 unit="€" inputmode="decimal"
                    hint="Sans les charges." error=errors.of("loyer") />
                <TextField name="telephone" label="Téléphone" value=String::new() kind="tel" width=FieldWidth::Chars20 optional=true error=None />
                <Choices name="logement" legend="Quelle est votre situation de logement ?"
                    options=vec![choice("locataire", "Locataire", false), choice("proprietaire", "Propriétaire", false), choice("heberge", "Hébergé ou hébergée", false)]
                    error=errors.of("logement-0") />
                <Choices name="pieces" legend="Quels documents avez-vous ?" multiple=true hint="Cochez tout ce qui s'applique."
                    options=vec![choice("quittance", "Une quittance de loyer", true), choice("bail", "Le bail", false)] error=None />
                <div class="actions">
                    <button type="submit">"Continuer"</button>
                    " "
                    <button type="submit" class="secondary">"Enregistrer et reprendre plus tard"</button>
                    " "
                    <button type="button" class="warning">"Supprimer"</button>
                </div>
            </form>

            <h2 id="tableaux">"Tableaux, étiquettes et pages"</h2>
            <FilterBar action=here.clone() reset_href=here.clone()>
                <SearchField name="recherche" label="Nom ou référence" value=String::new() />
                <FilterSelect name="etat" label="État" options=vec![filter_option("", "Tous"), filter_option("soumise", "À instruire")] />
            </FilterBar>
            <Table caption="2 demandes — page 1 sur 3" headers=vec!["Référence", "Usager", "État", "Échéance"] rows=sample_rows empty="Aucune demande." />
            <Pagination page=1 pages=3 previous_href=None next_href=Some(format!("{here}#tableaux")) />
            <p>
                <Badge text="Neutre" tone=Tone::Neutral /> " "
                <Badge text="Information" tone=Tone::Info /> " "
                <Badge text="Réussite" tone=Tone::Success /> " "
                <Badge text="Attention" tone=Tone::Warning /> " "
                <Badge text="Erreur" tone=Tone::Error />
            </p>

            <h2 id="resumes">"Résumés et messages"</h2>
            <SummaryList rows=vec![
                SummaryRow::text("Nom", "DIALLO Fatou").changed_at(format!("{here}#formulaires")),
                SummaryRow::text("Loyer mensuel", "450,00 €").changed_at(format!("{here}#formulaires")),
                SummaryRow::text("Référence", "AID-2026-000042"),
            ] />
            <Notice kind=NoticeKind::Success><p>"Votre demande est enregistrée."</p></Notice>
            <Notice kind=NoticeKind::Info title=Some("Avant de commencer".into())><p>"Préparez votre dernière quittance de loyer."</p></Notice>
            <Notice kind=NoticeKind::Error><p>"Le service national ne répond pas : réessayez dans quelques minutes."</p></Notice>
            <MessageThread
                messages=vec![
                    ThreadMessage {
                        heading: "Département — 02/12/2026 à 10:14".into(),
                        body: "Pouvez-vous nous envoyer votre dernière quittance ?".into(),
                        attachment: None,
                    },
                    ThreadMessage {
                        heading: "Usager — 03/12/2026 à 18:02".into(),
                        body: "La voici.".into(),
                        attachment: Some(Attachment {
                            href: format!("{here}#resumes"),
                            label: "quittance.png (PNG, 12 Ko, 03/12/2026)".into(),
                            // A made-up image, drawn in the page itself.
                            preview: Some(Preview::Image(SAMPLE_IMAGE.into())),
                        }),
                    },
                ]
                empty=""
            />
        </Document>
    }
}
