use leptos::prelude::*;

use crate::islands::PasswordField;
use crate::layout::{CsrfField, Document, PageContext};

/// Staff sign-in.
#[component]
pub fn LoginPage(ctx: PageContext, error: Option<String>, email: String) -> impl IntoView {
    let action = ctx.href("/agents/connexion");
    let csrf = ctx.csrf.clone();
    let has_error = error.is_some();
    view! {
        <Document ctx title="Connexion des agents".into()>
            <div class="narrow">
                <h1>"Connexion des agents"</h1>
                {error.map(|e| view! { <div class="alert error" role="alert" id="login-error"><p>{e}</p></div> })}
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    <div class="field">
                        <label for="email">"Adresse électronique professionnelle"</label>
                        <input
                            id="email"
                            name="email"
                            type="email"
                            autocomplete="username"
                            required=true
                            value=email
                            aria-invalid=has_error.then_some("true")
                            aria-describedby=has_error.then_some("login-error")
                        />
                    </div>
                    <PasswordField name="password".into() label="Mot de passe".into() />
                    <button type="submit">"Se connecter"</button>
                </form>
            </div>
        </Document>
    }
}
