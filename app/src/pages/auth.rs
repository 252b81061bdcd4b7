use leptos::prelude::*;

use crate::components::SignInForm;
use crate::layout::{Document, PageContext};

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
                <SignInForm action csrf email_label="Adresse électronique professionnelle" email refused=has_error />
            </div>
        </Document>
    }
}
