//! What the islands do in the browser: read fields, hold back a file the server would refuse,
//! send a step with upload progress, follow an export. Only the WebAssembly build has it; the server build gets
//! inert stand-ins with the same signatures (islands' handlers never run on the server).

#[cfg(feature = "hydrate")]
pub use self::browser_side::*;
#[cfg(not(feature = "hydrate"))]
pub use self::server_side::*;

#[cfg(feature = "hydrate")]
mod browser_side {
    use std::cell::Cell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{
        Document, DomParser, Element, Event, File, FormData, HtmlElement, HtmlFormElement,
        HtmlInputElement, ProgressEvent, SubmitEvent, SupportedType, Window, XmlHttpRequest,
    };

    use crate::validation::{self, EarlyCheck};

    /// The message for a typed answer, read from the input the event came from.
    pub fn typed_answer_error(
        ev: &Event,
        check: EarlyCheck,
        label: &str,
        required: bool,
    ) -> Option<String> {
        let input = ev.target()?.dyn_into::<HtmlInputElement>().ok()?;
        let check = match check {
            // The browser empties a date input whose text it cannot read, and says so.
            EarlyCheck::Date { .. } => EarlyCheck::Date {
                bad_input: input.validity().bad_input(),
            },
            other => other,
        };
        validation::check_answer(check, label, required, &input.value())
    }

    fn checked_radio(within: &Element) -> bool {
        matches!(
            within.query_selector("input[type=radio]:checked"),
            Ok(Some(_))
        )
    }

    fn chosen_file(within: &Element) -> Option<File> {
        within
            .query_selector("input[type=file]")
            .ok()??
            .dyn_into::<HtmlInputElement>()
            .ok()?
            .files()?
            .get(0)
    }

    fn file_error(file: &File) -> Option<String> {
        // `size` is a whole number of bytes, carried as a JavaScript number.
        validation::check_file(&file.name(), &file.type_(), file.size() as u64)
    }

    /// The message for a document question: its chosen file's, or "attach one" when it is
    /// required and neither a file nor a document sent before is chosen.
    pub fn document_error(fieldset: &Element, label: &str, required: bool) -> Option<String> {
        match chosen_file(fieldset) {
            Some(file) => file_error(&file),
            None if required && !checked_radio(fieldset) => {
                Some(validation::document_required_message(label))
            }
            None => None,
        }
    }

    /// The submit button's `value` (`next` or `save`).
    fn submitted_action(ev: &SubmitEvent) -> Option<String> {
        ev.submitter()?.get_attribute("value")
    }

    /// Adds `f` as a submit listener of the form around `inside`, for the page's lifetime.
    fn on_submit(inside: &Element, capture: bool, f: impl FnMut(SubmitEvent) + 'static) {
        let Some(form) = inside.closest("form").ok().flatten() else {
            return;
        };
        let listener = Closure::<dyn FnMut(SubmitEvent)>::new(f);
        let added = form.add_event_listener_with_callback_and_bool(
            "submit",
            listener.as_ref().unchecked_ref(),
            capture,
        );
        if added.is_ok() {
            // Never removed: the form lives as long as the page (or until a page sent back by
            // the server replaces it, a few bytes left behind).
            listener.forget();
        }
    }

    /// On "Continuer", `check` runs before the form leaves: a message holds it back, shows
    /// where the server would put it, and the first field refused takes focus. "Save and
    /// continue later" is never held back (the server saves what it can).
    fn guard_on_submit(
        field: Element,
        focus: Element,
        set_error: WriteSignal<Option<String>>,
        check: impl Fn() -> Option<String> + 'static,
    ) {
        // Capture: runs before the sending listener, which sees the refusal.
        on_submit(&field, true, move |ev| {
            if submitted_action(&ev).as_deref() == Some("save") {
                return;
            }
            let Some(message) = check() else {
                return;
            };
            let first_refusal = !ev.default_prevented();
            ev.prevent_default();
            set_error.set(Some(message));
            if first_refusal && let Ok(input) = focus.clone().dyn_into::<HtmlElement>() {
                let _ = input.focus();
            }
        });
    }

    /// A chosen file the server refuses whatever it holds (too large, empty, another type) is
    /// not sent.
    pub fn guard_document_on_submit(
        fieldset: web_sys::HtmlFieldSetElement,
        set_error: WriteSignal<Option<String>>,
    ) {
        let fieldset: Element = fieldset.into();
        let Ok(Some(input)) = fieldset.query_selector("input[type=file]") else {
            return;
        };
        let within = fieldset.clone();
        guard_on_submit(fieldset, input, set_error, move || {
            chosen_file(&within).and_then(|f| file_error(&f))
        });
    }

