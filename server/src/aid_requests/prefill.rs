//! What national data means for a request's form: the answers it prefills, the certificates
//! it spares the citizen, the note under each question it concerns. National data knows
//! sources and facts (`national::RequestData`); only aid requests know forms.

use std::collections::HashSet;

use serde_json::Value;

use super::form::{Answer, FieldDef, FieldKind, FormDefinition};
use crate::national::{FactKey, RequestData, SourceStatus, pull};

/// The answer a received fact gives to a question asking for `key` (its `data` as
/// `national::normalize` keeps it).
pub fn answer(key: FactKey, data: &Value) -> Option<Answer> {
    let flag = |key: &str| data[key].as_bool().map(Answer::YesNo);
    match key {
        FactKey::FamilyQuotient => data["quotient_familial"]
            .as_i64()
            .map(|euros| Answer::Amount(euros * 100)),
        FactKey::Children => data["enfants"].as_i64().map(Answer::Number),
        FactKey::RsaBeneficiary | FactKey::AahBeneficiary => flag("beneficiaire"),
        FactKey::CssBeneficiary => data["statut"]
            .as_str()
            .map(|s| Answer::YesNo(s != "pas_de_css")),
        FactKey::Student | FactKey::JobSeeker => flag("inscrit"),
    }
}

/// A request's national data read against its form.
pub trait Prefill {
    /// The certificates the citizen need not send: their source is coming or came.
    fn waived(&self, form: &FormDefinition) -> HashSet<String>;
    /// The answer a received fact gives to this question, with its provenance.
    fn prefill(&self, field: &FieldDef) -> Option<(Answer, &pull::Fact)>;
    /// What the citizen reads under a question that national data concerns.
    fn note(&self, field: &FieldDef, answer: Option<&Answer>) -> Option<String>;
}

impl Prefill for RequestData {
    fn waived(&self, form: &FormDefinition) -> HashSet<String> {
        form.fields
            .iter()
            .filter(|f| f.kind == FieldKind::Document)
            .filter(|f| {
                f.fact.is_some_and(|fact| {
                    matches!(
                        self.status(fact.source()),
                        Some(SourceStatus::Pending | SourceStatus::Received(_))
                    )
                })
            })
            .map(|f| f.key.clone())
            .collect()
    }

    fn prefill(&self, field: &FieldDef) -> Option<(Answer, &pull::Fact)> {
        let fact_key = field.fact?;
        match self.status(fact_key.source())? {
            SourceStatus::Received(fact) => answer(fact_key, &fact.data).map(|a| (a, fact)),
            _ => None,
        }
    }

    fn note(&self, field: &FieldDef, answer: Option<&Answer>) -> Option<String> {
        let fact_key = field.fact?;
        let source = fact_key.source();
        let status = self.status(source)?;
        if field.kind == FieldKind::Document {
            return Some(match status {
                SourceStatus::Pending if self.service_down => format!(
                    "{} ne répond pas en ce moment : envoyez ce document, s'il vous plaît, pour que votre demande ne prenne pas de retard.",
                    crate::audit::sentence(source.provider())
                ),
                SourceStatus::Pending => format!(
                    "Inutile d'envoyer ce document : avec votre accord, nous demandons cette information à {} (demande en cours).",
                    source.provider()
                ),
                SourceStatus::Received(fact) => format!(
                    "Inutile d'envoyer ce document : {} nous a transmis cette information le {}.",
                    source.provider(),
                    fact.fetched_at.format("%d/%m/%Y")
                ),
                SourceStatus::Ended(_, reason) => format!(
                    "{} n'a pas pu nous transmettre cette information ({reason}) : envoyez ce document, s'il vous plaît.",
                    crate::audit::sentence(source.provider())
                ),
            });
        }
        let (value, fact) = self.prefill(field)?;
        let when = fact.fetched_at.format("%d/%m/%Y");
        Some(match answer {
            Some(given) if *given != value => format!(
                "Vous avez corrigé la valeur transmise par {} le {when} ({}).",
                source.provider(),
                value.display()
            ),
            _ => format!(
                "Pré-rempli avec l'information transmise par {} le {when}. Corrigez-la si elle n'est plus exacte.",
                source.provider()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::national::{Source, normalize};

    #[test]
    fn a_family_quotient_answers_in_cents_and_children_as_a_number() {
        let data = json!({
            "enfants": [{"prenoms": "A"}, {"prenoms": "B"}],
            "quotient_familial": {"fournisseur": "CNAF", "valeur": 612, "annee": 2026, "mois": 10},
        });
        let kept = normalize(Source::FamilyQuotient, &data);
        assert_eq!(
            answer(FactKey::FamilyQuotient, &kept),
            Some(Answer::Amount(61_200))
        );
        assert_eq!(answer(FactKey::Children, &kept), Some(Answer::Number(2)));
    }
}
