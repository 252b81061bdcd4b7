//! The operators' commands. Each returns an error whose message is one French line saying
//! what is wrong and how to fix it; `main` prints it and exits non-zero.

use anyhow::{Context, bail};
use tenants::{DomainName, Module, NewTenant, Platform, Slug, TenantStatus};

use crate::audit::{self, Verification};
use crate::config::{
    AuditCommand, RetentionCommand, StaffCommand, StatisticsCommand, TenantCommand,
};
use crate::journal_anchor::JournalAnchor;
use crate::staff::second_factor::SealKey;
use crate::staff::{self, Email, NewStaff, Role};

async fn tenant(platform: &Platform, slug: &str) -> anyhow::Result<tenants::Tenant> {
    let slug = Slug::parse(slug)?;
    platform.tenant_by_slug(&slug).await?.with_context(|| {
        format!("aucun département « {slug} » : `guichet tenant list` montre ceux qui existent")
    })
}

/// `guichet tenant …`; `store` gives the key an import opens second factors with.
pub async fn run_tenant(
    platform: &Platform,
    store: &crate::config::StoreArgs,
    command: TenantCommand,
) -> anyhow::Result<()> {
    match command {
        TenantCommand::Create {
            slug,
            name,
            modules,
            domain,
        } => {
            let new = NewTenant {
                slug: Slug::parse(&slug)?,
                name,
                modules: Module::parse_list(&modules)?,
                domain: domain.as_deref().map(DomainName::parse).transpose()?,
            };
            let tenant = platform.create_tenant(new).await?;
            println!(
                "département « {} » créé ({}), modules : {}",
                tenant.slug(),
                tenant.name(),
                Module::join(tenant.modules())
            );
        }
        TenantCommand::List { json } => {
            let tenants = platform.list_tenants().await?;
            if json {
                let records: Vec<_> = tenants.iter().map(|t| t.record()).collect();
                println!("{}", serde_json::to_string_pretty(&records)?);
            } else if tenants.is_empty() {
                println!(
                    "aucun département ; créez-en un avec `guichet tenant create SLUG --name NOM`"
                );
            } else {
                for t in tenants {
                    let status = match t.status() {
                        TenantStatus::Active => "actif",
                        TenantStatus::Suspended => "suspendu",
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        t.slug(),
                        t.name(),
                        status,
                        Module::join(t.modules()),
                        t.domain().unwrap_or("-")
                    );
                }
            }
        }
        TenantCommand::Suspend { slug } => {
            platform
                .set_tenant_status(&Slug::parse(&slug)?, TenantStatus::Suspended)
                .await?;
            println!("département « {slug} » suspendu");
        }
        TenantCommand::Resume { slug } => {
            platform
                .set_tenant_status(&Slug::parse(&slug)?, TenantStatus::Active)
                .await?;
            // Its waiting mail goes now rather than at the next sweep.
            if let Some(tenant) = platform.tenant_by_slug(&Slug::parse(&slug)?).await? {
                crate::mail::wake(platform, &tenant).await;
            }
            println!("département « {slug} » réactivé");
        }
        TenantCommand::Export { slug, out } => {
            let tenant = tenant(platform, &slug).await?;
            let entries = crate::transfer::export(platform, &tenant, &out).await?;
            println!(
                "département « {slug} » exporté dans {} ({entries} entrée(s) de journal)",
                out.display()
            );
        }
        TenantCommand::Import { file } => {
            let imported = crate::transfer::import(platform, &store.seal_key()?, &file).await?;
            println!(
                "département « {} » importé depuis {} ; {}",
                imported.tenant.slug(),
                file.display(),
                factors_text(&imported)
            );
        }
        TenantCommand::Remove { slug, yes } => {
            let slug = Slug::parse(&slug)?;
            if !yes {
                bail!(
                    "la suppression efface toutes les données du département « {slug} » : relancez avec --yes pour confirmer"
                );
            }
            platform.remove_tenant(&slug).await?;
            println!("département « {slug} » supprimé");
        }
    }
    Ok(())
}