    /// Sends the form around `root` with `XMLHttpRequest` when a file is chosen, reporting the
    /// upload's progress; anything else (no file, no `XMLHttpRequest`, a network failure) goes
    /// the plain way.
    pub fn send_with_progress(root: web_sys::HtmlDivElement, progress: WriteSignal<Option<u32>>) {
        let root: Element = root.into();
        let Some(form) = root
            .closest("form")
            .ok()
            .flatten()
            .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let sending = Rc::new(Cell::new(false));
        // Set for the plain submission made after a network failure: let it through.
        let plain = Rc::new(Cell::new(false));
        on_submit(&root, false, move |ev| {
            if plain.replace(false) || ev.default_prevented() {
                return;
            }
            if sending.get() {
                // A second click while the first sending runs.
                ev.prevent_default();
                return;
            }
            let form_el: &Element = form.as_ref();
            if chosen_file(form_el).is_none() {
                return;
            }
            let submitter = ev.submitter();
            let fallback = {
                let (form, plain, sending) = (form.clone(), plain.clone(), sending.clone());
                let submitter = submitter.clone();
                move || {
                    progress.set(None);
                    sending.set(false);
                    plain.set(true);
                    if form
                        .request_submit_with_submitter(submitter.as_ref())
                        .is_err()
                    {
                        plain.set(false);
                    }
                }
            };
            if send(&form, submitter.as_ref(), progress, fallback).is_ok() {
                ev.prevent_default();
                sending.set(true);
                progress.set(Some(0));
            }
        });
    }

