//! Reception's list of files by stage and team, and a file's staff page: completeness steps,
//! the team's evaluation, what follows the decision.

use super::*;

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
    first_href: Option<String>,
    previous_href: Option<String>,
    next_href: Option<String>,
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
            <PageLinks first_href previous_href next_href />
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
    /// What the CAF says of the AAH, under the person's consent, when the file asks for it.
    pub caf: Option<CafView>,
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
        caf,
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
            {super::filing::request_table("Une demande par droit", "Décision au plus tard le", requests)}
            <h2>"Les pièces"</h2>
            <PiecesSection csrf=csrf.clone() pieces missing form=None errors=FieldErrors::new() />
            {explanation.map(|e| view! {
                <Notice kind=NoticeKind::Info title=Some("Explication de la personne".to_owned())><p>{e}</p></Notice>
            })}
            {caf.map(|caf| view! { <CafSection csrf=csrf.clone() caf heading="Données de la CAF sur l'AAH" /> })}
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
