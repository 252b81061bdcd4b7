//! The page layout shared by every page: `lang="fr"`, skip link, landmarks, the department's
//! name and logo slot, the signed-in staff bar.

use leptos::config::LeptosOptions;
use leptos::prelude::*;

/// The department a page belongs to.
#[derive(Clone, Debug)]
pub struct TenantBrand {
    pub name: String,
    /// Where the department's pages start: `/demo` when reached by path prefix, empty when
    /// reached by its own host.
    pub base: String,
    pub logo_url: Option<String>,
    /// The department's colours (`brand::Look::stylesheet`), after the site's own.
    pub stylesheet: String,
}

impl TenantBrand {
    /// A link inside this department.
    pub fn href(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// An entry of the staff menu; its description says, on the staff home, what is done there.
#[derive(Clone, Debug)]
pub struct NavLink {
    pub href: String,
    pub label: String,
    pub description: &'static str,
}

/// The signed-in staff member, for the header.
#[derive(Clone, Debug)]
pub struct StaffBar {
    pub display_name: String,
    pub nav: Vec<NavLink>,
}

/// The signed-in citizen, for the header.
#[derive(Clone, Debug)]
pub struct CitizenBar {
    pub display_name: String,
}

/// Everything the layout needs besides the page's own content.
#[derive(Clone, Debug)]
pub struct PageContext {
    pub options: LeptosOptions,
    /// This build's stylesheet, named after its content.
    pub stylesheet: String,
    pub tenant: Option<TenantBrand>,
    pub staff: Option<StaffBar>,
    pub citizen: Option<CitizenBar>,
    /// The form token for this session; every form repeats it.
    pub csrf: String,
    /// The page answers a form sent with mistakes: its title starts with « Erreur : », so a
    /// screen reader says so first (GOV.UK error summary pattern).
    pub refused: bool,
}

impl PageContext {
    pub fn href(&self, path: &str) -> String {
        match &self.tenant {
            Some(t) => t.href(path),
            None => path.to_owned(),
        }
    }
}

#[component]
pub fn Document(ctx: PageContext, title: String, children: Children) -> impl IntoView {
    let site = ctx
        .tenant
        .as_ref()
        .map_or_else(|| "Guichet".to_owned(), |t| t.name.clone());
    let full_title = match ctx.refused {
        true => format!("Erreur : {title} — {site}"),
        false => format!("{title} — {site}"),
    };
    let home = ctx.href("/");
    let logout = ctx.href("/agents/deconnexion");
    let csrf = ctx.csrf.clone();
    let brand = ctx.tenant.clone();
    let staff = ctx.staff.clone();
    let staff_page = staff.is_some();
    let citizen = ctx.citizen.clone();
    let citizen_space = ctx.href("/mon-espace");
    let citizen_logout = ctx.href("/deconnexion");
    let citizen_csrf = ctx.csrf.clone();
    view! {
        <!DOCTYPE html>
        <html lang="fr">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // Set as raw content: a text child would carry a hydration marker (`<!>`),
                // which inside <title> is shown literally.
                <title inner_html=escape_text(&full_title)></title>
                <link rel="stylesheet" href=ctx.stylesheet.clone() />
                {brand.as_ref().map(|b| view! { <link rel="stylesheet" href=b.stylesheet.clone() /> })}
                <HydrationScripts options=ctx.options.clone() islands=true />
            </head>
            <body>
                <a class="skip-link" href="#contenu">"Aller au contenu"</a>
                <header role="banner" class="site-header">
                    <div class="brand">
                        {match brand.as_ref().and_then(|b| b.logo_url.clone()) {
                            Some(src) => view! { <img class="logo" src=src alt="" /> }.into_any(),
                            None => view! { <span class="logo-slot" aria-hidden="true"></span> }.into_any(),
                        }}
                        <a href=home class="site-name">{site.clone()}</a>
                    </div>
                    {staff.map(|s| {
                        view! {
                            <nav aria-label="Menu principal" class="main-nav">
                                <ul>
                                    {s.nav.into_iter().map(|l| view! { <li><a href=l.href>{l.label}</a></li> }).collect_view()}
                                </ul>
                            </nav>
                            <form method="post" action=logout class="logout" novalidate=true>
                                <input type="hidden" name="csrf" value=csrf.clone() />
                                <span class="who">{s.display_name}</span>
                                " "
                                <button type="submit" class="secondary">"Se déconnecter"</button>
                            </form>
                        }
                    })}
                    {citizen.map(|c| {
                        view! {
                            <nav aria-label="Menu principal" class="main-nav">
                                <ul>
                                    <li><a href=citizen_space>"Mon espace"</a></li>
                                </ul>
                            </nav>
                            <form method="post" action=citizen_logout class="logout" novalidate=true>
                                <input type="hidden" name="csrf" value=citizen_csrf />
                                <span class="who">{c.display_name}</span>
                                " "
                                <button type="submit" class="secondary">"Se déconnecter"</button>
                            </form>
                        }
                    })}
                </header>
                <main id="contenu" tabindex="-1" class=staff_page.then_some("staff")>
                    {children()}
                </main>
                <footer role="contentinfo" class="site-footer">
                    <p>{format!("{site} — service en ligne propulsé par Guichet")}</p>
                </footer>
            </body>
        </html>
    }
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A form's hidden anti-forgery field.
#[component]
pub fn CsrfField(token: String) -> impl IntoView {
    view! { <input type="hidden" name="csrf" value=token /> }
}

/// A list of errors at the top of a form, announced to screen readers; a message about a
/// field links to it (the field shows it too, see `components::TextField`).
#[component]
pub fn ErrorSummary(#[prop(into)] errors: crate::validation::FieldErrors) -> impl IntoView {
    (!errors.is_empty()).then(|| {
        let items = errors
            .entries()
            .iter()
            .map(|(field, message)| match field {
                Some(field) => {
                    let href = format!("#{field}");
                    view! { <li><a href=href>{message.clone()}</a></li> }.into_any()
                }
                None => view! { <li>{message.clone()}</li> }.into_any(),
            })
            .collect_view();
        // Focus lands here when the page loads (no script needed), so the first thing read
        // and the first Tab lead to the mistakes; each links to its field.
        view! {
            <div class="alert error error-summary" role="alert" tabindex="-1" autofocus=true>
                <h2>"Le formulaire contient des erreurs"</h2>
                <ul>{items}</ul>
            </div>
        }
    })
}
