//! Insertion's pages (RSA): the people to orient with their legal clock, a person's page, the
//! imports of the benefit funds' files with their preview and progress.

mod contract;
mod invitations;
mod lists;
mod sanctions;
mod settings;

pub use contract::*;
pub use invitations::*;
pub use lists::*;
pub use sanctions::*;
pub use settings::*;

use leptos::prelude::*;

use crate::components::{
    Badge, Choice, Choices, DataTable, FieldWidth, FileField, FilterBar, FilterOption, ListTotal,
    Notice, NoticeKind, PageLinks, Row, SearchField, SelectField, SuccessNotice, SummaryList,
    SummaryRow, Table, TextArea, TextField, Tone,
};
use crate::islands::JobProgress;
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// One person of the list to orient.
#[derive(Clone, Debug)]
pub struct ToOrientRow {
    pub href: String,
    pub name: String,
    pub commune: String,
    pub entered: String,
    pub deadline: String,
    /// « 12 jours restants », « Dépassé de 3 jours ».
    pub clock: String,
    pub tone: Tone,
}

#[derive(Clone, Debug)]
pub struct ToOrientView {
    pub search: String,
    pub rows: Vec<ToOrientRow>,
    pub total: ListTotal,
    pub first_href: Option<String>,
    pub previous_href: Option<String>,
    pub next_href: Option<String>,
    pub list_href: String,
    /// The imports' page, for the orientation officer.
    pub imports_href: Option<String>,
    /// The people without referent.
    pub without_referent_href: String,
}

/// The people subject to rights and duties still to orient, the nearest deadline first.
#[component]
pub fn ToOrientPage(ctx: PageContext, list: ToOrientView) -> impl IntoView {
    let ToOrientView {
        search,
        rows,
        total,
        first_href,
        previous_href,
        next_href,
        list_href,
        imports_href,
        without_referent_href,
    } = list;
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|r| {
            let marked = matches!(r.tone, Tone::Error);
            let row = Row::new(vec![
                view! { <a href=r.href>{r.name}</a> }.into_any(),
                r.commune.into_any(),
                r.entered.into_any(),
                r.deadline.into_any(),
                view! { <Badge text=r.clock tone=r.tone /> }.into_any(),
            ]);
            if marked { row.marked("overdue") } else { row }
        })
        .collect();
    let count = match total {
        ListTotal::Exact(0) => "Personne à orienter.".to_owned(),
        ListTotal::Exact(1) => "1 personne à orienter.".to_owned(),
        ListTotal::Exact(n) => format!("{} personnes à orienter.", crate::islands::grouped(n)),
        ListTotal::MoreThan(n) => {
            format!(
                "Plus de {} personnes à orienter.",
                crate::islands::grouped(n)
            )
        }
    };
    view! {
        <Document ctx title="Personnes à orienter (RSA)".into()>
            <h1>"Personnes à orienter"</h1>
            <p>"Le département oriente chaque personne soumise aux droits et devoirs dans les 6 semaines (42 jours) qui suivent la réception de l'information par le département ; passé ce délai, France Travail l'oriente. Les délais les plus proches viennent en premier."</p>
            <ul class="links">
                {imports_href.map(|href| view! { <li><a href=href>"Importer un fichier de la CAF ou de la MSA"</a></li> })}
                <li><a href=without_referent_href>"Personnes sans référent"</a></li>
            </ul>
            <FilterBar action=list_href.clone() reset_href=list_href>
                <SearchField name="q" label="Nom ou prénom" value=search />
            </FilterBar>
            <p role="status">{count}</p>
            <Table
                caption="Personnes à orienter, par délai"
                headers=vec!["Personne", "Commune", "Information reçue le", "À orienter avant le", "Délai"]
                rows
                empty="Aucune personne à orienter ne correspond."
                class="dense"
            />
            <PageLinks first_href previous_href next_href />
        </Document>
    }
}

/// A person followed, and the timeline of their right.
#[derive(Clone, Debug)]
pub struct InsertionPersonView {
    pub name: String,
    pub facts: Vec<(String, String)>,
    /// (date, what happened, state of the right).
    pub timeline: Vec<Vec<String>>,
    /// « 12 jours restants », its tone, and the last day.
    pub clock: Option<(String, Tone, String)>,
    pub back_href: String,
    pub orientation: OrientationView,
    pub referent: ReferentView,
    pub contract: ContractSummary,
    pub invitations: InvitationsSummary,
    pub notes: NotesView,
    pub sanctions: SanctionsSummary,
}

