//! Invitations' pages: sending one from a person's page, the invitation with its texts and the
//! attendance, and the person's booking page the link opens (no account needed).

use leptos::prelude::*;

use crate::components::{
    Badge, Choice, Choices, Notice, NoticeKind, Row, SuccessNotice, SummaryList, SummaryRow, Table,
    Tone,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// The invitations on a person's page, and the way to send one.
#[derive(Clone, Debug, Default)]
pub struct InvitationsSummary {
    /// (href, sent on, what for, where it stands, its tone).
    pub rows: Vec<(String, String, String, String, Tone)>,
    pub invite_href: Option<String>,
}

#[component]
pub(super) fn InvitationsSection(invitations: InvitationsSummary) -> impl IntoView {
    let rows = invitations
        .rows
        .into_iter()
        .map(|(href, sent, purpose, standing, tone)| {
            Row::new(vec![
                view! { <a href=href>{format!("Envoyée le {sent}")}</a> }.into_any(),
                purpose.into_any(),
                view! { <Badge text=standing tone /> }.into_any(),
            ])
        })
        .collect();
    view! {
        <h2>"Rendez-vous"</h2>
        <Table caption="Invitations à prendre rendez-vous" headers=vec!["Invitation", "Objet", "Où elle en est"]
            rows empty="Aucune invitation envoyée." />
        {invitations.invite_href.map(|href| view! { <p><a href=href>"Inviter à prendre rendez-vous"</a></p> })}
    }
}

/// The invitation form, as typed.
#[derive(Clone, Debug, Default)]
pub struct InviteView {
    pub name: String,
    pub person_href: String,
    pub action: String,
    /// (value, label, chosen).
    pub purposes: Vec<Choice>,
    /// The services with free slots; empty: nothing to offer.
    pub services: Vec<Choice>,
    pub booking_days: i32,
    /// Where the person will be reached: « par courriel à … », or the letter alone.
    pub reach: String,
}

#[component]
pub fn InvitePage(ctx: PageContext, invite: InviteView, errors: FieldErrors) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let InviteView {
        name,
        person_href,
        action,
        purposes,
        services,
        booking_days,
        reach,
    } = invite;
    let form = if services.is_empty() {
        view! {
            <Notice kind=NoticeKind::Info>
                <p>"Aucun créneau libre n'est publié pour les jours à venir. Les créneaux se publient dans l'agenda des rendez-vous (accueil) ; revenez ensuite inviter la personne."</p>
            </Notice>
        }
        .into_any()
    } else {
        view! {
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <Choices name="purpose" legend="Objet du rendez-vous" options=purposes
                    error=errors.of("purpose-0") />
                <Choices name="service" legend="Service dont les créneaux sont proposés" options=services
                    error=errors.of("service-0") />
                <p class="hint">{format!("Le lien permet de choisir un créneau pendant {booking_days} jours. {reach}")}</p>
                <button type="submit">"Envoyer l'invitation"</button>
            </form>
        }
        .into_any()
    };
    view! {
        <Document ctx title=format!("Inviter {name} à prendre rendez-vous")>
            <p><a href=person_href>{format!("Retour à {name}")}</a></p>
            <h1>{format!("Inviter {name} à prendre rendez-vous")}</h1>
            <ErrorSummary errors=errors.clone() />
            {form}
        </Document>
    }
}

/// One invitation, for the module's workers.
#[derive(Clone, Debug)]
pub struct InvitationView {
    pub name: String,
    pub person_href: String,
    pub standing: String,
    pub tone: Tone,
    pub facts: Vec<(String, String)>,
    pub sms: String,
    pub letter_href: String,
    /// Where to record whether the person came, once the appointment has begun.
    pub attendance_action: Option<String>,
}

#[component]
pub fn InvitationPage(
    ctx: PageContext,
    invitation: InvitationView,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let InvitationView {
        name,
        person_href,
        standing,
        tone,
        facts,
        sms,
        letter_href,
        attendance_action,
    } = invitation;
    view! {
        <Document ctx title=format!("Invitation de {name}")>
            <p><a href=person_href>{format!("Retour à {name}")}</a></p>
            <h1>{format!("Invitation de {name}")}</h1>
            <SuccessNotice text=notice />
            <p>"Où elle en est : " <Badge text=standing tone /></p>
            <SummaryList rows=SummaryRow::pairs(facts) />
            {attendance_action.map(|action| view! {
                <h2>"Présence"</h2>
                <form method="post" action=action class="actions">
                    <CsrfField token=csrf />
                    <button type="submit" name="came" value="oui">"La personne est venue"</button>
                    <button type="submit" name="came" value="non" class="secondary">"La personne n'est pas venue"</button>
                </form>
            })}
            <h2>"Courrier et SMS"</h2>
            <p><a href=letter_href>"Télécharger le courrier d'invitation (PDF)"</a></p>
            <p>"Texte du SMS, à envoyer depuis votre outil habituel :"</p>
            <p class="message-body">{sms}</p>
        </Document>
    }
}

/// What the booking link shows.
#[derive(Clone, Debug)]
pub enum BookingState {
    /// Slots to choose from; `held` names the appointment already taken, which a choice moves.
    Open {
        action: String,
        slots: Vec<crate::user_relations::FreeSlot>,
        held: Option<String>,
    },
    /// Nothing can be booked any more; the sentence says why and what to do.
    Closed(String),
}

#[derive(Clone, Debug)]
pub struct BookingView {
    pub department: String,
    pub purpose: String,
    pub service: String,
    pub last_day: String,
    pub state: BookingState,
}

#[component]
pub fn BookingPage(
    ctx: PageContext,
    booking: BookingView,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let BookingView {
        department,
        purpose,
        service,
        last_day,
        state,
    } = booking;
    let title = format!("Votre {purpose}");
    let body = match state {
        BookingState::Open {
            action,
            slots,
            held,
        } => {
            let empty = slots.is_empty();
            view! {
                {held.map(|when| view! { <p><strong>{format!("Votre rendez-vous : {when}.")}</strong> " Pour le déplacer, choisissez un autre créneau."</p> })}
                <p>{format!("Choisissez un créneau ({service}) jusqu'au {last_day} inclus.")}</p>
                {if empty {
                    view! { <p>"Tous les créneaux sont pris pour l'instant : appelez le département, ou revenez plus tard."</p> }.into_any()
                } else {
                    view! {
                        <form method="post" action=action novalidate=true>
                            <CsrfField token=csrf />
                            {crate::user_relations::slot_choice(slots, "Créneaux libres".to_owned(), errors.of(crate::user_relations::FIRST_SLOT))}
                            <button type="submit">"Réserver ce créneau"</button>
                        </form>
                    }.into_any()
                }}
            }
            .into_any()
        }
        BookingState::Closed(why) => view! { <p>{why}</p> }.into_any(),
    };
    view! {
        <Document ctx title=title.clone()>
            <h1>{title}</h1>
            <p>{format!("{department} vous invite à ce rendez-vous dans le cadre de votre accompagnement au titre du RSA.")}</p>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            {body}
        </Document>
    }
}
