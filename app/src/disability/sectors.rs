//! The administrator's page of the MDPH's sectors: which team receives which files.

use leptos::prelude::*;

use crate::components::{Row, SuccessNotice, Table, TextArea};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// A team as the page lists it, with its open files.
#[derive(Clone, Debug)]
pub struct SectorRow {
    pub name: String,
    pub pole: String,
    pub postcodes: String,
    pub open_files: String,
}

#[component]
pub fn SectorsPage(
    ctx: PageContext,
    action: String,
    sectors: Vec<SectorRow>,
    text: String,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let rows = sectors
        .into_iter()
        .map(|s| Row::text([s.name, s.pole, s.postcodes, s.open_files]))
        .collect();
    view! {
        <Document ctx title="Secteurs de la MDPH".to_owned()>
            <h1>"Secteurs de la MDPH"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <p>"Chaque demande déposée va à l'équipe de son secteur : celle dont un code postal, ou son début, correspond le plus longuement à l'adresse de la personne, pour son pôle (enfants jusqu'à 20 ans, adultes). L'accueil filtre sa liste par équipe."</p>
            <Table caption="Les équipes et leurs dossiers en cours" headers=vec!["Équipe", "Pôle", "Codes postaux", "Dossiers en cours"]
                rows empty="Aucun secteur : toutes les demandes arrivent dans une même liste." />
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <TextArea name="secteurs" label="Les secteurs, une équipe par ligne" value=text rows=10 maxlength=20000 optional=true
                    hint="Nom de l'équipe ; pôle (enfants, adultes ou tous) ; codes postaux ou leurs débuts, séparés par des virgules. Par exemple : Équipe Nîmes ; adultes ; 30000, 30900. Les demandes en cours sans équipe sont orientées à l'enregistrement."
                    error=errors.of("secteurs") />
                <button type="submit">"Enregistrer les secteurs"</button>
            </form>
        </Document>
    }
}
