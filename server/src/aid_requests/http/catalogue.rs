//! The catalogue of aids: the department administrator defines aids and their forms; everyone
//! reads the open ones.

use app::aid_requests::catalogue::{
    AidAdminListPage, AidAdminRow, AidEditPage, AidPublicPage, AidQuestions, AidValues,
    CatalogueItem, CataloguePage, NewQuestion, QuestionRow,
};
use app::validation::FieldErrors;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tower_sessions::Session;

use crate::aid_requests::catalogue::{self, Aid, AidInput, FormChangeError};
use crate::aid_requests::form::{Bounds, FieldDef, FieldKind, FormDefinition, format_euros};
use crate::http::citizen::CurrentCitizen;
use crate::http::desks::AdminDesk;
use crate::http::form::FormFields;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, CurrentStaff};
use crate::national::FactKey;
use crate::staff::Author;

const NOTICE_KEY: &str = "aids_notice";

async fn take_notice(session: &Session) -> Result<Option<String>, AppError> {
    let notice = session.get::<String>(NOTICE_KEY).await?;
    if notice.is_some() {
        session.remove::<String>(NOTICE_KEY).await?;
    }
    Ok(notice)
}

/// The administrator's desk (the route layer answers 404 where the module is not subscribed).
fn admin_desk(staff: &CurrentStaff) -> Result<AdminDesk<'_>, AppError> {
    AdminDesk::open(staff)
}

fn values_from(input: &AidInput) -> AidValues {
    AidValues {
        title: input.title.clone(),
        description: input.description.clone(),
        eligibility: input.eligibility.clone(),
        documents: input.documents.clone(),
        deadline_days: input.deadline_days.clone(),
        silence: input.silence.clone(),
        open: input.open,
        category: input.category.clone(),
        categories: category_options(),
    }
}

fn category_options() -> Vec<(String, String)> {
    catalogue::aid_categories()
        .entries
        .into_iter()
        .map(|(code, label)| (code.to_owned(), label.to_owned()))
        .collect()
}

pub async fn admin_list(
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
) -> Result<Response, AppError> {
    let desk = admin_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let mut rows = Vec::new();
    for aid in catalogue::list(&tenant.tenant, false).await? {
        let questions = catalogue::form(&tenant.tenant, aid.id, aid.form_version)
            .await?
            .map_or(0, |f| f.fields.len());
        rows.push(AidAdminRow {
            href: tenant.href(&format!("/agents/admin/aides/{}", aid.id)),
            title: aid.title,
            open: aid.open,
            deadline_days: aid.deadline_days,
            questions,
            version: aid.form_version,
        });
    }
    let notice = take_notice(&session).await?;
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <AidAdminListPage ctx aids=rows notice /> }
    }))
}

pub async fn new_aid_form(staff: CurrentStaff, ui: Ui) -> Result<Response, AppError> {
    let desk = admin_desk(&staff)?;
    let action = desk.staff().tenant.href("/agents/admin/aides/nouvelle");
    let values = AidValues {
        deadline_days: "60".into(),
        silence: "refusal".into(),
        categories: category_options(),
        ..AidValues::default()
    };
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! {
            <AidEditPage ctx heading="Créer une aide".into() action values errors=FieldErrors::new() questions=None notice=None />
        }
    }))
}

pub async fn create_aid(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = admin_desk(&staff)?;
    let tenant = desk.staff().tenant.clone();
    let input: AidInput = form.read()?;
    let valid = match input.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            let action = tenant.href("/agents/admin/aides/nouvelle");
            let values = values_from(&input);
            return Ok(ui.with_staff(&staff).render(
                StatusCode::UNPROCESSABLE_ENTITY,
                move |ctx| {
                    view! {
                        <AidEditPage ctx heading="Créer une aide".into() action values errors questions=None notice=None />
                    }
                },
            ));
        }
    };
    let aid = catalogue::create(&tenant.tenant, valid, Author::Staff(&staff.account)).await?;
    state.aid_titles.forget(&tenant.tenant);
    session
        .insert(
            NOTICE_KEY,
            format!(
                "L'aide « {} » est créée. Ajoutez maintenant les questions de son formulaire.",
                aid.title
            ),
        )
        .await?;
    Ok(Redirect::to(&tenant.href(&format!("/agents/admin/aides/{}", aid.id))).into_response())
}

/// What an aid's page shows besides the aid itself.
struct EditView {
    values: AidValues,
    errors: FieldErrors,
    question_errors: FieldErrors,
    /// The question being added, as typed, when it comes back.
    typed_question: NewQuestion,
    notice: Option<String>,
}

