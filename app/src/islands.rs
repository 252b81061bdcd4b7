//! Interactive islands. Each one renders something useful without JavaScript and improves it
//! once hydrated.

use leptos::prelude::*;

use crate::aid_requests::filing::{InputKind, QuestionView};
use crate::browser;
use crate::validation::EarlyCheck;

/// A password field with a "show the password" button. Without JavaScript the button stays
/// hidden (it could not work); after hydration it appears and toggles the field.
#[island]
pub fn PasswordField(
    /// `id` and `name` of the input.
    name: String,
    label: String,
    #[prop(optional)] autocomplete: Option<String>,
    #[prop(optional)] described_by: Option<String>,
) -> impl IntoView {
    let (hydrated, set_hydrated) = signal(false);
    let (visible, set_visible) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    let id = name.clone();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <div class="password-row">
                <input
                    id=id.clone()
                    name=name
                    type=move || if visible.get() { "text" } else { "password" }
                    autocomplete=autocomplete.unwrap_or_else(|| "current-password".into())
                    aria-describedby=described_by
                    required=true
                />
                <button
                    type="button"
                    class="secondary"
                    hidden=move || !hydrated.get()
                    aria-controls=id
                    aria-pressed=move || if visible.get() { "true" } else { "false" }
                    on:click=move |_| set_visible.update(|v| *v = !*v)
                >
                    {move || if visible.get() { "Masquer le mot de passe" } else { "Afficher le mot de passe" }}
                </button>
            </div>
        </div>
    }
}

/// One question of a filing step. Without JavaScript it is the plain field with the server's
/// error, if any. Hydrated, it checks the answer as the citizen leaves the field (or picks a
/// file) with the server's own rules and words, shows the message where the server would, and
/// removes it once fixed. The server still checks everything.
#[island]
pub fn StepQuestion(question: QuestionView) -> impl IntoView {
    let QuestionView {
        key,
        label,
        help,
        required,
        kind,
        value,
        error,
    } = question;
    let (error, set_error) = signal(error);
    let hint_id = format!("{key}-hint");
    let error_id = format!("{key}-error");
    let has_hint = !help.is_empty();
    let described = Memo::new({
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move |_| {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    });
    let around = Around {
        shown_label: if required {
            label.clone()
        } else {
            format!("{label} (facultatif)")
        },
        key,
        label,
        required,
        value,
        hint: has_hint.then(|| view! { <p class="hint" id=hint_id>{help}</p> }.into_any()),
        error_id,
        described,
        error,
        set_error,
    };
    match kind {
        InputKind::Choice(_) | InputKind::YesNo => choice_question(around, kind),
        InputKind::Document(documents) => document_question(around, documents),
        other => typed_question(around, other),
    }
}

/// What every kind of question shows around its input: its label, hint and error, and the
/// ids that tie them to the input.
struct Around {
    key: String,
    label: String,
    shown_label: String,
    required: bool,
    value: String,
    hint: Option<AnyView>,
    error_id: String,
    described: Memo<Option<String>>,
    error: ReadSignal<Option<String>>,
    set_error: WriteSignal<Option<String>>,
}

impl Around {
    /// `aria-invalid` while there is an error.
    fn invalid(&self) -> impl Fn() -> Option<&'static str> + Copy + use<> {
        let error = self.error;
        move || error.with(Option::is_some).then_some("true")
    }

    /// The error, where the server would show it, while there is one.
    fn error_view(&self) -> impl Fn() -> Option<AnyView> + use<> {
        let (error, error_id) = (self.error, self.error_id.clone());
        move || {
            error
                .get()
                .map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> }.into_any())
        }
    }
}

