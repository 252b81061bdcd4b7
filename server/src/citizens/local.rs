//! Local accounts for citizens without FranceConnect: email confirmed by a link, argon2id
//! password, reset by email. Links carry a random token; only its SHA-256 is stored, and each
//! is good once.

use app::validation::FieldErrors;
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};
use tenants::Tenant;

use super::Citizen;
use crate::entity::{citizen, citizen_token};
use crate::links::{new_token, token_hash};
use crate::mail::{self, OutgoingMail};
use crate::staff::{Email, dummy_hash, hash_password, verify_password};

const CONFIRM: &str = "confirm";
const RESET: &str = "reset";
const CONFIRM_TTL_HOURS: i64 = 48;
const RESET_TTL_HOURS: i64 = 1;

/// What the sign-up form asks.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SignUp {
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub password: String,
    pub password_again: String,
}

impl SignUp {
    /// Checks every field; all problems at once, so the citizen fixes them in one go.
    pub fn validate(&self) -> Result<Email, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut error = |field, message: &str| errors.add(field, message);
        if self.given_name.trim().is_empty() {
            error("given_name", "Indiquez votre prénom.");
        } else if self.given_name.chars().count() > 100 {
            error(
                "given_name",
                "Le prénom est trop long (100 caractères au plus).",
            );
        }
        if self.family_name.trim().is_empty() {
            error("family_name", "Indiquez votre nom.");
        } else if self.family_name.chars().count() > 100 {
            error(
                "family_name",
                "Le nom est trop long (100 caractères au plus).",
            );
        }
        let email = Email::parse(&self.email);
        if email.is_err() {
            error(
                "email",
                "L'adresse électronique n'est pas valide : elle doit ressembler à prenom.nom@exemple.fr.",
            );
        }
        let about = [
            self.email.as_str(),
            self.given_name.as_str(),
            self.family_name.as_str(),
        ];
        crate::staff::new_password_errors(&self.password, &self.password_again, &about, &mut error);
        match email {
            Ok(email) if errors.is_empty() => Ok(email),
            _ => Err(errors),
        }
    }
}

/// Checks a new password and its confirmation.
pub fn validate_new_password(password: &str, again: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    crate::staff::new_password_errors(password, again, &[], &mut |field, message| {
        errors.add(field, message)
    });
    errors
}

