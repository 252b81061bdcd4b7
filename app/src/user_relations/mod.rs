//! User relations: the citizen's access journal.

pub mod mandates;

use leptos::prelude::*;

use crate::components::{
    Choice, Choices, DataTable, FieldWidth, FileField, FilterOption, Row, SelectField,
    SuccessNotice, SummaryList, SummaryRow, Table, TextArea, TextField,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::pages::national::{CallRow, CallsTable};
use crate::validation::FieldErrors;

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

/// A wider access to the citizen's record still open, as they read it.
#[derive(Clone, Debug)]
pub struct OpenWiderAccess {
    pub service: String,
    pub since: String,
    pub until: String,
    pub reason: String,
}

/// Who accessed the citizen's file, and what was asked of the administrations in their name.
#[component]
pub fn AccessJournalPage(
    ctx: PageContext,
    accesses: Vec<AccessRow>,
    fetches: Vec<CallRow>,
    open: Vec<OpenWiderAccess>,
    /// How long the department keeps its journal, when it removes entries past a term.
    kept_months: Option<u32>,
) -> impl IntoView {
    let space = ctx.href("/mon-espace");

    let my_data = ctx.href("/mon-espace/donnees");
    view! {
        <Document ctx title="Qui a consulté mon dossier".to_owned()>
            <p><a href=space>"Mon espace"</a></p>
            <h1>"Qui a consulté mon dossier"</h1>
            <p>"Chaque fois qu'un agent du département consulte ou modifie votre dossier, c'est noté ici : son service, son rôle, la date et le motif. Les agents ne voient que ce dont leur service a besoin."</p>
            {(!open.is_empty()).then(|| view! {
                <h2>"Accès élargis en cours"</h2>
                <p>"Un agent d'un autre service voit en ce moment votre dossier complet, pour le motif indiqué. Il s'arrête de lui-même à l'heure dite ; un responsable du département peut y mettre fin avant. Si vous n'en comprenez pas la raison, écrivez au département depuis vos messages."</p>
                <DataTable
                    caption="Accès ouverts maintenant"
                    headers=&["Service", "Depuis le", "Jusqu'au", "Motif"]
                    rows=open.into_iter().map(|o| vec![o.service, o.since, o.until, o.reason]).collect()
                    empty=""
                />
            })}
            <h2>"Consultations et modifications par les agents"</h2>
            {kept_months.map(|months| view! {
                <p>{format!("Le département conserve ce journal {months} mois : les entrées plus anciennes sont effacées.")}</p>
            })}
            <DataTable
                caption="Le plus récent en premier"
                headers=&["Date", "Service et rôle", "Ce qui a été fait", "Motif"]
                rows=accesses.into_iter().map(|a| vec![a.date, a.who, a.what, a.why]).collect()
                empty="Aucun agent n'a encore consulté votre dossier."
            />
            <h2>"Informations demandées aux administrations en mon nom"</h2>
            <CallsTable calls=fetches empty="Aucune information n'a été demandée en votre nom." caption="Le plus récent en premier (conservé 36 mois)" />
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

/// A citizen who stopped responding.
#[derive(Clone, Debug)]
pub struct AlertRow {
    pub name: String,
    pub href: String,
    pub reasons: String,
    pub remind_action: String,
}

/// Reception's page: citizens who stopped responding, and the search for a record.
#[component]
pub fn CitizenSearchPage(
    ctx: PageContext,
    query: String,
    hits: Option<Vec<CitizenHit>>,
    limit: usize,
    alerts: Vec<AlertRow>,
    notice: Option<String>,
) -> impl IntoView {
    let action = ctx.href("/agents/usagers");
    let new_record = ctx.href("/agents/usagers/nouveau");
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Dossiers des usagers".to_owned()>
            <h1>"Dossiers des usagers"</h1>
            <SuccessNotice text=notice />
            {(!alerts.is_empty()).then(|| view! {
                <h2>"Usagers qui ne répondent plus"</h2>
                <Table
                    caption="Une demande attend leur réponse depuis longtemps, ou ils ont manqué deux rendez-vous"
                    headers=vec!["Usager", "Pourquoi", "Action"]
                    rows=alerts.into_iter().map(|a| {
                        let label = format!("Relancer {}", a.name);
                        Row::new(vec![
                            view! { <a href=a.href>{a.name}</a> }.into_any(),
                            a.reasons.into_any(),
                            view! {
                                <form method="post" action=a.remind_action class="inline" novalidate=true>
                                    <CsrfField token=csrf.clone() />
                                    <button type="submit" class="secondary">{label}</button>
                                </form>
                            }.into_any(),
                        ])
                    }).collect()
                    empty=""
                />
            })}
            <h2>"Trouver un dossier"</h2>
            <p><a href=new_record>"Ouvrir un dossier pour une personne qui ne s'est jamais connectée"</a></p>
            <form method="get" action=action role="search" novalidate=true>
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
                    <Table
                        caption=format!("{} usager(s) trouvé(s)", hits.len())
                        headers=vec!["Nom", "Date de naissance"]
                        rows=hits.into_iter().map(|h| Row::new(vec![
                            view! { <a href=h.href>{h.name}</a> }.into_any(),
                            h.birthdate.into_any(),
                        ])).collect()
                        empty=""
                    />
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

/// Reception's first message to a citizen, as typed (sent back with its errors). Its fields are
/// named apart from the contact form's, which shares the page.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RecordMessageForm {
    pub message_subject: String,
    pub message_body: String,
}

/// The contact form, as typed (sent back with its errors).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
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
    message: RecordMessageForm,
    errors: FieldErrors,
    notice: Option<String>,
    contact_action: String,
    threads: Vec<ThreadRow>,
    message_action: String,
    appointments: Vec<AppointmentRow>,
    free: Vec<FreeSlot>,
    booking_action: String,
    /// Reception may act on the record; others, under a wider access, only read it.
    can_act: bool,
    /// Records that may be the same person: (link, label, merge action).
    duplicates: Vec<(String, String, String)>,
    /// Mandates for assisted filing, newest first.
    mandates: Vec<crate::user_relations::mandates::MandateSummary>,
    /// Where reception records a new one (with aid requests, for reception only).
    new_mandate_href: Option<String>,
) -> impl IntoView {
    let merge_csrf = ctx.csrf.clone();
    let csrf = ctx.csrf.clone();
    let message_csrf = ctx.csrf.clone();
    let booking_csrf = ctx.csrf.clone();
    let search = ctx.href("/agents/usagers");
    view! {
        <Document ctx title=format!("Dossier de {name}")>
            <p><a href=search>"Rechercher un autre usager"</a></p>
            <h1>{format!("Dossier de {name}")}</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <h2>"Identité et coordonnées"</h2>
            <SummaryList rows=SummaryRow::pairs(identity) />
            {(can_act && !duplicates.is_empty()).then(|| view! { <Duplicates duplicates csrf=merge_csrf /> })}
            <h2>"Demandes d'aide"</h2>
            <DataTable
                caption="Où en sont ses demandes (leur contenu reste au service instructeur)"
                headers=&["Aide", "Référence", "État", "Déposée le"]
                rows=requests.into_iter().map(|r| vec![r.aid, r.reference, r.status, r.filed]).collect()
                empty="Aucune demande déposée."
            />
            {new_mandate_href.map(|href| view! {
                <h2>"Dépôt assisté"</h2>
                <p>"Pour déposer une demande au nom de la personne présente, enregistrez d'abord avec elle un mandat : ce qu'il couvre, jusqu'à quand. Elle en est prévenue et peut le révoquer depuis son espace."</p>
                {(!mandates.is_empty()).then(|| view! {
                    <Table
                        caption="Ses mandats, le plus récent en premier"
                        headers=vec!["Couvre", "Jusqu'au", "État"]
                        rows=mandates.into_iter().map(|m| Row::new(vec![
                            view! { <a href=m.href>{m.scope}</a> }.into_any(),
                            m.until.into_any(),
                            m.state.into_any(),
                        ])).collect()
                        empty=""
                    />
                })}
                <p><a class="button" href=href>"Enregistrer un mandat de dépôt"</a></p>
            })}
            <h2>"Historique des contacts"</h2>
            <DataTable
                caption="Le plus récent en premier"
                headers=&["Date", "Comment", "Objet", "Note"]
                rows=contacts.into_iter().map(|c| vec![c.day, c.channel, c.subject, c.note]).collect()
                empty="Aucun contact noté."
            />
            {can_act.then(|| view! { <ContactFormView action=contact_action csrf form channels errors=errors.clone() /> })}
            <h2>"Rendez-vous"</h2>
            <DataTable
                caption="Ses rendez-vous, les prochains en premier"
                headers=&["Quand", "Où", "État"]
                rows=appointments.into_iter().map(|a| vec![a.when, a.where_, a.state]).collect()
                empty="Aucun rendez-vous."
            />
            {(can_act && !free.is_empty()).then(|| view! {
                <form method="post" action=booking_action novalidate=true>
                    <CsrfField token=booking_csrf />
                    <label for="slot">"Prendre un rendez-vous pour l'usager"</label>
                    <select id="slot" name="slot">
                        {free.into_iter().map(|s| view! { <option value=s.id>{format!("{} à {} — {}", s.day, s.time, s.where_)}</option> }).collect_view()}
                    </select>
                    <button type="submit">"Réserver pour l'usager"</button>
                </form>
            })}
            <h2>"Messages"</h2>
            {if threads.is_empty() {
                view! { <p>"Aucun message échangé."</p> }.into_any()
            } else {
                thread_list(threads, "Ses échanges avec le département, le plus récent en premier").into_any()
            }}
            {can_act.then(|| view! {
            <h3>"Écrire à l'usager"</h3>
            <p>"Il reçoit un courriel qui l'invite à lire votre message dans son espace ; le message n'est pas recopié dans le courriel."</p>
            <form method="post" action=message_action novalidate=true>
                <CsrfField token=message_csrf />
                <TextField name="message_subject" label="Objet" value=message.message_subject maxlength=150 error=errors.of("message_subject") />
                <TextArea name="message_body" label="Message" value=message.message_body rows=4 maxlength=5000 error=errors.of("message_body") />
                <button type="submit">"Envoyer le message"</button>
            </form>
            })}
        </Document>
    }
}

/// Reception's form to log a contact, as typed.
#[component]
fn ContactFormView(
    action: String,
    csrf: String,
    form: ContactForm,
    channels: Vec<(String, String)>,
    errors: FieldErrors,
) -> impl IntoView {
    view! {
            <h2>"Noter un contact"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <TextField name="day" label="Date du contact" kind="date" value=form.day error=errors.of("day") />
                <SelectField
                    name="channel"
                    label="Comment"
                    options=channels.into_iter().map(|(value, label)| FilterOption {
                        selected: value == form.channel,
                        value,
                        label,
                    }).collect()
                    error=errors.of("channel")
                />
                <TextField name="subject" label="Objet" value=form.subject maxlength=200 error=errors.of("subject") />
                <TextArea name="note" label="Note" hint="L'usager peut demander à la lire." value=form.note rows=3 maxlength=2000 optional=true error=errors.of("note") />
                <button type="submit">"Enregistrer le contact"</button>
            </form>
    }
}

/// Records that may be the same person, each with the form to merge it into this one.
#[component]
fn Duplicates(duplicates: Vec<(String, String, String)>, csrf: String) -> impl IntoView {
    view! {
        <h2>"Dossiers qui pourraient être la même personne"</h2>
        <p>"Même nom, même prénom, même date de naissance. Si c'est bien la même personne, fusionnez l'autre dossier dans celui-ci : ses demandes, documents, messages, rendez-vous et contacts rejoignent ce dossier."</p>
        <ul>
            {duplicates.into_iter().map(|(href, label, action)| {
                let csrf = csrf.clone();
                let id = format!("confirmer-{}", action.len());
                view! {
                    <li>
                        <a href=href>{label.clone()}</a>
                        <form method="post" action=action novalidate=true>
                            <CsrfField token=csrf />
                            <div class="choice">
                                <input type="checkbox" id=id.clone() name="confirm" value="oui" required=true />
                                <label for=id>{format!("J'ai vérifié : {label} est la même personne")}</label>
                            </div>
                            <button type="submit" class="secondary">"Fusionner dans ce dossier"</button>
                        </form>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// A thread in a list.
#[derive(Clone, Debug)]
pub struct ThreadRow {
    pub href: String,
    pub subject: String,
    /// "Demande 2026-…" when the thread is about a request.
    pub about: Option<String>,
    pub date: String,
    /// "Nouveau message du département", "En attente de réponse"…
    pub state: Option<String>,
    /// The citizen's name, on staff pages.
    pub citizen: Option<String>,
}

/// The new-message form, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MessageForm {
    pub subject: String,
    pub request: String,
    pub body: String,
}

fn thread_list(threads: Vec<ThreadRow>, caption: &'static str) -> impl IntoView {
    let with_citizen = threads.iter().any(|t| t.citizen.is_some());
    let mut headers = vec!["Objet", "Dernier message", "État"];
    if with_citizen {
        headers.insert(0, "Usager");
    }
    let rows = threads
        .into_iter()
        .map(|t| {
            let mut cells = vec![
                view! {
                    <a href=t.href>{t.subject}</a>
                    {t.about.map(|a| view! { <br /><small>{a}</small> })}
                }
                .into_any(),
                t.date.into_any(),
                t.state.unwrap_or_default().into_any(),
            ];
            if with_citizen {
                cells.insert(0, t.citizen.unwrap_or_default().into_any());
            }
            Row::new(cells)
        })
        .collect();
    view! { <Table caption headers rows empty="" /> }
}

/// The citizen's messages: their threads and the form to write to the department.
#[component]
pub fn MessagesPage(
    ctx: PageContext,
    threads: Vec<ThreadRow>,
    /// (request id, "Aide au loyer — 2026-…") the citizen may write about.
    requests: Vec<(String, String)>,
    form: MessageForm,
    errors: FieldErrors,
    action: String,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let space = ctx.href("/mon-espace");
    view! {
        <Document ctx title="Mes messages".to_owned()>
            <p><a href=space>"Mon espace"</a></p>
            <h1>"Mes messages"</h1>
            <p>"Écrivez au département en toute sécurité. Quand il vous répond, vous recevez un courriel qui vous invite à venir lire sa réponse ici : le message lui-même n'est jamais envoyé par courriel."</p>
            {if threads.is_empty() {
                view! { <p>"Vous n'avez encore échangé aucun message avec le département."</p> }.into_any()
            } else {
                thread_list(threads, "Vos échanges, le plus récent en premier").into_any()
            }}
            <h2 id="ecrire">"Écrire au département"</h2>
            <ErrorSummary errors=errors.clone() />
            <form method="post" action=action enctype="multipart/form-data" novalidate=true>
                <CsrfField token=csrf />
                <TextField name="subject" label="Objet" value=form.subject maxlength=150 error=errors.of("subject") />
                {(!requests.is_empty()).then(|| {
                    let options = std::iter::once((String::new(), "Une question générale".to_owned()))
                        .chain(requests)
                        .map(|(value, label)| FilterOption { selected: value == form.request, value, label })
                        .collect();
                    view! { <SelectField name="request" label="Votre message concerne" options error=errors.of("request") /> }
                })}
                <TextArea name="body" label="Votre message" value=form.body rows=6 maxlength=5000 error=errors.of("body") />
                <FileField name="piece" label="Joindre un document" optional=true error=errors.of("piece") />
                <button type="submit">"Envoyer le message"</button>
            </form>
        </Document>
    }
}

/// A message as a thread shows it.
#[derive(Clone, Debug)]
pub struct MessageRow {
    /// "Vous", "Le département (Accueil)", "L'usager"…
    pub author: String,
    pub date: String,
    pub body: String,
    /// (href, label) of the document sent with it.
    pub document: Option<(String, String)>,
    /// Written by whoever reads the page.
    pub own: bool,
}

/// One thread, for the citizen or for staff, with the form to answer.
#[component]
pub fn ThreadPage(
    ctx: PageContext,
    subject: String,
    about: Option<String>,
    back: (String, String),
    messages: Vec<MessageRow>,
    reply_action: String,
    /// The reply typed, sent back with its errors.
    body: String,
    errors: FieldErrors,
    notice: Option<String>,
    /// Whether the form takes a document (it does for citizens and staff alike).
    with_piece: bool,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let (back_href, back_label) = back;
    view! {
        <Document ctx title=format!("Message : {subject}")>
            <p><a href=back_href>{back_label}</a></p>
            <h1>{subject}</h1>
            {about.map(|a| view! { <p>{a}</p> })}
            <SuccessNotice text=notice />
            <ol class="thread">
                {messages.into_iter().map(|m| view! {
                    <li class=if m.own { "message own" } else { "message" }>
                        <p class="meta"><strong>{m.author}</strong>", le "{m.date}</p>
                        <p class="body">{m.body}</p>
                        {m.document.map(|(href, label)| view! { <p>"Document joint : "<a href=href>{label}</a></p> })}
                    </li>
                }).collect_view()}
            </ol>
            <h2>"Répondre"</h2>
            <ErrorSummary errors=errors.clone() />
            <form method="post" action=reply_action enctype="multipart/form-data" novalidate=true>
                <CsrfField token=csrf />
                <TextArea name="body" label="Votre réponse" value=body rows=5 maxlength=5000 error=errors.of("body") />
                {with_piece.then(|| view! {
                    <FileField name="piece" label="Joindre un document" optional=true error=errors.of("piece") />
                })}
                <button type="submit">"Envoyer la réponse"</button>
            </form>
        </Document>
    }
}

/// Reception's inbox: threads where the citizen wrote last.
#[component]
pub fn StaffInboxPage(ctx: PageContext, threads: Vec<ThreadRow>) -> impl IntoView {
    view! {
        <Document ctx title="Messages des usagers".to_owned()>
            <h1>"Messages des usagers"</h1>
            {if threads.is_empty() {
                view! { <p>"Aucun message n'attend de réponse."</p> }.into_any()
            } else {
                thread_list(threads, "En attente d'une réponse du département, le plus ancien en premier").into_any()
            }}
        </Document>
    }
}

/// A free slot a citizen may choose.
#[derive(Clone, Debug)]
pub struct FreeSlot {
    pub id: String,
    /// "mardi 8 décembre 2026": slots are grouped by it.
    pub day: String,
    /// "09:30 (30 min)"
    pub time: String,
    /// "Accueil social — Maison du département, Nîmes"
    pub where_: String,
}

/// One of the citizen's appointments.
#[derive(Clone, Debug)]
pub struct AppointmentRow {
    pub id: String,
    pub when: String,
    pub where_: String,
    pub state: String,
    /// Booked and still to come: it may be moved or cancelled.
    pub changeable: bool,
}

/// The free slots as radio buttons, grouped by day (a day per fieldset, its date as legend),
/// each labelled by its time and place only.
/// The first free slot's control: where a message about the choice leads.
pub const FIRST_SLOT: &str = "creneau-0";

pub fn slot_choice(slots: Vec<FreeSlot>, legend: String, error: Option<String>) -> impl IntoView {
    let mut days: Vec<(String, Vec<FreeSlot>)> = Vec::new();
    for slot in slots {
        match days.last_mut() {
            Some((day, group)) if *day == slot.day => group.push(slot),
            _ => days.push((slot.day.clone(), vec![slot])),
        }
    }
    let mut n = 0;
    view! {
        <fieldset class="slot-days" class:field-invalid=error.is_some()
            aria-describedby=error.is_some().then_some("creneau-error")>
            <legend>{legend}</legend>
            {error.clone().map(|e| view! { <p class="field-error" id="creneau-error">{e}</p> })}
            {days.into_iter().map(|(day, group)| {
                // One place for the whole day is said once, under the day.
                let place = group
                    .iter()
                    .all(|s| s.where_ == group[0].where_)
                    .then(|| group[0].where_.clone());
                let shared = place.is_some();
                view! {
                <fieldset class="slot-day">
                    <legend>{day}</legend>
                    {place.map(|p| view! { <p class="hint">{p}</p> })}
                    {group.into_iter().map(|s| {
                        let id = format!("creneau-{n}");
                        n += 1;
                        let label = match shared {
                            true => s.time,
                            false => format!("{} — {}", s.time, s.where_),
                        };
                        view! {
                            <div class="choice">
                                <input type="radio" id=id.clone() name="slot" value=s.id />
                                <label for=id>{label}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
            }
            }).collect_view()}
        </fieldset>
    }
}

/// The citizen's appointments, and the free slots to book (or to move one to).
#[component]
pub fn AppointmentsPage(
    ctx: PageContext,
    appointments: Vec<AppointmentRow>,
    free: Vec<FreeSlot>,
    /// Moving this appointment: the slots replace it.
    moving: Option<AppointmentRow>,
    /// Cancelling this appointment, once confirmed.
    cancelling: Option<AppointmentRow>,
    notice: Option<String>,
    errors: FieldErrors,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let book_csrf = ctx.csrf.clone();
    let space = ctx.href("/mon-espace");
    let book_action = ctx.href("/mon-espace/rendez-vous");
    let page_href = ctx.href("/mon-espace/rendez-vous");
    let cancel_base = ctx.href("/mon-espace/rendez-vous");
    view! {
        <Document ctx title="Mes rendez-vous".to_owned()>
            <p><a href=space>"Mon espace"</a></p>
            <h1>"Mes rendez-vous"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            {cancelling.map(|a| {
                let action = format!("{cancel_base}/{}/annuler", a.id);
                let keep = page_href.clone();
                view! {
                    <section class="alert info confirm" aria-labelledby="confirmer-titre" id="confirmer">
                        <h2 id="confirmer-titre">{format!("Annuler votre rendez-vous du {} ?", a.when)}</h2>
                        <p>{a.where_}</p>
                        <form method="post" action=action novalidate=true>
                            <CsrfField token=csrf.clone() />
                            <button type="submit" class="warning">"Oui, annuler ce rendez-vous"</button>
                            " "
                            <a href=keep>"Non, le garder"</a>
                        </form>
                    </section>
                }
            })}
            {if appointments.is_empty() {
                view! { <p>"Vous n'avez pas de rendez-vous."</p> }.into_any()
            } else {
                let rows = appointments.into_iter().map(|a| {
                    let move_href = format!("{page_href}?deplacer={}#choisir", a.id);
                    let cancel_href = format!("{page_href}?annuler={}#confirmer", a.id);
                    let cancel_label = format!("Annuler le rendez-vous du {}", a.when);
                    let move_label = format!("Déplacer le rendez-vous du {}", a.when);
                    let actions = a.changeable.then(|| view! {
                        <a href=move_href aria-label=move_label>"Déplacer"</a>
                        " "
                        <a href=cancel_href aria-label=cancel_label>"Annuler"</a>
                    });
                    Row::new(vec![a.when.into_any(), a.where_.into_any(), a.state.into_any(), actions.into_any()])
                }).collect();
                view! {
                    <Table
                        caption="Vos rendez-vous, les prochains en premier"
                        headers=vec!["Quand", "Où", "État", "Actions"]
                        rows
                        empty=""
                    />
                }.into_any()
            }}
            <h2 id="choisir">{if moving.is_some() { "Choisir le nouveau créneau" } else { "Prendre un rendez-vous" }}</h2>
            {moving.as_ref().map(|m| view! { <p>{format!("Vous déplacez votre rendez-vous du {}. Il reste réservé tant que vous n'avez pas choisi le nouveau.", m.when)}</p> })}
            {if free.is_empty() {
                view! { <p>"Aucun créneau n'est libre pour le moment. Revenez plus tard ou appelez le département."</p> }.into_any()
            } else {
                let legend = "Créneaux libres".to_owned();
                view! {
                    <form method="post" action=book_action novalidate=true>
                        <CsrfField token=book_csrf />
                        {moving.clone().map(|m| view! { <input type="hidden" name="replacing" value=m.id /> })}
                        {slot_choice(free, legend, errors.of(FIRST_SLOT))}
                        <button type="submit">{if moving.is_some() { "Déplacer ici" } else { "Réserver ce créneau" }}</button>
                    </form>
                }.into_any()
            }}
        </Document>
    }
}

/// A slot on the staff page.
#[derive(Clone, Debug)]
pub struct StaffSlotRow {
    pub when: String,
    pub where_: String,
    /// The citizen's name and a link to their record, if booked.
    pub booked: Option<(String, String)>,
    /// For appointments that began and await attendance: the action.
    pub attendance_action: Option<String>,
}

/// The publish form, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SlotsForm {
    pub service: String,
    pub place: String,
    pub day: String,
    pub time: String,
    pub minutes: String,
    pub count: String,
}

/// Reception's appointments: publish slots, see who booked, record who came.
#[component]
pub fn StaffAppointmentsPage(
    ctx: PageContext,
    upcoming: Vec<StaffSlotRow>,
    to_record: Vec<StaffSlotRow>,
    form: SlotsForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let publish_csrf = ctx.csrf.clone();
    let action = ctx.href("/agents/rendez-vous");
    view! {
        <Document ctx title="Rendez-vous".to_owned()>
            <h1>"Rendez-vous"</h1>
            <SuccessNotice text=notice />
            {(!to_record.is_empty()).then(|| view! {
                <h2>"Qui est venu ?"</h2>
                <Table
                    caption="Rendez-vous passés à pointer"
                    headers=vec!["Quand", "Usager", "Présence"]
                    rows=to_record.into_iter().map(|r| {
                        let csrf = csrf.clone();
                        let (name, href) = r.booked.unwrap_or_default();
                        let came = format!("{} est venu(e)", name);
                        let missed = format!("{} n'est pas venu(e)", name);
                        let attendance = r.attendance_action.map(|action| view! {
                            <form method="post" action=action class="inline" novalidate=true>
                                <CsrfField token=csrf />
                                <button type="submit" name="came" value="oui" aria-label=came>"Venu"</button>
                                <button type="submit" name="came" value="non" class="secondary" aria-label=missed>"Absent"</button>
                            </form>
                        });
                        Row::new(vec![
                            r.when.into_any(),
                            view! { <a href=href>{name}</a> }.into_any(),
                            attendance.into_any(),
                        ])
                    }).collect()
                    empty=""
                />
            })}
            <h2>"Créneaux à venir"</h2>
            <Table
                caption="Dans l'ordre"
                headers=vec!["Quand", "Service et lieu", "Réservé par"]
                rows=upcoming.into_iter().map(|r| Row::new(vec![
                    r.when.into_any(),
                    r.where_.into_any(),
                    match r.booked {
                        Some((name, href)) => view! { <a href=href>{name}</a> }.into_any(),
                        None => "libre".into_any(),
                    },
                ])).collect()
                empty="Aucun créneau publié."
            />
            <h2>"Publier des créneaux"</h2>
            <ErrorSummary errors=errors.clone() />
            <form method="post" action=action novalidate=true>
                <CsrfField token=publish_csrf />
                <TextField name="service" label="Service" hint="Par exemple « Accueil social »." value=form.service maxlength=100 error=errors.of("service") />
                <TextField name="place" label="Lieu" hint="Adresse ou nom du bâtiment." value=form.place maxlength=200 error=errors.of("place") />
                <TextField name="day" label="Jour" kind="date" value=form.day error=errors.of("day") />
                <TextField name="time" label="Heure du premier créneau" kind="time" value=form.time error=errors.of("time") />
                <TextField name="minutes" label="Durée d'un créneau" hint="Entre 5 et 240." unit="minutes" width=FieldWidth::Chars5 inputmode="numeric" value=form.minutes error=errors.of("minutes") />
                <TextField name="count" label="Nombre de créneaux à la suite" hint="Entre 1 et 40." width=FieldWidth::Chars5 inputmode="numeric" value=form.count error=errors.of("count") />
                <button type="submit">"Publier"</button>
            </form>
        </Document>
    }
}

/// One part of the citizen's file, for the right of access.
#[derive(Clone, Debug)]
pub struct InfoSection {
    pub title: String,
    /// (heading, [(label, value)])
    pub items: Vec<(String, Vec<(String, String)>)>,
}

/// Everything the department holds on the citizen, with the download of it as a file.
#[component]
pub fn MyInformationPage(ctx: PageContext, sections: Vec<InfoSection>) -> impl IntoView {
    let space = ctx.href("/mon-espace");
    let download = ctx.href("/mon-espace/mes-informations.json");
    view! {
        <Document ctx title="Toutes mes informations".to_owned()>
            <p><a href=space>"Mon espace"</a></p>
            <h1>"Toutes mes informations"</h1>
            <p>"Voici tout ce que le département conserve sur vous. Vous pouvez aussi "<a href=download download="mes-informations.json">"télécharger ces informations dans un fichier (format JSON)"</a>", pour les garder ou les transmettre."</p>
            {sections.into_iter().map(|section| view! {
                <section>
                    <h2>{section.title}</h2>
                    {if section.items.is_empty() {
                        view! { <p>"Rien."</p> }.into_any()
                    } else {
                        section.items.into_iter().map(|(heading, lines)| view! {
                            <h3>{heading}</h3>
                            <SummaryList rows=SummaryRow::pairs(lines) />
                        }).collect_view().into_any()
                    }}
                </section>
            }).collect_view()}
        </Document>
    }
}

/// Before another module's staff open a whole record: why?
#[component]
pub fn WiderAccessPage(
    ctx: PageContext,
    citizen_id: i64,
    reason: String,
    errors: FieldErrors,
    action: String,
    minutes: i64,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Accès élargi au dossier d'un usager".to_owned()>
            <h1>"Accès élargi au dossier d'un usager"</h1>
            <p>{format!("Vous allez voir le dossier complet de l'usager n° {citizen_id}, au-delà de ce dont votre service a besoin d'habitude.")}</p>
            <div class="alert" role="note">
                <p>{format!("Cet accès dure {minutes} minutes. Il est inscrit au journal du département avec votre motif, et l'usager le lit dans « Qui a consulté mon dossier ».")}</p>
            </div>
            <ErrorSummary errors=errors.clone() />
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <TextArea name="reason" label="Pourquoi avez-vous besoin du dossier complet ?" hint="Une phrase, 15 caractères au moins : l'usager lira ce motif." rows=3 maxlength=500 value=reason error=errors.of("reason") />
                <button type="submit">"Ouvrir le dossier complet"</button>
            </form>
        </Document>
    }
}

/// An open wider access, as a supervisor reviews it.
#[derive(Clone, Debug)]
pub struct WiderAccessRow {
    /// The staff member and their service.
    pub who: String,
    pub citizen: String,
    pub since: String,
    pub until: String,
    pub reason: String,
    pub end_action: String,
}

/// A supervisor's list of the wider accesses open now, each with a button to end it.
#[component]
pub fn WiderAccessesPage(
    ctx: PageContext,
    rows: Vec<WiderAccessRow>,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Accès élargis en cours".to_owned()>
            <h1>"Accès élargis en cours"</h1>
            <SuccessNotice text=notice />
            <p>"Les agents d'autres services qui voient en ce moment le dossier complet d'un usager, et pourquoi. L'usager voit les mêmes accès dans son espace. Fermez celui dont le motif ne tient pas : l'agent ne voit plus le dossier, et l'usager le lit dans son journal."</p>
            <Table
                caption="Le plus ancien en premier"
                headers=vec!["Agent", "Usager", "Depuis le", "Jusqu'au", "Motif", "Action"]
                rows=rows.into_iter().map(|r| {
                    let label = format!("Fermer l'accès de {} au dossier de {}", r.who, r.citizen);
                    let end = view! {
                        <form method="post" action=r.end_action novalidate=true>
                            <CsrfField token=csrf.clone() />
                            <button type="submit" aria-label=label>"Fermer"</button>
                        </form>
                    };
                    Row::new(vec![
                        r.who.into_any(),
                        r.citizen.into_any(),
                        r.since.into_any(),
                        r.until.into_any(),
                        r.reason.into_any(),
                        end.into_any(),
                    ])
                }).collect()
                empty="Aucun accès élargi n'est ouvert."
            />
        </Document>
    }
}

/// The details form, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DetailsForm {
    pub phone: String,
    pub address: String,
    pub preferred: String,
}

/// A household member, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MemberForm {
    pub given: String,
    pub family: String,
    pub relation: String,
    pub birth_year: String,
}

/// A household member in the list.
#[derive(Clone, Debug)]
pub struct MemberRow {
    pub name: String,
    pub relation: String,
    pub birth_year: String,
    pub remove_action: String,
}

/// The citizen's contact details and household.
#[component]
pub fn MyDetailsPage(
    ctx: PageContext,
    form: DetailsForm,
    channels: Vec<(String, String)>,
    members: Vec<MemberRow>,
    member: MemberForm,
    relations: Vec<(String, String)>,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let member_csrf = ctx.csrf.clone();
    let remove_csrf = ctx.csrf.clone();
    let space = ctx.href("/mon-espace");
    let action = ctx.href("/mon-espace/coordonnees");
    let member_action = ctx.href("/mon-espace/coordonnees/foyer");
    view! {
        <Document ctx title="Mes coordonnées et mon foyer".to_owned()>
            <p><a href=space>"Mon espace"</a></p>
            <h1>"Mes coordonnées et mon foyer"</h1>
            <p>"Ces informations aident le département à vous joindre et à étudier vos demandes. Vous les changez quand vous voulez ; l'accueil du département les voit dans votre dossier."</p>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <h2>"Comment vous joindre"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <TextField name="phone" label="Téléphone" kind="tel" autocomplete="tel" width=FieldWidth::Chars20 optional=true value=form.phone error=errors.of("phone") />
                <TextArea name="address" label="Adresse postale" rows=3 maxlength=300 optional=true value=form.address error=errors.of("address") />
                <Choices
                    name="preferred"
                    legend="Comment préférez-vous être contacté ?"
                    options=channels.into_iter().map(|(value, label)| Choice {
                        checked: value == form.preferred,
                        value,
                        label,
                    }).collect()
                    error=errors.of("preferred-0")
                />
                <button type="submit">"Enregistrer mes coordonnées"</button>
            </form>
            <h2>"Les personnes qui vivent avec vous"</h2>
            <Table
                caption="Votre foyer"
                headers=vec!["Nom", "Lien", "Née ou né en", "Action"]
                rows=members.into_iter().map(|m| {
                    let label = format!("Retirer {}", m.name);
                    let remove = view! {
                        <form method="post" action=m.remove_action class="inline" novalidate=true>
                            <CsrfField token=remove_csrf.clone() />
                            <button type="submit" class="secondary">{label}</button>
                        </form>
                    };
                    Row::new(vec![m.name.into_any(), m.relation.into_any(), m.birth_year.into_any(), remove.into_any()])
                }).collect()
                empty="Vous n'avez indiqué personne."
            />
            <h3>"Ajouter une personne"</h3>
            <form method="post" action=member_action novalidate=true>
                <CsrfField token=member_csrf />
                <TextField name="given" label="Prénom" maxlength=100 value=member.given error=errors.of("given") />
                <TextField name="family" label="Nom" maxlength=100 value=member.family error=errors.of("family") />
                <SelectField
                    name="relation"
                    label="Lien avec vous"
                    options=relations.into_iter().map(|(value, label)| FilterOption {
                        selected: value == member.relation,
                        value,
                        label,
                    }).collect()
                    error=errors.of("relation")
                />
                <TextField name="birth_year" label="Année de naissance" width=FieldWidth::Chars5 inputmode="numeric" maxlength=4 optional=true value=member.birth_year error=errors.of("birth_year") />
                <button type="submit">"Ajouter au foyer"</button>
            </form>
        </Document>
    }
}

/// A record opened by hand, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewRecordForm {
    pub given: String,
    pub family: String,
    pub birthdate: String,
    pub email: String,
}

/// Reception opens a record for someone who never signed in; records that may be the same
/// person are shown first.
#[component]
pub fn NewRecordPage(
    ctx: PageContext,
    form: NewRecordForm,
    duplicates: Vec<CitizenHit>,
    errors: FieldErrors,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let action = ctx.href("/agents/usagers/nouveau");
    let search = ctx.href("/agents/usagers");
    let warned = !duplicates.is_empty();
    view! {
        <Document ctx title="Ouvrir un dossier".to_owned()>
            <p><a href=search>"Dossiers des usagers"</a></p>
            <h1>"Ouvrir un dossier"</h1>
            <p>"Pour une personne qui ne s'est jamais connectée. Une personne qui se connecte avec FranceConnect a déjà son dossier : cherchez-le plutôt."</p>
            <ErrorSummary errors=errors.clone() />
            {warned.then(|| view! {
                <div class="alert" role="alert">
                    <h2>"Un dossier existe peut-être déjà pour cette personne"</h2>
                    <p>"Même nom, même prénom, même date de naissance. Ouvrez-le pour vérifier :"</p>
                    <ul>
                        {duplicates.into_iter().map(|d| view! { <li><a href=d.href>{format!("{} — né(e) le {}", d.name, d.birthdate)}</a></li> }).collect_view()}
                    </ul>
                </div>
            })}
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <TextField name="given" label="Prénoms" value=form.given maxlength=100 error=errors.of("given") />
                <TextField name="family" label="Nom de naissance" value=form.family maxlength=100 error=errors.of("family") />
                <TextField name="birthdate" label="Date de naissance" kind="date" value=form.birthdate error=errors.of("birthdate") />
                <TextField name="email" label="Adresse électronique" kind="email" value=form.email optional=true error=errors.of("email") />
                {warned.then(|| view! {
                    <div class="choice">
                        <input type="checkbox" id="confirm" name="confirm" value="oui" />
                        <label for="confirm">"J'ai vérifié : ce n'est pas la même personne, ouvrir un nouveau dossier"</label>
                    </div>
                })}
                <button type="submit">"Ouvrir le dossier"</button>
            </form>
        </Document>
    }
}
