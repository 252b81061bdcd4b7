//! The department's statistics: an overview, and one page per module where each indicator is
//! a chart drawn on the server, a sentence saying what it shows, and its data table, with the
//! period and the breakdown chosen in a plain form and every table downloadable.

use leptos::prelude::*;

use crate::components::{
    Choice, Choices, FigureTable, FilterBar, FilterOption, FilterSelect, SelectField, SuccessNotice,
};
use crate::islands::JobProgress;
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// A module on the overview: its page, and a sentence per indicator.
#[derive(Clone, Debug)]
pub struct ModuleStatistics {
    pub label: String,
    pub href: String,
    /// (indicator, what its last months say).
    pub lines: Vec<(String, String)>,
}

/// A computation asked for, as the overview follows it.
#[derive(Clone, Debug)]
pub struct RunView {
    pub finished: bool,
    /// Steps done of `total`.
    pub done: u64,
    pub total: u64,
    /// Said once it is done.
    pub outcome: Option<String>,
    pub error: Option<String>,
    /// The progress as JSON, for the island.
    pub state_href: String,
    pub refresh_href: String,
}

/// The secrecy rule, said once on every page that shows figures.
#[component]
fn SecrecyNote(threshold: u64) -> impl IntoView {
    view! {
        <p class="hint">{format!(
            "« s » : secret statistique. Un nombre de moins de {threshold} personnes n'est pas montré, ni un délai ou une part calculés sur moins de {threshold} personnes ; d'autres cases peuvent être masquées pour qu'on ne puisse pas le retrouver par différence."
        )}</p>
    }
}

#[component]
pub fn StatisticsHomePage(
    ctx: PageContext,
    modules: Vec<ModuleStatistics>,
    computed: Option<String>,
    threshold: u64,
    /// Where an administrator asks for the figures now.
    recompute: Option<String>,
    /// The computation asked for, under way or just finished.
    run: Option<RunView>,
    notice: Option<String>,
    /// The comparison with other departments.
    comparison: String,
    /// The national returns.
    returns: String,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Statistiques".into()>
            <h1>"Statistiques du département"</h1>
            <SuccessNotice text=notice />
            <p>{match computed {
                Some(when) => format!("Chiffres calculés le {when}, chaque nuit, sur les nomenclatures partagées par les départements."),
                None => "Les chiffres n'ont pas encore été calculés : ils le sont chaque nuit.".to_owned(),
            }}</p>
            {run.map(|run| {
                let RunView { finished, done, total, outcome, error, state_href, refresh_href } = run;
                view! {
                    <SuccessNotice text=outcome />
                    {error.map(|e| view! { <div class="alert error" role="alert"><p>{e}</p></div> })}
                    {(!finished).then(|| view! {
                        <JobProgress state_href written=done total=Some(total) finished
                            label="Avancement du calcul".to_owned()
                            unit="étapes faites".to_owned()
                            waiting="Le calcul va commencer.".to_owned() />
                        <p><a href=refresh_href>"Actualiser l'avancement"</a></p>
                        <p class="hint">"Vous pouvez quitter cette page : le calcul continue."</p>
                    })}
                }
            })}
            {recompute.map(|action| view! {
                <form method="post" action=action>
                    <CsrfField token=csrf />
                    <button type="submit" class="secondary">"Recalculer maintenant"</button>
                </form>
            })}
            <SecrecyNote threshold />
            <ul>
                <li><a href=comparison>"Comparaison avec les départements de taille proche"</a></li>
                <li><a href=returns>"Retours nationaux (enquêtes de la DREES)"</a></li>
            </ul>
            {if modules.is_empty() {
                view! { <p class="empty">"Aucun module du département ne publie encore d'indicateurs."</p> }.into_any()
            } else {
                modules.into_iter().map(|m| view! {
                    <section>
                        <h2><a href=m.href>{m.label}</a></h2>
                        <dl class="figures-summary">
                            {m.lines.into_iter().map(|(name, said)| view! { <dt>{name}</dt><dd>{said}</dd> }).collect_view()}
                        </dl>
                    </section>
                }).collect_view().into_any()
            }}
        </Document>
    }
}

/// One indicator on its module's page.
#[derive(Clone, Debug)]
pub struct IndicatorView {
    /// The section's anchor, also the chart's id.
    pub anchor: String,
    pub name: String,
    pub definition: String,
    /// The chart as an `<svg>` element (drawn by the server, escaped there); empty when no
    /// month can be shown.
    pub chart: String,
    pub summary: String,
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
    pub csv_href: String,
    pub xlsx_href: String,
}

/// The filters: (value, label, selected) of each choice.
#[derive(Clone, Debug)]
pub struct StatisticsFilters {
    pub action: String,
    pub periods: Vec<FilterOption>,
    pub breakdowns: Vec<FilterOption>,
}

