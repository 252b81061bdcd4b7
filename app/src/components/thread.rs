//! An exchange of messages (a request's questions and answers), oldest first, each with the
//! document sent with it.

use leptos::prelude::*;

use super::{Attachment, DocumentLink};

#[derive(Clone, Debug)]
pub struct ThreadMessage {
    /// Who wrote it and when.
    pub heading: String,
    pub body: String,
    pub attachment: Option<Attachment>,
}

#[component]
pub fn MessageThread(messages: Vec<ThreadMessage>, #[prop(into)] empty: String) -> impl IntoView {
    if messages.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="messages">
            {messages.into_iter().map(|m| view! {
                <li>
                    <strong>{m.heading}</strong>
                    {(!m.body.is_empty()).then(|| view! { <p class="message-body">{m.body}</p> })}
                    {m.attachment.map(|attachment| view! {
                        <div class="attachment">"Document joint : "<DocumentLink attachment /></div>
                    })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}