/// The person's sanction cases on their page, and (for the officer) the way to open one.
#[derive(Clone, Debug, Default)]
pub struct SanctionsSummary {
    /// (href, opened on, ground, where it stands).
    pub rows: Vec<(String, String, String, String)>,
    pub open_href: Option<String>,
}

/// The person's sanction cases, and the officer's way to open one.
#[component]
fn SanctionsSection(sanctions: SanctionsSummary) -> impl IntoView {
    let rows = sanctions
        .rows
        .into_iter()
        .map(|(href, opened, ground, status)| {
            Row::new(vec![
                view! { <a href=href>{format!("Ouverte le {opened}")}</a> }.into_any(),
                ground.into_any(),
                status.into_any(),
            ])
        })
        .collect();
    view! {
        <h2>"Sanctions"</h2>
        <Table caption="Procédures de sanction" headers=vec!["Procédure", "Motif", "Où elle en est"]
            rows empty="Aucune procédure de sanction." />
        {sanctions.open_href.map(|href| view! { <p><a href=href>"Ouvrir une procédure de sanction"</a></p> })}
    }
}

/// The follow-up notes on a person's page, newest first, and the form to add one.
#[component]
fn NotesSection(notes: NotesView, csrf: String, error: Option<String>) -> impl IntoView {
    view! {
        <h2>"Notes de suivi"</h2>
        <p class="hint">"Lues par les agents de l'insertion seulement ; la personne peut les demander au titre de son droit d'accès."</p>
        {if notes.rows.is_empty() {
            view! { <p>"Aucune note."</p> }.into_any()
        } else {
            view! {
                <ul class="messages">
                    {notes.rows.into_iter().map(|(author, when, body)| view! {
                        <li><p>{format!("{author}, le {when}")}</p><p class="message-body">{body}</p></li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <form method="post" action=notes.action novalidate=true>
            <CsrfField token=csrf />
            <TextArea name="follow_up" label="Nouvelle note" value=notes.typed rows=3 maxlength=4000
                error=error />
            <button type="submit" class="secondary">"Enregistrer la note"</button>
        </form>
    }
}

/// The follow-up notes on a person's page (the module's workers only), and the form to add one.
#[derive(Clone, Debug)]
pub struct NotesView {
    /// (written by, when, the note), newest first.
    pub rows: Vec<(String, String, String)>,
    pub action: String,
    /// The note as typed, when it comes back with a mistake.
    pub typed: String,
}

/// The contract on the person's page: where it stands, the month to sign, the way to it.
#[derive(Clone, Debug)]
pub struct ContractSummary {
    pub href: String,
    /// « Version 2 en vigueur depuis le 12/01/2027 », « Aucun contrat signé ».
    pub state: String,
    pub sign_by: Option<(String, Tone, String)>,
}

/// The person's referent, their history, and the officer's form to name one.
#[derive(Clone, Debug, Default)]
pub struct ReferentView {
    /// Their name and since when, if they have one.
    pub current: Option<String>,
    /// (referent, from, to, named by, note).
    pub history: Vec<Vec<String>>,
    pub form: Option<ReferentForm>,
}

/// Naming a referent: whom, and a note for them.
#[derive(Clone, Debug)]
pub struct ReferentForm {
    pub action: String,
    pub options: Vec<FilterOption>,
    pub note: String,
}

/// The referent's select and note, for one person or many.
#[component]
fn ReferentFields(options: Vec<FilterOption>, note: String, errors: FieldErrors) -> impl IntoView {
    view! {
        <SelectField name="referent" label="Référent" options error=errors.of("referent") />
        <TextArea name="note" label="Note pour le référent" value=note rows=2 maxlength=500 optional=true
            hint="Ce qu'il faut savoir pour reprendre le suivi." error=errors.of("note") />
    }
}

/// Where the person's orientation stands, and what this staff member may do about it.
#[derive(Clone, Debug, Default)]
pub struct OrientationView {
    pub current: Vec<(String, String)>,
    pub pending: Vec<(String, String)>,
    /// (from, to, track, body, status).
    pub history: Vec<Vec<String>>,
    pub form: Option<OrientationForm>,
}

/// The proposal form (a referent) or the decision form (an officer), as typed.
#[derive(Clone, Debug)]
pub struct OrientationForm {
    pub action: String,
    /// The officer's: decides, with a start date.
    pub decides: bool,
    pub track: String,
    pub body: String,
    pub reason: String,
    pub starts_on: String,
    /// The officer may leave a waiting proposal aside, with a reason.
    pub refuse_action: Option<String>,
    pub refusal: String,
    /// The department's own names for the tracks, in `TRACKS` order (empty: none).
    pub own_names: Vec<String>,
}

const TRACKS: [(&str, &str); 3] = [
    ("professional", "Professionnel : France Travail"),
    ("socio_professional", "Socio-professionnel"),
    ("social", "Social"),
];

/// The proposal form (a referent's) or the decision form (an officer's), with the officer's
/// form to leave a waiting proposal aside.
#[component]
fn OrientationFormView(form: OrientationForm, csrf: String, errors: FieldErrors) -> impl IntoView {
    let f = form;
    let refuse_csrf = csrf.clone();
    let (title, button) = if f.decides {
        ("Décider de l'orientation", "Enregistrer la décision")
    } else {
        ("Proposer une orientation", "Envoyer la proposition")
    };
    let options = TRACKS
        .iter()
        .enumerate()
        .map(|(i, (value, label))| Choice {
            value: (*value).to_owned(),
            label: match f.own_names.get(i).filter(|own| !own.is_empty()) {
                Some(own) => format!("{label} — « {own} »"),
                None => (*label).to_owned(),
            },
            checked: f.track == *value,
        })
        .collect();
    view! {
        <h3>{title}</h3>
        <form method="post" action=f.action novalidate=true>
            <CsrfField token=csrf />
            <Choices name="track" legend="Parcours" options error=errors.of("track-0") />
            <TextField name="body" label="Organisme qui accompagne" value=f.body
                hint="Par exemple France Travail, le service social du département, une association."
                maxlength=150 error=errors.of("body") />
            <TextArea name="reason" label="Motif" value=f.reason rows=4 maxlength=1000
                hint="Ce qui, dans la situation de la personne, justifie ce parcours : la personne pourra le lire."
                error=errors.of("reason") />
            {f.decides.then(|| view! {
                <TextField name="starts_on" label="Date de début" kind="date" value=f.starts_on.clone()
                    width=FieldWidth::Chars10 hint="Au plus tard aujourd'hui ; l'orientation en cours s'arrête la veille."
                    error=errors.of("starts_on") />
            })}
            <button type="submit">{button}</button>
        </form>
        {f.refuse_action.map(|action| view! {
            <h3>"Ne pas retenir la proposition"</h3>
            <form method="post" action=action novalidate=true>
                <CsrfField token=refuse_csrf />
                <TextArea name="refusal" label="Pourquoi" value=f.refusal rows=3 maxlength=1000
                    error=errors.of("refusal") />
                <button type="submit" class="secondary">"Ne pas retenir"</button>
            </form>
        })}
    }
}

#[component]
pub fn InsertionPersonPage(
    ctx: PageContext,
    person: InsertionPersonView,
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let referent_csrf = ctx.csrf.clone();
    let InsertionPersonView {
        name,
        facts,
        timeline,
        clock,
        back_href,
        orientation,
        referent,
        contract,
        invitations,
        notes,
        sanctions,
    } = person;
    let notes_csrf = ctx.csrf.clone();
    let notes_error = errors.of("follow_up");
    let ReferentView {
        current: current_referent,
        history: referent_history,
        form: referent_form,
    } = referent;
    let referent_errors = errors.clone();
    let OrientationView {
        current,
        pending,
        history,
        form,
    } = orientation;
    let has_current = !current.is_empty();
    let has_pending = !pending.is_empty();
    let orientation_errors = errors.clone();
    let form =
        form.map(|form| view! { <OrientationFormView form csrf errors=orientation_errors /> });
    view! {
        <Document ctx title=format!("{name} — suivi RSA")>
            <p><a href=back_href>"Retour aux personnes à orienter"</a></p>
            <h1>{name}</h1>
            <SuccessNotice text=notice />
            {refusal.map(|r| view! { <Notice kind=NoticeKind::Error><p>{r}</p></Notice> })}
            <ErrorSummary errors=errors.clone() />
            {clock.map(|(text, tone, last)| view! {
                <p>"Délai pour orienter : " <Badge text tone /> {format!(" (avant le {last})")}</p>
            })}
            <h2>"Orientation"</h2>
            {(!has_current && !has_pending).then(|| view! { <p>"Pas encore orientée."</p> })}
            {has_current.then(|| view! {
                <h3>"Orientation en cours"</h3>
                <SummaryList rows=SummaryRow::pairs(current) />
            })}
            {has_pending.then(|| view! {
                <h3>"Proposition en attente de décision"</h3>
                <SummaryList rows=SummaryRow::pairs(pending) />
            })}
            {form}
            {(!history.is_empty()).then(|| view! {
                <DataTable
                    caption="Orientations successives"
                    headers=&["Du", "Au", "Parcours", "Organisme", "État"]
                    rows=history
                    empty=""
                />
            })}
            <h2>"Contrat d'engagement"</h2>
            <p>{contract.state}</p>
            {contract.sign_by.map(|(text, tone, last)| view! {
                <p>"Délai pour signer le contrat : " <Badge text tone /> {format!(" (avant le {last})")}</p>
            })}
            <p><a href=contract.href>"Voir et préparer le contrat"</a></p>
            <InvitationsSection invitations />
            <h2>"Référent"</h2>
            <p>{current_referent.unwrap_or_else(|| "Pas de référent désigné.".to_owned())}</p>
            {referent_form.map(|f| view! {
                <form method="post" action=f.action novalidate=true>
                    <CsrfField token=referent_csrf />
                    <ReferentFields options=f.options note=f.note errors=referent_errors />
                    <button type="submit">"Désigner ce référent"</button>
                </form>
            })}
            {(!referent_history.is_empty()).then(|| view! {
                <DataTable
                    caption="Référents successifs"
                    headers=&["Référent", "Du", "Au", "Désigné par", "Note"]
                    rows=referent_history
                    empty=""
                />
            })}
            <SanctionsSection sanctions />
            <NotesSection notes csrf=notes_csrf error=notes_error />
            <h2>"Ce que disent les fichiers de la caisse"</h2>
            <SummaryList rows=SummaryRow::pairs(facts) />
            <h2>"Historique du droit"</h2>
            <DataTable
                caption="Historique du droit au RSA"
                headers=&["Date", "Événement", "Situation du droit"]
                rows=timeline
                empty="Aucun événement."
            />
        </Document>
    }
}

/// One person without referent.
#[derive(Clone, Debug)]
pub struct WithoutReferentRow {
    pub id: i64,
    pub href: String,
    pub name: String,
    pub commune: String,
    pub entered: String,
}

#[derive(Clone, Debug)]
pub struct WithoutReferentView {
    pub rows: Vec<WithoutReferentRow>,
    pub total: ListTotal,
    pub first_href: Option<String>,
    pub previous_href: Option<String>,
    pub next_href: Option<String>,
    pub back_href: String,
    /// The officer names a referent for the people ticked.
    pub form: Option<ReferentForm>,
    /// The people ticked, as sent (kept when the form comes back with a mistake).
    pub ticked: Vec<i64>,
}

/// The people followed who have no referent: an alert for the officer, who names one for
/// many at once.
#[component]
pub fn WithoutReferentPage(
    ctx: PageContext,
    list: WithoutReferentView,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let WithoutReferentView {
        rows,
        total,
        first_href,
        previous_href,
        next_href,
        back_href,
        form,
        ticked,
    } = list;
    let ticks = form.is_some();
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let person = if ticks {
                // The first box carries the list's error anchor.
                let id = if i == 0 { "personnes-0".to_owned() } else { format!("personne-{}", r.id) };
                let checked = ticked.contains(&r.id);
                view! {
                    <span class="choice">
                        <input type="checkbox" id=id.clone() name="personnes" value=r.id.to_string() checked=checked />
                        <label for=id>{r.name}</label>
                    </span>
                }
                .into_any()
            } else {
                r.name.into_any()
            };
            Row::new(vec![
                person,
                view! { <a href=r.href>"Fiche"</a> }.into_any(),
                r.commune.into_any(),
                r.entered.into_any(),
            ])
        })
        .collect();
    let count = match total {
        ListTotal::Exact(0) => "Chaque personne suivie a son référent.".to_owned(),
        ListTotal::Exact(1) => "1 personne sans référent.".to_owned(),
        ListTotal::Exact(n) => format!("{} personnes sans référent.", crate::islands::grouped(n)),
        ListTotal::MoreThan(n) => {
            format!(
                "Plus de {} personnes sans référent.",
                crate::islands::grouped(n)
            )
        }
    };
    let table = view! {
        <Table
            caption="Personnes sans référent, les plus anciennes d'abord"
            headers=vec!["Personne", "Fiche", "Commune", "Information reçue le"]
            rows
            empty="Aucune personne sans référent."
        />
    };
    view! {
        <Document ctx title="Personnes sans référent (RSA)".into()>
            <p><a href=back_href>"Retour aux personnes à orienter"</a></p>
            <h1>"Personnes sans référent"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <p role="status">{count}</p>
            {match form {
                Some(f) => view! {
                    <form method="post" action=f.action novalidate=true>
                        <CsrfField token=csrf />
                        {errors.of("personnes").map(|e| view! { <p class="field-error">{e}</p> })}
                        {table}
                        <ReferentFields options=f.options note=f.note errors=errors.clone() />
                        <button type="submit">"Désigner ce référent pour les personnes cochées"</button>
                    </form>
                }
                .into_any(),
                None => table.into_any(),
            }}
            <PageLinks first_href previous_href next_href />
        </Document>
    }
}

/// One import in the list.
#[derive(Clone, Debug)]
pub struct ImportRow {
    pub href: String,
    pub number: String,
    pub file: String,
    pub sent: String,
    pub status: String,
    pub tone: Tone,
}

#[derive(Clone, Debug)]
pub struct ImportsView {
    pub upload_action: String,
    /// Sending a CSV or XLSX list, and the mappings to read it with.
    pub list_action: String,
    pub mappings: Vec<FilterOption>,
    pub mappings_href: String,
    pub imports: Vec<ImportRow>,
    pub list_href: String,
}

/// Sending a fund's file, and the imports so far.
#[component]
pub fn ImportsPage(ctx: PageContext, imports: ImportsView, errors: FieldErrors) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let ImportsView {
        upload_action,
        list_action,
        mappings,
        mappings_href,
        imports,
        list_href,
    } = imports;
    let list_csrf = csrf.clone();
    let list_errors = errors.clone();
    let rows: Vec<Row> = imports
        .into_iter()
        .map(|i| {
            Row::new(vec![
                view! { <a href=i.href>{i.number}</a> }.into_any(),
                i.file.into_any(),
                i.sent.into_any(),
                view! { <Badge text=i.status tone=i.tone /> }.into_any(),
            ])
        })
        .collect();
    view! {
        <Document ctx title="Importer un fichier de bénéficiaires du RSA".into()>
            <p><a href=list_href>"Retour aux personnes à orienter"</a></p>
            <h1>"Importer un fichier de bénéficiaires du RSA"</h1>
            <ErrorSummary errors=errors.clone() />
            <p>"Le fichier mensuel « flux bénéficiaires RSA » de la CAF ou de la MSA est d'abord lu en entier : vous voyez ce qu'il créerait, modifierait ou laisserait de côté, ligne par ligne pour les conflits. Rien n'est écrit avant votre confirmation. Le même fichier envoyé deux fois ne change rien."</p>
            <form method="post" action=upload_action enctype="multipart/form-data" novalidate=true>
                // First: the server checks it before it keeps any byte of the file.
                <CsrfField token=csrf />
                <FileField
                    name="fichier"
                    label="Fichier XML de la caisse"
                    hint="Le fichier tel que la CAF ou la MSA l'envoie (XML, 450 Mo au plus)."
                    accept=".xml,text/xml,application/xml"
                    error=errors.of("fichier")
                />
                <button type="submit">"Envoyer et voir l'aperçu"</button>
            </form>
            <h2>"Importer une liste CSV ou XLSX"</h2>
            <p>"Pour une liste tenue par le département ou un partenaire : chaque ligne est une personne, les lignes qui se suivent avec le même numéro d'allocataire forment un foyer. Elle se lit avec une correspondance de colonnes ; rien n'est écrit avant votre confirmation."</p>
            {if mappings.is_empty() {
                view! { <p>"Aucune correspondance de colonnes n'est enregistrée : " <a href=mappings_href.clone()>"enregistrez-en une"</a> " d'abord."</p> }.into_any()
            } else {
                view! {
                    <form method="post" action=list_action enctype="multipart/form-data" novalidate=true>
                        <CsrfField token=list_csrf />
                        <SelectField name="mapping" label="Correspondance de colonnes" options=mappings
                            error=list_errors.of("mapping") />
                        <FileField
                            name="liste"
                            label="Liste CSV ou XLSX"
                            hint="La première ligne donne les titres des colonnes (CSV : 450 Mo au plus ; XLSX : 60 Mo)."
                            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            error=list_errors.of("liste")
                        />
                        <button type="submit">"Envoyer la liste et voir l'aperçu"</button>
                    </form>
                    <p><a href=mappings_href.clone()>"Voir et enregistrer les correspondances de colonnes"</a></p>
                }.into_any()
            }}
            <h2>"Imports"</h2>
            <Table
                caption="Imports, du plus récent au plus ancien"
                headers=vec!["Import", "Fichier", "Envoyé", "État"]
                rows
                empty="Aucun fichier importé pour l'instant."
            />
        </Document>
    }
}

/// A conflict or a refused block of the preview.
#[derive(Clone, Debug)]
pub struct FindingRow {
    pub line: String,
    pub kind: String,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct ImportView {
    pub number: u64,
    pub status: String,
    pub tone: Tone,
    pub facts: Vec<(String, String)>,
    /// While a job reads or writes: (state address, done, total, what is counted).
    pub progress: Option<(String, u64, Option<u64>, String)>,
    pub refresh_href: String,
    pub counts: Vec<(String, String)>,
    pub findings: Vec<FindingRow>,
    /// Said when the list stops before the last finding.
    pub findings_more: Option<String>,
    pub outcome: Vec<(String, String)>,
    pub error: Option<String>,
    pub same_file: Option<String>,
    pub confirm_action: Option<String>,
    pub cancel_action: Option<String>,
    pub back_href: String,
}

/// An import: its progress, its preview to confirm, what it did.
#[component]
pub fn ImportPage(
    ctx: PageContext,
    import: ImportView,
    notice: Option<String>,
    refusal: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let cancel_csrf = ctx.csrf.clone();
    let ImportView {
        number,
        status,
        tone,
        facts,
        progress,
        refresh_href,
        counts,
        findings,
        findings_more,
        outcome,
        error,
        same_file,
        confirm_action,
        cancel_action,
        back_href,
    } = import;
    let findings: Vec<Row> = findings
        .into_iter()
        .map(|f| Row::text([f.line, f.kind, f.message]))
        .collect();
    let has_counts = !counts.is_empty();
    let has_outcome = !outcome.is_empty();
    view! {
        <Document ctx title=format!("Import n° {number}")>
            <p><a href=back_href>"Retour aux imports"</a></p>
            <h1>{format!("Import n° {number}")}</h1>
            <SuccessNotice text=notice />
            {refusal.map(|r| view! { <Notice kind=NoticeKind::Error><p>{r}</p></Notice> })}
            <p>"État : " <Badge text=status tone /></p>
            <SummaryList rows=SummaryRow::pairs(facts) />
            {progress.map(|(state_href, done, total, unit)| view! {
                <JobProgress state_href written=done total finished=false
                    label="Avancement".to_owned()
                    unit
                    waiting="La lecture du fichier va commencer.".to_owned() />
                <p><a href=refresh_href>"Actualiser l'avancement"</a></p>
                <p class="hint">"Vous pouvez quitter cette page : le travail continue, et vous le retrouverez dans la liste des imports."</p>
            })}
            {error.map(|e| view! {
                <Notice kind=NoticeKind::Error title=Some("Le fichier est refusé".to_owned())>
                    <p>{e}</p>
                    <p>"Rien n'a été importé. Demandez à la caisse un fichier corrigé, puis envoyez-le."</p>
                </Notice>
            })}
            {same_file.map(|s| view! { <Notice kind=NoticeKind::Info><p>{s}</p></Notice> })}
            {has_counts.then(|| view! {
                <h2>"Aperçu"</h2>
                <SummaryList rows=SummaryRow::pairs(counts) />
            })}
            {(!findings.is_empty()).then(|| view! {
                <h2>"Conflits et dossiers refusés"</h2>
                <p>"Ces dossiers ne sont pas importés : chacun dit pourquoi. Les autres le sont."</p>
                <Table
                    caption="Conflits et dossiers refusés, dans l'ordre du fichier"
                    headers=vec!["Ligne", "Nature", "Raison"]
                    rows=findings
                    empty=""
                />
                {findings_more.map(|m| view! { <p>{m}</p> })}
            })}
            {has_outcome.then(|| view! {
                <h2>"Ce que l'import a fait"</h2>
                <SummaryList rows=SummaryRow::pairs(outcome) />
            })}
            {confirm_action.map(|action| view! {
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    <button type="submit">"Confirmer l'import"</button>
                </form>
            })}
            {cancel_action.map(|action| view! {
                <form method="post" action=action novalidate=true>
                    <CsrfField token=cancel_csrf />
                    <button type="submit" class="secondary">"Abandonner cet import"</button>
                </form>
            })}
        </Document>
    }
}
