//! Disability's pages (MDPH): the person's requests, the rights and pieces steps of the
//! national form (its parts are the aid form's step pages), the review before filing; and
//! reception's list of files and a file's page with its completeness steps.

use leptos::prelude::*;

use crate::components::{
    Badge, Choice, Choices, FieldWidth, FileField, FilterBar, FilterOption, FilterSelect, Notice,
    NoticeKind, Row, SelectField, SuccessNotice, SummaryList, SummaryRow, Table, TextArea,
    TextField, Tone,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

mod follow_up;
mod sectors;
pub use follow_up::*;
pub use sectors::*;

/// One of the person's files, as their list shows it.
#[derive(Clone, Debug)]
pub struct MyFileRow {
    pub href: String,
    pub title: String,
    pub status: String,
    pub tone: Tone,
}

/// `/mon-espace/mdph`: the person's requests to the MDPH, and how to start one.
#[component]
pub fn MyMdphPage(
    ctx: PageContext,
    files: Vec<MyFileRow>,
    start_action: String,
    can_renew: bool,
    rights: Vec<RightInForce>,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let csrf_renew = ctx.csrf.clone();
    let renew_action = start_action.clone();
    view! {
        <Document ctx title="Mes demandes à la MDPH".into()>
            <h1>"Mes demandes à la MDPH"</h1>
            <SuccessNotice text=notice />
            <p>"La maison départementale des personnes handicapées (MDPH) étudie les demandes de droits liés au handicap : allocations (AAH, AEEH), prestation de compensation (PCH), carte mobilité inclusion, reconnaissance de travailleur handicapé, orientations, scolarisation. Une même demande peut porter sur plusieurs droits."</p>
            {if files.is_empty() {
                view! { <p>"Vous n'avez pas encore de demande à la MDPH."</p> }.into_any()
            } else {
                view! {
                    <ul class="cards">
                        {files.into_iter().map(|f| view! {
                            <li class="card">
                                <a href=f.href>{f.title}</a>
                                " "
                                <Badge text=f.status tone=f.tone />
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!rights.is_empty()).then(|| view! { <RightsInForce rights /> })}
            <h2>"Faire une demande"</h2>
            <p>"Il vous faut : le formulaire (rempli ici, en plusieurs étapes, que vous pouvez enregistrer et reprendre), un certificat médical CERFA 15695*01 rempli par votre médecin il y a moins d'un an, une pièce d'identité, un justificatif de domicile de moins de 3 mois, et, sous tutelle ou curatelle, le jugement. Vous pouvez aussi remplir la demande pour votre enfant ou pour la personne que vous aidez ou représentez."</p>
            <form method="post" action=start_action novalidate=true>
                <CsrfField token=csrf />
                <input type="hidden" name="nature" value="first" />
                <button type="submit">"Commencer une première demande"</button>
            </form>
            {can_renew.then(|| view! {
                <form method="post" action=renew_action novalidate=true>
                    <CsrfField token=csrf_renew />
                    <input type="hidden" name="nature" value="renewal" />
                    <p>"Un renouvellement reprend les réponses de votre dernière demande : vous relisez et confirmez chaque étape."</p>
                    <button type="submit" class="secondary">"Demander un renouvellement"</button>
                </form>
            })}
        </Document>
    }
}

/// The rights page of a draft (part E).
#[derive(Clone, Debug)]
pub struct RightsView {
    pub action: String,
    pub previous_href: String,
    pub options: Vec<Choice>,
    pub generic: bool,
    /// « Enfants (moins de 20 ans) » or « Adultes »: which rights are offered.
    pub pole: String,
}

#[component]
pub fn RightsPage(ctx: PageContext, view: RightsView, errors: FieldErrors) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let RightsView {
        action,
        previous_href,
        options,
        generic,
        pole,
    } = view;
    let rights_error = errors.of("droits");
    view! {
        <Document ctx title="Demande à la MDPH — les droits demandés".into()>
            <h1>"Demande à la MDPH"</h1>
            <p class="steps">"Partie E — Les droits demandés"</p>
            <ErrorSummary errors />
            <p>{format!("Les droits proposés sont ceux des {} : ils dépendent de l'âge de la personne concernée.", pole.to_lowercase())}</p>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <Choices name="droits" legend="Les droits que vous demandez" options multiple=true
                    hint="Cochez chaque droit demandé : chacun est étudié et décidé séparément."
                    error=rights_error />
                <div class="choice">
                    <input type="checkbox" id="generique" name="generique" value="oui" checked=generic />
                    <label for="generique">"Je ne sais pas quels droits demander : je demande à l'équipe d'étudier tous mes droits"</label>
                </div>
                <div class="actions">
                    <button type="submit">"Continuer"</button>
                </div>
            </form>
            <p><a href=previous_href>"Revenir à l'étape précédente"</a></p>
        </Document>
    }
}

/// A piece of a file, as the person or reception sees it.
#[derive(Clone, Debug)]
pub struct PieceRow {
    pub kind: String,
    pub description: String,
    pub received: String,
    pub status: String,
    pub tone: Tone,
    pub reason: Option<String>,
    /// Where to open it, for those who may.
    pub href: Option<String>,
    /// Reception's verdict form, while the file waits for it.
    pub review_action: Option<String>,
    pub id: i64,
}

/// The form to send a piece.
#[derive(Clone, Debug)]
pub struct PieceForm {
    pub action: String,
    pub kinds: Vec<FilterOption>,
    pub certificate_date: String,
    pub rpps: String,
}

/// The pieces of a file: sent ones, missing ones, and the form to send one.
#[component]
pub fn PiecesSection(
    csrf: String,
    pieces: Vec<PieceRow>,
    missing: Vec<String>,
    form: Option<PieceForm>,
    errors: FieldErrors,
) -> impl IntoView {
    let rows = pieces
        .into_iter()
        .map(|p| {
            let kind = match p.href {
                Some(href) => view! { <a href=href>{p.kind}</a> }.into_any(),
                None => p.kind.into_any(),
            };
            let status = match p.reason {
                Some(reason) => view! { <Badge text=p.status tone=p.tone />" "{reason} }.into_any(),
                None => view! { <Badge text=p.status tone=p.tone /> }.into_any(),
            };
            Row::new(vec![
                kind,
                p.description.into_any(),
                p.received.into_any(),
                status,
            ])
        })
        .collect::<Vec<_>>();
    view! {
        <Table caption="Les pièces envoyées" headers=vec!["Pièce", "Fichier", "Reçue le", "État"] rows
            empty="Aucune pièce envoyée pour l'instant." />
        {(!missing.is_empty()).then(|| view! {
            <Notice kind=NoticeKind::Info title=Some("Pièces obligatoires manquantes".to_owned())>
                <ul>{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
            </Notice>
        })}
        {form.map(|form| {
            let PieceForm { action, kinds, certificate_date, rpps } = form;
            view! {
                <h2>"Envoyer une pièce"</h2>
                <p>"Le certificat médical et les autres pièces médicales sont envoyés « sous pli confidentiel » : seuls les médecins de l'équipe d'évaluation les lisent."</p>
                <form method="post" action=action novalidate=true enctype="multipart/form-data">
                    <CsrfField token=csrf />
                    <SelectField name="nature" label="Quelle pièce envoyez-vous ?" options=kinds error=errors.of("nature") />
                    <FileField name="fichier" label="Le fichier" error=errors.of("fichier") />
                    <TextField name="date_certificat" label="Pour le certificat médical : sa date" kind="date"
                        width=FieldWidth::Chars10 value=certificate_date optional=true
                        hint="La date écrite par le médecin en dernière page ; le certificat doit avoir moins d'un an."
                        error=errors.of("date_certificat") />
                    <TextField name="rpps" label="Pour le certificat médical : le numéro RPPS du médecin" width=FieldWidth::Chars20
                        inputmode="numeric" value=rpps optional=true
                        hint="11 chiffres, près de la signature du médecin."
                        error=errors.of("rpps") />
                    <button type="submit">"Envoyer la pièce"</button>
                </form>
            }
        })}
    }
}

/// The pieces step of a draft.
#[derive(Clone, Debug)]
pub struct DraftPiecesView {
    pub pieces: Vec<PieceRow>,
    pub missing: Vec<String>,
    pub form: PieceForm,
    pub previous_href: String,
    pub next_href: String,
}

#[component]
pub fn DraftPiecesPage(
    ctx: PageContext,
    view: DraftPiecesView,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let DraftPiecesView {
        pieces,
        missing,
        form,
        previous_href,
        next_href,
    } = view;
    view! {
        <Document ctx title="Demande à la MDPH — les pièces".into()>
            <h1>"Demande à la MDPH"</h1>
            <p class="steps">"Les pièces à joindre"</p>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <p>"Vous pouvez déposer votre demande même s'il manque une pièce : la MDPH vous la demandera. Votre demande n'est étudiée qu'une fois complète."</p>
            <PiecesSection csrf pieces missing form=Some(form) errors />
            <p><a href=next_href class="button">"Continuer vers le récapitulatif"</a></p>
            <p><a href=previous_href>"Revenir aux droits demandés"</a></p>
        </Document>
    }
}

/// One part of the review: its title, answers and where to change them.
#[derive(Clone, Debug)]
pub struct ReviewPart {
    pub title: String,
    pub change_href: String,
    pub answers: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct ReviewView {
    pub parts: Vec<ReviewPart>,
    pub rights: Vec<String>,
    pub rights_href: String,
    pub pieces_href: String,
    pub pieces: Vec<String>,
    pub missing: Vec<String>,
    pub action: String,
}

/// The review before filing, and the signature.
#[component]
pub fn ReviewPage(ctx: PageContext, view: ReviewView, errors: FieldErrors) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let ReviewView {
        parts,
        rights,
        rights_href,
        pieces_href,
        pieces,
        missing,
        action,
    } = view;
    let signed_error = errors.of("signature");
    let signed_invalid = signed_error.is_some();
    view! {
        <Document ctx title="Demande à la MDPH — récapitulatif".into()>
            <h1>"Vérifiez votre demande à la MDPH"</h1>
            <ErrorSummary errors />
            {parts.into_iter().map(|part| {
                let rows = part.answers.into_iter().map(|(label, value)| SummaryRow::text(label, value).changed_at(part.change_href.clone())).collect();
                view! {
                    <h2>{part.title}</h2>
                    <SummaryList rows />
                }
            }).collect_view()}
            <h2>"Partie E — Les droits demandés"</h2>
            <ul>{rights.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            <p><a href=rights_href>"Modifier les droits demandés"</a></p>
            <h2>"Les pièces"</h2>
            {if pieces.is_empty() {
                view! { <p>"Aucune pièce envoyée."</p> }.into_any()
            } else {
                view! { <ul>{pieces.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul> }.into_any()
            }}
            {(!missing.is_empty()).then(|| view! {
                <Notice kind=NoticeKind::Info title=Some("Il manque des pièces obligatoires".to_owned())>
                    <p>"Vous pouvez déposer maintenant et les envoyer ensuite depuis votre espace ; la MDPH étudiera votre demande une fois complète."</p>
                    <ul>{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </Notice>
            })}
            <p><a href=pieces_href>"Ajouter des pièces"</a></p>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <div class="field" class:field-invalid=signed_invalid>
                    {signed_error.map(|e| view! { <p class="field-error" id="signature-error">{e}</p> })}
                    <div class="choice">
                        <input type="checkbox" id="signature" name="signature" value="oui" />
                        <label for="signature">"Je certifie sur l'honneur l'exactitude des informations de cette demande, pour moi-même ou pour la personne que je représente"</label>
                    </div>
                </div>
                <button type="submit">"Déposer ma demande"</button>
            </form>
        </Document>
    }
}

/// A right asked for, as the file's pages list it.
#[derive(Clone, Debug)]
pub struct RequestRow {
    pub right: String,
    pub status: String,
    pub due: String,
    /// The decision's notification, once notified.
    pub notification: Option<String>,
    /// Where the person contests the decision, while they may.
    pub contest: Option<String>,
    /// Where their appeal stands.
    pub appeal: Option<String>,
}

fn request_table(
    caption: &'static str,
    due: &'static str,
    requests: Vec<RequestRow>,
) -> impl IntoView {
    let rows = requests
        .into_iter()
        .map(|r| {
            let status = view! {
                {r.status}
                {r.notification.map(|href| view! { " — "<a href=href>"Lire la notification (PDF)"</a> })}
                {r.contest.map(|href| view! { " — "<a href=href>"Contester cette décision"</a> })}
                {r.appeal.map(|text| view! { <br />{text} })}
            }
            .into_any();
            Row::new(vec![r.right.into_any(), status, r.due.into_any()])
        })
        .collect();
    view! { <Table caption headers=vec!["Droit", "État", due] rows empty="Aucun droit demandé." /> }
}

/// A filed file, as the person reads it.
#[derive(Clone, Debug)]
pub struct MyFileView {
    pub reference: String,
    pub status: String,
    pub tone: Tone,
    pub facts: Vec<(String, String)>,
    pub requests: Vec<RequestRow>,
    pub asked: Option<String>,
    pub pieces: Vec<PieceRow>,
    pub missing: Vec<String>,
    pub form: Option<PieceForm>,
    pub explain_action: Option<String>,
    pub explanation: String,
    /// The compensation plan, once sent: where to read it, and whether an answer is awaited.
    pub plan: Option<(String, Option<String>)>,
}

#[component]
pub fn MyFilePage(
    ctx: PageContext,
    view: MyFileView,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let csrf_explain = ctx.csrf.clone();
    let MyFileView {
        reference,
        status,
        tone,
        facts,
        requests,
        asked,
        pieces,
        missing,
        form,
        explain_action,
        explanation,
        plan,
    } = view;
    let explanation_error = errors.of("explication");
    view! {
        <Document ctx title=format!("Demande {reference}")>
            <h1>{format!("Demande à la MDPH {reference}")}</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <p><Badge text=status tone /></p>
            <SummaryList rows=SummaryRow::pairs(facts) />
            {asked.map(|asked| view! {
                <Notice kind=NoticeKind::Info title=Some("La MDPH attend des pièces".to_owned())>
                    <p>{asked}</p>
                </Notice>
            })}
            {plan.map(|(href, awaited)| match awaited {
                Some(by) => view! {
                    <Notice kind=NoticeKind::Info title=Some("Votre plan de compensation vous attend".to_owned())>
                        <p>{format!("L'équipe a fait ses propositions à la commission. Vous pouvez y répondre jusqu'au {by}. ")}<a href=href>"Lire le plan et répondre"</a></p>
                    </Notice>
                }.into_any(),
                None => view! { <p><a href=href>"Lire votre plan personnalisé de compensation"</a></p> }.into_any(),
            })}
            <h2>"Les droits demandés"</h2>
            {request_table("Chaque droit est étudié et décidé séparément", "Décision attendue au plus tard le", requests)}
            <h2>"Les pièces"</h2>
            <PiecesSection csrf pieces missing form errors />
            {explain_action.map(|action| view! {
                <h2>"Vous ne pouvez pas envoyer une pièce ?"</h2>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf_explain />
                    <TextArea name="explication" label="Expliquez pourquoi" value=explanation rows=4 maxlength=1000
                        hint="La MDPH lira votre explication avant de décider de la suite de votre demande."
                        error=explanation_error />
                    <button type="submit" class="secondary">"Envoyer l'explication"</button>
                </form>
            })}
        </Document>
    }
}

/// One file of reception's list.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub href: String,
    pub reference: String,
    pub name: String,
    pub pole: String,
    pub team: String,
    pub filed: String,
    pub status: String,
    pub tone: Tone,
    pub clock: String,
}

/// A tab of reception's list: a stage with its count.
#[derive(Clone, Debug)]
pub struct StageTab {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// The team filter above reception's list, once the department has sectors: (the list's
/// address with the stage kept, the teams).
pub type TeamFilter = Option<(String, String, Vec<FilterOption>)>;

#[component]
pub fn ReceptionQueuePage(
    ctx: PageContext,
    tabs: Vec<StageTab>,
    /// (action, stage kept, teams).
    teams: TeamFilter,
    rows: Vec<QueueRow>,
) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|r| {
            Row::new(vec![
                view! { <a href=r.href>{r.reference}</a> }.into_any(),
                r.name.into_any(),
                r.pole.into_any(),
                r.team.into_any(),
                r.filed.into_any(),
                view! { <Badge text=r.status tone=r.tone /> }.into_any(),
                r.clock.into_any(),
            ])
        })
        .collect();
    view! {
        <Document ctx title="Demandes à la MDPH".into()>
            <h1>"Demandes à la MDPH"</h1>
            <nav aria-label="Étapes">
                <ul class="tabs">
                    {tabs.into_iter().map(|t| view! {
                        <li><a href=t.href aria-current=t.current.then_some("page")>{t.label}</a></li>
                    }).collect_view()}
                </ul>
            </nav>
            {teams.map(|(action, stage, options)| {
                let reset = format!("{action}?etape={stage}");
                view! {
                    <FilterBar action reset_href=reset>
                        <input type="hidden" name="etape" value=stage />
                        <FilterSelect name="equipe" label="Équipe" options />
                    </FilterBar>
                }
            })}
            <Table caption="Les demandes, les plus anciennes d'abord" class="dense"
                headers=vec!["Référence", "Personne", "Pôle", "Équipe", "Déposée le", "État", "Délai"]
                rows empty="Aucune demande à cette étape." />
        </Document>
    }
}

/// Reception's steps on a file, where they apply.
#[derive(Clone, Debug)]
pub struct ReceptionActions {
    pub acknowledge: Option<String>,
    pub ask: Option<String>,
    pub irrecevable: Option<String>,
    pub deadline: String,
    pub message: String,
    /// The committee's secretariat puts a complete file on a session: (action, sessions).
    pub agenda: Option<(String, Vec<FilterOption>)>,
}

#[derive(Clone, Debug)]
pub struct StaffFileView {
    pub reference: String,
    pub status: String,
    pub tone: Tone,
    pub facts: Vec<(String, String)>,
    pub parts: Vec<ReviewPart>,
    pub requests: Vec<RequestRow>,
    pub pieces: Vec<PieceRow>,
    pub missing: Vec<String>,
    pub explanation: Option<String>,
    pub actions: ReceptionActions,
    /// The team's evaluation, once the file is complete.
    pub evaluation: Option<EvaluationView>,
    pub follow_up: FollowUpView,
}

/// An observation as the page shows it: a medical one's text to physicians only.
#[derive(Clone, Debug)]
pub struct ObservationRow {
    pub area: String,
    pub author: String,
    pub date: String,
    pub body: String,
}

/// A request with the team's proposal, and the form to change it.
#[derive(Clone, Debug)]
pub struct ProposalRow {
    pub right: String,
    pub proposal: String,
    pub reason: String,
    pub action: Option<String>,
    pub id: i64,
}

#[derive(Clone, Debug)]
pub struct EvaluationView {
    pub observations: Vec<ObservationRow>,
    pub findings: Vec<(String, String)>,
    pub observe_action: Option<String>,
    pub areas: Vec<FilterOption>,
    pub observation: String,
    pub findings_action: Option<String>,
    pub bands: Vec<Choice>,
    pub rsdae: bool,
    pub lasting: bool,
    pub proposals: Vec<ProposalRow>,
    pub proposal_options: Vec<FilterOption>,
}

/// The team's evaluation on a file's page.
#[component]
fn EvaluationSection(view: EvaluationView, csrf: String, errors: FieldErrors) -> impl IntoView {
    let EvaluationView {
        observations,
        findings,
        observe_action,
        areas,
        observation,
        findings_action,
        bands,
        rsdae,
        lasting,
        proposals,
        proposal_options,
    } = view;
    let observation_rows = observations
        .into_iter()
        .map(|o| Row::text([o.area, o.author, o.date, o.body]))
        .collect();
    let (csrf_observe, csrf_findings) = (csrf.clone(), csrf.clone());
    view! {
        <h2>"Évaluation de l'équipe pluridisciplinaire"</h2>
        <SummaryList rows=SummaryRow::pairs(findings) />
        <Table caption="Observations par domaine" headers=vec!["Domaine", "Par", "Le", "Observation"]
            rows=observation_rows empty="Aucune observation pour l'instant." />
        {observe_action.map(|action| view! {
            <h3>"Écrire une observation"</h3>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf_observe />
                <SelectField name="domaine" label="Domaine" options=areas error=errors.of("domaine") />
                <TextArea name="observation" label="Observation" value=observation rows=5 maxlength=4000
                    error=errors.of("observation") />
                <button type="submit">"Enregistrer l'observation"</button>
            </form>
        })}
        {findings_action.map(|action| view! {
            <h3>"Taux d'incapacité et critères"</h3>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf_findings />
                <Choices name="taux" legend="Tranche du taux d'incapacité" options=bands error=errors.of("taux") />
                <div class="field" class:field-invalid=errors.of("rsdae").is_some()>
                    {errors.of("rsdae").map(|e| view! { <p class="field-error" id="rsdae-error">{e}</p> })}
                    <div class="choice">
                        <input type="checkbox" id="rsdae" name="rsdae" value="oui" checked=rsdae />
                        <label for="rsdae">"Restriction substantielle et durable pour l'accès à l'emploi (RSDAE)"</label>
                    </div>
                </div>
                <div class="field" class:field-invalid=errors.of("durable").is_some()>
                    {errors.of("durable").map(|e| view! { <p class="field-error" id="durable-error">{e}</p> })}
                    <div class="choice">
                        <input type="checkbox" id="durable" name="durable" value="oui" checked=lasting />
                        <label for="durable">"Pas d'amélioration attendue (droits sans limitation de durée là où la loi le permet)"</label>
                    </div>
                </div>
                <button type="submit">"Enregistrer le taux et les critères"</button>
            </form>
        })}
        <h3>"Propositions à la commission"</h3>
        {proposals.into_iter().map(|p| {
            let options = proposal_options.clone();
            let heading = format!("{} — {}", p.right, p.proposal);
            let select_label = format!("Proposition pour : {}", p.right);
            let reason_label = format!("Motif pour : {} (pour un refus ou un accord partiel)", p.right);
            let select_id = format!("proposition-{}", p.id);
            let reason_id = format!("motif-proposition-{}", p.id);
            let csrf = csrf.clone();
            view! {
                <h4>{heading}</h4>
                {(!p.reason.is_empty()).then(|| view! { <p>{p.reason.clone()}</p> })}
                {p.action.map(|action| view! {
                    <form method="post" action=action novalidate=true>
                        <CsrfField token=csrf />
                        <div class="field">
                            <label for=select_id.clone()>{select_label}</label>
                            <select id=select_id name="proposition">
                                {options.into_iter().map(|o| view! { <option value=o.value selected=o.selected>{o.label}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for=reason_id.clone()>{reason_label}</label>
                            <textarea id=reason_id name="motif" rows=3 maxlength=4000></textarea>
                        </div>
                        <button type="submit" class="secondary">"Enregistrer la proposition"</button>
                    </form>
                })}
            }
        }).collect_view()}
    }
}

#[component]
pub fn StaffFilePage(
    ctx: PageContext,
    view: StaffFileView,
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let StaffFileView {
        reference,
        status,
        tone,
        facts,
        parts,
        requests,
        pieces,
        missing,
        explanation,
        actions,
        evaluation,
        follow_up,
    } = view;
    let reviews: Vec<PieceRow> = pieces
        .iter()
        .filter(|p| p.review_action.is_some())
        .cloned()
        .collect();
    view! {
        <Document ctx title=format!("Demande {reference}")>
            <h1>{format!("Demande à la MDPH {reference}")}</h1>
            <SuccessNotice text=notice />
            {refusal.map(|r| view! { <Notice kind=NoticeKind::Error><p>{r}</p></Notice> })}
            <ErrorSummary errors=errors.clone() />
            <p><Badge text=status tone /></p>
            <SummaryList rows=SummaryRow::pairs(facts) />
            <h2>"Les droits demandés"</h2>
            {request_table("Une demande par droit", "Décision au plus tard le", requests)}
            <h2>"Les pièces"</h2>
            <PiecesSection csrf=csrf.clone() pieces missing form=None errors=FieldErrors::new() />
            {explanation.map(|e| view! {
                <Notice kind=NoticeKind::Info title=Some("Explication de la personne".to_owned())><p>{e}</p></Notice>
            })}
            {(!reviews.is_empty()).then(|| view! {
                <h2>"Examiner les pièces"</h2>
                {reviews.into_iter().map(|p| {
                    let action = p.review_action.clone().unwrap_or_default();
                    let reason_id = format!("motif-{}", p.id);
                    let legend = format!("{} — {}", p.kind, p.description);
                    view! {
                        <form method="post" action=action novalidate=true class="inline-review">
                            <CsrfField token=csrf.clone() />
                            <fieldset>
                                <legend>{legend}</legend>
                                <div class="field">
                                    <label for=reason_id.clone()>"Motif, si vous la refusez (facultatif pour l'accepter)"</label>
                                    <input type="text" id=reason_id name="motif" maxlength=1000 />
                                </div>
                                <button type="submit" name="verdict" value="accepter">"Accepter la pièce"</button>
                                " "
                                <button type="submit" name="verdict" value="refuser" class="secondary">"Refuser la pièce"</button>
                            </fieldset>
                        </form>
                    }
                }).collect_view()}
            })}
            <ReceptionSteps actions csrf=csrf.clone() errors=errors.clone() />
            {evaluation.map(|view| view! { <EvaluationSection view csrf=csrf.clone() errors=errors.clone() /> })}
            <StaffFollowUp view=follow_up csrf errors />
            {parts.into_iter().map(|part| {
                let rows = SummaryRow::pairs(part.answers);
                view! {
                    <h2>{part.title}</h2>
                    <SummaryList rows />
                }
            }).collect_view()}
        </Document>
    }
}

#[component]
fn ReceptionSteps(actions: ReceptionActions, csrf: String, errors: FieldErrors) -> impl IntoView {
    let ReceptionActions {
        acknowledge,
        ask,
        irrecevable,
        deadline,
        message,
        agenda,
    } = actions;
    let (csrf_ack, csrf_ask, csrf_irr, csrf_agenda) =
        (csrf.clone(), csrf.clone(), csrf.clone(), csrf);
    let session_error = errors.of("seance");
    view! {
        {acknowledge.map(|action| view! {
            <h2>"Le dossier est complet"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf_ack />
                <p>"L'accusé de réception part à la personne ; le délai de 4 mois de chaque droit court à partir d'aujourd'hui."</p>
                <button type="submit">"Accuser réception du dossier complet"</button>
            </form>
        })}
        {ask.map(|action| view! {
            <h2>"Demander des pièces"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf_ask />
                <TextField name="echeance" label="Date limite" kind="date" width=FieldWidth::Chars10 value=deadline
                    hint="Dans les 3 mois ; passé cette date, le dossier pourra être déclaré irrecevable."
                    error=errors.of("echeance") />
                <TextArea name="message" label="Message à la personne" value=message rows=3 maxlength=1000 optional=true
                    hint="Les pièces manquantes et refusées sont listées d'elles-mêmes ; ajoutez ce qui aide à les réunir."
                    error=errors.of("message") />
                <button type="submit" class="secondary">"Demander les pièces"</button>
            </form>
        })}
        {irrecevable.map(|action| view! {
            <h2>"Date limite passée"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf_irr />
                <p>"Les pièces obligatoires ne sont pas arrivées : la personne reçoit un courrier d'irrecevabilité avec les voies de recours."</p>
                <button type="submit" class="secondary">"Déclarer le dossier irrecevable"</button>
            </form>
        })}
        {agenda.map(|(action, sessions)| view! {
            <h2>"Inscrire en séance de la commission"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf_agenda />
                <SelectField name="seance" label="Séance" options=sessions error=session_error />
                <button type="submit" class="secondary">"Inscrire le dossier"</button>
            </form>
        })}
    }
}

/// A session of the committee, as the list shows it.
#[derive(Clone, Debug)]
pub struct SessionRow {
    pub href: String,
    pub held_on: String,
    pub formation: String,
    pub files: String,
}

/// The committee's sessions, and the form to open one (its secretariat).
#[component]
pub fn SessionsPage(
    ctx: PageContext,
    sessions: Vec<SessionRow>,
    open_action: Option<String>,
    typed: (String, String),
    errors: FieldErrors,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let rows = sessions
        .into_iter()
        .map(|s| {
            Row::new(vec![
                view! { <a href=s.href>{format!("Séance du {}", s.held_on)}</a> }.into_any(),
                s.formation.into_any(),
                s.files.into_any(),
            ])
        })
        .collect();
    let (held_on, formation) = typed;
    view! {
        <Document ctx title="Commission des droits et de l'autonomie".into()>
            <h1>"Commission des droits et de l'autonomie (CDAPH)"</h1>
            <ErrorSummary errors=errors.clone() />
            <Table caption="Les séances, les plus récentes d'abord" headers=vec!["Séance", "Formation", "Dossiers"]
                rows empty="Aucune séance pour l'instant." />
            {open_action.map(|action| view! {
                <h2>"Ouvrir une séance"</h2>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    <TextField name="date" label="Date de la séance" kind="date" width=FieldWidth::Chars10
                        value=held_on error=errors.of("date") />
                    <Choices name="formation" legend="Formation" error=errors.of("formation") options=vec![
                        Choice { value: "plenary".into(), label: "Plénière".into(), checked: formation == "plenary" },
                        Choice { value: "restricted".into(), label: "Restreinte (procédure simplifiée)".into(), checked: formation == "restricted" },
                    ] />
                    <button type="submit">"Ouvrir la séance"</button>
                </form>
            })}
        </Document>
    }
}

/// One request on a session's agenda, with its decision or the form to record it.
#[derive(Clone, Debug)]
pub struct AgendaRequest {
    pub id: i64,
    pub right: String,
    pub proposal: String,
    pub decision: Option<String>,
    pub action: Option<String>,
    /// Whether the right may have a complement level (AEEH, PCH).
    pub level: bool,
}

/// One file on a session's agenda.
#[derive(Clone, Debug)]
pub struct AgendaFile {
    pub href: String,
    pub reference: String,
    pub name: String,
    pub findings: String,
    /// The person's answer to the compensation plan, if any.
    pub plan: Option<String>,
    pub requests: Vec<AgendaRequest>,
}

/// A session's agenda: each file with its requests, the team's proposal and the decision.
#[component]
pub fn SessionPage(
    ctx: PageContext,
    title: String,
    files: Vec<AgendaFile>,
    note: Option<String>,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title=title.clone()>
            <h1>{title}</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            {note.map(|n| view! { <p>{n}</p> })}
            {if files.is_empty() {
                view! { <p class="empty">"Aucun dossier inscrit à cette séance : inscrivez-en depuis la page d'un dossier complet."</p> }.into_any()
            } else {
                files.into_iter().map(|f| {
                    let csrf = csrf.clone();
                    let errors = errors.clone();
                    view! {
                        <h2><a href=f.href>{f.reference}</a>{format!(" — {}", f.name)}</h2>
                        <p>{f.findings}</p>
                        {f.plan.map(|p| view! { <Notice kind=NoticeKind::Info title=Some("Réponse de la personne au plan".to_owned())><p>{p}</p></Notice> })}
                        {f.requests.into_iter().map(|r| view! { <AgendaItem request=r csrf=csrf.clone() errors=errors.clone() /> }).collect_view()}
                    }
                }).collect_view().into_any()
            }}
        </Document>
    }
}

#[component]
fn AgendaItem(request: AgendaRequest, csrf: String, errors: FieldErrors) -> impl IntoView {
    let AgendaRequest {
        id,
        right,
        proposal,
        decision,
        action,
        level,
    } = request;
    view! {
        <h3>{right.clone()}</h3>
        <p>{format!("Proposition de l'équipe : {proposal}")}</p>
        {decision.map(|d| view! { <p><strong>{d}</strong></p> })}
        {action.map(|action| view! {
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <fieldset>
                    <legend>{format!("Décision sur : {right}")}</legend>
                    <DecisionFields suffix=id.to_string() errors level final_only=false />
                    <button type="submit">"Enregistrer la décision"</button>
                </fieldset>
            </form>
        })}
    }
}

/// A decision's fields: outcome, reasons, dates or « sans limitation de durée », complement.
/// Ids and messages are keyed `{field}-{suffix}`, so several forms share a page.
#[component]
fn DecisionFields(
    suffix: String,
    errors: FieldErrors,
    /// Whether the right may have a complement level (AEEH, PCH).
    level: bool,
    /// No adjournment (an appeal's new decision).
    final_only: bool,
) -> impl IntoView {
    let field = |name: &str| format!("{name}-{suffix}");
    let error = |name: &str| errors.of(&format!("{name}-{suffix}"));
    let outcome_options: Vec<(&str, &str)> = [
        ("granted", "Accordé"),
        ("partial", "Accordé en partie"),
        ("refused", "Refusé"),
        ("adjourned", "Ajourné"),
    ]
    .into_iter()
    .filter(|(v, _)| !(final_only && *v == "adjourned"))
    .collect();
    let (outcome_id, reason_id, start_id, end_id, limit_id, level_id) = (
        field("resultat"),
        field("motif"),
        field("debut"),
        field("fin"),
        field("sans_limite"),
        field("niveau"),
    );
    view! {
        <div class="field" class:field-invalid=error("resultat").is_some()>
            <label for=outcome_id.clone()>"Décision"</label>
            {error("resultat").map(|e| view! { <p class="field-error">{e}</p> })}
            <select id=outcome_id name="resultat">
                {outcome_options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
            </select>
        </div>
        <div class="field" class:field-invalid=error("motif").is_some()>
            <label for=reason_id.clone()>"Motifs (obligatoires sauf pour un accord)"</label>
            {error("motif").map(|e| view! { <p class="field-error">{e}</p> })}
            <textarea id=reason_id name="motif" rows=3 maxlength=4000></textarea>
        </div>
        <div class="field" class:field-invalid=error("debut").is_some()>
            <label for=start_id.clone()>"Début du droit"</label>
            {error("debut").map(|e| view! { <p class="field-error">{e}</p> })}
            <input type="date" id=start_id name="debut" class="width-10" />
        </div>
        <div class="field" class:field-invalid=error("fin").is_some()>
            <label for=end_id.clone()>"Fin du droit"</label>
            {error("fin").map(|e| view! { <p class="field-error">{e}</p> })}
            <input type="date" id=end_id name="fin" class="width-10" />
        </div>
        <div class="field" class:field-invalid=error("sans_limite").is_some()>
            {error("sans_limite").map(|e| view! { <p class="field-error">{e}</p> })}
            <div class="choice">
                <input type="checkbox" id=limit_id.clone() name="sans_limite" value="oui" />
                <label for=limit_id>"Sans limitation de durée (là où la loi le permet)"</label>
            </div>
        </div>
        {level.then(|| view! {
            <div class="field" class:field-invalid=error("niveau").is_some()>
                <label for=level_id.clone()>"Complément (AEEH : catégorie 1 à 6 ; PCH : éléments accordés)"</label>
                {error("niveau").map(|e| view! { <p class="field-error">{e}</p> })}
                <input type="text" id=level_id name="niveau" maxlength=200 />
            </div>
        })}
    }
}
