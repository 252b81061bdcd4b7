//! The statistics pages: the overview, a module's dashboard, and each table as CSV or XLSX.
//! For the department's supervisors and administrators only; every figure goes through
//! [`super::publish`], so secrecy holds on the page and in the file alike.

use app::components::FilterOption;
use app::statistics::{
    ComparedModule, ComparisonForm, ComparisonPage, IndicatorView, ModuleStatistics,
    ModuleStatisticsPage, RunView, StatisticsFilters, StatisticsHomePage,
};
use app::validation::FieldErrors;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tenants::Module;
use tower_sessions::Session;

use super::comparison::{self, Comparison, Profile, SaveError};
use super::indicators::{Indicator, Indicators, Unit};
use super::nomenclatures;
use super::publish::{self, Cell, Period, Table};
use super::runs::{self, RunStatus};
use crate::entity::statistics_run;
use crate::http::form::{Form, ListQuery};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, CurrentStaff};
use crate::staff::Role;

pub fn routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    use axum::routing::{get, post};
    routes
        .route("/agents/statistiques", get(overview))
        .route("/agents/statistiques/calculer", post(recompute))
        .route("/agents/statistiques/calcul", get(run_state))
        .route(
            "/agents/statistiques/comparaison",
            get(comparison_page).post(save_profile),
        )
        .route("/agents/statistiques/{module}", get(module_page))
        .route("/agents/statistiques/{module}/telecharger", get(download))
}

/// Figures are for those who steer: supervisors and the department's administrators.
pub(super) fn allowed(staff: &CurrentStaff) -> Result<(), AppError> {
    (staff.account.has_role(Role::Supervisor) || staff.account.has_role(Role::Admin))
        .then_some(())
        .ok_or(AppError::Forbidden)
}

/// The modules of the department that publish indicators, with theirs.
fn published_modules(staff: &CurrentStaff) -> Vec<(Module, &'static Indicators)> {
    crate::modules::PARTS
        .iter()
        .filter_map(|p| Some((p.module?, p.indicators?)))
        .filter(|(m, _)| staff.tenant.tenant.has_module(*m))
        .collect()
}

fn module_of(staff: &CurrentStaff, id: &str) -> Result<(Module, &'static Indicators), AppError> {
    let module = Module::parse(id).map_err(|_| AppError::NotFound)?;
    published_modules(staff)
        .into_iter()
        .find(|(m, _)| *m == module)
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Params {
    periode: Option<String>,
    /// The breakdown's nomenclature, or empty for everyone.
    par: Option<String>,
    indicateur: Option<String>,
    format: Option<String>,
}

impl Params {
    fn period(&self) -> Period {
        Period::parse(self.periode.as_deref())
    }

    /// The breakdown asked for, if `indicators` offer it.
    fn breakdown(&self, indicators: &Indicators) -> Option<&'static str> {
        let asked = self.par.as_deref()?;
        indicators
            .list
            .iter()
            .flat_map(|i| i.breakdowns.iter().copied())
            .find(|b| *b == asked)
    }

    fn query(&self, period: Period, breakdown: Option<&str>) -> String {
        format!(
            "periode={}&par={}",
            period.id(),
            breakdown.unwrap_or_default()
        )
    }
}

async fn table_of(
    state: &AppState,
    staff: &CurrentStaff,
    indicator: &'static Indicator,
    breakdown: Option<&'static str>,
    period: Period,
) -> Result<Table, AppError> {
    Ok(publish::table(
        &staff.tenant.tenant,
        indicator,
        breakdown,
        period,
        crate::dates::today(),
        state.settings.statistics_threshold,
    )
    .await?)
}

const NOTICE_KEY: &str = "statistics_notice";

pub async fn overview(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
) -> Result<Response, AppError> {
    allowed(&staff)?;
    let notice = session.remove::<String>(NOTICE_KEY).await?;
    let mut modules = Vec::new();
    for (module, indicators) in published_modules(&staff) {
        let mut lines = Vec::new();
        for indicator in indicators.list {
            let table = table_of(&state, &staff, indicator, None, Period::Months(12)).await?;
            lines.push((indicator.name.to_owned(), publish::summary(&table)));
        }
        modules.push(ModuleStatistics {
            label: module.label().to_owned(),
            href: staff
                .tenant
                .href(&format!("/agents/statistiques/{}", module.id())),
            lines,
        });
    }
    let computed = super::indicators::last_computed(&staff.tenant.tenant)
        .await?
        .map(crate::dates::date_time);
    let threshold = state.settings.statistics_threshold;
    let comparison = staff.tenant.href("/agents/statistiques/comparaison");
    let returns = staff.tenant.href("/agents/statistiques/retours");
    let recompute = staff
        .account
        .has_role(Role::Admin)
        .then(|| staff.tenant.href("/agents/statistiques/calculer"));
    let run = followed_run(&state, &staff)
        .await?
        .and_then(|run| run_view(&staff, run));
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <StatisticsHomePage ctx modules computed threshold recompute run notice comparison returns /> }
    }))
}

