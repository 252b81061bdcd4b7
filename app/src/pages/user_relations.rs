//! User relations: the citizen's access journal.

use leptos::prelude::*;

use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::pages::national::CallRow;

/// One time staff read or changed the citizen's file.
#[derive(Clone, Debug)]
pub struct AccessRow {
    /// "01/12/2026 à 14:03"
    pub date: String,
    /// "Demandes d'aide — Instruction des demandes d'aide"
    pub who: String,
    pub what: String,
    pub why: String,
}

/// Who accessed the citizen's file, and what was asked of the administrations in their name.
#[component]
pub fn AccessJournalPage(
    ctx: PageContext,
    accesses: Vec<AccessRow>,
    fetches: Vec<CallRow>,
) -> impl IntoView {
    let space = ctx.href("/mon-espace");
    let my_data = ctx.href("/mon-espace/donnees");
    view! {
        <Document ctx title="Qui a consulté mon dossier".to_owned()>
            <p><a href=space>"Mon espace"</a></p>
            <h1>"Qui a consulté mon dossier"</h1>
            <p>"Chaque fois qu'un agent du département consulte ou modifie votre dossier, c'est noté ici : son service, son rôle, la date et le motif. Les agents ne voient que ce dont leur service a besoin."</p>
            <h2>"Consultations et modifications par les agents"</h2>
            {if accesses.is_empty() {
                view! { <p>"Aucun agent n'a encore consulté votre dossier."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <caption>"Le plus récent en premier"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Date"</th>
                                <th scope="col">"Service et rôle"</th>
                                <th scope="col">"Ce qui a été fait"</th>
                                <th scope="col">"Motif"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {accesses.into_iter().map(|a| view! {
                                <tr><td>{a.date}</td><td>{a.who}</td><td>{a.what}</td><td>{a.why}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h2>"Informations demandées aux administrations en mon nom"</h2>
            {if fetches.is_empty() {
                view! { <p>"Aucune information n'a été demandée en votre nom."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <caption>"Le plus récent en premier (conservé 36 mois)"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Date"</th>
                                <th scope="col">"Information"</th>
                                <th scope="col">"Pourquoi"</th>
                                <th scope="col">"Résultat"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {fetches.into_iter().map(|f| view! {
                                <tr><td>{f.date}</td><td>{f.source}</td><td>{f.why}</td><td>{f.outcome}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <p>"Vos accords et les informations reçues sont dans "<a href=my_data>"Mes données et mes accords"</a>"."</p>
        </Document>
    }
}

/// A citizen found by a search.
#[derive(Clone, Debug)]
pub struct CitizenHit {
    pub name: String,
    pub birthdate: String,
    pub href: String,
}

/// Reception's search for a citizen's record.
#[component]
pub fn CitizenSearchPage(
    ctx: PageContext,
    query: String,
    hits: Option<Vec<CitizenHit>>,
    limit: usize,
) -> impl IntoView {
    let action = ctx.href("/agents/usagers");
    view! {
        <Document ctx title="Dossiers des usagers".to_owned()>
            <h1>"Dossiers des usagers"</h1>
            <form method="get" action=action role="search">
                <label for="q">"Nom ou prénom de l'usager"</label>
                <input id="q" name="q" type="search" value=query autocomplete="off" />
                <button type="submit">"Rechercher"</button>
            </form>
            {hits.map(|hits| if hits.is_empty() {
                view! { <p role="status">"Aucun usager ne porte ce nom dans le département."</p> }.into_any()
            } else {
                let more = (hits.len() >= limit).then(|| view! {
                    <p>{format!("Seuls les {limit} premiers sont montrés : précisez le nom.")}</p>
                });
                view! {
                    <table>
                        <caption>{format!("{} usager(s) trouvé(s)", hits.len())}</caption>
                        <thead><tr><th scope="col">"Nom"</th><th scope="col">"Date de naissance"</th></tr></thead>
                        <tbody>
                            {hits.into_iter().map(|h| view! {
                                <tr><td><a href=h.href>{h.name}</a></td><td>{h.birthdate}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {more}
                }.into_any()
            })}
        </Document>
    }
}

/// A request as reception sees it: what and where it stands, not its contents.
#[derive(Clone, Debug)]
pub struct RecordRequest {
    pub aid: String,
    pub reference: String,
    pub status: String,
    pub filed: String,
}

/// A contact in the history.
#[derive(Clone, Debug)]
pub struct ContactRow {
    pub day: String,
    pub channel: String,
    pub subject: String,
    pub note: String,
}

/// The contact form, as typed (sent back with its errors).
#[derive(Clone, Debug, Default)]
pub struct ContactForm {
    pub day: String,
    pub channel: String,
    pub subject: String,
    pub note: String,
}

/// One citizen's record for reception: identity, contact details, their requests and the
/// history of contacts, with the form to log one.
#[component]
pub fn CitizenRecordPage(
    ctx: PageContext,
    name: String,
    identity: Vec<(String, String)>,
    requests: Vec<RecordRequest>,
    contacts: Vec<ContactRow>,
    channels: Vec<(String, String)>,
    form: ContactForm,
    errors: Vec<String>,
    notice: Option<String>,
    contact_action: String,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let search = ctx.href("/agents/usagers");
    view! {
        <Document ctx title=format!("Dossier de {name}")>
            <p><a href=search>"Rechercher un autre usager"</a></p>
            <h1>{format!("Dossier de {name}")}</h1>
            {notice.map(|text| view! { <div class="alert success" role="status"><p>{text}</p></div> })}
            <ErrorSummary errors />
            <h2>"Identité et coordonnées"</h2>
            <dl class="identity">
                {identity.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
            </dl>
            <h2>"Demandes d'aide"</h2>
            {if requests.is_empty() {
                view! { <p>"Aucune demande déposée."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <caption>"Où en sont ses demandes (leur contenu reste au service instructeur)"</caption>
                        <thead><tr><th scope="col">"Aide"</th><th scope="col">"Référence"</th><th scope="col">"État"</th><th scope="col">"Déposée le"</th></tr></thead>
                        <tbody>
                            {requests.into_iter().map(|r| view! {
                                <tr><td>{r.aid}</td><td>{r.reference}</td><td>{r.status}</td><td>{r.filed}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h2>"Historique des contacts"</h2>
            {if contacts.is_empty() {
                view! { <p>"Aucun contact noté."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <caption>"Le plus récent en premier"</caption>
                        <thead><tr><th scope="col">"Date"</th><th scope="col">"Comment"</th><th scope="col">"Objet"</th><th scope="col">"Note"</th></tr></thead>
                        <tbody>
                            {contacts.into_iter().map(|c| view! {
                                <tr><td>{c.day}</td><td>{c.channel}</td><td>{c.subject}</td><td>{c.note}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h2>"Noter un contact"</h2>
            <form method="post" action=contact_action>
                <CsrfField token=csrf />
                <label for="day">"Date du contact"</label>
                <input id="day" name="day" type="date" value=form.day required=true />
                <label for="channel">"Comment"</label>
                <select id="channel" name="channel">
                    {channels.into_iter().map(|(value, label)| {
                        let selected = value == form.channel;
                        view! { <option value=value selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
                <label for="subject">"Objet"</label>
                <input id="subject" name="subject" type="text" maxlength="200" value=form.subject required=true />
                <label for="note">"Note (facultatif ; l'usager peut demander à la lire)"</label>
                <textarea id="note" name="note" rows="3" maxlength="2000">{form.note}</textarea>
                <button type="submit">"Enregistrer le contact"</button>
            </form>
        </Document>
    }
}
