//! Interactive islands. Each one renders something useful without JavaScript and improves it
//! once hydrated.

use leptos::prelude::*;

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