#[component]
pub fn ModuleStatisticsPage(
    ctx: PageContext,
    module: String,
    back: String,
    filters: StatisticsFilters,
    indicators: Vec<IndicatorView>,
    threshold: u64,
) -> impl IntoView {
    let title = format!("Statistiques — {module}");
    let reset = filters.action.clone();
    view! {
        <Document ctx title=title.clone()>
            <p><a href=back>"Toutes les statistiques"</a></p>
            <h1>{title}</h1>
            <FilterBar action=filters.action reset_href=reset>
                <FilterSelect name="periode" label="Période" options=filters.periods />
                <FilterSelect name="par" label="Répartition" options=filters.breakdowns />
            </FilterBar>
            <SecrecyNote threshold />
            <nav aria-label="Indicateurs de la page">
                <ul>
                    {indicators.iter().map(|i| view! { <li><a href=format!("#{}", i.anchor)>{i.name.clone()}</a></li> }).collect_view()}
                </ul>
            </nav>
            {indicators.into_iter().map(|i| view! {
                <section id=i.anchor.clone() aria-labelledby=format!("{}-h", i.anchor)>
                    <h2 id=format!("{}-h", i.anchor)>{i.name}</h2>
                    <p>{i.definition}</p>
                    {if i.rows.is_empty() {
                        view! { <p class="empty">{i.summary}</p> }.into_any()
                    } else {
                        view! {
                            {if i.chart.is_empty() {
                                view! { <p>{i.summary}</p> }.into_any()
                            } else {
                                view! {
                                    <figure class="chart">
                                        <div inner_html=i.chart></div>
                                        <figcaption>{i.summary}</figcaption>
                                    </figure>
                                }.into_any()
                            }}
                            <FigureTable caption=i.caption headers=i.headers rows=i.rows />
                            <p>"Télécharger ce tableau : "
                                <a href=i.csv_href download="">"CSV"</a>" · "
                                <a href=i.xlsx_href download="">"XLSX (tableur)"</a>
                            </p>
                        }.into_any()
                    }}
                </section>
            }).collect_view()}
        </Document>
    }
}

/// A module's indicators beside the band's quartiles: (indicator, the department's figure,
/// 1st quartile, median, 3rd quartile, departments counted), as text.
#[derive(Clone, Debug)]
pub struct ComparedModule {
    pub label: String,
    pub rows: Vec<(String, Vec<String>)>,
}

/// The administrator's form: the département, its size, and whether it is compared.
#[derive(Clone, Debug)]
pub struct ComparisonForm {
    pub action: String,
    pub departments: Vec<FilterOption>,
    pub sizes: Vec<FilterOption>,
    pub compared: bool,
    pub errors: FieldErrors,
}

#[component]
pub fn ComparisonPage(
    ctx: PageContext,
    back: String,
    /// What is compared, or why nothing is.
    intro: String,
    modules: Vec<ComparedModule>,
    form: Option<ComparisonForm>,
    notice: Option<String>,
    threshold: u64,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let headers = || {
        [
            "Indicateur",
            "Votre département",
            "1er quartile",
            "Médiane",
            "3e quartile",
            "Départements comparés",
        ]
        .map(str::to_owned)
        .to_vec()
    };
    view! {
        <Document ctx title="Comparaison avec d'autres départements".into()>
            <p><a href=back>"Toutes les statistiques"</a></p>
            <h1>"Comparaison avec les départements de taille proche"</h1>
            <SuccessNotice text=notice />
            {form.as_ref().map(|f| view! { <ErrorSummary errors=f.errors.clone() /> })}
            <p>{intro}</p>
            {(!modules.is_empty()).then(|| view! {
                <p class="hint">"Un quart des départements comparés est sous le 1er quartile, la moitié sous la médiane, trois quarts sous le 3e quartile. Les quartiles ne sont montrés qu'à partir de 5 départements ayant un chiffre."</p>
                <SecrecyNote threshold />
            })}
            {modules.into_iter().map(|m| view! {
                <FigureTable caption=format!("{} : les 12 derniers mois", m.label) headers=headers() rows=m.rows />
            }).collect_view()}
            {form.map(|f| {
                let compared = vec![Choice {
                    value: "oui".into(),
                    label: "Le département accepte d'être comparé aux autres départements de la plateforme et que ses chiffres annuels, secret statistique appliqué, figurent dans les données ouvertes.".into(),
                    checked: f.compared,
                }];
                view! {
                    <section aria-labelledby="profil-h">
                        <h2 id="profil-h">"Être comparé"</h2>
                        <p>"Les chiffres du département sur 12 mois, jamais une personne ni une case sous le secret statistique, sont copiés chaque nuit pour la comparaison. En décochant, ils sont retirés aussitôt."</p>
                        <form method="post" action=f.action novalidate>
                            <CsrfField token=csrf />
                            <SelectField name="departement" label="Département" options=f.departments error=f.errors.of("departement") />
                            <SelectField name="taille" label="Population du département (INSEE)" options=f.sizes error=f.errors.of("taille") />
                            <Choices name="comparer" legend="Comparaison et données ouvertes" options=compared multiple=true />
                            <button type="submit">"Enregistrer"</button>
                        </form>
                    </section>
                }
            })}
        </Document>
    }
}