pub async fn run_staff(platform: &Platform, command: StaffCommand) -> anyhow::Result<()> {
    match command {
        StaffCommand::Create {
            tenant: slug,
            email,
            role,
            name,
            public_url,
        } => {
            let tenant = tenant(platform, &slug).await?;
            let email = Email::parse(&email)?;
            let roles = role
                .iter()
                .map(|r| Role::parse_for(r, tenant.modules()))
                .collect::<Result<Vec<_>, _>>()?;
            let display_name = name.unwrap_or_else(|| {
                email
                    .as_str()
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            });
            let created = staff::create_account(
                platform,
                &tenant,
                NewStaff {
                    email,
                    display_name,
                    roles,
                    first_password: staff::FirstPassword::ChosenByOwner,
                },
                staff::Author::Operator("commande guichet staff create"),
            )
            .await?;
            let account = created.account;
            let token = created
                .activation_token
                .context("un compte créé ici reçoit toujours un lien d'activation")?;
            println!("compte {} créé dans « {} »", account.email, tenant.slug());
            println!(
                "lien d'activation, à transmettre à son titulaire seul ; il y choisit son mot de passe (valable {}, une seule fois) :",
                staff::lifecycle::LinkPurpose::Activation.lifetime_text()
            );
            println!(
                "{}/{}{}?jeton={token}",
                public_url.trim_end_matches('/'),
                tenant.slug(),
                crate::http::staff_password::LINK_PATH
            );
        }
        StaffCommand::ResetMfa {
            tenant: slug,
            email,
        } => {
            let tenant = tenant(platform, &slug).await?;
            let email = Email::parse(&email)?;
            let Some(account) = staff::list_accounts(platform, &tenant)
                .await?
                .into_iter()
                .find(|a| a.email == email.as_str())
            else {
                bail!(
                    "aucun compte {email} dans « {slug} » : vérifiez l'adresse (guichet staff create pour en créer un)"
                );
            };
            let by = staff::Author::Operator("commande guichet staff reset-mfa");
            if !staff::second_factor::remove(platform, &tenant, &account, by).await? {
                bail!("{email} n'a pas de double authentification : rien à réinitialiser");
            }
            println!(
                "double authentification de {email} réinitialisée : connexion avec le seul mot de passe, puis nouvel enregistrement depuis le tableau de bord"
            );
        }
    }
    Ok(())
}

pub async fn run_audit(
    platform: &Platform,
    anchor: &JournalAnchor,
    command: AuditCommand,
) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { slug } => {
            let tenant = tenant(platform, &slug).await?;
            let entries = match audit::verify(&tenant).await? {
                Verification::Intact { entries } => entries,
                Verification::Broken { seq, problem } => {
                    bail!("journal de « {slug} » rompu à l'entrée n° {seq} : {problem}");
                }
            };
            if let Some((seq, problem)) = anchor.contradiction(&tenant).await? {
                bail!("journal de « {slug} » rompu à l'entrée n° {seq} : {problem}");
            }
            let checkpoints = anchor.checkpoints(&tenant).await?.len();
            println!(
                "journal de « {slug} » intact : {entries} entrée(s) vérifiée(s), {checkpoints} point(s) de contrôle signé(s) concordant(s)"
            );
        }
        AuditCommand::Checkpoint { slug } => {
            let tenant = tenant(platform, &slug).await?;
            match anchor.checkpoint(&tenant).await? {
                Some(c) => println!(
                    "point de contrôle signé : journal de « {slug} » à l'entrée n° {} ({})",
                    c.seq, c.hash
                ),
                None => println!(
                    "journal de « {slug} » : rien de nouveau depuis le dernier point de contrôle"
                ),
            }
        }
    }
    Ok(())
}

pub async fn run_backup(
    platform: &Platform,
    anchor: &JournalAnchor,
    out: &str,
    only: Option<&str>,
) -> anyhow::Result<()> {
    let only = only.map(Slug::parse).transpose()?;
    let place = crate::backup::Place::parse(out)?;
    let manifest = crate::backup::backup_to(platform, anchor, &place, only.as_ref()).await?;
    for saved in &manifest.departments {
        println!(
            "département « {} » sauvegardé ({} entrée(s) de journal)",
            saved.slug, saved.journal_entries
        );
    }
    println!(
        "sauvegarde écrite dans {out} ({} département(s)) ; gardez à part la clé de la plateforme (GUICHET_SECRET_KEY ou secret.key) : la restauration en a besoin",
        manifest.departments.len()
    );
    Ok(())
}

pub async fn run_restore(
    platform: &Platform,
    sealing: (&JournalAnchor, &SealKey),
    dir: &str,
) -> anyhow::Result<()> {
    let place = crate::backup::Place::parse(dir)?;
    let restored = crate::backup::restore_from(platform, sealing, &place).await?;
    for done in &restored {
        println!(
            "département « {} » restauré ; journal intègre ({} entrée(s)), points de contrôle vérifiés ; {}",
            done.imported.tenant.slug(),
            done.entries,
            factors_text(&done.imported)
        );
    }
    println!("{} département(s) restauré(s) depuis {dir}", restored.len());
    Ok(())
}

/// What became of the staff's second factors, as the operator reads it.
fn factors_text(imported: &crate::transfer::Imported) -> String {
    let kept = format!(
        "{} second(s) facteur(s) d'agent repris",
        imported.factors_kept
    );
    match imported.factors_to_enrol {
        0 => kept,
        n => format!(
            "{kept}, {n} à enrôler de nouveau (scellés par la clé d'une autre plateforme : GUICHET_SECRET_KEY)"
        ),
    }
}