/// `POST /agents/statistiques/calculer`: the department's figures now, rather than tonight
/// (an administrator who has just ranked the aids, say), computed by a job whose progress the
/// overview follows; asked again while one is under way, that one is followed.
pub async fn recompute(
    State(state): State<AppState>,
    staff: CurrentStaff,
) -> Result<Response, AppError> {
    if !staff.account.has_role(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let (run, new) = runs::start(&staff.tenant.tenant, staff.account.id).await?;
    if new {
        enqueue_run(&state, &staff, run.id).await;
    }
    Ok(Redirect::to(&staff.tenant.href("/agents/statistiques")).into_response())
}

async fn enqueue_run(state: &AppState, staff: &CurrentStaff, id: i64) {
    let job = runs::ComputeDepartment {
        tenant: staff.tenant.tenant.slug().to_string(),
        run: id,
        threshold: state.settings.statistics_threshold,
    };
    if let Err(e) = crate::jobs::enqueue(&state.platform, job).await {
        tracing::warn!(run = id, error = %e, "statistics run not enqueued; its page will retry");
    }
}

/// The department's last computation asked for, its job enqueued again if it looks lost.
async fn followed_run(
    state: &AppState,
    staff: &CurrentStaff,
) -> Result<Option<statistics_run::Model>, AppError> {
    let run = runs::latest(&staff.tenant.tenant).await?;
    if let Some(run) = &run
        && runs::is_lost(run, chrono::Utc::now())
    {
        enqueue_run(state, staff, run.id).await;
    }
    Ok(run)
}

/// How the overview shows a computation: under way, or just finished.
fn run_view(staff: &CurrentStaff, run: statistics_run::Model) -> Option<RunView> {
    let recent = run
        .finished_at
        .is_some_and(|at| chrono::Utc::now() - at < chrono::Duration::minutes(10));
    if run.status.finished() && !recent {
        return None;
    }
    let outcome = match run.status {
        RunStatus::Done => Some(format!(
            "Les indicateurs et les retours nationaux sont recalculés : {} chiffres mensuels.",
            run.figures.unwrap_or(0)
        )),
        _ => None,
    };
    Some(RunView {
        finished: run.status.finished(),
        done: u64::try_from(run.steps_done).unwrap_or(0),
        total: u64::try_from(run.steps_total).unwrap_or(0),
        outcome,
        error: run.error,
        state_href: staff.tenant.href("/agents/statistiques/calcul"),
        refresh_href: staff.tenant.href("/agents/statistiques"),
    })
}

/// `GET /agents/statistiques/calcul`: the last computation's progress as JSON, for the
/// overview's island.
pub async fn run_state(
    State(state): State<AppState>,
    staff: CurrentStaff,
) -> Result<Response, AppError> {
    allowed(&staff)?;
    let run = followed_run(&state, &staff)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({
            "written": run.steps_done,
            "total": run.steps_total,
            "finished": run.status.finished(),
        })),
    )
        .into_response())
}