/// One early-detection rule on its module's page, with the situations it finds.
#[derive(Clone, Debug)]
pub struct DetectedRule {
    pub name: String,
    pub explanation: String,
    /// How many situations the rule finds (more than are listed, at volume).
    pub total: usize,
    /// (who, what the rule saw, since, where to open it), the most urgent first.
    pub situations: Vec<(String, String, String, String)>,
}

#[component]
pub fn DetectionPage(ctx: PageContext, module: String, rules: Vec<DetectedRule>) -> impl IntoView {
    use crate::components::{Row, Table};
    let title = format!("Repérage — {module}");
    view! {
        <Document ctx title=title.clone()>
            <h1>{title}</h1>
            <p>"Des situations où un contact peut aider, repérées dans ce que le département sait déjà. Ouvrir une situation est inscrit au journal des accès de la personne."</p>
            {if rules.is_empty() {
                view! { <p class="empty">"Aucune règle de repérage n'est activée pour ce module : l'administrateur du département les choisit."</p> }.into_any()
            } else {
                rules.into_iter().enumerate().map(|(n, rule)| {
                    let id = format!("regle-{}", n + 1);
                    let labelled_by = id.clone();
                    let (total, shown) = (rule.total, rule.situations.len());
                    let rows = rule
                        .situations
                        .into_iter()
                        .map(|(who, what, since, href)| {
                            Row::new(vec![
                                who.into_any(),
                                what.into_any(),
                                since.into_any(),
                                view! { <a href=href>"Ouvrir le dossier"</a> }.into_any(),
                            ])
                        })
                        .collect();
                    view! {
                        <section aria-labelledby=labelled_by>
                            <h2 id=id>{rule.name.clone()}</h2>
                            <p>{rule.explanation}</p>
                            <p>{match total {
                                0 => "Aucune situation aujourd'hui.".to_owned(),
                                1 => "1 situation.".to_owned(),
                                n if n > shown => format!("{n} situations ; les {shown} plus urgentes sont listées."),
                                n => format!("{n} situations."),
                            }}</p>
                            <Table caption=rule.name headers=vec!["Dossier ou personne", "Situation", "Depuis", "Action"] rows empty="" />
                        </section>
                    }
                }).collect_view().into_any()
            }}
        </Document>
    }
}

/// The administrator's choice of rules, module by module: (module, its rules as checkboxes,
/// each labelled by its name, with its explanation as the hint beside).
#[derive(Clone, Debug)]
pub struct RuleChoices {
    pub module: String,
    /// (id, name, explanation, switched on).
    pub rules: Vec<(String, String, String, bool)>,
}

