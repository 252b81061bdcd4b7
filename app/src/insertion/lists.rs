//! The department's column mappings for CSV and XLSX lists: those saved, with their versions,
//! and the form that saves one (or its next version).

use leptos::prelude::*;

use crate::components::{Choice, Choices, DataTable, SuccessNotice, TextField};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// The mappings page.
#[derive(Clone, Debug)]
pub struct MappingsView {
    pub back_href: String,
    pub action: String,
    /// (name, version, fund, columns read, saved by and when), the latest version first.
    pub versions: Vec<Vec<String>>,
    /// The form: the name, the fund's choices, then each field (id, label, column, required).
    pub name: String,
    pub funds: Vec<Choice>,
    pub fields: Vec<(&'static str, &'static str, String, bool)>,
}

#[component]
pub fn MappingsPage(
    ctx: PageContext,
    mappings: MappingsView,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let MappingsView {
        back_href,
        action,
        versions,
        name,
        funds,
        fields,
    } = mappings;
    let field_errors = errors.clone();
    view! {
        <Document ctx title="Correspondances de colonnes des listes".to_owned()>
            <p><a href=back_href>"Retour aux imports"</a></p>
            <h1>"Correspondances de colonnes des listes"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <p>"Une liste CSV ou XLSX se lit avec une correspondance : pour chaque information, le titre de la colonne qui la donne, tel qu'il est écrit sur la première ligne de la liste. Enregistrer une correspondance sous un nom déjà pris en fait une nouvelle version ; les imports passés gardent la version avec laquelle ils ont été lus."</p>
            <DataTable
                caption="Correspondances enregistrées"
                headers=&["Nom", "Version", "Caisse", "Colonnes lues", "Enregistrée"]
                rows=versions
                empty="Aucune correspondance pour l'instant."
            />
            <h2>"Enregistrer une correspondance"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <TextField name="name" label="Nom de la correspondance" value=name maxlength=80
                    hint="Reprendre un nom existant en fait une nouvelle version." error=errors.of("name") />
                <Choices name="fund" legend="Caisse qui verse le RSA aux personnes de la liste" options=funds
                    error=errors.of("fund-0") />
                <fieldset class="choices">
                    <legend>"Titres des colonnes"</legend>
                    {fields.into_iter().map(|(id, label, value, required)| {
                        let error = field_errors.of(id);
                        if required {
                            view! { <TextField name=id label=label value=value maxlength=100 error=error /> }.into_any()
                        } else {
                            view! { <TextField name=id label=label value=value maxlength=100 optional=true error=error /> }.into_any()
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit">"Enregistrer la correspondance"</button>
            </form>
        </Document>
    }
}