/// Radio buttons: a list's options, or yes and no.
fn choice_question(around: Around, kind: InputKind) -> AnyView {
    let error_view = around.error_view();
    let Around {
        key,
        shown_label,
        value,
        hint,
        described,
        set_error,
        ..
    } = around;
    let options: Vec<(String, String, String)> = match kind {
        InputKind::Choice(options) => options
            .into_iter()
            .enumerate()
            .map(|(i, o)| (format!("{key}-{i}"), o.clone(), o))
            .collect(),
        _ => vec![
            (format!("{key}-oui"), "oui".into(), "Oui".into()),
            (format!("{key}-non"), "non".into(), "Non".into()),
        ],
    };
    // The server checks on "Continuer"; any choice clears its message. Nothing is checked
    // on leaving a field: a message appearing then moved the button from under the pointer,
    // and the click was lost.
    view! {
        <fieldset
            aria-describedby=move || described.get()
            on:change=move |_| set_error.set(None)
        >
            <legend>{shown_label}</legend>
            {hint}
            {error_view}
            {options.into_iter().map(|(id, option, text)| {
                let checked = option == value;
                view! {
                    <div class="choice">
                        <input type="radio" id=id.clone() name=key.clone() value=option checked=checked />
                        <label for=id>{text}</label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
    .into_any()
}

/// A file to send, or one of the citizen's documents chosen again.
fn document_question(around: Around, documents: Vec<(String, String)>) -> AnyView {
    let (error_view, invalid) = (around.error_view(), around.invalid());
    let Around {
        key,
        label,
        shown_label,
        required,
        value,
        hint,
        described,
        set_error,
        ..
    } = around;
    let file_id = format!("{key}-fichier");
    let reuse_name = format!("{key}-existant");
    let limits_id = format!("{key}-limites");
    let file_described = {
        let limits_id = limits_id.clone();
        move || match described.get() {
            Some(d) => format!("{limits_id} {d}"),
            None => limits_id.clone(),
        }
    };
    let fieldset = NodeRef::<leptos::html::Fieldset>::new();
    fieldset.on_load(move |fieldset| browser::guard_document_on_submit(fieldset, set_error));
    // A file chosen (or dropped), or a document of theirs picked again.
    let on_change = move |_| {
        if let Some(fieldset) = fieldset.get_untracked() {
            set_error.set(browser::document_error(&fieldset, &label, required));
        }
    };
    view! {
        <fieldset node_ref=fieldset aria-describedby=move || described.get() on:change=on_change>
            <legend>{shown_label}</legend>
            {hint}
            {error_view}
            {(!documents.is_empty()).then(|| {
                let reuse_name = reuse_name.clone();
                let value = value.clone();
                view! {
                    <p>"Réutiliser un document déjà envoyé :"</p>
                    {documents.into_iter().enumerate().map(|(i, (id, description))| {
                        let radio = format!("{key}-doc-{i}");
                        let checked = id == value;
                        view! {
                            <div class="choice">
                                <input type="radio" id=radio.clone() name=reuse_name.clone() value=id checked=checked />
                                <label for=radio>{description}</label>
                            </div>
                        }
                    }).collect_view()}
                    <p>"Ou envoyer un nouveau document :"</p>
                }
            })}
            <div class="field">
                <label for=file_id.clone()>"Fichier"</label>
                <p class="hint" id=limits_id>{crate::validation::DOCUMENT_LIMITS}</p>
                <input
                    id=file_id
                    name=key.clone()
                    type="file"
                    accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
                    aria-describedby=file_described
                    aria-invalid=invalid
                />
            </div>
        </fieldset>
    }
    .into_any()
}

/// A typed answer: text, a number, an amount or a date.
fn typed_question(around: Around, kind: InputKind) -> AnyView {
    let (error_view, invalid) = (around.error_view(), around.invalid());
    let Around {
        key,
        label,
        shown_label,
        required,
        value,
        hint,
        described,
        error,
        set_error,
        ..
    } = around;
    let (input_type, mode, autocomplete, check) = match kind {
        InputKind::Number => ("text", Some("numeric"), None, EarlyCheck::Number),
        InputKind::Amount => ("text", Some("decimal"), None, EarlyCheck::Amount),
        InputKind::Date => ("date", None, None, EarlyCheck::Date { bad_input: false }),
        _ => ("text", None, Some("off"), EarlyCheck::Text),
    };
    let unit = matches!(kind, InputKind::Amount).then(|| view! { <span class="unit">"€"</span> });
    let width = match kind {
        InputKind::Number => Some("width-5"),
        InputKind::Amount => Some("width-10"),
        _ => None,
    };
    // Once a message shows, it follows the typing, so it goes as soon as the answer is
    // right; a field without a message stays quiet until the citizen leaves it.
    let on_input = move |ev: leptos::ev::Event| {
        if error.with_untracked(Option::is_some) {
            set_error.set(browser::typed_answer_error(&ev, check, &label, required));
        }
    };
    view! {
        <div class="field">
            <label for=key.clone()>{shown_label}</label>
            {hint}
            {error_view}
            <div class="input-with-unit">
                <input
                    id=key.clone()
                    name=key
                    type=input_type
                    class=width
                    inputmode=mode
                    autocomplete=autocomplete
                    value=value
                    aria-invalid=invalid
                    aria-describedby=move || described.get()
                    on:input=on_input
                />
                {unit}
            </div>
        </div>
    }
    .into_any()
}

/// Progress of a step's upload. Without JavaScript nothing shows (the browser sends the form
/// itself). Hydrated, a step sent with a file chosen goes through `XMLHttpRequest`, the only
/// browser API that reports upload progress: a bar and a percentage, read out politely in
/// steps of ten so screen readers are not flooded. The server's answer is then followed as a
/// plain submission would be.
#[island]
pub fn UploadStatus() -> impl IntoView {
    let (percent, set_percent) = signal(None::<u32>);
    let text = Memo::new(move |_| {
        percent
            .get()
            .map(|p| format!("Envoi du document : {} %", p / 10 * 10))
    });
    let root = NodeRef::<leptos::html::Div>::new();
    root.on_load(move |root| browser::send_with_progress(root, set_percent));
    view! {
        <div class="upload-status" node_ref=root>
            <progress
                max="100"
                value=move || percent.get().unwrap_or(0)
                hidden=move || percent.with(Option::is_none)
                aria-label="Envoi du document"
            ></progress>
            <p aria-live="polite">{move || text.get()}</p>
        </div>
    }
}

/// "1 234" as French writes it (narrow no-break space).
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// Whole percent of an export done; nothing to export is done.
fn job_percent((done, total): (u64, Option<u64>)) -> Option<u64> {
    match total? {
        0 => Some(100),
        total => Some(done.min(total) * 100 / total),
    }
}

/// « 1 200 demandes écrites sur 3 000 (40 %) », or what is awaited while the total is unknown.
fn job_progress_text(state: (u64, Option<u64>), unit: &str, waiting: &str) -> String {
    match (state.1, job_percent(state)) {
        (Some(total), Some(percent)) => format!(
            "{} {unit} sur {} ({percent} %)",
            grouped(state.0),
            grouped(total)
        ),
        _ if state.0 > 0 => format!("{} {unit}", grouped(state.0)),
        _ => waiting.to_owned(),
    }
}

/// A job's progress (an export, an import): a bar and the figures. Without JavaScript the page
/// around it offers to refresh; hydrated, it follows the job by itself (asking `state_href`
/// every second: `written`, `total`, `finished`) and reloads the page once the job is
/// finished, to show its outcome.
#[island]
pub fn JobProgress(
    state_href: String,
    written: u64,
    total: Option<u64>,
    finished: bool,
    /// « Avancement de l'export ».
    label: String,
    /// What is counted: « demandes écrites ».
    unit: String,
    /// Said while nothing is counted yet.
    waiting: String,
) -> impl IntoView {
    let (state, set_state) = signal((written, total));
    let root = NodeRef::<leptos::html::Div>::new();
    if !finished {
        root.on_load(move |_| browser::follow_export(state_href, set_state));
    }
    view! {
        <div class="export-progress" node_ref=root>
            <label for="avancement">{label}</label>
            <progress
                id="avancement"
                max=move || state.get().1.unwrap_or(100).max(1)
                value=move || { let (written, total) = state.get(); written.min(total.unwrap_or(0)) }
            >
                {move || job_percent(state.get()).map(|p| format!("{p} %"))}
            </progress>
            <p id="avancement-texte">{move || job_progress_text(state.get(), &unit, &waiting)}</p>
        </div>
    }
}