pub async fn module_page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(module): Path<String>,
    ListQuery(params): ListQuery<Params>,
) -> Result<Response, AppError> {
    allowed(&staff)?;
    let (module, indicators) = module_of(&staff, &module)?;
    let (period, breakdown) = (params.period(), params.breakdown(indicators));
    let base = staff
        .tenant
        .href(&format!("/agents/statistiques/{}", module.id()));
    let query = params.query(period, breakdown);
    let mut views = Vec::new();
    for (n, indicator) in indicators.list.iter().enumerate() {
        let table = table_of(&state, &staff, indicator, breakdown, period).await?;
        let anchor = format!("indicateur-{}", n + 1);
        let summary = publish::summary(&table);
        let title = format!("{}, par mois", indicator.name);
        let chart = super::chart::svg(&table, &anchor, &title, &summary);
        let (headers, rows) = table.grid();
        let unit = indicator.unit;
        let download = |format: &str| {
            format!(
                "{base}/telecharger?{query}&indicateur={}&format={format}",
                indicator.id
            )
        };
        views.push(IndicatorView {
            caption: caption(indicator, breakdown),
            headers: headers
                .into_iter()
                .enumerate()
                .map(|(i, h)| if i == 0 { h } else { with_unit(h, unit) })
                .collect(),
            rows: rows
                .into_iter()
                .map(|(head, cells)| (head, cells.iter().map(|c| c.text(unit)).collect()))
                .collect(),
            csv_href: download("csv"),
            xlsx_href: download("xlsx"),
            anchor,
            name: indicator.name.to_owned(),
            definition: indicator.definition.to_owned(),
            chart,
            summary,
        });
    }
    let filters = StatisticsFilters {
        action: base,
        periods: Period::CHOICES
            .iter()
            .map(|(p, id, label)| option(id, label, *p == period))
            .collect(),
        breakdowns: std::iter::once(option("", "Ensemble", breakdown.is_none()))
            .chain(breakdowns(indicators).map(|(id, label)| {
                option(
                    id,
                    &format!("Par {}", label.to_lowercase()),
                    Some(id) == breakdown,
                )
            }))
            .collect(),
    };
    let back = staff.tenant.href("/agents/statistiques");
    let label = module.label().to_owned();
    let threshold = state.settings.statistics_threshold;
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <ModuleStatisticsPage ctx module=label back filters indicators=views threshold /> }
    }))
}

fn option(value: &str, label: &str, selected: bool) -> FilterOption {
    FilterOption {
        value: value.to_owned(),
        label: label.to_owned(),
        selected,
    }
}

/// The breakdowns the module's indicators offer, with the nomenclature's short name.
fn breakdowns(indicators: &Indicators) -> impl Iterator<Item = (&'static str, &'static str)> {
    let mut ids: Vec<&'static str> = indicators
        .list
        .iter()
        .flat_map(|i| i.breakdowns.iter().copied())
        .collect();
    ids.sort();
    ids.dedup();
    ids.into_iter().map(|id| (id, breakdown_name(id)))
}

fn breakdown_name(id: &str) -> &'static str {
    match id {
        "categorie_aide" => "Catégorie d'aide",
        "canal" => "Canal",
        "droit_mdph" => "Droit demandé",
        "orientation" => "Parcours",
        "age" => "Tranche d'âge à l'entrée",
        "menage" => "Type de ménage",
        _ => "Catégorie",
    }
}

fn caption(indicator: &Indicator, breakdown: Option<&str>) -> String {
    match breakdown {
        Some(b) => format!(
            "{}, par mois et par {}",
            indicator.name,
            breakdown_name(b).to_lowercase()
        ),
        None => format!("{}, par mois", indicator.name),
    }
}

fn with_unit(header: String, unit: Unit) -> String {
    match unit {
        Unit::Count => header,
        Unit::Days => format!("{header} (jours)"),
        Unit::Share => format!("{header} (part)"),
    }
}