async fn issue_token(
    txn: &DatabaseTransaction,
    citizen_id: i64,
    purpose: &str,
    ttl_hours: i64,
) -> Result<String, DbErr> {
    let (token, hash) = new_token();
    citizen_token::ActiveModel {
        token_hash: Set(hash),
        citizen_id: Set(citizen_id),
        purpose: Set(purpose.to_owned()),
        expires_at: Set(Utc::now() + Duration::hours(ttl_hours)),
        used_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(token)
}

/// Spends a token: the citizen it was for, if it is genuine, unused and unexpired.
async fn spend_token(
    txn: &DatabaseTransaction,
    token: &str,
    purpose: &str,
) -> Result<Option<i64>, DbErr> {
    let now = Utc::now();
    let found = citizen_token::Entity::find_by_id(token_hash(token))
        .filter(citizen_token::Column::Purpose.eq(purpose))
        .filter(citizen_token::Column::UsedAt.is_null())
        .filter(citizen_token::Column::ExpiresAt.gt(now))
        .one(txn)
        .await?;
    let Some(found) = found else {
        return Ok(None);
    };
    // Conditional, so that two uses racing spend it once.
    let spent = citizen_token::Entity::update_many()
        .col_expr(citizen_token::Column::UsedAt, Expr::value(now))
        .filter(citizen_token::Column::TokenHash.eq(found.token_hash.as_str()))
        .filter(citizen_token::Column::UsedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected;
    Ok((spent == 1).then_some(found.citizen_id))
}

/// Creates the account and mails the confirmation link (`confirm_url` + token). An address
/// already registered gets a mail saying so instead, and the page says the same either way:
/// the form does not reveal who has an account. The mail quotes nothing the visitor typed:
/// whoever signs up with someone else's address must not write to them in our name.
pub async fn sign_up(
    tenant: &Tenant,
    form: &SignUp,
    email: &Email,
    confirm_url: &str,
    sign_in_url: &str,
) -> Result<(), DbErr> {
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let txn = tenant.db().begin_write().await?;
    let existing = citizen::Entity::find()
        .filter(citizen::Column::LoginEmail.eq(email.as_str()))
        .one(&txn)
        .await?;
    if existing.is_some() {
        mail::queue(
            &txn,
            OutgoingMail {
                to: email.to_string(),
                subject: format!("Votre compte — {}", tenant.name()),
                text: format!(
                    "Bonjour,\n\nQuelqu'un (vous, sans doute) a demandé à créer un compte avec cette adresse, mais vous en avez déjà un.\n\nPour vous connecter : {sign_in_url}\nMot de passe oublié ? Vous pouvez le changer depuis cette page.\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\n{}\n",
                    tenant.name()
                ),
                attachments: vec![],
            },
        )
        .await?;
        txn.commit().await?;
        return Ok(());
    }
    let row = citizen::ActiveModel {
        fc_sub: Set(None),
        given_name: Set(form.given_name.trim().to_owned()),
        family_name: Set(form.family_name.trim().to_owned()),
        preferred_username: Set(String::new()),
        birthdate: Set(String::new()),
        gender: Set(String::new()),
        birthplace: Set(String::new()),
        birthcountry: Set(String::new()),
        email: Set(email.to_string()),
        login_email: Set(Some(email.to_string())),
        password_hash: Set(Some(hash)),
        email_confirmed_at: Set(None),
        created_at: Set(Utc::now()),
        last_sign_in_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let token = issue_token(&txn, row.id, CONFIRM, CONFIRM_TTL_HOURS).await?;
    mail::queue(
        &txn,
        OutgoingMail {
            to: email.to_string(),
            subject: format!("Confirmez votre adresse — {}", tenant.name()),
            text: format!(
                "Bonjour,\n\nPour activer votre compte, confirmez votre adresse électronique en ouvrant ce lien (valable {CONFIRM_TTL_HOURS} heures) :\n{confirm_url}{token}\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message : aucun compte ne sera activé.\n\n{}\n",
                tenant.name()
            ),
            attachments: vec![],
        },
    )
    .await?;
    txn.commit().await
}

/// Confirms the address a link was sent to; the citizen, now signed in, if the token was good.
pub async fn confirm_email(tenant: &Tenant, token: &str) -> Result<Option<Citizen>, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let Some(citizen_id) = spend_token(&txn, token, CONFIRM).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    let Some(row) = citizen::Entity::find_by_id(citizen_id).one(&txn).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    let mut row: citizen::ActiveModel = row.into();
    row.email_confirmed_at = Set(Some(Utc::now()));
    row.last_sign_in_at = Set(Some(Utc::now()));
    let row = row.update(&txn).await?;
    txn.commit().await?;
    Ok(Some(row.into()))
}

/// The outcome of a local sign-in.
#[derive(Debug)]
pub enum LocalSignIn {
    SignedIn(Box<Citizen>),
    /// Right password, but the address was never confirmed.
    Unconfirmed,
    WrongCredentials,
}

/// Checks a local account's credentials. Unknown addresses cost the same argon2 check.
pub async fn sign_in(tenant: &Tenant, email: &Email, password: &str) -> Result<LocalSignIn, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = citizen::Entity::find()
        .filter(citizen::Column::LoginEmail.eq(email.as_str()))
        .one(&txn)
        .await?;
    txn.commit().await?;
    let hash = row
        .as_ref()
        .and_then(|r| r.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    match row {
        Some(row) if matches && row.email_confirmed_at.is_none() => Ok(LocalSignIn::Unconfirmed),
        Some(row) if matches => {
            let txn = tenant.db().begin_write().await?;
            let mut active: citizen::ActiveModel = row.into();
            active.last_sign_in_at = Set(Some(Utc::now()));
            let row = active.update(&txn).await?;
            txn.commit().await?;
            Ok(LocalSignIn::SignedIn(Box::new(row.into())))
        }
        _ => Ok(LocalSignIn::WrongCredentials),
    }
}

/// Mails a reset link (`reset_url` + token) if a local account has this address; silent
/// otherwise (the page says the same either way).
pub async fn request_password_reset(
    tenant: &Tenant,
    email: &Email,
    reset_url: &str,
) -> Result<(), DbErr> {
    let txn = tenant.db().begin_write().await?;
    let Some(row) = citizen::Entity::find()
        .filter(citizen::Column::LoginEmail.eq(email.as_str()))
        .one(&txn)
        .await?
    else {
        txn.commit().await?;
        return Ok(());
    };
    let token = issue_token(&txn, row.id, RESET, RESET_TTL_HOURS).await?;
    mail::queue(
        &txn,
        OutgoingMail {
            to: email.to_string(),
            subject: format!("Changer votre mot de passe — {}", tenant.name()),
            text: format!(
                "Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, une seule fois) :\n{reset_url}{token}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.\n\n{}\n",
                tenant.name()
            ),
            attachments: vec![],
        },
    )
    .await?;
    txn.commit().await
}

/// Sets a new password if the reset token is good; also confirms the address (the link
/// proved it) and spends every other reset link of the account. Returns whose password it
/// was, whose sessions the caller ends (they live in the platform store).
pub async fn reset_password(
    tenant: &Tenant,
    token: &str,
    password: &str,
) -> Result<Option<i64>, DbErr> {
    let owned = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&owned))
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let txn = tenant.db().begin_write().await?;
    let Some(citizen_id) = spend_token(&txn, token, RESET).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    citizen_token::Entity::update_many()
        .col_expr(citizen_token::Column::UsedAt, Expr::value(Utc::now()))
        .filter(citizen_token::Column::CitizenId.eq(citizen_id))
        .filter(citizen_token::Column::Purpose.eq(RESET))
        .filter(citizen_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    let Some(row) = citizen::Entity::find_by_id(citizen_id).one(&txn).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    let confirmed = row.email_confirmed_at.unwrap_or_else(Utc::now);
    let mut row: citizen::ActiveModel = row.into();
    row.password_hash = Set(Some(hash));
    row.email_confirmed_at = Set(Some(confirmed));
    row.update(&txn).await?;
    txn.commit().await?;
    Ok(Some(citizen_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SignUp {
        SignUp {
            given_name: "Fatou".into(),
            family_name: "Diallo".into(),
            email: "fatou@exemple.fr".into(),
            password: "une phrase assez longue".into(),
            password_again: "une phrase assez longue".into(),
        }
    }

    #[test]
    fn a_complete_form_passes() {
        assert_eq!(form().validate().unwrap().as_str(), "fatou@exemple.fr");
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let bad = SignUp {
            given_name: " ".into(),
            family_name: String::new(),
            email: "pas-une-adresse".into(),
            password: "court".into(),
            password_again: "autre".into(),
        };
        let errors = bad.validate().unwrap_err();
        let fields: Vec<_> = errors
            .entries()
            .iter()
            .map(|(field, _)| field.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(
            fields,
            [
                "given_name",
                "family_name",
                "email",
                "password",
                "password_again"
            ]
        );
    }
}