impl EditView {
    fn of(values: AidValues) -> Self {
        Self {
            values,
            errors: FieldErrors::new(),
            question_errors: FieldErrors::new(),
            typed_question: NewQuestion::default(),
            notice: None,
        }
    }
}

async fn edit_page(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    aid: &Aid,
    view_state: EditView,
) -> Result<Response, AppError> {
    let EditView {
        values,
        errors,
        question_errors,
        typed_question,
        notice,
    } = view_state;
    let tenant = &staff.tenant;
    let definition = catalogue::form(&tenant.tenant, aid.id, aid.form_version)
        .await?
        .unwrap_or_default();
    let base = format!("/agents/admin/aides/{}", aid.id);
    let mut fields: Vec<&FieldDef> = definition.fields.iter().collect();
    fields.sort_by_key(|f| f.step);
    let questions = AidQuestions {
        public_href: tenant.href(&format!("/aides/{}", aid.slug)),
        version: aid.form_version,
        questions: fields
            .into_iter()
            .map(|f| QuestionRow {
                key: f.key.clone(),
                step: f.step,
                label: f.label.clone(),
                kind: described_kind(f),
                required: f.required,
                options: match &f.kind {
                    FieldKind::Choice { options } => options.clone(),
                    _ => vec![],
                },
                delete_action: tenant.href(&format!("{base}/questions/{}/retirer", f.key)),
            })
            .collect(),
        add_action: tenant.href(&format!("{base}/questions")),
        kinds: FieldKind::CHOICES
            .iter()
            .map(|(id, label)| ((*id).to_owned(), (*label).to_owned()))
            .collect(),
        facts: FactKey::ALL
            .iter()
            .map(|f| (f.id().to_owned(), f.label().to_owned()))
            .collect(),
        typed: typed_question,
        errors: question_errors,
    };
    let action = tenant.href(&base);
    let heading = format!("Aide « {} »", aid.title);
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! {
            <AidEditPage ctx heading action values errors questions=Some(questions) notice />
        }
    }))
}

async fn load_aid(desk: &AdminDesk<'_>, id: &str) -> Result<Aid, AppError> {
    catalogue::find(desk.tenant(), crate::http::parse_id(id)?)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn edit_aid_form(
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = admin_desk(&staff)?;
    let aid = load_aid(&desk, &id).await?;
    let values = values_from(&AidInput::from(&aid));
    let notice = take_notice(&session).await?;
    let view_state = EditView {
        notice,
        ..EditView::of(values)
    };
    edit_page(&staff, ui, StatusCode::OK, &aid, view_state).await
}

pub async fn update_aid(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = admin_desk(&staff)?;
    let aid = load_aid(&desk, &id).await?;
    let input: AidInput = form.read()?;
    let valid = match input.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            let values = values_from(&input);
            return edit_page(
                &staff,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &aid,
                EditView {
                    errors,
                    ..EditView::of(values)
                },
            )
            .await;
        }
    };
    let updated = catalogue::update(desk.tenant(), aid.id, valid, Author::Staff(&staff.account))
        .await?
        .ok_or(AppError::NotFound)?;
    state.aid_titles.forget(desk.tenant());
    session
        .insert(
            NOTICE_KEY,
            format!("L'aide « {} » est enregistrée.", updated.title),
        )
        .await?;
    Ok(Redirect::to(
        &staff
            .tenant
            .href(&format!("/agents/admin/aides/{}", aid.id)),
    )
    .into_response())
}