/// `guichet retention report|apply [SLUG]`: one department, or every active one.
pub async fn run_retention(
    platform: &Platform,
    anchor: &JournalAnchor,
    command: RetentionCommand,
) -> anyhow::Result<()> {
    use crate::retention::{self, Mode};
    let (slug, mode) = match command {
        RetentionCommand::Report { slug } => (slug, Mode::CountOnly),
        RetentionCommand::Apply { slug } => (slug, Mode::AsSet),
    };
    let tenants = match slug {
        Some(slug) => vec![tenant(platform, &slug).await?],
        None => platform
            .list_tenants()
            .await?
            .into_iter()
            .filter(|t| t.status() == tenants::TenantStatus::Active)
            .collect(),
    };
    let now = chrono::Utc::now();
    for tenant in tenants {
        println!("{} :", tenant.slug());
        for outcome in retention::pass(platform, Some(anchor), &tenant, now, mode).await? {
            let label = retention::category(outcome.category).map_or("", |c| c.label);
            let what = if outcome.applied {
                "supprimé(s)"
            } else {
                "à supprimer"
            };
            let held = match outcome.held {
                0 => String::new(),
                n => format!(", {n} conservé(s) pour un litige"),
            };
            println!(
                "  {:<24} {:>3} mois  {:>7} {what}{held}  ({label})",
                outcome.category, outcome.months, outcome.due
            );
        }
    }
    Ok(())
}

pub async fn run_statistics(platform: &Platform, command: StatisticsCommand) -> anyhow::Result<()> {
    use crate::statistics::{comparison, open_data};
    let today = crate::dates::today();
    match command {
        StatisticsCommand::Compute { slug, threshold } => {
            let done = match slug {
                Some(slug) => {
                    let tenant = tenant(platform, &slug).await?;
                    let figures = crate::statistics::indicators::compute(&tenant, today).await?;
                    comparison::share(platform, &tenant, threshold).await?;
                    vec![(slug, figures)]
                }
                None => crate::statistics::jobs::compute_all(platform, today, threshold).await?,
            };
            for (slug, figures) in done {
                println!("indicateurs de « {slug} » calculés : {figures} chiffre(s) mensuel(s)");
            }
        }
        StatisticsCommand::Compare { json } => {
            let bands = comparison::platform_view(platform).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&bands)?);
            } else {
                print!("{}", comparison::as_text(&bands));
            }
        }
        StatisticsCommand::OpenData { out } => {
            let rows = comparison::calendar_years(platform).await?;
            let (data, schema) = open_data::write(&out, &rows)?;
            println!(
                "données ouvertes : {} ligne(s) dans {}, schéma dans {}",
                rows.len(),
                data.display(),
                schema.display()
            );
        }
    }
    Ok(())
}

/// `guichet rsa-flux`: writes a generated monthly file (see `insertion::generator`).
pub fn write_rsa_flux(args: &crate::config::RsaFluxArgs) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use chrono::Datelike as _;
    let created = args.created_on.unwrap_or_else(crate::dates::today);
    // The month before the file's: its last day.
    let reference = created
        .with_day(1)
        .and_then(|first| first.pred_opt())
        .context("date de création")?;
    let out = std::fs::File::create(&args.out)
        .with_context(|| format!("impossible d'écrire {}", args.out.display()))?;
    let mut households =
        crate::insertion::generator::households(args.households, &args.department, args.seed)
            .collect::<Vec<_>>();
    if let (Some((family, given, born)), Some(first)) = (&args.applicant, households.first_mut()) {
        // Their fund number and NIR follow from who they are, not from the seed: the same
        // person in files of other seeds stays one person, and is no one else.
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(format!("{family};{given};{born}").as_bytes());
        let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 1_000_000;
        first.matricule = format!("{:07}00000000", 9_000_000 + n);
        first.state = crate::insertion::flux::RightState::Open;
        first.people.truncate(1);
        let applicant = &mut first.people[0];
        applicant.nir = Some(format!(
            "{}{:02}{:02}30{n:06}",
            applicant.sex,
            born.year() % 100,
            born.month()
        ));
        applicant.role = crate::insertion::flux::Role::Applicant;
        applicant.family_name = family.clone();
        applicant.birth_name = family.clone();
        applicant.given_name = given.clone();
        applicant.birth_date = Some(*born);
        applicant.rights_and_duties = Some(true);
    }
    let written = crate::insertion::generator::write(
        std::io::BufWriter::new(out),
        created,
        reference,
        households.into_iter(),
    )?;
    println!("{written} foyers écrits dans {}", args.out.display());
    Ok(())
}