/// `GET …/telecharger?indicateur=…&format=csv|xlsx`: the table as the page shows it.
pub async fn download(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path(module): Path<String>,
    ListQuery(params): ListQuery<Params>,
) -> Result<Response, AppError> {
    allowed(&staff)?;
    let (module, indicators) = module_of(&staff, &module)?;
    let indicator = indicators
        .list
        .iter()
        .find(|i| Some(i.id) == params.indicateur.as_deref())
        .ok_or_else(|| {
            AppError::BadRequest(
                "Cet indicateur n'existe pas dans ce module : revenez à la page des statistiques et choisissez un tableau à télécharger.".into(),
            )
        })?;
    let (period, breakdown) = (params.period(), params.breakdown(indicators));
    let table = table_of(&state, &staff, indicator, breakdown, period).await?;
    let name = format!(
        "{}-{}-{}",
        staff.tenant.tenant.slug(),
        indicator.id.replace('.', "-"),
        period.id()
    );
    let (bytes, content_type, extension) = match params.format.as_deref() {
        Some("csv") => (csv(&table)?, "text/csv; charset=utf-8", "csv"),
        Some("xlsx") => (
            xlsx(&table, module)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => {
            return Err(AppError::BadRequest(
                "Le format demandé n'existe pas : choisissez CSV ou XLSX.".into(),
            ));
        }
    };
    Ok(attachment(
        bytes,
        content_type,
        &format!("{name}.{extension}"),
    ))
}

/// A file to download, never kept by a cache.
pub(super) fn attachment(bytes: Vec<u8>, content_type: &str, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A cell as a file holds it: a plain number (a share in percent), « s », or nothing.
fn raw(cell: &Cell, unit: Unit) -> Option<f64> {
    cell.value().map(|v| match unit {
        Unit::Share => (v * 1000.0).round() / 10.0,
        _ => v,
    })
}

fn csv(table: &Table) -> Result<Vec<u8>, AppError> {
    let unit = table.indicator.unit;
    let (headers, rows) = table.grid();
    let mut out = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| AppError::Internal(e.to_string());
    out.write_record(headers.iter().enumerate().map(|(i, h)| match (i, unit) {
        (0, _) | (_, Unit::Count) => h.clone(),
        (_, Unit::Days) => format!("{h} (jours)"),
        (_, Unit::Share) => format!("{h} (%)"),
    }))
    .map_err(failed)?;
    for (head, cells) in rows {
        let mut record = vec![head];
        record.extend(cells.iter().map(|c| match (c, raw(c, unit)) {
            (_, Some(v)) => v.to_string(),
            (Cell::Secret, None) => "s".to_owned(),
            _ => String::new(),
        }));
        out.write_record(&record).map_err(failed)?;
    }
    out.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn xlsx(table: &Table, module: Module) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let unit = table.indicator.unit;
    let (headers, rows) = table.grid();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    sheet
        .write_string_with_format(
            0,
            0,
            format!(
                "{} — {}",
                module.label(),
                caption(table.indicator, table.breakdown)
            ),
            &bold,
        )
        .map_err(failed)?;
    sheet
        .write_string(1, 0, table.indicator.definition)
        .map_err(failed)?;
    for (c, h) in headers.iter().enumerate() {
        let h = if c == 0 {
            h.clone()
        } else {
            with_unit(h.clone(), unit)
        };
        sheet
            .write_string_with_format(3, c as u16, h, &bold)
            .map_err(failed)?;
    }
    for (r, (head, cells)) in rows.iter().enumerate() {
        let r = 4 + r as u32;
        sheet.write_string(r, 0, head).map_err(failed)?;
        for (c, cell) in cells.iter().enumerate() {
            let c = 1 + c as u16;
            match (cell, raw(cell, unit)) {
                (_, Some(v)) => sheet.write_number(r, c, v).map(drop),
                (Cell::Secret, None) => sheet.write_string(r, c, "s").map(drop),
                _ => Ok(()),
            }
            .map_err(failed)?;
        }
    }
    book.save_to_buffer().map_err(failed)
}

/// The administrator's profile form as sent: `comparer` is the checkbox (`oui` when ticked).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    departement: String,
    taille: String,
    comparer: Vec<String>,
}

impl ProfileForm {
    fn of(profile: Option<&Profile>) -> Self {
        profile.map_or_else(Self::default, |p| Self {
            departement: p.department.clone(),
            taille: p.size.clone(),
            comparer: if p.compared {
                vec!["oui".into()]
            } else {
                Vec::new()
            },
        })
    }

    fn compared(&self) -> bool {
        self.comparer.iter().any(|c| c == "oui")
    }
}

/// `GET /agents/statistiques/comparaison`: the department's indicators beside the quartiles
/// of its size band; for its administrators, the form to be compared or not.
pub async fn comparison_page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
) -> Result<Response, AppError> {
    allowed(&staff)?;
    let notice = session.remove::<String>(NOTICE_KEY).await?;
    let profile = comparison::profile(&staff.tenant.tenant).await?;
    let form = ProfileForm::of(profile.as_ref());
    comparison_view(
        &state,
        &staff,
        ui,
        StatusCode::OK,
        (&form, profile.as_ref()),
        FieldErrors::new(),
        notice,
    )
    .await
}

