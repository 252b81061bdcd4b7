//! The administrator's insertion settings: the department's names for the tracks, and how long
//! a booking link stays open.

use leptos::prelude::*;

use crate::components::{FieldWidth, SuccessNotice, TextField};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// The settings' fields, as typed or saved.
#[derive(Clone, Debug, Default)]
pub struct InsertionSettingsView {
    pub action: String,
    /// By `professional`, `socio_professional`, `social`.
    pub labels: [String; 3],
    pub booking_days: String,
}

#[component]
pub fn InsertionSettingsPage(
    ctx: PageContext,
    settings: InsertionSettingsView,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let [professional, socio_professional, social] = settings.labels;
    view! {
        <Document ctx title="Réglages de l'insertion".to_owned()>
            <h1>"Réglages de l'insertion (RSA)"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <form method="post" action=settings.action novalidate=true>
                <CsrfField token=csrf />
                <h2>"Les noms des parcours"</h2>
                <p>"La loi nomme trois parcours ; donnez-leur, si vous le souhaitez, le nom que le département emploie. Il s'affiche à côté du nom légal, pour les agents comme pour les personnes."</p>
                <TextField name="professional" label="Parcours professionnel (France Travail)" value=professional
                    maxlength=80 optional=true error=errors.of("professional") />
                <TextField name="socio_professional" label="Parcours socio-professionnel" value=socio_professional
                    maxlength=80 optional=true error=errors.of("socio_professional") />
                <TextField name="social" label="Parcours social" value=social
                    maxlength=80 optional=true error=errors.of("social") />
                <h2>"Les invitations"</h2>
                <TextField name="booking_days" label="Durée d'un lien pour prendre rendez-vous" value=settings.booking_days
                    inputmode="numeric" width=FieldWidth::Chars5 unit="jours"
                    hint="De 3 à 30 jours ; 10 jours si vous ne changez rien." error=errors.of("booking_days") />
                <button type="submit">"Enregistrer les réglages"</button>
            </form>
        </Document>
    }
}
