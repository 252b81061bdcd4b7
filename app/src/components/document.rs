//! A document sent with a request or a message: its link to save it and, for a PDF or an
//! image, a preview inside the page. The preview sits in a closed `<details>` and loads lazily:
//! the document is fetched (and its reading journaled) only when someone opens it, and it
//! works without JavaScript.

use leptos::prelude::*;

/// A document as a page lists it.
#[derive(Clone, Debug)]
pub struct Attachment {
    /// Where to save it.
    pub href: String,
    /// « avis.pdf (PDF, 120 Ko, 25/11/2026) ».
    pub label: String,
    /// Where the page shows it (the same address, asked for inline), for a PDF or an image;
    /// `None` where only saving is offered.
    pub preview: Option<Preview>,
}

#[derive(Clone, Debug)]
pub enum Preview {
    Pdf(String),
    Image(String),
}

impl Preview {
    /// The preview of a document of `content_type` served at `href` (which takes
    /// `?apercu=oui`), if the browser can show it.
    pub fn of(content_type: &str, href: &str) -> Option<Self> {
        let inline = format!("{href}?apercu=oui");
        match content_type {
            "application/pdf" => Some(Preview::Pdf(inline)),
            "image/jpeg" | "image/png" => Some(Preview::Image(inline)),
            _ => None,
        }
    }
}

/// The document's link, and its preview when it has one.
#[component]
pub fn DocumentLink(attachment: Attachment) -> impl IntoView {
    let Attachment {
        href,
        label,
        preview,
    } = attachment;
    let named = format!("Aperçu de {label}");
    let preview = preview.map(|p| {
        let shown = match p {
            Preview::Pdf(src) => {
                // `loading` is not among the iframe attributes the view macro knows: set by name.
                leptos::html::iframe()
                    .class("preview-frame")
                    .src(src)
                    .title(named.clone())
                    .attr("loading", "lazy")
                    .into_any()
            }
            Preview::Image(src) => {
                view! { <img src=src alt=named.clone() loading="lazy" class="preview-image" /> }.into_any()
            }
        };
        view! {
            <details class="preview">
                <summary>"Aperçu"<span class="visually-hidden">{format!(" : {label}")}</span></summary>
                {shown}
            </details>
        }
    });
    view! {
        <a href=href download="">{label.clone()}</a>
        {preview}
    }
}
