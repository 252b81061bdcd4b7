//! The committee's pages: its sessions, a session's agenda with each request's decision
//! form.

use super::*;

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
pub(super) fn DecisionFields(
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
