use std::fmt;

use tenants::Module;

/// The journal's role for what the platform does by itself (a job's mail), not a person.
pub const AUTOMATIC_ROLE: &str = "automatic";

/// A staff role. Each role is scoped to one module, except the supervisor (figures of every
/// module the department has) and the department administrator (staff accounts, journal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Reception,
    AidInstructor,
    InsertionReferent,
    InsertionOrientation,
    DisabilityReception,
    DisabilityEvaluator,
    /// The evaluation team's doctors: the only ones who read medical content.
    DisabilityPhysician,
    DisabilityCommittee,
    Supervisor,
    Admin,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RoleError {
    #[error(
        "rôle inconnu « {0} » : les rôles possibles sont reception, aid_instructor, insertion_referent, insertion_orientation, disability_reception, disability_evaluator, disability_physician, disability_committee, supervisor, admin"
    )]
    Unknown(String),
    #[error(
        "le rôle « {role} » relève du module « {module} », auquel ce département n'est pas abonné : abonnez-le d'abord ou choisissez un autre rôle"
    )]
    ModuleNotSubscribed { role: String, module: String },
}

impl RoleError {
    /// The refusal as a form shows it: the form offers roles by name, so an unknown one is
    /// not answered with the ids the command line takes.
    pub fn on_form(&self) -> String {
        match self {
            RoleError::Unknown(id) => {
                let id: String = id.chars().filter(|c| !c.is_control()).take(40).collect();
                format!("« {id} » n'est pas un rôle proposé : cochez les rôles de la liste.")
            }
            RoleError::ModuleNotSubscribed { .. } => crate::audit::sentence(&self.to_string()),
        }
    }
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::Reception,
        Role::AidInstructor,
        Role::InsertionReferent,
        Role::InsertionOrientation,
        Role::DisabilityReception,
        Role::DisabilityEvaluator,
        Role::DisabilityPhysician,
        Role::DisabilityCommittee,
        Role::Supervisor,
        Role::Admin,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Role::Reception => "reception",
            Role::AidInstructor => "aid_instructor",
            Role::InsertionReferent => "insertion_referent",
            Role::InsertionOrientation => "insertion_orientation",
            Role::DisabilityReception => "disability_reception",
            Role::DisabilityEvaluator => "disability_evaluator",
            Role::DisabilityPhysician => "disability_physician",
            Role::DisabilityCommittee => "disability_committee",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Reception => "Accueil",
            Role::AidInstructor => "Instruction des demandes d'aide",
            Role::InsertionReferent => "Référent insertion",
            Role::InsertionOrientation => "Orientation insertion (RSA)",
            Role::DisabilityReception => "Accueil MDPH (recevabilité)",
            Role::DisabilityEvaluator => "Évaluation handicap",
            Role::DisabilityPhysician => "Médecin de l'équipe d'évaluation",
            Role::DisabilityCommittee => "Commission (CDAPH)",
            Role::Supervisor => "Supervision",
            Role::Admin => "Administration du département",
        }
    }

    /// Roles as a journal entry records them (ids, comma-separated), in words; the operator
    /// (who acts from the command line) and the platform's own jobs are named too, and an id
    /// no longer known is kept.
    pub fn labels_of(recorded: &str) -> String {
        recorded
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(|id| match (Role::parse(id), id) {
                (Ok(role), _) => role.label(),
                (Err(_), "operator") => "Opérateur de la plateforme",
                (Err(_), AUTOMATIC_ROLE) => "Envoi automatique de la plateforme",
                (Err(_), other) => other,
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The module this role works in; `None` for roles above modules.
    pub fn module(self) -> Option<Module> {
        match self {
            Role::Reception => Some(Module::UserRelations),
            Role::AidInstructor => Some(Module::AidRequests),
            Role::InsertionReferent | Role::InsertionOrientation => Some(Module::Insertion),
            Role::DisabilityReception
            | Role::DisabilityEvaluator
            | Role::DisabilityPhysician
            | Role::DisabilityCommittee => Some(Module::Disability),
            Role::Supervisor | Role::Admin => None,
        }
    }

    /// Roles that reach social or medical files, or every account: they never work on a
    /// password alone (a second factor, or ProConnect with one).
    pub fn always_requires_second_factor(self) -> bool {
        matches!(
            self,
            Role::InsertionReferent
                | Role::InsertionOrientation
                | Role::DisabilityReception
                | Role::DisabilityEvaluator
                | Role::DisabilityPhysician
                | Role::DisabilityCommittee
                | Role::Admin
        )
    }

    pub fn parse(input: &str) -> Result<Self, RoleError> {
        let s = input.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.id() == s)
            .ok_or_else(|| RoleError::Unknown(s.to_owned()))
    }

    /// Parses a role and checks that the department has its module.
    pub fn parse_for(input: &str, modules: &[Module]) -> Result<Self, RoleError> {
        let role = Role::parse(input)?;
        role.check_available(modules)?;
        Ok(role)
    }

    pub fn check_available(self, modules: &[Module]) -> Result<(), RoleError> {
        match self.module() {
            Some(m) if !modules.contains(&m) => Err(RoleError::ModuleNotSubscribed {
                role: self.label().to_owned(),
                module: m.label().to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// The roles a department with these modules can hand out.
    pub fn available(modules: &[Module]) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| r.check_available(modules).is_ok())
            .collect()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_roles_read_in_words() {
        assert_eq!(
            Role::labels_of("reception,aid_instructor"),
            "Accueil, Instruction des demandes d'aide"
        );
        assert_eq!(Role::labels_of("operator"), "Opérateur de la plateforme");
        assert_eq!(Role::labels_of(""), "");
    }

    #[test]
    fn every_role_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.id()), Ok(role));
        }
    }

    #[test]
    fn unknown_role_lists_the_choices() {
        let err = Role::parse("instructeur").unwrap_err();
        assert!(err.to_string().contains("aid_instructor"));
    }

    #[test]
    fn a_role_needs_its_module() {
        let only_aid = [Module::AidRequests];
        assert_eq!(
            Role::parse_for("aid_instructor", &only_aid),
            Ok(Role::AidInstructor)
        );
        assert!(matches!(
            Role::parse_for("insertion_referent", &only_aid),
            Err(RoleError::ModuleNotSubscribed { .. })
        ));
        assert_eq!(
            Role::available(&only_aid),
            vec![Role::AidInstructor, Role::Supervisor, Role::Admin]
        );
    }
}
