//! The person's pages: their requests to the MDPH, a draft's rights, pieces and review, a
//! filed file with its requests, pieces and plan.

use super::*;

/// One of the person's files, as their list shows it.
#[derive(Clone, Debug)]
pub struct MyFileRow {
    pub href: String,
    pub title: String,
    pub status: String,
    pub tone: Tone,
}

/// `/mon-espace/mdph`: the person's requests to the MDPH, and how to start one.
#[component]
pub fn MyMdphPage(
    ctx: PageContext,
    files: Vec<MyFileRow>,
    start_action: String,
    can_renew: bool,
    rights: Vec<RightInForce>,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let csrf_renew = ctx.csrf.clone();
    let renew_action = start_action.clone();
    view! {
        <Document ctx title="Mes demandes à la MDPH".into()>
            <h1>"Mes demandes à la MDPH"</h1>
            <SuccessNotice text=notice />
            <p>"La maison départementale des personnes handicapées (MDPH) étudie les demandes de droits liés au handicap : allocations (AAH, AEEH), prestation de compensation (PCH), carte mobilité inclusion, reconnaissance de travailleur handicapé, orientations, scolarisation. Une même demande peut porter sur plusieurs droits."</p>
            {if files.is_empty() {
                view! { <p>"Vous n'avez pas encore de demande à la MDPH."</p> }.into_any()
            } else {
                view! {
                    <ul class="cards">
                        {files.into_iter().map(|f| view! {
                            <li class="card">
                                <a href=f.href>{f.title}</a>
                                " "
                                <Badge text=f.status tone=f.tone />
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!rights.is_empty()).then(|| view! { <RightsInForce rights /> })}
            <h2>"Faire une demande"</h2>
            <p>"Il vous faut : le formulaire (rempli ici, en plusieurs étapes, que vous pouvez enregistrer et reprendre), un certificat médical CERFA 15695*01 rempli par votre médecin il y a moins d'un an, une pièce d'identité, un justificatif de domicile de moins de 3 mois, et, sous tutelle ou curatelle, le jugement. Vous pouvez aussi remplir la demande pour votre enfant ou pour la personne que vous aidez ou représentez."</p>
            <form method="post" action=start_action novalidate=true>
                <CsrfField token=csrf />
                <input type="hidden" name="nature" value="first" />
                <button type="submit">"Commencer une première demande"</button>
            </form>
            {can_renew.then(|| view! {
                <form method="post" action=renew_action novalidate=true>
                    <CsrfField token=csrf_renew />
                    <input type="hidden" name="nature" value="renewal" />
                    <p>"Un renouvellement reprend les réponses de votre dernière demande : vous relisez et confirmez chaque étape."</p>
                    <button type="submit" class="secondary">"Demander un renouvellement"</button>
                </form>
            })}
        </Document>
    }
}

/// The rights page of a draft (part E).
#[derive(Clone, Debug)]
pub struct RightsView {
    pub action: String,
    pub previous_href: String,
    pub options: Vec<Choice>,
    pub generic: bool,
    /// « Enfants (moins de 20 ans) » or « Adultes »: which rights are offered.
    pub pole: String,
    /// Reception's notice when it files under a mandate.
    pub on_behalf: Option<String>,
}

#[component]
pub fn RightsPage(ctx: PageContext, view: RightsView, errors: FieldErrors) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let RightsView {
        action,
        previous_href,
        options,
        generic,
        pole,
        on_behalf,
    } = view;
    let rights_error = errors.of("droits");
    view! {
        <Document ctx title="Demande à la MDPH — les droits demandés".into()>
            <h1>"Demande à la MDPH"</h1>
            <p class="steps">"Partie E — Les droits demandés"</p>
            <OnBehalf on_behalf />
            <ErrorSummary errors />
            <p>{format!("Les droits proposés sont ceux des {} : ils dépendent de l'âge de la personne concernée.", pole.to_lowercase())}</p>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <Choices name="droits" legend="Les droits que vous demandez" options multiple=true
                    hint="Cochez chaque droit demandé : chacun est étudié et décidé séparément."
                    error=rights_error />
                <div class="choice">
                    <input type="checkbox" id="generique" name="generique" value="oui" checked=generic />
                    <label for="generique">"Je ne sais pas quels droits demander : je demande à l'équipe d'étudier tous mes droits"</label>
                </div>
                <div class="actions">
                    <button type="submit">"Continuer"</button>
                </div>
            </form>
            <p><a href=previous_href>"Revenir à l'étape précédente"</a></p>
        </Document>
    }
}

/// A piece of a file, as the person or reception sees it.
#[derive(Clone, Debug)]
pub struct PieceRow {
    pub kind: String,
    pub description: String,
    pub received: String,
    pub status: String,
    pub tone: Tone,
    pub reason: Option<String>,
    /// Where to open it, for those who may.
    pub href: Option<String>,
    /// Reception's verdict form, while the file waits for it.
    pub review_action: Option<String>,
    pub id: i64,
}

/// The form to send a piece.
#[derive(Clone, Debug)]
pub struct PieceForm {
    pub action: String,
    pub kinds: Vec<FilterOption>,
    pub certificate_date: String,
    pub rpps: String,
}

/// The pieces of a file: sent ones, missing ones, and the form to send one.
#[component]
pub fn PiecesSection(
    csrf: String,
    pieces: Vec<PieceRow>,
    missing: Vec<String>,
    form: Option<PieceForm>,
    errors: FieldErrors,
) -> impl IntoView {
    let rows = pieces
        .into_iter()
        .map(|p| {
            let kind = match p.href {
                Some(href) => view! { <a href=href>{p.kind}</a> }.into_any(),
                None => p.kind.into_any(),
            };
            let status = match p.reason {
                Some(reason) => view! { <Badge text=p.status tone=p.tone />" "{reason} }.into_any(),
                None => view! { <Badge text=p.status tone=p.tone /> }.into_any(),
            };
            Row::new(vec![
                kind,
                p.description.into_any(),
                p.received.into_any(),
                status,
            ])
        })
        .collect::<Vec<_>>();
    view! {
        <Table caption="Les pièces envoyées" headers=vec!["Pièce", "Fichier", "Reçue le", "État"] rows
            empty="Aucune pièce envoyée pour l'instant." />
        {(!missing.is_empty()).then(|| view! {
            <Notice kind=NoticeKind::Info title=Some("Pièces obligatoires manquantes".to_owned())>
                <ul>{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
            </Notice>
        })}
        {form.map(|form| {
            let PieceForm { action, kinds, certificate_date, rpps } = form;
            view! {
                <h2>"Envoyer une pièce"</h2>
                <p>"Le certificat médical et les autres pièces médicales sont envoyés « sous pli confidentiel » : seuls les médecins de l'équipe d'évaluation les lisent."</p>
                <form method="post" action=action novalidate=true enctype="multipart/form-data">
                    <CsrfField token=csrf />
                    <SelectField name="nature" label="Quelle pièce envoyez-vous ?" options=kinds error=errors.of("nature") />
                    <FileField name="fichier" label="Le fichier" error=errors.of("fichier") />
                    <TextField name="date_certificat" label="Pour le certificat médical : sa date" kind="date"
                        width=FieldWidth::Chars10 value=certificate_date optional=true
                        hint="La date écrite par le médecin en dernière page ; le certificat doit avoir moins d'un an."
                        error=errors.of("date_certificat") />
                    <TextField name="rpps" label="Pour le certificat médical : le numéro RPPS du médecin" width=FieldWidth::Chars20
                        inputmode="numeric" value=rpps optional=true
                        hint="11 chiffres, près de la signature du médecin."
                        error=errors.of("rpps") />
                    <button type="submit">"Envoyer la pièce"</button>
                </form>
            }
        })}
    }
}

/// The pieces step of a draft.
#[derive(Clone, Debug)]
pub struct DraftPiecesView {
    pub pieces: Vec<PieceRow>,
    pub missing: Vec<String>,
    pub form: PieceForm,
    pub previous_href: String,
    pub next_href: String,
    pub on_behalf: Option<String>,
}

#[component]
pub fn DraftPiecesPage(
    ctx: PageContext,
    view: DraftPiecesView,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let DraftPiecesView {
        pieces,
        missing,
        form,
        previous_href,
        next_href,
        on_behalf,
    } = view;
    view! {
        <Document ctx title="Demande à la MDPH — les pièces".into()>
            <h1>"Demande à la MDPH"</h1>
            <p class="steps">"Les pièces à joindre"</p>
            <OnBehalf on_behalf />
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <p>"Vous pouvez déposer votre demande même s'il manque une pièce : la MDPH vous la demandera. Votre demande n'est étudiée qu'une fois complète."</p>
            <PiecesSection csrf pieces missing form=Some(form) errors />
            <p><a href=next_href class="button">"Continuer vers le récapitulatif"</a></p>
            <p><a href=previous_href>"Revenir aux droits demandés"</a></p>
        </Document>
    }
}

/// One part of the review: its title, answers and where to change them.
#[derive(Clone, Debug)]
pub struct ReviewPart {
    pub title: String,
    pub change_href: String,
    pub answers: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct ReviewView {
    pub parts: Vec<ReviewPart>,
    pub rights: Vec<String>,
    pub rights_href: String,
    pub pieces_href: String,
    pub pieces: Vec<String>,
    pub missing: Vec<String>,
    pub action: String,
    pub on_behalf: Option<String>,
}

/// The review before filing, and the signature.
#[component]
pub fn ReviewPage(ctx: PageContext, view: ReviewView, errors: FieldErrors) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let ReviewView {
        parts,
        rights,
        rights_href,
        pieces_href,
        pieces,
        missing,
        action,
        on_behalf,
    } = view;
    let signed_error = errors.of("signature");
    let signed_invalid = signed_error.is_some();
    let (heading, certify, button) = if on_behalf.is_some() {
        (
            "Vérifiez la demande à la MDPH avec la personne",
            "La personne certifie sur l'honneur l'exactitude des informations de cette demande, relue avec elle, pour elle-même ou pour la personne qu'elle représente",
            "Déposer la demande pour elle",
        )
    } else {
        (
            "Vérifiez votre demande à la MDPH",
            "Je certifie sur l'honneur l'exactitude des informations de cette demande, pour moi-même ou pour la personne que je représente",
            "Déposer ma demande",
        )
    };
    view! {
        <Document ctx title="Demande à la MDPH — récapitulatif".into()>
            <h1>{heading}</h1>
            <OnBehalf on_behalf />
            <ErrorSummary errors />
            {parts.into_iter().map(|part| {
                let rows = part.answers.into_iter().map(|(label, value)| SummaryRow::text(label, value).changed_at(part.change_href.clone())).collect();
                view! {
                    <h2>{part.title}</h2>
                    <SummaryList rows />
                }
            }).collect_view()}
            <h2>"Partie E — Les droits demandés"</h2>
            <ul>{rights.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            <p><a href=rights_href>"Modifier les droits demandés"</a></p>
            <h2>"Les pièces"</h2>
            {if pieces.is_empty() {
                view! { <p>"Aucune pièce envoyée."</p> }.into_any()
            } else {
                view! { <ul>{pieces.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul> }.into_any()
            }}
            {(!missing.is_empty()).then(|| view! {
                <Notice kind=NoticeKind::Info title=Some("Il manque des pièces obligatoires".to_owned())>
                    <p>"Vous pouvez déposer maintenant et les envoyer ensuite depuis votre espace ; la MDPH étudiera votre demande une fois complète."</p>
                    <ul>{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </Notice>
            })}
            <p><a href=pieces_href>"Ajouter des pièces"</a></p>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <div class="field" class:field-invalid=signed_invalid>
                    {signed_error.map(|e| view! { <p class="field-error" id="signature-error">{e}</p> })}
                    <div class="choice">
                        <input type="checkbox" id="signature" name="signature" value="oui" />
                        <label for="signature">{certify}</label>
                    </div>
                </div>
                <button type="submit">{button}</button>
            </form>
        </Document>
    }
}

/// A right asked for, as the file's pages list it.
#[derive(Clone, Debug)]
pub struct RequestRow {
    pub right: String,
    pub status: String,
    pub due: String,
    /// The decision's notification, once notified.
    pub notification: Option<String>,
    /// Where the person contests the decision, while they may.
    pub contest: Option<String>,
    /// Where their appeal stands.
    pub appeal: Option<String>,
}

pub(super) fn request_table(
    caption: &'static str,
    due: &'static str,
    requests: Vec<RequestRow>,
) -> impl IntoView {
    let rows = requests
        .into_iter()
        .map(|r| {
            let status = view! {
                {r.status}
                {r.notification.map(|href| view! { " — "<a href=href>"Lire la notification (PDF)"</a> })}
                {r.contest.map(|href| view! { " — "<a href=href>"Contester cette décision"</a> })}
                {r.appeal.map(|text| view! { <br />{text} })}
            }
            .into_any();
            Row::new(vec![r.right.into_any(), status, r.due.into_any()])
        })
        .collect();
    view! { <Table caption headers=vec!["Droit", "État", due] rows empty="Aucun droit demandé." /> }
}

/// A filed file, as the person reads it.
#[derive(Clone, Debug)]
pub struct MyFileView {
    pub reference: String,
    pub status: String,
    pub tone: Tone,
    pub facts: Vec<(String, String)>,
    pub requests: Vec<RequestRow>,
    pub asked: Option<String>,
    pub pieces: Vec<PieceRow>,
    pub missing: Vec<String>,
    pub form: Option<PieceForm>,
    pub explain_action: Option<String>,
    pub explanation: String,
    /// The compensation plan, once sent: where to read it, and whether an answer is awaited.
    pub plan: Option<(String, Option<String>)>,
    /// The AAH asked of the CAF under the person's consent, when the file asks for the AAH.
    pub caf: Option<CafView>,
}

/// The CAF exchange for the AAH, as the person or the team reads it.
#[derive(Clone, Debug)]
pub struct CafView {
    /// Where it stands, in a sentence.
    pub state: String,
    /// The CAF's answer: (what, value).
    pub lines: Vec<(String, String)>,
    /// Where the person agrees (their page only, while no consent is live).
    pub agree_action: Option<String>,
}

/// The CAF exchange's section: `heading` differs for the person and the team.
#[component]
pub fn CafSection(csrf: String, caf: CafView, heading: &'static str) -> impl IntoView {
    let CafView {
        state,
        lines,
        agree_action,
    } = caf;
    view! {
        <h2>{heading}</h2>
        <p>{state}</p>
        {(!lines.is_empty()).then(|| view! { <SummaryList rows=SummaryRow::pairs(lines) /> })}
        {agree_action.map(|action| view! {
            <p>"Si vous percevez déjà l'allocation aux adultes handicapés, la MDPH peut le demander directement à la CAF (ou à la MSA) au lieu de vous demander un justificatif. Rien n'est demandé sans votre accord ; il vaut un an, et vous pouvez le retirer à tout moment dans « Mes données »."</p>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <button type="submit" class="secondary">"J'accepte que la MDPH le demande à la CAF"</button>
            </form>
        })}
    }
}

#[component]
pub fn MyFilePage(
    ctx: PageContext,
    view: MyFileView,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let csrf_explain = ctx.csrf.clone();
    let MyFileView {
        reference,
        status,
        tone,
        facts,
        requests,
        asked,
        pieces,
        missing,
        form,
        explain_action,
        explanation,
        plan,
        caf,
    } = view;
    let explanation_error = errors.of("explication");
    let csrf_caf = ctx.csrf.clone();
    view! {
        <Document ctx title=format!("Demande {reference}")>
            <h1>{format!("Demande à la MDPH {reference}")}</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <p><Badge text=status tone /></p>
            <SummaryList rows=SummaryRow::pairs(facts) />
            {asked.map(|asked| view! {
                <Notice kind=NoticeKind::Info title=Some("La MDPH attend des pièces".to_owned())>
                    <p>{asked}</p>
                </Notice>
            })}
            {plan.map(|(href, awaited)| match awaited {
                Some(by) => view! {
                    <Notice kind=NoticeKind::Info title=Some("Votre plan de compensation vous attend".to_owned())>
                        <p>{format!("L'équipe a fait ses propositions à la commission. Vous pouvez y répondre jusqu'au {by}. ")}<a href=href>"Lire le plan et répondre"</a></p>
                    </Notice>
                }.into_any(),
                None => view! { <p><a href=href>"Lire votre plan personnalisé de compensation"</a></p> }.into_any(),
            })}
            <h2>"Les droits demandés"</h2>
            {request_table("Chaque droit est étudié et décidé séparément", "Décision attendue au plus tard le", requests)}
            <h2>"Les pièces"</h2>
            <PiecesSection csrf pieces missing form errors />
            {caf.map(|caf| view! { <CafSection csrf=csrf_caf caf heading="Votre AAH et la CAF" /> })}
            {explain_action.map(|action| view! {
                <h2>"Vous ne pouvez pas envoyer une pièce ?"</h2>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf_explain />
                    <TextArea name="explication" label="Expliquez pourquoi" value=explanation rows=4 maxlength=1000
                        hint="La MDPH lira votre explication avant de décider de la suite de votre demande."
                        error=explanation_error />
                    <button type="submit" class="secondary">"Envoyer l'explication"</button>
                </form>
            })}
        </Document>
    }
}