    fn send(
        form: &HtmlFormElement,
        submitter: Option<&HtmlElement>,
        progress: WriteSignal<Option<u32>>,
        fallback: impl FnOnce() + 'static,
    ) -> Result<(), JsValue> {
        let data = FormData::new_with_form(form)?;
        // `FormData` leaves out the button that was pressed; the server reads its value.
        if let Some(button) = submitter
            && let (Some(name), Some(value)) =
                (button.get_attribute("name"), button.get_attribute("value"))
        {
            data.append_with_str(&name, &value)?;
        }
        // Not `form.action()`: the step's buttons are named `action`, and a form's named
        // controls hide its properties of the same name.
        let action = web_sys::Url::new_with_base(
            &form.get_attribute("action").unwrap_or_default(),
            &form.base_uri()?.unwrap_or_default(),
        )?
        .href();
        let xhr = XmlHttpRequest::new()?;
        xhr.open_with_async("POST", &action, true)?;
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |ev: ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                let done = (ev.loaded() / ev.total() * 100.0).clamp(0.0, 100.0);
                progress.set(Some(done as u32));
            }
        });
        xhr.upload()?
            .add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref())?;
        // Owned by the request from now on; freed with it.
        let _ = on_progress.into_js_value();
        let answered = xhr.clone();
        let on_end = Closure::once_into_js(move |_: Event| follow(&answered, &action, fallback));
        // `loadend` comes once, after success, failure or abort alike.
        xhr.add_event_listener_with_callback("loadend", on_end.unchecked_ref())?;
        xhr.send_with_opt_form_data(Some(&data))
    }

    /// Does what the browser would have done with the server's answer.
    fn follow(xhr: &XmlHttpRequest, action: &str, fallback: impl FnOnce()) {
        // Status 0: the network failed (or the request was cut); the plain way may still work.
        if xhr.status().unwrap_or(0) == 0 {
            fallback();
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let landed = xhr.response_url();
        if !landed.is_empty() && landed != action {
            // Redirected (303 after a saved step): go there, as a plain submission would.
            let _ = window.location().assign(&landed);
            return;
        }
        // A page for this address (the step again with its errors, or an error page).
        let shown = xhr
            .response_text()
            .ok()
            .flatten()
            .is_some_and(|html| show_page(&window, &html).is_ok());
        if !shown {
            // Cannot show it here: load the step afresh (what was saved shows there).
            let _ = window.location().assign(action);
        }
    }

    /// Replaces the page with the server's HTML page and brings its islands to life.
    fn show_page(window: &Window, html: &str) -> Result<(), JsValue> {
        let document = window
            .document()
            .ok_or_else(|| JsValue::from_str("no document"))?;
        let parsed = DomParser::new()?.parse_from_string(html, SupportedType::TextHtml)?;
        let (Some(body), Some(old)) = (parsed.body(), document.body()) else {
            return Err(JsValue::from_str("no body"));
        };
        // Scripts of a parsed page never run; the page's own loader is already here.
        let body = document.adopt_node(&body)?;
        old.replace_with_with_node_1(&body)?;
        document.set_title(&parsed.title());
        window.scroll_to_with_x_and_y(0.0, 0.0);
        hydrate_islands(window, &document);
        focus_summary(&document);
        Ok(())
    }

    /// Hydrates the islands of a page put in place by `show_page`, through the hook Leptos'
    /// islands loader leaves on `window`.
    fn hydrate_islands(window: &Window, document: &Document) {
        let Ok(hydrate) = js_sys::Reflect::get(window, &JsValue::from_str("__hydrateIsland"))
        else {
            return;
        };
        let Ok(hydrate) = hydrate.dyn_into::<js_sys::Function>() else {
            return;
        };
        let Ok(islands) = document.query_selector_all("leptos-island") else {
            return;
        };
        for i in 0..islands.length() {
            let Some(island) = islands.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                continue;
            };
            let id = island.get_attribute("data-component").unwrap_or_default();
            let _ = hydrate.call2(&JsValue::NULL, &island, &JsValue::from_str(&id));
        }
    }

    /// Asks `url` for an export's progress (`{"written":…,"total":…,"finished":…}`) every
    /// second until it is finished, then reloads the page, which then offers the file.
    /// A network hiccup or a server error waits longer and asks again; a refusal stops.
    pub fn follow_export(url: String, state: WriteSignal<(u64, Option<u64>)>) {
        let Ok(xhr) = XmlHttpRequest::new() else {
            return;
        };
        if xhr.open_with_async("GET", &url, true).is_err() {
            return;
        }
        let _ = xhr.set_request_header("Accept", "application/json");
        let answered = xhr.clone();
        let on_end = Closure::once_into_js(move |_: Event| {
            let status = answered.status().unwrap_or(0);
            let again = match status {
                200 => {
                    let parsed = answered
                        .response_text()
                        .ok()
                        .flatten()
                        .and_then(|text| js_sys::JSON::parse(&text).ok());
                    let Some(parsed) = parsed else {
                        return;
                    };
                    let field =
                        |key: &str| js_sys::Reflect::get(&parsed, &JsValue::from_str(key)).ok();
                    let written = field("written").and_then(|v| v.as_f64()).unwrap_or(0.0);
                    let total = field("total").and_then(|v| v.as_f64());
                    state.set((written as u64, total.map(|t| t as u64)));
                    if field("finished").and_then(|v| v.as_bool()) == Some(true) {
                        if let Some(window) = web_sys::window() {
                            let _ = window.location().reload();
                        }
                        return;
                    }
                    std::time::Duration::from_secs(1)
                }
                0 | 500.. => std::time::Duration::from_secs(5),
                _ => return,
            };
            set_timeout(move || follow_export(url, state), again);
        });
        if xhr
            .add_event_listener_with_callback("loadend", on_end.unchecked_ref())
            .is_ok()
        {
            let _ = xhr.send();
        }
    }

    /// As after a page load, the list of errors is where reading starts.
    fn focus_summary(document: &Document) {
        if let Ok(Some(summary)) = document.query_selector(".alert.error")
            && let Ok(summary) = summary.dyn_into::<HtmlElement>()
        {
            let _ = summary.set_attribute("tabindex", "-1");
            let _ = summary.focus();
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod server_side {
    use leptos::prelude::*;
    use leptos::web_sys::{Element, Event, HtmlDivElement, HtmlFieldSetElement};

    use crate::validation::EarlyCheck;

    pub fn typed_answer_error(_: &Event, _: EarlyCheck, _: &str, _: bool) -> Option<String> {
        None
    }

    pub fn document_error(_: &Element, _: &str, _: bool) -> Option<String> {
        None
    }

    pub fn guard_document_on_submit(_: HtmlFieldSetElement, _: WriteSignal<Option<String>>) {}

    pub fn send_with_progress(_: HtmlDivElement, _: WriteSignal<Option<u32>>) {}

    pub fn follow_export(_: String, _: WriteSignal<(u64, Option<u64>)>) {}
}