#[component]
pub fn DetectionRulesPage(
    ctx: PageContext,
    action: String,
    modules: Vec<RuleChoices>,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Règles de repérage".into()>
            <h1>"Règles de repérage"</h1>
            <SuccessNotice text=notice />
            <p>"Chaque règle liste, pour les agents du module, des personnes qu'un contact peut aider. Aucune ne fonctionne tant que vous ne l'avez pas activée ; chaque ouverture d'une situation est inscrite au journal des accès de la personne."</p>
            <form method="post" action=action novalidate>
                <CsrfField token=csrf />
                {modules.into_iter().map(|m| view! {
                    <fieldset class="choices">
                        <legend>{m.module}</legend>
                        {m.rules.into_iter().map(|(id, name, explanation, on)| {
                            let hint = format!("{id}-hint");
                            view! {
                                <div class="choice">
                                    <input type="checkbox" id=id.clone() name="regles" value=id.clone() checked=on aria-describedby=hint.clone() />
                                    // The explanation under its rule's name, not beside it.
                                    <div>
                                        <label for=id>{name}</label>
                                        <p class="hint" id=hint>{explanation}</p>
                                    </div>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                }).collect_view()}
                <button type="submit">"Enregistrer"</button>
            </form>
        </Document>
    }
}

/// A national survey the department answers, and its files by year, the latest first:
/// (year, address).
#[derive(Clone, Debug)]
pub struct SurveyFiles {
    pub name: String,
    pub about: String,
    pub files: Vec<(i32, String)>,
}

/// Labels of the department's to rank in a shared list: what they are, and each label with
/// its field's options (the list's categories, « Non classé » first).
#[derive(Clone, Debug)]
pub struct LabelRanking {
    pub what: String,
    pub nomenclature: String,
    pub labels: Vec<(String, Vec<FilterOption>)>,
}

/// The administrator's ranking form: where it posts, its lists, and what was wrong.
#[derive(Clone, Debug)]
pub struct RankingForm {
    pub action: String,
    pub lists: Vec<LabelRanking>,
    pub errors: FieldErrors,
}

/// The national returns: each survey's yearly CSV files, with the département's code
/// (declared on the comparison page), and the ranking of the department's own labels that
/// the returns are computed on.
#[component]
pub fn ReturnsPage(
    ctx: PageContext,
    back: String,
    /// « 30 — Gard », once declared.
    department: Option<String>,
    comparison_href: String,
    surveys: Vec<SurveyFiles>,
    ranking: Option<RankingForm>,
    notice: Option<String>,
    threshold: u64,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let declared = department.is_some();
    view! {
        <Document ctx title="Retours nationaux".into()>
            <p><a href=back>"Statistiques"</a></p>
            <h1>"Retours nationaux"</h1>
            <SuccessNotice text=notice />
            <p>"Les chiffres que le département transmet chaque année aux enquêtes de la DREES, sur l'année civile écoulée (situations au 31 décembre). Ils sont recalculés chaque nuit avec les indicateurs ; chaque fichier CSV porte le code officiel géographique du département."</p>
            <SecrecyNote threshold />
            {match department {
                Some(d) => view! { <p>{format!("Département déclaré : {d}.")}</p> }.into_any(),
                None => view! {
                    <p class="alert info">
                        "Le code du département n'est pas encore déclaré : un administrateur le déclare sur la page "
                        <a href=comparison_href>"Comparaison avec les autres départements"</a>
                        ". Les fichiers se téléchargent ensuite."
                    </p>
                }.into_any(),
            }}
            {surveys.into_iter().map(|s| view! {
                <section>
                    <h2>{s.name}</h2>
                    <p>{s.about}</p>
                    {if s.files.is_empty() {
                        view! { <p>"Aucune année n'est encore calculée : elle le sera cette nuit, ou tout de suite avec « Recalculer maintenant » sur la page des statistiques."</p> }.into_any()
                    } else if !declared {
                        view! { <p>{format!("Années calculées : {}.", s.files.iter().map(|(y, _)| y.to_string()).collect::<Vec<_>>().join(", "))}</p> }.into_any()
                    } else {
                        view! {
                            <ul>
                                {s.files.into_iter().map(|(year, href)| view! {
                                    <li><a href=href download="">{format!("Télécharger l'année {year} (CSV)")}</a></li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            }).collect_view()}
            {ranking.map(|form| view! {
                <section>
                    <h2>"Classement des libellés du département"</h2>
                    <p>"Les enquêtes comptent sur des catégories communes à tous les départements. Rangez une fois chacun de vos libellés dans sa catégorie : les retours sont recalculés à l'enregistrement. Un libellé non classé est compté « Non renseigné »."</p>
                    <ErrorSummary errors=form.errors.clone() />
                    <form method="post" action=form.action novalidate>
                        <CsrfField token=csrf />
                        {form.lists.into_iter().enumerate().map(|(l, list)| {
                            let nomenclature = list.nomenclature.clone();
                            let errors = form.errors.clone();
                            view! {
                                <fieldset>
                                    <legend>{list.what}</legend>
                                    {if list.labels.is_empty() {
                                        view! { <p>"Aucun libellé pour l'instant."</p> }.into_any()
                                    } else {
                                        list.labels.into_iter().enumerate().map(|(i, (label, options))| {
                                            let id = format!("categorie-{l}-{i}");
                                            let error = errors.of(&id);
                                            let error_id = format!("{id}-error");
                                            let invalid = error.is_some();
                                            view! {
                                                <div class="field" class:field-invalid=invalid>
                                                    <input type="hidden" name="liste" value=nomenclature.clone() />
                                                    <input type="hidden" name="libelle" value=label.clone() />
                                                    <label for=id.clone()>{label}</label>
                                                    {error.map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
                                                    <select id=id name="categorie" aria-invalid=invalid.then_some("true")
                                                        aria-describedby=invalid.then_some(error_id)>
                                                        {options.into_iter().map(|o| view! { <option value=o.value selected=o.selected>{o.label}</option> }).collect_view()}
                                                    </select>
                                                </div>
                                            }
                                        }).collect_view().into_any()
                                    }}
                                </fieldset>
                            }
                        }).collect_view()}
                        <button type="submit">"Enregistrer le classement"</button>
                    </form>
                </section>
            })}
        </Document>
    }
}