/// `POST /agents/statistiques/comparaison` (administrators): saves the profile, journaled,
/// and shares the department's figures at once, or withdraws them.
pub async fn save_profile(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    if !staff.account.has_role(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let refused = async |errors| {
        let stored = comparison::profile(&staff.tenant.tenant).await?;
        comparison_view(
            &state,
            &staff,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            (&form, stored.as_ref()),
            errors,
            None,
        )
        .await
    };
    let profile = match Profile::parse(&form.departement, &form.taille, form.compared()) {
        Ok(profile) => profile,
        Err(errors) => return refused(errors).await,
    };
    let what = format!(
        "département {}, taille {}, {}",
        profile.department,
        profile.size,
        if profile.compared {
            "comparé et publié en données ouvertes"
        } else {
            "non comparé"
        }
    );
    let entry = crate::staff::desk::event(
        &staff.account,
        "profil statistique du département modifié",
        &what,
        "",
        None,
    );
    let saved = comparison::save(
        &state.platform,
        &staff.tenant.tenant,
        &profile,
        entry,
        state.settings.statistics_threshold,
    )
    .await;
    match saved {
        Ok(()) => {}
        Err(SaveError::TakenCode(code)) => {
            let message = SaveError::TakenCode(code).to_string();
            return refused(FieldErrors::at("departement", message)).await;
        }
        Err(SaveError::Db(e)) => return Err(e.into()),
    }
    let notice = if profile.compared {
        "Le département est comparé : ses chiffres des 12 derniers mois sont partagés, secret statistique appliqué."
    } else {
        "Le département n'est plus comparé : ses chiffres partagés sont retirés."
    };
    session.insert(NOTICE_KEY, notice.to_owned()).await?;
    Ok(Redirect::to(&staff.tenant.href("/agents/statistiques/comparaison")).into_response())
}

/// The comparison page; `stored` is the saved profile (`form` may hold what was just typed).
async fn comparison_view(
    state: &AppState,
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    (form, stored): (&ProfileForm, Option<&Profile>),
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let tenant = &staff.tenant.tenant;
    let compared = comparison::compare(&state.platform, tenant).await?;
    let sizes = nomenclatures::find("taille_departement").expect("a shipped nomenclature");
    let agreed = stored.is_some_and(|p| p.compared);
    let (intro, modules) = match &compared {
        None if agreed => (
            "Le département a accepté d'être comparé : ses chiffres le seront après leur prochain calcul, cette nuit.".to_owned(),
            Vec::new(),
        ),
        None => (
            "Le département n'est pas comparé aux autres : un administrateur du département peut le décider sur cette page.".to_owned(),
            Vec::new(),
        ),
        Some(c) => (
            format!(
                "Les 12 mois de {} à {}, comparés aux départements de la plateforme qui l'ont accepté et comptent comme vous « {} ».",
                publish::month_label(c.ending.back(11)),
                publish::month_label(c.ending),
                sizes.label_of(&c.size).unwrap_or(&c.size).to_lowercase()
            ),
            compared_modules(staff, c),
        ),
    };
    let form = staff.account.has_role(Role::Admin).then(|| ComparisonForm {
        action: staff.tenant.href("/agents/statistiques/comparaison"),
        departments: std::iter::once(option("", "Choisir", form.departement.is_empty()))
            .chain(nomenclatures::departements().iter().map(|d| {
                option(
                    d.code,
                    &format!("{} — {}", d.code, d.name),
                    d.code == form.departement.trim().to_uppercase(),
                )
            }))
            .collect(),
        sizes: std::iter::once(option("", "Choisir", form.taille.is_empty()))
            .chain(
                sizes
                    .entries
                    .iter()
                    .map(|(code, label)| option(code, label, *code == form.taille)),
            )
            .collect(),
        compared: form.compared(),
        errors,
    });
    let back = staff.tenant.href("/agents/statistiques");
    let threshold = state.settings.statistics_threshold;
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! { <ComparisonPage ctx back intro modules form notice threshold /> }
    }))
}

/// Each module's lines as table rows, in the module's order.
fn compared_modules(staff: &CurrentStaff, comparison: &Comparison) -> Vec<ComparedModule> {
    published_modules(staff)
        .into_iter()
        .map(|(module, indicators)| ComparedModule {
            label: module.label().to_owned(),
            rows: indicators
                .list
                .iter()
                .filter_map(|indicator| {
                    let line = comparison
                        .lines
                        .iter()
                        .find(|l| l.indicator.id == indicator.id)?;
                    let unit = indicator.unit;
                    let shown = |v: f64| publish::format_value(v, unit);
                    let own = match line.own {
                        Some(Some(v)) => shown(v),
                        Some(None) => "s".to_owned(),
                        None => "–".to_owned(),
                    };
                    let [q1, median, q3] = comparison::quartile_texts(
                        line.quartiles.map(comparison::Quartiles::as_array),
                        unit,
                    );
                    let name = match unit {
                        Unit::Days => format!("{} (jours)", indicator.name),
                        _ => indicator.name.to_owned(),
                    };
                    Some((
                        name,
                        vec![own, q1, median, q3, line.departments.to_string()],
                    ))
                })
                .collect(),
        })
        .collect()
}