/// Changes the form; a page made from an older version gets a conflict message.
async fn apply_form_change(
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    aid: Aid,
    form: &FormFields,
    (what, typed): (&str, Option<NewQuestion>),
    change: impl FnOnce(&mut FormDefinition) -> Result<(), String>,
) -> Result<Response, AppError> {
    let expected: i32 = form.get("version").parse().unwrap_or(-1);
    let values = values_from(&AidInput::from(&aid));
    let by = Author::Staff(&staff.account);
    let changed =
        catalogue::change_form(&staff.tenant.tenant, (aid.id, expected), (by, what), change);
    match changed.await {
        Ok(version) => {
            session
                .insert(
                    NOTICE_KEY,
                    format!("Le formulaire est enregistré (version {version})."),
                )
                .await?;
            Ok(Redirect::to(
                &staff
                    .tenant
                    .href(&format!("/agents/admin/aides/{}", aid.id)),
            )
            .into_response())
        }
        Err(FormChangeError::Invalid(message)) => {
            edit_page(
                &staff,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &aid,
                EditView {
                    question_errors: FieldErrors::form(message),
                    typed_question: typed.unwrap_or_default(),
                    ..EditView::of(values)
                },
            )
            .await
        }
        Err(FormChangeError::Conflict) => {
            let current = catalogue::find(&staff.tenant.tenant, aid.id)
                .await?
                .ok_or(AppError::NotFound)?;
            edit_page(
                &staff,
                ui,
                StatusCode::CONFLICT,
                &current,
                EditView {
                    question_errors: FieldErrors::form("Le formulaire a été modifié par quelqu'un d'autre pendant que vous travailliez : votre changement n'a pas été enregistré. Voici le formulaire à jour ; refaites votre changement si besoin."),
                    typed_question: typed.unwrap_or_default(),
                    ..EditView::of(values)
                },
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn add_question(
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = admin_desk(&staff)?;
    let aid = load_aid(&desk, &id).await?;
    let typed = NewQuestion {
        label: form.get("label").trim().to_owned(),
        help: form.get("help").trim().to_owned(),
        step: form.get("step").trim().to_owned(),
        kind: form.get("kind").to_owned(),
        options: form.get("options").to_owned(),
        fact: form.get("fact").trim().to_owned(),
        required: form.get("required") == "on",
        least: form.get("least").trim().to_owned(),
        most: form.get("most").trim().to_owned(),
    };
    let field = match checked_question(&typed) {
        Ok(field) => field,
        Err(errors) => {
            let values = values_from(&AidInput::from(&aid));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let view_state = EditView {
                question_errors: errors,
                typed_question: typed,
                ..EditView::of(values)
            };
            return edit_page(&staff, ui, status, &aid, view_state).await;
        }
    };
    apply_form_change(
        staff,
        session,
        ui,
        aid,
        &form,
        ("ajout d'une question", Some(typed)),
        move |definition| {
            let key = definition.next_key();
            definition.fields.push(FieldDef { key, ..field });
            Ok(())
        },
    )
    .await
}

/// The question typed in the builder, or every mistake in it at its field.
fn checked_question(typed: &NewQuestion) -> Result<FieldDef, FieldErrors> {
    let mut errors = FieldErrors::new();
    if typed.label.is_empty() {
        errors.add(
            "q-label",
            "Écrivez la question posée, par exemple « Montant du loyer mensuel ».",
        );
    } else if typed.label.chars().count() > 200 || !app::validation::one_line(&typed.label) {
        errors.add(
            "q-label",
            "La question tient sur une ligne de 200 caractères au plus : raccourcissez-la.",
        );
    }
    let step = typed
        .step
        .parse::<u32>()
        .ok()
        .filter(|s| (1..=20).contains(s));
    if step.is_none() {
        errors.add("q-step", "L'étape est un numéro de page entre 1 et 20.");
    }
    let kind = FieldKind::parse(&typed.kind, &typed.options)
        .map_err(|e| {
            let at = if typed.kind == "choice" {
                "q-options"
            } else {
                "q-kind"
            };
            errors.add(at, e);
        })
        .ok();
    let fact = match typed.fact.as_str() {
        "" => None,
        id => FactKey::parse(id).or_else(|| {
            errors.add(
                "q-fact",
                "Donnée transmise inconnue : choisissez-en une dans la liste, ou « Aucune ».",
            );
            None
        }),
    };
    if let (Some(fact), Some(kind)) = (fact, &kind)
        && let Err(e) = check_fact_fits(fact, kind)
    {
        errors.add("q-fact", e);
    }
    let bounds = kind
        .as_ref()
        .map(|kind| checked_bounds(kind, typed, &mut errors))
        .unwrap_or_default();
    match (step, kind) {
        (Some(step), Some(kind)) if errors.is_empty() => Ok(FieldDef {
            key: String::new(),
            step,
            label: typed.label.clone(),
            help: typed.help.clone(),
            required: typed.required,
            kind,
            fact,
            bounds,
        }),
        _ => Err(errors),
    }
}

/// A question's type as the list shows it, with its bounds and the fact transmitted.
fn described_kind(field: &FieldDef) -> String {
    let shown = |v: i64| match field.kind {
        FieldKind::Amount => format_euros(v),
        _ => v.to_string(),
    };
    let mut kind = field.kind.label().to_owned();
    match (field.bounds.least, field.bounds.most) {
        (Some(least), Some(most)) => kind += &format!(", de {} à {}", shown(least), shown(most)),
        (Some(least), None) => kind += &format!(", au moins {}", shown(least)),
        (None, Some(most)) => kind += &format!(", au plus {}", shown(most)),
        (None, None) => {}
    }
    if let Some(fact) = field.fact {
        kind += &format!(" (transmis : {})", fact.label());
    }
    kind
}

/// The answers a number or an amount accepts, as the administrator typed them (an amount in
/// euros); each mistake at its field.
fn checked_bounds(kind: &FieldKind, typed: &NewQuestion, errors: &mut FieldErrors) -> Bounds {
    let read = |raw: &str, at: &str, errors: &mut FieldErrors| {
        if raw.is_empty() {
            return None;
        }
        let value = match kind {
            FieldKind::Number => app::validation::parse_number(raw),
            FieldKind::Amount => app::validation::parse_cents(raw),
            _ => {
                errors.add(at, "Seules les réponses en nombre ou en montant ont des bornes : laissez ce champ vide.");
                return None;
            }
        };
        if value.is_none() {
            errors.add(at, "Écrivez un nombre positif, par exemple 1 ou 450,50.");
        }
        value
    };
    let bounds = Bounds {
        least: read(&typed.least, "q-least", errors),
        most: read(&typed.most, "q-most", errors),
    };
    if let (Some(least), Some(most)) = (bounds.least, bounds.most)
        && least > most
    {
        errors.add(
            "q-most",
            "« Au plus » est plus petit que « Au moins » : corrigez l'une des deux bornes.",
        );
    }
    bounds
}

/// A transmitted fact answers a question of its own type, or replaces a certificate.
fn check_fact_fits(fact: FactKey, kind: &FieldKind) -> Result<(), String> {
    let fits = match kind {
        FieldKind::Document => true,
        FieldKind::Amount => fact == FactKey::FamilyQuotient,
        FieldKind::Number => fact == FactKey::Children,
        FieldKind::YesNo => !matches!(fact, FactKey::FamilyQuotient | FactKey::Children),
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "« {} » ne peut pas répondre à une question de type « {} » : choisissez un montant pour le quotient familial, un nombre pour les enfants, oui/non pour les autres données, ou un document pour le justificatif qu'elle remplace.",
            fact.label(),
            kind.label()
        ))
    }
}

pub async fn remove_question(
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    Path((id, key)): Path<(String, String)>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = admin_desk(&staff)?;
    let aid = load_aid(&desk, &id).await?;
    apply_form_change(
        staff,
        session,
        ui,
        aid,
        &form,
        ("retrait d'une question", None),
        move |definition| {
            let before = definition.fields.len();
            definition.fields.retain(|f| f.key != key);
            if definition.fields.len() == before {
                return Err("Cette question n'existe plus dans le formulaire.".into());
            }
            Ok(())
        },
    )
    .await
}

pub async fn catalogue(
    citizen: Result<CurrentCitizen, AppError>,
    ui: Ui,
) -> Result<Response, AppError> {
    let ui = ui.with_citizen_if_signed_in(citizen);
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let items: Vec<CatalogueItem> = catalogue::list(&tenant.tenant, true)
        .await?
        .into_iter()
        .map(|aid| CatalogueItem {
            href: tenant.href(&format!("/aides/{}", aid.slug)),
            summary: aid.description.lines().next().unwrap_or("").to_owned(),
            title: aid.title,
        })
        .collect();
    Ok(ui.render(
        StatusCode::OK,
        move |ctx| view! { <CataloguePage ctx aids=items /> },
    ))
}

pub async fn aid_page(
    citizen: Result<CurrentCitizen, AppError>,
    ui: Ui,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    // A signed-in citizen sees their menu, and the button that starts their request.
    let signed_in = citizen.is_ok();
    let ui = ui.with_citizen_if_signed_in(citizen);
    let ui = if signed_in { ui.with_form_token() } else { ui };
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let aid = catalogue::find_by_slug(&tenant.tenant, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let documents = aid.document_list();
    let silence_label = aid.silence.label().to_owned();
    let file_href = tenant.href(&format!("/aides/{}/demander", aid.slug));
    Ok(ui.render(StatusCode::OK, move |ctx| {
        view! {
            <AidPublicPage
                ctx
                title=aid.title
                description=aid.description
                eligibility=aid.eligibility
                documents
                deadline_days=aid.deadline_days
                silence_label
                open=aid.open
                file_href
            />
        }
    }))
}
